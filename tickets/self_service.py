"""Clients' self-service in a period: do they look before they ask, find what they need,
leave without a ticket? The self-service rows of KCS.md (tickets/kcs.py assembles them).

These are the whole desk's: a client's search has no team or person. Only self-service
first, a measure of tickets, takes the tickets' scope. Searches, views, votes and ask-form
visits of staff are left out. The windows of 24 hours and 7 days are matched in Python over
the period's rows (sorted times and bisection), the same on SQLite and PostgreSQL.
"""

from bisect import bisect_left
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from kb_service.feedback.models import ArticleFeedback, ArticleView
from kb_service.search.models import SearchEvent
from tickets.measuring import Period, Rate, Scope, rate_of
from tickets.models import AskSuggestion, AskVisit, Ticket

SELF_SERVICE_LOOKBACK = timedelta(hours=24)
SUCCESS_WINDOW = timedelta(days=7)


def self_service_first(session: Session, period: Period, scope: Scope) -> Rate:
    """Tickets from known clients with a search or article view of theirs in the 24 hours
    before / tickets from known clients (requester with an account)."""
    where = and_(period.holds(Ticket.created_at), scope.tickets(), Ticket.requester_id.is_not(None))
    tickets = session.execute(select(Ticket.requester_id, Ticket.created_at).where(where)).all()
    looked = _activity_by_user(
        session,
        {user_id for user_id, _ in tickets},
        Period(period.start - SELF_SERVICE_LOOKBACK, period.end),
    )
    hit = 0
    for user_id, created in tickets:
        times = looked.get(user_id, [])
        i = bisect_left(times, created - SELF_SERVICE_LOOKBACK)
        hit += i < len(times) and times[i] <= created
    return Rate(hit, len(tickets))


def _activity_by_user(session: Session, users: set[int], period: Period) -> dict:
    """Sorted times of the searches and article views of `users` in the period.

    Read by time (indexed) and sorted out here: by user, one busy account would read its
    whole history."""
    found: dict[int, list[datetime]] = defaultdict(list)
    for model in (SearchEvent, ArticleView):
        rows = session.execute(
            select(model.user_id, model.created_at).where(
                period.holds(model.created_at), model.user_id.is_not(None)
            )
        )
        for user_id, at in rows:
            if user_id in users:
                found[user_id].append(at)
    for times in found.values():
        times.sort()
    return found


def helpful(session: Session, period: Period) -> Rate:
    """Helpful votes / all votes."""
    return rate_of(
        session,
        ArticleFeedback.helpful.is_(True),
        and_(period.holds(ArticleFeedback.created_at), ArticleFeedback.viewer_kind != "staff"),
    )


def visit_success(session: Session, period: Period) -> Rate:
    """Visits with a search in the period that also opened an article, with no ticket from that
    client within 7 days of the visit's first search / visits with a search."""
    searched = and_(
        period.holds(SearchEvent.created_at),
        SearchEvent.visit_id.is_not(None),
        SearchEvent.viewer_kind != "staff",
    )
    visits = session.execute(
        select(
            SearchEvent.visit_id, func.min(SearchEvent.created_at), func.max(SearchEvent.user_id)
        )
        .where(searched)
        .group_by(SearchEvent.visit_id)
    ).all()
    in_visits = select(SearchEvent.visit_id).where(searched).scalar_subquery()
    viewed = set(
        session.scalars(select(ArticleView.visit_id).where(ArticleView.visit_id.in_(in_visits)))
    )
    asked = set(
        session.scalars(
            select(AskVisit.visit_id).where(
                AskVisit.visit_id.in_(in_visits), AskVisit.ticket_id.is_not(None)
            )
        )
    )
    tickets = _tickets_by_requester(session, Period(period.start, period.end + SUCCESS_WINDOW))
    hit = 0
    for visit_id, first, user_id in visits:
        if visit_id not in viewed or visit_id in asked:
            continue
        times = tickets.get(user_id, []) if user_id is not None else []
        i = bisect_left(times, first)
        hit += not (i < len(times) and times[i] <= first + SUCCESS_WINDOW)
    return Rate(hit, len(visits))


def _tickets_by_requester(session: Session, period: Period) -> dict[int, list[datetime]]:
    found: dict[int, list[datetime]] = defaultdict(list)
    rows = session.execute(
        select(Ticket.requester_id, Ticket.created_at)
        .where(period.holds(Ticket.created_at), Ticket.requester_id.is_not(None))
        .order_by(Ticket.created_at)
    )
    for user_id, at in rows:
        found[user_id].append(at)
    return found


def deflection(session: Session, period: Period) -> Rate:
    """Ask-form visits ended by "this solved my problem", or left without a ticket after a
    suggested article was opened / ask-form visits."""
    opened = exists().where(
        AskSuggestion.ask_visit_id == AskVisit.id, AskSuggestion.clicked_at.is_not(None)
    )
    no_ticket = or_(AskVisit.outcome.is_(None), AskVisit.outcome != "ticket")
    ended_well = or_(AskVisit.outcome == "deflected", and_(no_ticket, opened))
    return rate_of(
        session,
        ended_well,
        and_(period.holds(AskVisit.started_at), AskVisit.viewer_kind != "staff"),
    )


def _searches(period: Period) -> ColumnElement[bool]:
    return and_(period.holds(SearchEvent.created_at), SearchEvent.viewer_kind != "staff")


def search_success(session: Session, period: Period) -> Rate:
    """Searches with a click / searches."""
    return rate_of(session, SearchEvent.clicked_article_id.is_not(None), _searches(period))


def zero_result(session: Session, period: Period) -> Rate:
    """Searches that found nothing / searches."""
    return rate_of(session, SearchEvent.result_count == 0, _searches(period))


def feedback_rate(session: Session, period: Period) -> Rate:
    """Votes / article views."""
    votes = session.scalar(
        select(func.count()).where(
            period.holds(ArticleFeedback.created_at), ArticleFeedback.viewer_kind != "staff"
        )
    )
    views = session.scalar(
        select(func.count()).where(
            period.holds(ArticleView.created_at), ArticleView.viewer_kind != "staff"
        )
    )
    return Rate(votes, views)
