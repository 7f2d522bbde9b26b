"""The ask-form services: suggestions within visibility, deflection and the ticket's trail."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from indexer.index import SearchIndex
from kb_service.access import ANONYMOUS
from kb_service.activity import ActivityLog
from kb_service.db import utcnow
from kb_service.errors import Forbidden, Invalid, NotFound
from kb_service.feedback.service import record_view
from kb_service.search.feed import rebuild
from kb_service.search.service import SearchService
from tests.builders import make_article, make_viewer, open_ask
from tickets import asking, desk, service
from tickets.models import AskVisit
from tickets.schemas import TicketDraft, Upload
from tickets.trail import visit_trail


@pytest.fixture
def search(sessions, tmp_path):
    with sessions.begin() as s:
        make_article(s, id="pub", title="Printer queue is stuck", body="Restart the spooler.")
        make_article(s, id="int", title="Printer service codes", body="Printer spooler secrets.",
                     groups=["internal"])  # fmt: skip
    index = SearchIndex(tmp_path / "index")
    rebuild(index, sessions)
    yield SearchService(index, ActivityLog(sessions))
    index.close()


def test_suggestions_are_visible_articles_and_recorded_once(session, search):
    ask = open_ask(session, ANONYMOUS, "visit-1")
    first = asking.suggest(session, search, ANONYMOUS, ask, "printer spooler stuck")
    again = asking.suggest(session, search, ANONYMOUS, ask, "printer spooler stuck")
    assert [h.id for h in first] == [h.id for h in again] == ["pub"]
    suggestions = asking.suggestions_of(session, ask.id)
    assert [(s.article_id, s.times_shown) for s in suggestions] == [("pub", 2)]


def test_a_short_text_is_not_searched(session, search):
    ask = open_ask(session, ANONYMOUS, "visit-1")
    assert asking.suggest(session, search, ANONYMOUS, ask, "pr") == []


def test_only_a_suggested_article_can_deflect(session, search):
    ask = open_ask(session, ANONYMOUS, "visit-1")
    with pytest.raises(NotFound):
        asking.deflect(session, ANONYMOUS, ask, "pub")
    asking.suggest(session, search, ANONYMOUS, ask, "printer stuck")
    assert asking.deflect(session, ANONYMOUS, ask, "pub").outcome == "deflected"


def test_the_open_ask_visit_is_reused_within_a_visit(session):
    first = open_ask(session, ANONYMOUS, "visit-1")
    assert asking.start_ask(session, ANONYMOUS, "visit-1").id == first.id
    assert asking.start_ask(session, ANONYMOUS, "visit-2").id != first.id


def test_the_trail_collects_searches_views_and_suggestions_of_the_visit(session, search):
    search.search(session, ANONYMOUS, "printer", visit_id="visit-1")
    search.search(session, ANONYMOUS, "elsewhere", visit_id="visit-2")
    record_view(search.activity, ANONYMOUS, "pub", "visit-1")
    search.activity.flush()
    ask = open_ask(session, ANONYMOUS, "visit-1", "pub")
    asking.suggest(session, search, ANONYMOUS, ask, "printer stuck")
    session.flush()
    trail = visit_trail(session, ask, utcnow())
    assert [s["query"] for s in trail["searches"]] == ["printer"]
    assert [v["article_id"] for v in trail["viewed"]] == ["pub"]
    assert [s["article_id"] for s in trail["suggested"]] == ["pub"]
    assert trail["from_article"] == "pub"
    assert visit_trail(session, ask, utcnow() + timedelta(days=2))["searches"] == []


def _draft(**overrides) -> TicketDraft:
    return TicketDraft(**{"subject": "Printer", "body": "It does not print at all.", **overrides})


def test_a_client_ticket_takes_the_organisation_and_numbers_are_public(session, store):
    viewer = make_viewer(session, ["client"], organisation="Org")
    ask = open_ask(session, viewer, "visit-1")
    ticket = service.create_from_portal(
        session, viewer, ask, _draft(), store=store, anonymous_allowed=False
    )
    assert ticket.number == str(desk.FIRST_NUMBER + ticket.id)
    assert ticket.organisation_id is not None and ticket.requester_id == viewer.user_id
    assert session.scalar(select(AskVisit.outcome)) == "ticket"


def test_anonymous_tickets_need_the_setting_and_an_address(session, store):
    ask = open_ask(session, ANONYMOUS, "visit-1")
    with pytest.raises(Forbidden):
        service.create_from_portal(session, ANONYMOUS, ask, _draft(email="a@b.test"),
                                   store=store, anonymous_allowed=False)  # fmt: skip
    with pytest.raises(Invalid):
        service.create_from_portal(
            session, ANONYMOUS, ask, _draft(), store=store, anonymous_allowed=True
        )


def test_attachments_are_limited(session, store):
    ask = open_ask(session, ANONYMOUS, "visit-1")
    files = [Upload(filename=f"{i}.txt", content_type="text/plain", content=b"x") for i in range(6)]
    with pytest.raises(Invalid):
        service.create_from_portal(session, ANONYMOUS, ask, _draft(email="a@b.test"), files,
                                   store=store, anonymous_allowed=True)  # fmt: skip


def test_validation_names_every_bad_field():
    with pytest.raises(Invalid) as caught:
        service.validate_draft({"subject": "", "body": "short"})
    assert {e["where"] for e in caught.value.errors} == {"subject", "body"}


def test_an_anonymous_ticket_with_a_clients_address_does_not_join_their_account(session, store):
    from kb_service.accounts.service import viewer_for
    from tests.builders import make_user

    me = viewer_for(session, make_user(session, email="me@x.test"))
    ask = open_ask(session, ANONYMOUS, "visit-1")
    planted = service.create_from_portal(
        session, ANONYMOUS, ask, _draft(email="Me@X.test"), store=store, anonymous_allowed=True
    )
    assert planted.requester_email == "me@x.test"
    assert service.list_mine(session, me) == []
    with pytest.raises(NotFound):
        service.get_ticket(session, me, planted.number)
