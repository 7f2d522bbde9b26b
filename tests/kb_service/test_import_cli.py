"""`spravka import`: idempotent by id, all-or-nothing, every bad line named."""

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from kb_service.accounts.models import User
from kb_service.articles.models import Article, ArticleVersion
from kb_service.catalogue.models import Product
from kb_service.cli import app

runner = CliRunner()


@pytest.fixture
def cli_env(settings, sessions, monkeypatch):
    monkeypatch.setenv("SPRAVKA_DATABASE_URL", settings.sqlalchemy_url)
    monkeypatch.setenv("SPRAVKA_DATA_DIR", str(settings.data_dir))


def write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    return path


PRODUCTS = [
    {"id": "PRINT", "name": "Принтеры"},
    {"id": "LP-2040", "name": "Ладога LP-2040", "parent": "PRINT", "versions": ["3.2", "3.3"]},
]
ARTICLES = [
    {
        "id": "a1",
        "title": "Принтер не печатает",
        "body": "Очистите очередь.",
        "language": "ru",
        "products": ["LP-2040"],
        "category": "troubleshooting",
        "tags": ["printer"],
    },
    {
        "id": "a2",
        "title": "Paper jam",
        "body": "Open tray 2.",
        "language": "en",
        "groups": ["internal"],
    },
    {"id": "a3", "title": "Draft", "body": "Later.", "language": "en", "status": "draft"},
]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_importing_the_same_file_twice_leaves_the_same_articles(cli_env, tmp_path, session):
    assert (
        runner.invoke(
            app, ["import", "products", str(write_jsonl(tmp_path / "p.jsonl", PRODUCTS))]
        ).exit_code
        == 0
    )
    path = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    first = runner.invoke(app, ["import", "articles", str(path)])
    assert first.exit_code == 0, first.output
    assert "3 created" in first.output
    second = runner.invoke(app, ["import", "articles", str(path)])
    assert second.exit_code == 0, second.output
    assert "3 unchanged" in second.output
    assert count(session, Article) == 3
    # An unchanged re-import writes no new version either.
    assert count(session, ArticleVersion) == 3


def test_reimport_with_a_changed_body_updates_and_keeps_history(cli_env, tmp_path, session):
    runner.invoke(app, ["import", "products", str(write_jsonl(tmp_path / "p.jsonl", PRODUCTS))])
    runner.invoke(app, ["import", "articles", str(write_jsonl(tmp_path / "a.jsonl", ARTICLES))])
    changed = [{**ARTICLES[0], "body": "Перезапустите службу печати."}, *ARTICLES[1:]]
    result = runner.invoke(
        app, ["import", "articles", str(write_jsonl(tmp_path / "b.jsonl", changed))]
    )
    assert "1 updated" in result.output
    assert count(session, Article) == 3
    article = session.get(Article, "a1")
    assert article.version == 2
    assert "Перезапустите" in article.body_html


def test_a_bad_line_exits_2_names_it_and_imports_nothing(cli_env, tmp_path, session):
    runner.invoke(app, ["import", "products", str(write_jsonl(tmp_path / "p.jsonl", PRODUCTS))])
    lines = [json.dumps(r, ensure_ascii=False) for r in ARTICLES]
    lines.insert(1, '{"id": "broken", "title": "no body"')
    lines.append(json.dumps({"id": "x", "title": "T", "body": "B", "language": "de"}))
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["import", "articles", str(path)])
    assert result.exit_code == 2
    assert "line 2" in result.output and "line 5" in result.output
    assert "language" in result.output
    assert count(session, Article) == 0


def test_unknown_product_is_reported_with_its_line(cli_env, tmp_path, session):
    records = [{**ARTICLES[1], "products": ["NO-SUCH"]}]
    result = runner.invoke(
        app, ["import", "articles", str(write_jsonl(tmp_path / "a.jsonl", records))]
    )
    assert result.exit_code == 2
    assert "line 1" in result.output and "NO-SUCH" in result.output
    assert count(session, Article) == 0


def test_duplicate_ids_in_one_file_are_an_error(cli_env, tmp_path, session):
    result = runner.invoke(
        app,
        ["import", "articles", str(write_jsonl(tmp_path / "a.jsonl", [ARTICLES[1], ARTICLES[1]]))],
    )
    assert result.exit_code == 2
    assert "line 2" in result.output and "repeats line 1" in result.output


