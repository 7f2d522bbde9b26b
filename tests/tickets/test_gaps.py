"""The gap lists: what people searched for and did not find, grouped by normalised query."""

import pytest

from kb_service.access import Viewer
from kb_service.errors import Forbidden
from tests.tickets.history import WEEK, article, ask, at, search, ticket
from tickets import gaps

EDITOR = Viewer(kind="staff", user_id=None, roles=frozenset({"editor"}), groups=None)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Принтер  Ёлка?", "принтер елка"),
        ("«VPN» не работает!", "vpn не работает"),
        ("c++ compiler", "c++ compiler"),
        (" ... ", ""),
    ],
)
def test_gap_key_folds_case_yo_spaces_and_trims_punctuation(typed, key):
    assert gaps.gap_key(typed) == key


def test_zero_result_searches_group_by_normalised_query(session):
    search(session, at(1), query="ёлка", results=0, visit="a")
    search(session, at(2), query="елка?", results=0, visit="b")
    search(session, at(3), query="елка", results=0, visit="b")
    search(session, at(1), query="vpn", results=0, visit="c")
    search(session, at(1), query="vpn", results=0, visit="d", kind="staff")  # staff
    search(session, at(8), query="vpn", results=0, visit="e")  # after the period
    search(session, at(1), query="printer", results=4, visit="f")  # found something
    found = gaps.gaps(session, EDITOR, WEEK).no_result
    # "елка": 3 searches ("ёлка" and "елка?" fold to it) in visits a and b.
    assert [(g.query, g.searches, g.visits, g.last_seen) for g in found] == [
        ("елка", 3, 2, at(3)),
        ("vpn", 1, 1, at(1)),
    ]


def test_searches_with_results_but_no_click(session):
    a = article(session)
    search(session, at(1), query="toner", results=5, visit="a")
    search(session, at(2), query="Toner", results=7, visit="b")
    search(session, at(2), query="toner", results=5, clicked=a, visit="c")  # clicked
    search(session, at(2), query="fuser", results=0, visit="d")  # nothing found: other list
    found = gaps.gaps(session, EDITOR, WEEK).no_click
    assert [(g.query, g.searches, g.results) for g in found] == [("toner", 2, 7)]


def test_tickets_opened_after_a_search_in_the_same_visit(session):
    first = ticket(session, at(2))
    ask(session, at(2), outcome="ticket", ticket_=first, visit="v1")
    search(session, at(1, 23), query="scanner offline", visit="v1")
    search(session, at(2, 1), query="scanner", visit="v1")  # after the ticket: not before it
    second = ticket(session, at(3))
    ask(session, at(3), outcome="ticket", ticket_=second, visit="v2")
    search(session, at(2, 23), query="Scanner offline!", visit="v2")
    search(session, at(2, 22), query="scanner offline", visit="v2")
    search(session, at(1), query="scanner offline", visit="v3")  # no ticket in that visit
    found = gaps.gaps(session, EDITOR, WEEK).before_ticket
    # 3 searches before 2 tickets in 2 visits.
    assert [(g.query, g.searches, g.visits, g.tickets) for g in found] == [
        ("scanner offline", 3, 2, 2)
    ]


def test_gaps_are_for_editors_and_managers(session):
    engineer = Viewer(kind="staff", user_id=None, roles=frozenset({"engineer"}), groups=None)
    with pytest.raises(Forbidden):
        gaps.gaps(session, engineer, WEEK)
