"""`spravka catalogue sync`: the catalogue follows the company's product database or a feed,
incrementally; bad rows are skipped and named, vanished products are discontinued."""

import json
import sqlite3

import pytest
from alembic import command
from sqlalchemy import select, text
from typer.testing import CliRunner

from indexer.index import SearchIndex
from indexer.search import search
from kb_service.catalogue.models import Product
from kb_service.catalogue.service import TOPIC
from kb_service.catalogue.sources import SourceError, read_feed, read_settings
from kb_service.catalogue.sync import sync_catalogue, sync_on_schedule
from kb_service.cli import app
from kb_service.db import alembic_config, make_engine, make_sessionmaker, migrate, session_scope
from kb_service.outbox import OutboxEvent
from kb_service.search import feed
from tests.builders import make_article, make_product
from tickets.jobs import DeskJobs, jobs

runner = CliRunner()

# The company's product database keeps its own names for everything.
COMPANY_SCHEMA = """
CREATE TABLE erp_item (item_no TEXT, title TEXT, family_no TEXT, releases TEXT, state TEXT,
                       notes TEXT);
CREATE TABLE erp_release (item TEXT, rel TEXT);
"""
MAPPING = """
url = "sqlite:///{path}"
table = "erp_item"

[columns]
code = "item_no"
name = "title"
parent = "family_no"
versions = "releases"
status = "state"
description = "notes"

[statuses]
A = "active"
EOL = "discontinued"
"""


@pytest.fixture
def company(tmp_path):
    """A real second SQLite database, and a settings file that maps its columns to ours."""
    path = tmp_path / "company.db"
    with sqlite3.connect(path) as db:
        db.executescript(COMPANY_SCHEMA)
        db.executemany(
            "INSERT INTO erp_item VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("PRINT", "Printers", None, None, "A", "All printers"),
                ("LP-2040", "LaserPrint 2040", "PRINT", "3.2, 3.3", "A", ""),
                ("LP-1010", "LaserPrint 1010", "PRINT", "1.0", "EOL", "Old model"),
            ],
        )
    settings = tmp_path / "catalogue.toml"
    settings.write_text(MAPPING.format(path=path))
    return path, settings


def company_sql(path, statement, *params):
    with sqlite3.connect(path) as db:
        db.execute(statement, params)


def products(session) -> dict[str, Product]:
    session.expire_all()
    return {p.code: p for p in session.scalars(select(Product))}


def changes(session) -> list[str]:
    """The codes of the catalogue's outbox events, oldest first."""
    query = select(OutboxEvent.key).where(OutboxEvent.topic == TOPIC).order_by(OutboxEvent.id)
    return list(session.scalars(query))


def test_the_company_database_is_read_through_the_mapping(company, session):
    _, settings = company
    report = sync_catalogue(session, read_settings(settings))
    assert sorted(report.created) == ["LP-1010", "LP-2040", "PRINT"]
    synced = products(session)
    lp = synced["LP-2040"]
    assert (lp.name, lp.parent_id, lp.status) == ("LaserPrint 2040", synced["PRINT"].id, "active")
    assert [v.name for v in lp.versions] == ["3.2", "3.3"]
    assert synced["LP-1010"].status == "discontinued"
    assert synced["PRINT"].description == "All printers"


def test_a_second_run_changes_nothing(company, session):
    _, settings = company
    sync_catalogue(session, read_settings(settings))
    session.flush()
    stamps = {code: p.updated_at for code, p in products(session).items()}
    events = changes(session)
    again = sync_catalogue(session, read_settings(settings))
    assert (again.created, again.updated, again.discontinued) == ([], [], [])
    assert again.unchanged == 3
    assert {code: p.updated_at for code, p in products(session).items()} == stamps
    assert changes(session) == events  # kept pages stay kept


def test_a_renamed_product_is_updated_under_the_same_code(company, session):
    path, settings = company
    sync_catalogue(session, read_settings(settings))
    company_sql(
        path, "UPDATE erp_item SET title = 'LaserPrint 2040 Pro' WHERE item_no = ?", "LP-2040"
    )
    events = changes(session)
    report = sync_catalogue(session, read_settings(settings))
    assert (report.updated, report.unchanged) == (["LP-2040"], 2)
    assert products(session)["LP-2040"].name == "LaserPrint 2040 Pro"
    assert len(products(session)) == 3
    assert changes(session) == [*events, "LP-2040"]  # pages naming it are made again


