"""Tickets and the knowledge base: links, flags, drafts from solved tickets, standard answers."""

import pytest
from sqlalchemy import select

from kb_service.access import ANONYMOUS
from kb_service.accounts import service as accounts
from kb_service.accounts.service import viewer_for
from kb_service.articles.models import Article
from kb_service.catalogue.equipment import import_equipment
from kb_service.catalogue.schemas import EquipmentImport
from kb_service.errors import Forbidden, Invalid, InvalidTransition, NotFound
from kb_service.outbox import OutboxEvent
from tests.builders import make_article, make_product, make_user
from tickets import conversion, desk, linking, standard_answers
from tickets.models import TicketArticle, TicketCategory, TicketEvent

PROBLEM = (
    "Здравствуйте! Я Иванов Пётр Сергеевич из ООО «Ромашка». Принтер LP-2040 (S/N: XK7731) "
    "с адреса 192.168.10.25 не печатает, ошибка E-202 после обновления до 3.2.1 от 27.11.2026. "
    "Звоните +7 (912) 345-67-89 или пишите p.ivanov@romashka.ru."
)
SOLUTION = (
    "Пётр Сергеевич, сбросьте очередь печати и обновите драйвер по ссылке "
    "https://files.example.com/driver?token=9f8e7d6c5b4a3210&lang=ru, затем перезагрузите "
    "принтер. Иванову также отправили инструкцию на p.ivanov@romashka.ru."
)
PERSONAL = ("Иванов", "Пётр", "Сергеевич", "Ромашк", "XK7731", "192.168.10.25", "345-67-89",
            "p.ivanov", "9f8e7d6c5b4a3210")  # fmt: skip


@pytest.fixture
def desk_world(session):
    """A client of an organisation with equipment, staff of each kind, a product."""
    make_product(session, "LP-2040", name="LaserPrint 2040")
    organisation = accounts.get_or_create_organisation(session, "ООО «Ромашка»")
    client = make_user(
        session,
        ("client",),
        organisation.name,
        name="Иванов Пётр Сергеевич",
        email="p.ivanov@romashka.ru",
        password=None,
    )
    import_equipment(
        session,
        [(1, EquipmentImport(id="eq-1", organisation=organisation.name, product="LP-2040",
                             serial="XK7731"))],
    )  # fmt: skip
    people = {
        role: make_user(session, (role,), password=None)
        for role in ("engineer", "dispatcher", "editor", "manager")
    }
    return client, people


def _viewer(session, user):
    return viewer_for(session, user)


def _ticket(session, client, **fields):
    new = desk.NewTicket(
        subject=fields.pop("subject", "Не печатает принтер, ошибка E-202"),
        body=fields.pop("body", PROBLEM),
        channel="portal",
        requester_email=client.email,
        requester_id=client.id,
        requester_phone="+7 912 345-67-89",
        product_id=desk.product_id(session, "LP-2040"),
        **fields,
    )
    return desk.open_ticket(session, new)


def _solved(session, client, engineer, solution=SOLUTION, **fields):
    ticket = _ticket(session, client, **fields)
    desk.resolve(session, desk.actor_for(_viewer(session, engineer), ticket), ticket, solution)
    return _reloaded(session, ticket)


def _reloaded(session, ticket):
    session.flush()
    session.expire_all()
    return desk.get(session, _viewer(session, make_user(session, ("admin",))), ticket.number)


def _events(session, ticket, action):
    query = select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.action == action
    )
    return list(session.scalars(query))


def _outbox(session, event):
    rows = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == "ticket"))
    return [row.payload for row in rows if row.payload["event"] == event]


# --- Links --------------------------------------------------------------------------------


def test_engineer_links_an_article_that_solved_the_ticket(session, desk_world):
    client, people = desk_world
    article = make_article(session, id="kb-queue", title="Сброс очереди печати")
    ticket = _ticket(session, client)
    engineer = _viewer(session, people["engineer"])

    linking.link(session, engineer, ticket, article.id)
    linking.link(session, engineer, ticket, article.id)  # again: nothing more

    rows = list(session.scalars(select(TicketArticle).where(TicketArticle.ticket_id == ticket.id)))
    assert [(r.article_id, r.relation, r.by_id) for r in rows] == [
        ("kb-queue", "used", people["engineer"].id)
    ]
    [event] = _events(session, ticket, "link_article")
    assert event.changes == {"article": [None, "kb-queue"]} and event.is_internal
    assert event.actor_id == people["engineer"].id
    [payload] = _outbox(session, "article_linked")
    assert payload["article"] == "kb-queue" and payload["relation"] == "used"


