"""The console's queues: which tickets each view holds, search, sorting, and who may look."""

from datetime import timedelta

import pytest

from kb_service.db import utcnow
from kb_service.errors import Forbidden
from tests.builders import make_viewer
from tickets import desk, queues
from tickets.trail import summary

NOW = utcnow()


def _open(session, subject, due=None, **fields):
    """A ticket whose only deadline is `due` (the contract's terms are not under test)."""
    new = desk.NewTicket(subject, "body text", "phone", "caller@example.test", **fields)
    ticket = desk.open_ticket(session, new, now=NOW - timedelta(hours=1))
    ticket.response_due_at, ticket.resolution_due_at = None, due
    return ticket


def _subjects(session, viewer, view, q="", sort="due"):
    moment = queues.Moment.at(NOW)
    shown = queues.queue(session, viewer, view, queues.Filters(q=q), sort, 1, moment)
    return [t.subject for t in shown.rows]


def test_views_sort_tickets_by_deadline_state_and_assignee(session):
    staff = make_viewer(session, ["engineer"])
    _open(session, "late", due=NOW - timedelta(minutes=5))
    _open(session, "soon", due=NOW + timedelta(minutes=30))
    waiting = _open(session, "waiting")
    waiting.status = "waiting"
    mine = _open(session, "mine")
    mine.assignee_id = staff.user_id
    session.flush()
    assert _subjects(session, staff, "breached") == ["late"]
    assert _subjects(session, staff, "breaching") == ["soon"]
    assert _subjects(session, staff, "client") == ["waiting"]
    assert _subjects(session, staff, "mine") == ["mine"]
    assert _subjects(session, staff, "open")[:2] == ["late", "soon"]  # nearest deadline first
    assert set(_subjects(session, staff, "unassigned")) == {"late", "soon", "waiting"}


def test_search_matches_words_anywhere_and_escapes_wildcards(session):
    staff = make_viewer(session, ["dispatcher"])
    _open(session, "Printer jams", requester_phone="+7 900 111-22-33")
    _open(session, "100% broken")
    assert _subjects(session, staff, "open", "PRINTER 111-22") == ["Printer jams"]
    assert _subjects(session, staff, "open", "100%") == ["100% broken"]
    assert _subjects(session, staff, "open", "_") == []


def test_clients_may_not_see_the_queues(session):
    client = make_viewer(session, ["client"], "Org")
    with pytest.raises(Forbidden):
        _subjects(session, client, "open")


def test_the_trail_summary_counts_repeated_queries_once():
    trail = {"searches": [{"query": "a b", "results": 1}, {"query": "A  b", "results": 2}]}
    (only,) = summary(None, trail).searches
    assert (only.query, only.times, only.results) == ("a b", 2, 2)