def test_a_vanished_product_is_discontinued_and_kept_with_what_points_to_it(company, session):
    path, settings = company
    sync_catalogue(session, read_settings(settings))
    make_article(session, id="jam", products=["LP-2040"])
    company_sql(path, "DELETE FROM erp_item WHERE item_no = ?", "LP-2040")
    events = changes(session)
    report = sync_catalogue(session, read_settings(settings))
    assert report.discontinued == ["LP-2040"]
    assert changes(session) == [*events, "LP-2040"]
    kept = products(session)["LP-2040"]
    assert kept.status == "discontinued" and [v.name for v in kept.versions] == ["3.2", "3.3"]
    assert sync_catalogue(session, read_settings(settings)).discontinued == []
    # Listed again, it is active again.
    company_sql(path, "INSERT INTO erp_item VALUES ('LP-2040', 'LaserPrint 2040', 'PRINT', "
                "'3.2', 'A', '')")  # fmt: skip
    assert sync_catalogue(session, read_settings(settings)).updated == ["LP-2040"]
    assert products(session)["LP-2040"].status == "active"


def test_versions_may_come_from_a_table_of_their_own(company, session, tmp_path):
    path, settings = company
    for item, rel in (("LP-2040", "4.0"), ("LP-2040", "4.1"), ("PRINT", "1")):
        company_sql(path, "INSERT INTO erp_release VALUES (?, ?)", item, rel)
    mapping = settings.read_text().replace('versions = "releases"\n', "")
    settings.write_text(
        mapping + '\n[versions]\ntable = "erp_release"\ncode = "item"\nversion = "rel"\n'
    )
    sync_catalogue(session, read_settings(settings))
    synced = products(session)
    assert [v.name for v in synced["LP-2040"].versions] == ["4.0", "4.1"]
    assert [v.name for v in synced["LP-1010"].versions] == []


def test_a_malformed_row_is_skipped_and_named_and_the_rest_synced(company, session):
    path, settings = company
    rows = [
        ("BAD CODE", "Spaces are not allowed", None, None, "A", ""),
        ("NO-NAME", None, None, None, "A", ""),
        ("ORPHAN", "Orphan", "NO-SUCH-FAMILY", None, "A", ""),
        ("ODD", "Odd status", None, None, "maybe", ""),
    ]
    for row in rows:
        company_sql(path, "INSERT INTO erp_item VALUES (?, ?, ?, ?, ?, ?)", *row)
    report = sync_catalogue(session, read_settings(settings))
    assert sorted(report.created) == ["LP-1010", "LP-2040", "PRINT"]
    reasons = dict(report.skipped)
    assert sorted(reasons) == ["BAD CODE", "NO-NAME", "ODD", "ORPHAN"]
    assert "name" in reasons["NO-NAME"]
    assert "NO-SUCH-FAMILY" in reasons["ORPHAN"]
    assert "'maybe'" in reasons["ODD"]


def test_a_parent_cycle_skips_its_members(session, tmp_path):
    feed = write_jsonl(tmp_path / "cycle.jsonl", [
        {"code": "A", "name": "A", "parent": "B"},
        {"code": "B", "name": "B", "parent": "A"},
        {"code": "C", "name": "C", "parent": "A"},
        {"code": "D", "name": "D"},
    ])  # fmt: skip
    report = sync_catalogue(session, read_feed(feed))
    assert report.created == ["D"]
    assert sorted(key for key, _ in report.skipped) == ["A", "B", "C"]


def test_a_malformed_row_of_a_known_product_does_not_discontinue_it(session, tmp_path):
    make_product(session, "LP-2040")
    feed = write_jsonl(tmp_path / "f.jsonl", [{"code": "LP-2040", "name": ""}])
    report = sync_catalogue(session, read_feed(feed))
    assert report.discontinued == [] and [k for k, _ in report.skipped] == ["LP-2040"]


def test_an_empty_source_changes_nothing(company, session):
    path, settings = company
    sync_catalogue(session, read_settings(settings))
    company_sql(path, "DELETE FROM erp_item")
    with pytest.raises(SourceError, match="no products"):
        sync_catalogue(session, read_settings(settings))


@pytest.mark.parametrize(
    "mapping, message",
    [
        ('url = "sqlite://"\ntable = "t"\n', "columns"),
        ('url = "sqlite://"\ntable = "t"\n[columns]\ncode = "c"\n', "must name name"),
        ('url = "sqlite://"\ntable = "t"\n[columns]\ncode = "c"\nname = "n"\ncolour = "x"\n',
         "unknown key"),
        ('url = "sqlite://"\ntable = "nowhere"\n[columns]\ncode = "c"\nname = "n"\n',
         "cannot read products"),
        ("url = ", "cannot read the catalogue settings"),
    ],
)  # fmt: skip
def test_unusable_settings_are_refused_before_anything_changes(tmp_path, mapping, message):
    settings = tmp_path / "catalogue.toml"
    settings.write_text(mapping)
    with pytest.raises(SourceError, match=message):
        read_settings(settings)