def test_an_article_the_engineer_may_not_read_cannot_be_linked(session, desk_world):
    client, people = desk_world
    make_article(session, id="kb-draft", title="Someone's draft", status="draft")
    ticket = _ticket(session, client)
    with pytest.raises(NotFound):
        linking.link(session, _viewer(session, people["engineer"]), ticket, "kb-draft")
    with pytest.raises(NotFound):
        linking.link(session, _viewer(session, people["engineer"]), ticket, "no-such-article")
    assert not _events(session, ticket, "link_article")


def test_a_client_cannot_link_or_flag(session, desk_world):
    client, _ = desk_world
    make_article(session, id="kb-pub")
    ticket = _ticket(session, client)
    with pytest.raises(Forbidden):
        linking.link(session, _viewer(session, client), ticket, "kb-pub")
    with pytest.raises(Forbidden):
        linking.flag(session, _viewer(session, client), ticket, "kb-pub", "wrong")


def test_a_flag_keeps_its_reason_and_comment_and_a_second_flag_replaces_it(session, desk_world):
    client, people = desk_world
    make_article(session, id="kb-old", title="Old driver")
    ticket = _ticket(session, client)
    engineer = _viewer(session, people["engineer"])
    with pytest.raises(Invalid):
        linking.flag(session, engineer, ticket, "kb-old", "boring")

    linking.flag(session, engineer, ticket, "kb-old", "wrong", "Step 3 is missing")
    linking.flag(session, engineer, ticket, "kb-old", "outdated", "  Driver  5.1 is out ")

    [link] = linking.links(session, engineer, ticket)
    assert (link.relation, link.reason, link.comment) == (
        "flagged",
        "outdated",
        "Driver 5.1 is out",
    )
    reasons = [e.reason for e in _events(session, ticket, "flag_article")]
    assert reasons == ["wrong: Step 3 is missing", "outdated: Driver 5.1 is out"]
    assert len(_outbox(session, "article_linked")) == 2


def test_unlink_takes_a_used_link_back_and_says_so(session, desk_world):
    client, people = desk_world
    make_article(session, id="kb-pub")
    ticket = _ticket(session, client)
    engineer = _viewer(session, people["engineer"])
    linking.link(session, engineer, ticket, "kb-pub")

    linking.unlink(session, engineer, ticket, "kb-pub")

    assert linking.links(session, engineer, ticket) == []
    [event] = _events(session, ticket, "unlink_article")
    assert event.changes == {"article": ["kb-pub", None]}
    assert _outbox(session, "article_unlinked")[0]["article"] == "kb-pub"
    with pytest.raises(NotFound):
        linking.unlink(session, engineer, ticket, "kb-pub")


def test_the_client_is_shown_only_used_articles_they_may_read_once_solved(session, desk_world):
    client, people = desk_world
    make_article(session, id="kb-public", title="Public fix")
    make_article(session, id="kb-customers", title="For customers", groups=["customers"])
    make_article(session, id="kb-internal", title="Service menu", groups=["internal"])
    make_article(session, id="kb-flagged", title="Wrong one")
    ticket = _ticket(session, client)
    engineer = _viewer(session, people["engineer"])
    for article_id in ("kb-public", "kb-customers", "kb-internal"):
        linking.link(session, engineer, ticket, article_id)
    linking.flag(session, engineer, ticket, "kb-flagged", "wrong")
    requester = _viewer(session, client)
    assert linking.solved_by(session, requester, ticket) == []  # not solved yet

    desk.resolve(session, desk.actor_for(engineer, ticket), ticket, "Done.")

    assert [a.id for a in linking.solved_by(session, requester, ticket)] == [
        "kb-public",
        "kb-customers",
    ]
    assert [a.id for a in linking.solved_by(session, ANONYMOUS, ticket)] == ["kb-public"]
    staff_sees = {(k.article.id, k.relation) for k in linking.links(session, engineer, ticket)}
    assert ("kb-internal", "used") in staff_sees and ("kb-flagged", "flagged") in staff_sees


# --- Drafts from solved tickets -------------------------------------------------------------


