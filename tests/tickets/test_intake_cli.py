"""`spravka intake email`: files or standard input, one JSON object per message, exit 2 on
a usage error (in-process; test_intake_corpus.py runs the real command once)."""

import json

import pytest
from typer.testing import CliRunner

from kb_service.cli import app
from tests.tickets.intake_mail import PROBLEM, in_charset, mail

runner = CliRunner()


@pytest.fixture
def cli_env(settings, sessions, monkeypatch):
    monkeypatch.setenv("SPRAVKA_DATABASE_URL", settings.sqlalchemy_url)
    monkeypatch.setenv("SPRAVKA_DATA_DIR", str(settings.data_dir))


def _lines(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_files_are_reported_in_input_order_as_json(cli_env, tmp_path):
    first, again, empty = tmp_path / "a.eml", tmp_path / "b.eml", tmp_path / "c.eml"
    first.write_bytes(in_charset(PROBLEM.encode("cp1251"), None, subject="Принтер"))
    again.write_bytes(first.read_bytes())
    empty.write_bytes(b"")
    result = runner.invoke(app, ["intake", "email", "--json", str(first), str(again), str(empty)])
    [made, duplicate, held] = _lines(result)
    assert made == {
        "file": str(first),
        "outcome": "ticket",
        "ticket": made["ticket"],
        "subject": "Принтер",
        "text": PROBLEM,
    }
    assert isinstance(made["ticket"], int)
    assert (duplicate["outcome"], duplicate["ticket"]) == ("duplicate", made["ticket"])
    assert (held["outcome"], held["ticket"]) == ("quarantined", None)


def test_one_message_is_read_from_standard_input(cli_env):
    message = mail(body="x" * 5000)
    [taken] = _lines(runner.invoke(app, ["intake", "email", "--json"], input=message.as_bytes()))
    assert (taken["file"], taken["outcome"], len(taken["text"])) == ("-", "ticket", 2000)


def test_without_json_it_sums_up(cli_env, tmp_path):
    (tmp_path / "a.eml").write_bytes(mail().as_bytes())
    result = runner.invoke(app, ["intake", "email", str(tmp_path / "a.eml")])
    assert result.exit_code == 0 and "1 ticket" in result.stdout


@pytest.mark.parametrize("name", ["missing.eml", "."], ids=["missing", "directory"])
def test_missing_file_or_directory_is_a_usage_error_and_nothing_is_taken(cli_env, tmp_path, name):
    good = tmp_path / "good.eml"
    good.write_bytes(mail().as_bytes())
    result = runner.invoke(app, ["intake", "email", "--json", str(good), str(tmp_path / name)])
    assert result.exit_code == 2 and result.stdout == ""
