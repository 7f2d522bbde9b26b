"""Each knowledge measure of KCS.md on a small hand-built history; the expected value is worked
out in the comments. The period is WEEK: days 0 to 7 from T0, day 7 itself excluded."""

from datetime import timedelta

from kb_service.access import Viewer
from tests.tickets.history import (
    WEEK,
    article,
    ask,
    at,
    link,
    person,
    search,
    suggest,
    team,
    ticket,
    versions,
    view,
    vote,
)
from tickets import kcs, self_service
from tickets.measuring import DESK, Rate, Scope

ADMIN = Viewer(kind="staff", user_id=None, roles=frozenset({"admin"}), groups=None)


def test_link_rate_counts_closed_tickets_with_a_used_or_created_article(session):
    a = article(session)
    used = ticket(session, at(-3), closed_at=at(1))
    created = ticket(session, at(-3), closed_at=at(2))
    flagged_only = ticket(session, at(-3), closed_at=at(3))
    ticket(session, at(-3), closed_at=at(4))  # no link
    before = ticket(session, at(-3), closed_at=at(0) - timedelta(seconds=1))
    at_end = ticket(session, at(-3), closed_at=at(7))  # the period's end belongs to the next
    still_open = ticket(session, at(1))
    link(session, used, a, "used", at(1))
    link(session, created, a, "created", at(2))
    link(session, flagged_only, a, "flagged", at(3))
    for other in (before, at_end, still_open):
        link(session, other, a, "used", at(1))
    # Closed in the week: used, created, flagged_only, no link = 4; with used/created: 2.
    assert kcs.link_rate(session, WEEK, DESK) == Rate(2, 4)


def test_link_rate_rises_when_a_mined_group_becomes_an_article(session):
    tickets = [ticket(session, at(-5), closed_at=at(d)) for d in (1, 2, 3)]
    assert kcs.link_rate(session, WEEK, DESK) == Rate(0, 3)
    # Two of the three were mined into one new article, which links them as "created".
    new = article(session, created=at(4))
    for t in tickets[:2]:
        link(session, t, new, "created", at(4))
    assert kcs.link_rate(session, WEEK, DESK) == Rate(2, 3)


def test_link_rate_scopes_by_the_tickets_team_and_assignee(session):
    first, second = team(session, "First line"), team(session, "Second line")
    alice, bob = person(session), person(session)
    a = article(session)
    t1 = ticket(session, at(-1), closed_at=at(1), group_id=first.id, assignee_id=alice.id)
    t2 = ticket(session, at(-1), closed_at=at(1), group_id=first.id, assignee_id=bob.id)
    t3 = ticket(session, at(-1), closed_at=at(1), group_id=second.id, assignee_id=alice.id)
    link(session, t1, a, "used", at(1), by=bob)
    link(session, t3, a, "used", at(1), by=bob)
    del t2  # closed without a link
    # First line: t1 linked, t2 not = 1/2; second line: t3 = 1/1.
    assert kcs.link_rate(session, WEEK, Scope("team", first.id)) == Rate(1, 2)
    assert kcs.link_rate(session, WEEK, Scope("team", second.id)) == Rate(1, 1)
    # Alice holds t1 and t3, both linked (by Bob: a ticket measure goes by the assignee).
    assert kcs.link_rate(session, WEEK, Scope("person", alice.id)) == Rate(2, 2)
    assert kcs.link_rate(session, WEEK, Scope("person", bob.id)) == Rate(0, 1)


def test_no_closed_tickets_is_no_data_not_an_error(session):
    rate = kcs.link_rate(session, WEEK, DESK)
    assert rate == Rate(0, 0) and rate.value is None


def test_reuse_counts_links_to_articles_older_than_the_ticket(session):
    old = article(session, created=at(-30))
    t1, t2, t3 = (ticket(session, at(1)) for _ in range(3))
    new = article(session, created=at(2))  # written after t2 came in
    link(session, t1, old, "used", at(1))  # existed before: reuse
    link(session, t2, new, "created", at(2))  # not
    link(session, t3, old, "flagged", at(3))  # existed before: reuse
    link(session, t1, new, "used", at(7))  # made after the period
    # Links made in the week: 3, of which 2 to articles older than their ticket.
    assert kcs.reuse(session, WEEK, DESK) == Rate(2, 3)


def test_most_reused_articles_count_distinct_tickets_and_hide_unreadable_titles(session):
    author = person(session)
    engineer = person(session)
    public = article(session, title="Paper jam")
    draft = article(session, title="Secret draft", status="draft", groups=["internal"])
    draft.author_id = author.id
    t1, t2, t3 = (ticket(session, at(0)) for _ in range(3))
    link(session, t1, public, "used", at(1))
    link(session, t2, public, "used", at(2))
    link(session, t3, draft, "used", at(2))
    link(session, t3, public, "flagged", at(2))  # not a use
    viewer = Viewer(kind="staff", user_id=engineer.id, roles=frozenset({"engineer"}), groups=None)
    top = kcs.top_reused(session, WEEK, DESK, viewer)
    # public: t1, t2 = 2 tickets; draft: t3 = 1, and the engineer may not read another's draft.
    assert [(r.article_id, r.title, r.tickets) for r in top] == [
        (public.id, "Paper jam", 2),
        (draft.id, None, 1),
    ]
    assert kcs.top_reused(session, WEEK, DESK, ADMIN)[1].title == "Secret draft"


