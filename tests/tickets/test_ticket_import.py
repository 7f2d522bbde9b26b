"""`spravka import tickets`: another desk's history, idempotent by id, all-or-nothing."""

from sqlalchemy import func, select

from kb_service.accounts.models import Organisation
from kb_service.cli import app
from kb_service.outbox import OutboxEvent
from tests.builders import make_article, make_product
from tests.kb_service.test_import_cli import cli_env, runner, write_jsonl  # noqa: F401
from tickets.models import Ticket, TicketArticle, TicketMessage

TICKETS = [
    {"id": "T-1", "subject": "Принтер не печатает", "body": "Очередь стоит.",
     "resolution": "Очистили очередь печати.", "product": "LP-2040",
     "organisation": "ООО Ромашка", "articles": ["kb-print"],
     "created_at": "2025-03-01T09:00:00+03:00", "resolved_at": "2025-03-01T11:00:00+03:00"},
    {"id": "T-2", "subject": "Paper jam", "body": "Tray 2 jams.", "status": "open"},
]  # fmt: skip


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _seed(sessions):
    with sessions.begin() as s:
        make_product(s, "LP-2040")
        make_article(s, id="kb-print")


def test_a_second_import_updates_and_notifies_nobody(cli_env, tmp_path, sessions):  # noqa: F811
    _seed(sessions)
    with sessions() as s:
        events_before = _count(s, OutboxEvent)
    file = write_jsonl(tmp_path / "t.jsonl", TICKETS)
    first = runner.invoke(app, ["import", "tickets", str(file)])
    assert first.exit_code == 0, first.output
    assert "2 created" in first.output
    changed = [{**TICKETS[0], "subject": "Принтер не печатает совсем"}, TICKETS[1]]
    second = runner.invoke(app, ["import", "tickets", str(write_jsonl(file, changed))])
    assert second.exit_code == 0 and "2 updated" in second.output
    with sessions() as s:
        assert _count(s, Ticket) == 2 and _count(s, TicketMessage) == 1
        solved = s.scalar(select(Ticket).where(Ticket.import_id == "T-1"))
        assert solved.subject == "Принтер не печатает совсем" and solved.status == "closed"
        assert solved.resolved_at.hour == 8  # 11:00 in Moscow, kept in UTC
        assert s.scalar(select(TicketArticle.article_id)) == "kb-print"
        assert s.scalar(select(Organisation.name)) == "ООО Ромашка"
        assert s.scalar(select(Ticket.status).where(Ticket.import_id == "T-2")) == "open"
        assert _count(s, OutboxEvent) == events_before  # history, not news


def test_every_bad_line_is_named_and_nothing_imported(cli_env, tmp_path, sessions):  # noqa: F811
    _seed(sessions)
    lines = [
        TICKETS[0],
        {"id": "T-3", "subject": "No body"},
        {**TICKETS[1], "product": "NOPE", "articles": ["missing"]},
        {**TICKETS[1], "id": "T-1"},
    ]
    result = runner.invoke(
        app, ["import", "tickets", str(write_jsonl(tmp_path / "t.jsonl", lines))]
    )
    assert result.exit_code == 2
    expected_errors = (
        "line 2",
        "line 3: unknown product code 'NOPE'",
        "unknown article id(s) missing",
        "line 4: id 'T-1' repeats line 1",
    )
    for expected in expected_errors:
        assert expected in result.output
    with sessions() as s:
        assert _count(s, Ticket) == 0