def test_missing_file_is_exit_2(cli_env, tmp_path):
    result = runner.invoke(app, ["import", "articles", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_products_import_children_before_parents_and_is_idempotent(cli_env, tmp_path, session):
    path = write_jsonl(tmp_path / "p.jsonl", list(reversed(PRODUCTS)))
    assert runner.invoke(app, ["import", "products", str(path)]).exit_code == 0
    assert runner.invoke(app, ["import", "products", str(path)]).exit_code == 0
    assert count(session, Product) == 2
    child = session.scalar(select(Product).where(Product.code == "LP-2040"))
    assert [v.name for v in child.versions] == ["3.2", "3.3"]


def test_user_add_and_token_create(cli_env, session):
    added = runner.invoke(
        app,
        [
            "user",
            "add",
            "Ed@Example.test",
            "--name",
            "Ed",
            "--role",
            "editor",
            "--role",
            "engineer",
            "--password",
            "long-enough-pass",
        ],
    )
    assert added.exit_code == 0, added.output
    token = runner.invoke(app, ["token", "create", "--user", "ed@example.test"])
    assert token.exit_code == 0
    assert token.output.strip().startswith("spr_")
    assert runner.invoke(app, ["token", "create", "--user", "nobody@example.test"]).exit_code == 2
    short = runner.invoke(app, ["user", "add", "x@example.test", "--password", "short"])
    assert short.exit_code == 2


def test_user_add_takes_the_persons_language(cli_env, session):
    args = ["user", "add", "en@example.test", "--password", "long-enough-pass"]
    assert runner.invoke(app, [*args, "--language", "en"]).exit_code == 0
    assert session.scalar(select(User.locale).where(User.email == "en@example.test")) == "en"
    wrong = runner.invoke(app, ["user", "add", "de@example.test", "--language", "de",
                                "--password", "long-enough-pass"])  # fmt: skip
    assert wrong.exit_code == 2 and "ru or en" in wrong.output


def import_bytes(tmp_path, what, data: bytes):
    path = tmp_path / f"{what}.jsonl"
    path.write_bytes(data)
    return runner.invoke(app, ["import", what, str(path)])


def jsonl_bytes(records) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_a_line_separator_inside_a_string_stays_in_the_text(cli_env, tmp_path, session, separator):
    record = {**ARTICLES[1], "body": f"Open tray 2.{separator}Then close it."}
    result = import_bytes(tmp_path, "articles", jsonl_bytes([record]))
    assert result.exit_code == 0, result.output
    assert session.get(Article, "a2").body_md == record["body"]


def test_unknown_products_are_reported_along_with_unparsable_lines(cli_env, tmp_path, session):
    data = b'{"id": "broken"\n' + jsonl_bytes([{**ARTICLES[1], "products": ["NO-SUCH"]}])
    result = import_bytes(tmp_path, "articles", data)
    assert result.exit_code == 2
    assert "line 1" in result.output and "line 2" in result.output
    assert "NO-SUCH" in result.output
    assert count(session, Article) == 0


def test_unknown_parents_are_reported_along_with_invalid_lines(cli_env, tmp_path, session):
    data = jsonl_bytes([{"id": "X", "name": ""}, {"id": "LP-1", "name": "LP", "parent": "NOPE"}])
    result = import_bytes(tmp_path, "products", data)
    assert result.exit_code == 2
    assert "line 1" in result.output and "line 2" in result.output
    assert "NOPE" in result.output
    assert count(session, Product) == 0


def test_invalid_utf8_is_reported_with_its_line_number(cli_env, tmp_path, session):
    good = jsonl_bytes([ARTICLES[1]])
    bad = json.dumps(ARTICLES[2]).encode().replace(b"Later", b"Lat\xff\xfer") + b"\n"
    unknown = jsonl_bytes([{**ARTICLES[0], "products": ["NO-SUCH"]}])
    result = import_bytes(tmp_path, "articles", good + bad + unknown)
    assert result.exit_code == 2
    assert "line 2" in result.output and "UTF-8" in result.output
    assert "line 3" in result.output and "NO-SUCH" in result.output
    assert count(session, Article) == 0


def test_a_utf8_byte_order_mark_before_line_1_is_accepted(cli_env, tmp_path, session):
    result = import_bytes(tmp_path, "products", b"\xef\xbb\xbf" + jsonl_bytes(PRODUCTS))
    assert result.exit_code == 0, result.output
    assert count(session, Product) == 2


def test_a_parent_cycle_is_reported_as_a_cycle_with_its_lines(cli_env, tmp_path, session):
    records = [
        {"id": "PRINT", "name": "Printers"},
        {"id": "A", "name": "A", "parent": "B"},
        {"id": "B", "name": "B", "parent": "A"},
        {"id": "SELF", "name": "Self", "parent": "SELF"},
    ]
    result = import_bytes(tmp_path, "products", jsonl_bytes(records))
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "line 2: parent cycle" in output and "line 3: parent cycle" in output
    assert "line 4: parent cycle" in output
    assert "unknown parent" not in output
    assert count(session, Product) == 0


def test_a_file_that_closes_a_cycle_with_stored_products_is_refused(cli_env, tmp_path, session):
    assert import_bytes(tmp_path, "products", jsonl_bytes(PRODUCTS)).exit_code == 0
    result = import_bytes(tmp_path, "products", jsonl_bytes([{**PRODUCTS[0], "parent": "LP-2040"}]))
    assert result.exit_code == 2
    assert "line 1: parent cycle" in " ".join(result.output.split())