def test_known_vs_new_takes_the_first_used_article_and_created_links(session):
    published_long_ago = article(session, published=at(-10))
    published_later = article(session, published=at(3))
    known = ticket(session, at(1), closed_at=at(4))
    link(session, known, published_long_ago, "used", at(2))
    # Its first used article came out after it was opened; the second one does not count.
    late = ticket(session, at(1), closed_at=at(4))
    link(session, late, published_later, "used", at(3))
    link(session, late, published_long_ago, "used", at(3, 1))
    new = ticket(session, at(1), closed_at=at(5))
    link(session, new, published_later, "created", at(5))
    ticket(session, at(1), closed_at=at(5))  # neither
    outside = ticket(session, at(-9), closed_at=at(-1))
    link(session, outside, published_long_ago, "used", at(-2))
    # known = 1 ("known"), new = 1 ("new"): 1 / (1 + 1).
    assert kcs.known_vs_new(session, WEEK, DESK) == Rate(1, 2)


def test_article_creation_from_work_and_the_time_to_create(session):
    t1 = ticket(session, at(0), resolved_at=at(1, 10), closed_at=at(2))
    t2 = ticket(session, at(0), resolved_at=at(2), closed_at=at(3))
    ticket(session, at(0), resolved_at=at(2), closed_at=at(3))  # nothing written
    before = ticket(session, at(-5), resolved_at=at(-2), closed_at=at(-1))
    link(session, t1, article(session, created=at(1, 16)), "created", at(1, 16))
    # Written while working, before the resolution: counts as no wait.
    link(session, t2, article(session, created=at(1)), "created", at(1))
    link(session, before, article(session, created=at(-1)), "created", at(-1))
    # Created links of the week's closed tickets: 2, closed tickets: 3.
    assert kcs.creation(session, WEEK, DESK) == Rate(2, 3)
    # Waits: 6 h (t1) and 0 (t2): median 3 h, 90th percentile (nearest rank 2 of 2) 6 h.
    spread = kcs.creation_time(session, WEEK, DESK)
    assert (spread.count, spread.median, spread.p90) == (2, timedelta(hours=3), timedelta(hours=6))


def test_time_to_publish_runs_from_resolution_to_the_first_publication_for_clients(session):
    def made_from(*tickets, states):
        found = article(session, published=states[-1][0])
        versions(session, found.id, *states)
        for t in tickets:
            link(session, t, found, "created", at(0))
        return found

    internal_first = ticket(session, at(-1), resolved_at=at(0, 12))
    made_from(
        internal_first,
        states=[(at(1), "published", ["internal"]), (at(2, 12), "published", ["public"])],
    )  # for clients from day 2 12:00: 2 days after the resolution
    quick = ticket(session, at(-1), resolved_at=at(1, 12))
    made_from(quick, states=[(at(1, 18), "published", ["customers"])])  # 6 hours
    earlier = ticket(session, at(-9), resolved_at=at(-5))
    made_from(earlier, states=[(at(-2), "published", ["public"])])  # before the period
    group = [ticket(session, at(-2), resolved_at=at(d)) for d in (0, 3)]
    made_from(*group, states=[(at(3), "draft", ["public"]), (at(4), "published", ["public"])])
    # A mined group: from the earliest resolution (day 0) to day 4 = 4 days.
    unresolved = ticket(session, at(1))
    made_from(unresolved, states=[(at(2), "published", ["public"])])  # no resolution: left out
    # Waits [6 h, 2 d, 4 d]: median 2 days, 90th percentile (nearest rank 3 of 3) 4 days.
    spread = kcs.time_to_publish(session, WEEK, DESK)
    assert (spread.count, spread.median, spread.p90) == (3, timedelta(days=2), timedelta(days=4))


def test_self_service_first_looks_24_hours_back_for_the_same_client(session):
    u1, u2, u3, u4 = (person(session, roles=("client",)) for _ in range(4))
    a = article(session)
    first_line = team(session, "First line")
    ticket(session, at(2, 10), requester=u1, group_id=first_line.id)
    search(session, at(2, 9), user=u1)  # an hour before: looked first
    ticket(session, at(3, 10), requester=u2)
    view(session, a, at(2, 9), user=u2)  # 25 hours before: too long ago
    ticket(session, at(0, 1), requester=u3)
    search(session, at(-1, 3), user=u3)  # 22 hours before, itself outside the period: counts
    ticket(session, at(1))  # no account: not a known client
    ticket(session, at(8), requester=u1)  # after the period
    ticket(session, at(4, 10), requester=u4)
    search(session, at(4, 11), user=u4)  # after the ticket: does not count
    # Known clients' tickets in the week: u1, u2, u3, u4 = 4; looked first: u1, u3 = 2.
    assert self_service.self_service_first(session, WEEK, DESK) == Rate(2, 4)
    assert self_service.self_service_first(session, WEEK, Scope("team", first_line.id)) == Rate(
        1, 1
    )


