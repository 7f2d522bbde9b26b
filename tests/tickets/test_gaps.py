"""The gap lists: what people searched for and did not find, grouped by normalised query."""

import pytest

from kb_service.access import Viewer
from kb_service.errors import Forbidden
from tests.tickets.history import WEEK, article, ask, at, search, ticket
from tickets import gaps
from tickets.mining_models import OPEN, MinedTicket, MinedTopic

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


def test_tickets_after_a_search_meet_under_the_topic_they_were_mined_into(session):
    # Two visits searched in different words, opened tickets, which mining put in one topic;
    # a third ticket after a search fell in another topic, a fourth in none yet.
    tickets_ = []
    for n, (visit, words) in enumerate(
        (("v1", "бумага застряла"), ("v2", "замятие листа"), ("v3", "vpn"), ("v4", "монитор")),
        start=1,
    ):
        found = ticket(session, at(n + 1))
        ask(session, at(n + 1), outcome="ticket", ticket_=found, visit=visit)
        search(session, at(n), query=words, visit=visit)
        tickets_.append(found)
    search(session, at(1, 1), query="Бумага застряла!", visit="v1")
    jam = MinedTopic(title="Замятие бумаги", draft="", size=2, language="ru", state=OPEN)
    vpn = MinedTopic(title="VPN login", draft="", size=5, language="en", state=OPEN)
    session.add_all([jam, vpn])
    session.flush()
    session.add_all([MinedTicket(topic_id=jam.id, ticket_id=tickets_[0].id),
                     MinedTicket(topic_id=jam.id, ticket_id=tickets_[1].id),
                     MinedTicket(topic_id=vpn.id, ticket_id=tickets_[2].id)])  # fmt: skip
    session.flush()
    found = gaps.gaps(session, EDITOR, WEEK).by_topic
    # The jam topic: 2 tickets, 3 searches, its words most used first.
    assert [(g.title, g.tickets, g.searches, g.queries) for g in found] == [
        ("Замятие бумаги", 2, 3, ("бумага застряла", "замятие листа")),
        ("VPN login", 1, 1, ("vpn",)),
    ]