def test_a_solved_ticket_becomes_an_internal_draft_without_personal_data(session, desk_world):
    client, people = desk_world
    ticket = _solved(session, client, people["engineer"])
    engineer = _viewer(session, people["engineer"])

    article = conversion.draft_from_ticket(session, engineer, ticket)

    assert (article.status, article.language, article.group_names) == ("draft", "ru", ["internal"])
    assert [p.code for p in article.products] == ["LP-2040"]
    assert article.author_id == people["engineer"].id
    assert article.title == "Не печатает принтер, ошибка E-202"
    body = article.body_md
    assert body.startswith("## Проблема\n\n") and "\n## Решение\n\n" in body
    for kept in ("LP-2040", "E-202", "3.2.1", "27.11.2026", "сбросьте очередь печати",
                 "https://files.example.com/driver?token=[token]&lang=ru", "[телефон]",
                 "[e-mail]", "[IP]", "[серийный номер]", "[имя]", "[организация]"):  # fmt: skip
        assert kept in body, kept
    for datum in PERSONAL:
        assert datum.lower() not in (article.title + body).lower(), datum
    link = session.get(TicketArticle, (ticket.id, article.id, "created"))
    assert link is not None and link.by_id == people["engineer"].id
    [event] = _events(session, ticket, "create_article")
    assert event.changes == {"article": [None, article.id]}
    assert _outbox(session, "article_linked")[-1]["relation"] == "created"


def test_only_a_solved_ticket_by_a_writer_becomes_an_article(session, desk_world):
    client, people = desk_world
    open_ticket = _reloaded(session, _ticket(session, client))
    with pytest.raises(InvalidTransition):
        conversion.draft_from_ticket(session, _viewer(session, people["engineer"]), open_ticket)
    solved = _solved(session, client, people["engineer"])
    for who in ("dispatcher",):
        with pytest.raises(Forbidden):
            conversion.draft_from_ticket(session, _viewer(session, people[who]), solved)
    with pytest.raises(Forbidden):
        conversion.draft_from_ticket(session, _viewer(session, client), solved)
    assert session.scalar(select(Article.id).where(Article.status == "draft")) is None


def test_the_category_is_carried_over_only_when_the_kb_has_it(session, desk_world):
    client, people = desk_world
    fault = session.scalar(select(TicketCategory).where(TicketCategory.slug == "fault"))
    question = session.scalar(select(TicketCategory).where(TicketCategory.slug == "question"))
    make_article(session, id="kb-faults", category="fault")  # the KB has "fault"
    editor = _viewer(session, people["editor"])

    with_fault = _solved(session, client, people["engineer"], category_id=fault.id)
    assert conversion.draft_from_ticket(session, editor, with_fault).category.slug == "fault"
    with_question = _solved(session, client, people["engineer"], category_id=question.id)
    assert conversion.draft_from_ticket(session, editor, with_question).category is None
    assert session.scalar(select(Article.id).where(Article.category.has(slug="question"))) is None


def test_an_english_ticket_becomes_an_english_draft(session, desk_world):
    client, people = desk_world
    ticket = _solved(
        session,
        client,
        people["engineer"],
        solution="Reinstall the driver and call us on +44 20 7946 0958 if it fails.",
        subject="Printer shows E-202",
        body="The printer shows E-202 after the update; my phone is +1 (415) 555-2671.",
    )
    article = conversion.draft_from_ticket(session, _viewer(session, people["manager"]), ticket)
    assert article.language == "en"
    assert article.body_md.startswith("## Problem\n\n")
    assert "[phone]" in article.body_md and "555-2671" not in article.body_md
    assert "7946" not in article.body_md and "Reinstall the driver" in article.body_md


# --- Standard answers -----------------------------------------------------------------------


def test_placeholders_are_filled_by_plain_replacement_of_known_names():
    values = {"client_name": "Анна", "ticket_number": "10042", "engineer_name": "Олег"}
    text = (
        "{{client_name}}, заявка {{ ticket_number }}. {{ config.SECRET }} {{unknown}} — "
        "{{engineer_name}}"
    )
    assert standard_answers.fill(text, values) == (
        "Анна, заявка 10042. {{ config.SECRET }} {{unknown}} — Олег"
    )


def test_a_standard_answer_is_filled_with_the_tickets_fields(session, desk_world):
    client, people = desk_world
    make_article(
        session,
        id="kb-std",
        title="Restart",
        body="Dear {{client_name}} of {{organisation}}: ticket {{ticket_number}} about "
        "{{product}} is solved. {{engineer_name}}",
        standard_answer=True,
    )
    make_article(session, id="kb-plain", title="Not a standard answer")
    ticket = _reloaded(session, _ticket(session, client))
    engineer = _viewer(session, people["engineer"])

    article, text = standard_answers.answer_for(session, engineer, ticket, "kb-std", "Oleg")

    assert text == (
        f"Dear Иванов Пётр Сергеевич of ООО «Ромашка»: ticket {ticket.number} about "
        "LaserPrint 2040 is solved. Oleg"
    )
    with pytest.raises(NotFound):
        standard_answers.answer_for(session, engineer, ticket, "kb-plain", "Oleg")
