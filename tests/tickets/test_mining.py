"""Mining of solved tickets: a small bilingual history grouped by what it is about, tickets an
article covers left out, incremental runs that keep topic ids, and `spravka mine --json`."""

import json

import pytest
from sqlalchemy import select

from kb_service.cli import app
from kb_service.db import session_scope
from tests.builders import make_article
from tests.kb_service.test_import_cli import cli_env, runner, write_jsonl  # noqa: F401
from tickets.importing import TICKETS, TicketImport
from tickets.jobs import jobs
from tickets.mining import cache_path, mine
from tickets.mining_models import OPEN, MinedTicket, MinedTopic
from tickets.mining_space import problem_text
from tickets.models import Ticket, TicketArticle

JAM_RU = [
    ("Принтер зажевал бумагу", "Принтер в бухгалтерии зажевал бумагу, лист застрял внутри."),
    ("Замятие бумаги в принтере", "Бумага застревает в принтере на каждом листе, замятие."),
    ("Принтер мнёт и зажёвывает бумагу", "Принтер зажевал бумагу, лист застрял в лотке."),
    ("Застряла бумага в принтере", "В принтере застряла бумага, индикатор замятия горит."),
]
VPN_EN = [
    ("Cannot log in to VPN", "VPN login fails with an authentication error since Monday."),
    ("VPN login failed", "The VPN client says login failed, authentication error."),
    ("VPN authentication error on login", "I cannot log in to the VPN, authentication fails."),
]
NOISE = [
    ("Заказать новый монитор", "Нужен второй монитор для нового сотрудника отдела продаж."),
    ("Office chair is broken", "The wheel of my office chair came off."),
    ("Пропуск на парковку", "Прошу оформить пропуск на парковку для гостя."),
]
RESOLUTIONS = {
    "jam": "Открыли заднюю крышку, извлекли застрявший лист, почистили ролик подачи.",
    "vpn": "Reset the VPN password in the portal and re-enrolled the token; login works.",
    "noise": "Done.",
}


def _history(prefix: str = "") -> list[dict]:
    records = []
    for topic, items in (("jam", JAM_RU), ("vpn", VPN_EN), ("noise", NOISE)):
        for n, (subject, body) in enumerate(items, start=1):
            records.append(
                {
                    "id": f"{prefix}{topic}-{n}",
                    "subject": subject,
                    "body": body,
                    "resolution": RESOLUTIONS[topic],
                    "status": "closed",
                }
            )
    return records


def _import(session, records) -> None:
    TICKETS.save(session, [(n, TicketImport(**r)) for n, r in enumerate(records, start=1)])


def _groups(session) -> dict[int, set[str]]:
    rows = session.execute(
        select(MinedTicket.topic_id, Ticket.import_id)
        .join(Ticket, Ticket.id == MinedTicket.ticket_id)
        .join(MinedTopic, MinedTopic.id == MinedTicket.topic_id)
        .where(MinedTopic.state == OPEN)
    )
    groups: dict[int, set[str]] = {}
    for topic, ticket in rows:
        groups.setdefault(topic, set()).add(ticket)
    return groups


def test_a_bilingual_history_is_grouped_by_what_it_is_about(session, settings):
    _import(session, _history())
    report = mine(session, cache_path(settings))
    groups = sorted(_groups(session).values(), key=len, reverse=True)
    assert groups == [{f"jam-{n}" for n in range(1, 5)}, {f"vpn-{n}" for n in range(1, 4)}]
    assert report.full and report.candidates == 10 and report.topics == 2
    jam = session.scalar(select(MinedTopic).order_by(MinedTopic.size.desc()).limit(1))
    assert (jam.size, jam.language) == (4, "ru")
    assert jam.title in {subject for subject, _ in JAM_RU}
    assert RESOLUTIONS["jam"] in jam.draft and "По 4 заявкам." in jam.draft
    vpn = session.scalar(select(MinedTopic).where(MinedTopic.size == 3))
    assert vpn.language == "en" and "Based on 3 tickets." in vpn.draft


def test_tickets_an_article_covers_or_not_solved_are_left_out(session, settings):
    make_article(session, id="kb-vpn", title="VPN login")
    history = _history()
    for record in history[4:6]:  # two of the three VPN tickets used an article
        record["articles"] = ["kb-vpn"]
    history[6]["status"] = "open"  # the third is not solved
    _import(session, history)
    mine(session, cache_path(settings))
    assert list(_groups(session).values()) == [{f"jam-{n}" for n in range(1, 5)}]


def test_an_incremental_run_adds_new_tickets_to_their_topics_and_keeps_ids(session, settings):
    _import(session, _history())
    mine(session, cache_path(settings))
    before = {frozenset(v): k for k, v in _groups(session).items()}
    jam_id = before[frozenset(f"jam-{n}" for n in range(1, 5))]
    vpn_id = before[frozenset(f"vpn-{n}" for n in range(1, 4))]
    _import(
        session,
        _history()
        + [
            {"id": "jam-5", "subject": "Зажевал бумагу принтер", "body": "Лист застрял в принтере.",
             "resolution": RESOLUTIONS["jam"]},
            {"id": "vpn-4", "subject": "VPN login error", "body": "Authentication error at login.",
             "resolution": RESOLUTIONS["vpn"]},
        ],
    )  # fmt: skip
    report = mine(session, cache_path(settings))
    assert not report.full and report.new == 2 and report.assigned == 2
    groups = _groups(session)
    assert groups[jam_id] == {f"jam-{n}" for n in range(1, 6)}
    assert groups[vpn_id] == {f"vpn-{n}" for n in range(1, 5)}
    assert session.get(MinedTopic, jam_id).size == 5
    mine(session, cache_path(settings), full=True)  # a full regroup keeps them too
    assert _groups(session) == groups


