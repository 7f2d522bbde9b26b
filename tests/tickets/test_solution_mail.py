"""The solution's mail lists the articles that solved the ticket, as its reader may see them."""

import pytest

from kb_service.accounts.service import viewer_for
from kb_service.db import session_scope
from tests.builders import make_article, make_user
from tests.tickets.smtp_inbox import free_port, start_smtp
from tests.tickets.test_notifications import deliver
from tickets import desk, linking


@pytest.fixture
def inbox_settings(settings):
    port = free_port()
    controller, inbox = start_smtp(port)
    yield (
        inbox,
        settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
        ),
    )
    controller.stop()


def _solved_with_links(session, requester=None, email=None) -> str:
    """A ticket with a public, a customers' and an internal article used, its solution sent."""
    make_article(session, id="kb-public", title="Clearing a paper jam")
    make_article(session, id="kb-customers", title="Tray 2 for customers", groups=["customers"])
    make_article(session, id="kb-internal", title="Service menu codes", groups=["internal"])
    dispatcher = viewer_for(session, make_user(session, ("dispatcher",), password=None))
    ticket = desk.open_ticket(
        session,
        desk.NewTicket(
            subject="Paper jam",
            body="Tray 2 jams.",
            channel="portal",
            requester_email=requester.email if requester else email,
            requester_id=requester.id if requester else None,
            locale="en",
        ),
    )
    for article_id in ("kb-public", "kb-customers", "kb-internal"):
        linking.link(session, dispatcher, ticket, article_id)
    actor = desk.actor_for(dispatcher, ticket)
    desk.resolve(session, actor, ticket, "Pull tray 2 out fully.")
    if ticket.solution_sent_at is None:
        desk.send_solution(session, actor, ticket)
    return ticket.number


def _solution_mail(inbox, address, number):
    mails = [m for m in inbox.to(address) if m["Subject"].startswith(f"[Spravka #{number}] Sol")]
    assert len(mails) == 1, [m["Subject"] for m in inbox.to(address)]
    return mails[0].get_content()


def test_a_client_of_an_organisation_is_sent_the_articles_they_may_read(sessions, inbox_settings):
    inbox, settings = inbox_settings
    with session_scope(sessions) as s:
        client = make_user(s, ("client",), "Org A", locale="en", password=None)
        number, address = _solved_with_links(s, requester=client), client.email
    deliver(sessions, settings)
    text = _solution_mail(inbox, address, number)
    assert "Articles that helped solve it:" in text
    assert f"- Clearing a paper jam: {settings.base_url}/articles/kb-public" in text
    assert f"- Tray 2 for customers: {settings.base_url}/articles/kb-customers" in text
    assert "Service menu codes" not in text and "kb-internal" not in text


def test_a_requester_without_an_account_is_sent_only_public_articles(sessions, inbox_settings):
    inbox, settings = inbox_settings
    with session_scope(sessions) as s:
        number = _solved_with_links(s, email="visitor@example.test")
    deliver(sessions, settings)
    text = _solution_mail(inbox, "visitor@example.test", number)
    assert "Clearing a paper jam" in text
    assert "Tray 2 for customers" not in text and "Service menu codes" not in text