def test_helpful_share_of_votes(session):
    a = article(session)
    for helpful in (True, True, True, False):
        vote(session, a, at(1), helpful=helpful)
    vote(session, a, at(1), helpful=False, kind="staff")  # staff: not self-service
    vote(session, a, at(-1), helpful=False)  # before the period
    assert self_service.helpful(session, WEEK) == Rate(3, 4)


def test_visit_success_needs_a_view_and_no_ticket_within_seven_days(session):
    u1, u2, u3 = (person(session, roles=("client",)) for _ in range(3))
    a = article(session)
    search(session, at(1), visit="v1", user=u1)
    view(session, a, at(1, 1), visit="v1", user=u1)  # success
    search(session, at(1), visit="v2", user=u2)
    view(session, a, at(1, 1), visit="v2", user=u2)
    ticket(session, at(4), requester=u2)  # 3 days later: not a success
    search(session, at(2), visit="v3")  # no article opened
    search(session, at(2), visit="v4")
    view(session, a, at(2), visit="v4")
    ask(session, at(2, 1), outcome="ticket", ticket_=ticket(session, at(2, 1)), visit="v4")
    search(session, at(3), visit="v5", user=u3)
    view(session, a, at(3), visit="v5", user=u3)
    ticket(session, at(11), requester=u3)  # 8 days later: still a success
    search(session, at(3), visit="v6", kind="staff")  # staff: left out
    search(session, at(-1), visit="v7")  # before the period
    # Visits with a search: v1..v5 = 5; successes: v1, v5 = 2.
    assert self_service.visit_success(session, WEEK) == Rate(2, 5)


def test_deflection_counts_solved_and_quiet_visits_after_an_opened_suggestion(session):
    a = article(session)
    ask(session, at(1), outcome="deflected")  # "this solved my problem"
    with_ticket = ask(session, at(1), outcome="ticket")
    suggest(session, with_ticket, a, at(1), clicked=True)  # opened, but still sent a ticket
    quiet = ask(session, at(2))
    suggest(session, quiet, a, at(2), clicked=True)  # opened, left without a ticket
    unopened = ask(session, at(2))
    suggest(session, unopened, a, at(2), clicked=False)
    ask(session, at(8), outcome="deflected")  # after the period
    # Visits: 4; deflected: the first and "quiet" = 2.
    assert self_service.deflection(session, WEEK) == Rate(2, 4)


def test_search_success_and_zero_result_rate(session):
    a = article(session)
    search(session, at(1), results=2, clicked=a)
    search(session, at(1), results=3)
    search(session, at(2), results=0)
    search(session, at(2), results=0)
    search(session, at(2), results=0, kind="staff")
    search(session, at(7), results=0)  # the period's end: next period
    # Searches: 4; with a click: 1; with nothing found: 2.
    assert self_service.search_success(session, WEEK) == Rate(1, 4)
    assert self_service.zero_result(session, WEEK) == Rate(2, 4)


def test_feedback_rate_is_votes_per_view(session):
    a = article(session)
    for hour in range(5):
        view(session, a, at(1, hour))
    view(session, a, at(1), kind="staff")
    view(session, a, at(-2))
    vote(session, a, at(1))
    vote(session, a, at(2), helpful=False)
    # 2 votes over 5 views.
    assert self_service.feedback_rate(session, WEEK) == Rate(2, 5)


def test_flag_and_fix_rate_by_desk_and_by_the_person_linking(session):
    ann, ben = person(session), person(session)
    a = article(session)
    tickets = [ticket(session, at(0)) for _ in range(6)]
    link(session, tickets[0], a, "used", at(1), by=ann)
    link(session, tickets[1], a, "used", at(1), by=ann)
    link(session, tickets[2], a, "used", at(1), by=ben)
    link(session, tickets[3], a, "flagged", at(2), by=ann)
    link(session, tickets[4], a, "updated", at(2), by=ben)
    link(session, tickets[5], a, "created", at(2), by=ben)  # neither side
    link(session, tickets[5], a, "flagged", at(8), by=ann)  # after the period
    # Desk: flagged + updated = 2 over 3 used.
    assert kcs.flag_and_fix(session, WEEK, DESK) == Rate(2, 3)
    # Ann: 1 flagged over her 2 used links.
    assert kcs.flag_and_fix(session, WEEK, Scope("person", ann.id)) == Rate(1, 2)


def test_the_whole_knowledge_report_in_one_call(session):
    a = article(session)
    closed = ticket(session, at(0), resolved_at=at(1), closed_at=at(2))
    link(session, closed, a, "used", at(1))
    report = kcs.knowledge(session, WEEK, DESK, ADMIN)
    assert report.link_rate == Rate(1, 1)
    assert report.zero_result == Rate(0, 0)