def test_new_tickets_that_fit_no_topic_group_with_the_unassigned_ones(session, settings):
    _import(session, _history())
    mine(session, cache_path(settings))
    topics = set(_groups(session))
    _import(
        session,
        [
            {"id": "chair-2", "subject": "Broken office chair", "body": "My office chair wheel "
             "broke off.", "resolution": "Replaced the chair.", "status": "closed"},
        ],
    )  # fmt: skip
    report = mine(session, cache_path(settings))
    assert report.created == 1 and not report.full
    (made,) = set(_groups(session)) - topics
    assert _groups(session)[made] == {"noise-2", "chair-2"}


def test_topics_lose_tickets_an_article_now_covers(session, settings):
    _import(session, _history())
    mine(session, cache_path(settings))
    make_article(session, id="kb-vpn", title="VPN login")
    covered = session.scalars(
        select(Ticket.id).where(Ticket.import_id.in_(["vpn-1", "vpn-2", "jam-4"]))
    ).all()
    for ticket_id in covered:
        session.add(TicketArticle(ticket_id=ticket_id, article_id="kb-vpn", relation="used"))
    session.flush()
    mine(session, cache_path(settings))
    [(jam, tickets)] = _groups(session).items()  # the VPN topic, down to one, is gone
    assert tickets == {"jam-1", "jam-2", "jam-3"}
    assert (
        session.get(MinedTopic, jam).size == 3
        and "По 3 заявкам." in session.get(MinedTopic, jam).draft
    )


def test_a_broken_cache_means_a_full_regroup(session, settings):
    _import(session, _history())
    mine(session, cache_path(settings))
    cache_path(settings).write_bytes(b"not numpy")
    assert mine(session, cache_path(settings)).full


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("VPN", "It fails.\n\nOn Mon, 1 Jan 2026, Bob wrote:\n> old text", "VPN\nIt fails."),
        ("Принтер", "Не печатает.\n-- \nИван, бухгалтерия", "Принтер\nНе печатает."),
        ("Printer", "Printer\nJams.\n> quoted\nAgain.", "Printer\nJams.\nAgain."),
    ],
)
def test_quoted_mail_and_signatures_are_not_part_of_the_problem(subject, body, expected):
    assert problem_text(subject, body) == expected


def test_mine_json_prints_the_design_shape(cli_env, tmp_path, sessions):  # noqa: F811
    history = _history()
    history[0]["id"] = "jam-1"
    file = write_jsonl(tmp_path / "history.jsonl", history)
    assert runner.invoke(app, ["import", "tickets", str(file)]).exit_code == 0
    with sessions.begin() as s:  # a ticket of this desk (no import id) in the VPN group
        ticket = s.scalar(select(Ticket).where(Ticket.import_id == "vpn-3"))
        ticket.import_id = None
        number = ticket.number
    result = runner.invoke(app, ["mine", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert list(shown) == ["clusters"]
    assert [sorted(c) for c in shown["clusters"]] == [["draft", "size", "tickets", "title"]] * 2
    jam, vpn = shown["clusters"]
    assert sorted(jam["tickets"]) == [f"jam-{n}" for n in range(1, 5)] and jam["size"] == 4
    assert sorted(vpn["tickets"]) == sorted(["vpn-1", "vpn-2", number])
    table = runner.invoke(app, ["mine"])
    assert table.exit_code == 0 and "2 open topics" in table.stdout


def test_mine_refuses_bad_usage(cli_env):  # noqa: F811
    result = runner.invoke(app, ["mine", "--clusters", "3"])
    assert result.exit_code == 2


def test_the_worker_mines_new_solved_tickets_on_its_schedule(sessions, settings):
    with session_scope(sessions) as s:
        _import(s, _history())
    job = next(j for j in jobs() if j.name == "mine")
    assert job.run(sessions, settings) == 0  # waits for its next turn, busy or not
    with sessions() as s:
        assert len(_groups(s)) == 2


def test_a_proposed_draft_holds_no_personal_data_of_its_tickets(session, settings):
    records = _history()
    for record in records:
        if record["id"].startswith("jam"):
            record["body"] += " Звоните Ивановой: +7 (912) 345-67-89, ivanova@alfa.example."
            record["resolution"] += " Отчёт отправлен на 10.1.2.3 для Ивановой."
    _import(session, records)
    mine(session, cache_path(settings))
    draft = session.scalars(
        select(MinedTopic.draft).where(MinedTopic.state == OPEN, MinedTopic.language == "ru")
    ).one()
    assert "застр" in draft.lower() or "замят" in draft.lower()  # the problem is still there
    for personal in ("345-67-89", "ivanova@alfa.example", "10.1.2.3"):
        assert personal not in draft
    assert "[телефон]" in draft and "[e-mail]" in draft


def test_a_desk_with_nothing_to_mine_yet_mines_nothing_quietly(session, settings):
    assert mine(session, cache_path(settings)).topics == 0
    _import(session, [{"id": "x-1", "subject": "?", "body": "...", "resolution": "ok",
                       "status": "closed"}])  # fmt: skip
    assert mine(session, cache_path(settings)).topics == 0