def write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    return path


FEED = [
    {"code": "PRINT", "name": "Принтеры"},
    {"id": "LP-2040", "name": "Ладога LP-2040", "parent": "PRINT", "versions": ["3.2", "3.3"]},
]


@pytest.fixture
def cli_env(settings, sessions, monkeypatch):
    monkeypatch.setenv("SPRAVKA_DATABASE_URL", settings.sqlalchemy_url)
    monkeypatch.setenv("SPRAVKA_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("SPRAVKA_CATALOGUE_SOURCE", raising=False)


def sync(*args):
    return runner.invoke(app, ["catalogue", "sync", *map(str, args)])


def test_a_jsonl_feed_with_a_malformed_line_syncs_the_rest(cli_env, tmp_path, session):
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in FEED] + ["{not json", '{"code": "X-1"}']
    path.write_text("\n".join(lines) + "\n")
    result = sync("--feed", path, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["created"] == ["PRINT", "LP-2040"]
    assert [s["key"] for s in report["skipped"]] == ["line 3", "X-1"]
    assert "JSON" in report["skipped"][0]["reason"]
    again = json.loads(sync("--feed", path, "--json").stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == ([], [], 2)


def test_a_csv_feed_with_a_malformed_row_syncs_the_rest(cli_env, tmp_path, session):
    path = tmp_path / "feed.csv"
    path.write_text(
        "code,name,parent,versions,status,description\n"
        'PRINT,Printers,,,active,"Printers, all of them"\n'
        'LP-2040,LaserPrint 2040,PRINT,"3.2,3.3",active,\n'
        "LP-9,Too,many,cells,active,,extra\n"
        ",No code,,,active,\n"
    )
    result = sync("--feed", path)
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 discontinued, 0 unchanged, 2 skipped" in result.stdout
    assert "skipped LP-9: more cells than the header names" in result.stderr
    assert "skipped line 5:" in result.stderr
    synced = products(session)
    assert [v.name for v in synced["LP-2040"].versions] == ["3.2", "3.3"]
    assert synced["PRINT"].description == "Printers, all of them"


def test_the_settings_file_comes_from_the_option_or_the_setting(cli_env, company, monkeypatch):
    _, settings = company
    assert sync("--source", settings).exit_code == 0
    monkeypatch.setenv("SPRAVKA_CATALOGUE_SOURCE", str(settings))
    result = sync("--json")
    assert json.loads(result.stdout)["unchanged"] == 3


def test_sync_without_a_source_or_with_a_broken_one_exits_2(cli_env, tmp_path):
    assert sync().exit_code == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("url = ")
    result = sync("--source", broken)
    assert result.exit_code == 2 and "cannot read the catalogue settings" in result.stderr
    assert sync("--feed", tmp_path / "feed.txt").exit_code == 2


def test_the_worker_syncs_on_its_schedule(company, sessions, settings, monkeypatch):
    _, source = company
    assert sync_on_schedule(sessions, settings) == 0  # unset: nothing to do
    job = next(j for j in jobs() if j.name == "catalogue_sync")
    scheduled = settings.model_copy(update={"catalogue_source": source, "catalogue_interval": 60})
    assert job.pause(scheduled) == 60
    DeskJobs(sessions, scheduled).run_once()
    with sessions() as session:
        assert len(products(session)) == 3


def test_existing_products_are_active_after_the_migration(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0010")
        connection.execute(
            text(
                "INSERT INTO product (code, name, description, created_at, updated_at) "
                "VALUES ('LP-2040', 'LaserPrint', '', '2026-01-01', '2026-01-01')"
            )
        )
    migrate(engine)
    with session_scope(make_sessionmaker(engine)) as session:
        assert session.scalar(select(Product.status)) == "active"
    engine.dispose()


def test_articles_of_a_product_moved_to_another_family_are_found_under_it(sessions, tmp_path):
    with sessions.begin() as s:
        for family in ("PRINT", "SCAN"):
            make_product(s, family)
        make_product(s, "LJ", parent="PRINT")
        make_product(s, "LJ-PRO", parent="LJ")
        make_article(s, id="jam", title="Paper jam", products=["LJ-PRO"])
    index = SearchIndex(tmp_path / "index")
    feed.rebuild(index, sessions)
    with sessions.begin() as s:
        make_product(s, "LJ", parent="SCAN")  # as the catalogue sync saves a move
    with sessions.begin() as s:
        while feed.feed_once(index, s):
            pass
    index.refresh()
    found = {family: search(index, "jam", groups=None, product=family).total for family in
             ("PRINT", "SCAN", "LJ")}  # fmt: skip
    assert found == {"PRINT": 0, "SCAN": 1, "LJ": 1}
