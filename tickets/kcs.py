"""The knowledge measures of KCS.md over a period, for the desk, a team or a person.

Each measure is one query (or two) that counts in the database; only durations and the
windows of "within 24 hours / 7 days" are finished in Python, over the period's rows.

Scoping, the same for every measure:
- measures of tickets (link rate, known vs new, article creation from work, time to publish,
  self-service first) take the ticket's current support group (team) or assignee (person),
  the people who own the outcome;
- measures of links made in the period (reuse, flag and fix, the most reused articles) take
  the ticket's group for a team and the person who made the link (`TicketArticle.by_id`) for
  a person: the one whose knowledge work it was;
- measures of clients' self-service (helpful votes, search and visit success, deflection,
  search success and zero results, feedback rate) have no team or person: they are always
  the whole desk's, listed in DESK_WIDE for the pages to say so.
Searches, views, votes and ask-form visits of staff are left out: these measure self-service.
"""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, true
from sqlalchemy.orm import Session

from kb_service.access import INTERNAL, Viewer, article_filter
from kb_service.articles.models import Article, ArticleVersion
from kb_service.feedback.models import ArticleFeedback, ArticleView
from kb_service.search.models import SearchEvent
from tickets.measuring import Period, Rate, Scope, Spread, spread
from tickets.models import AskSuggestion, AskVisit, Ticket, TicketArticle

SOLVING = ("used", "created")
# "updated" is not recorded yet; counted as soon as it is.
IMPROVING = ("updated", "flagged")
SELF_SERVICE_LOOKBACK = timedelta(hours=24)
SUCCESS_WINDOW = timedelta(days=7)
TOP_REUSED = 10
DESK_WIDE = frozenset(
    {"helpful", "visit_success", "deflection", "search_success", "zero_result", "feedback_rate"}
)


@dataclass(frozen=True)
class Reused:
    """An article and the distinct tickets that used it; no title if the viewer may not read it."""

    article_id: str
    title: str | None
    tickets: int


@dataclass(frozen=True)
class Knowledge:
    link_rate: Rate
    reuse: Rate
    top_reused: list[Reused]
    known_vs_new: Rate
    creation: Rate
    creation_time: Spread
    time_to_publish: Spread
    self_service_first: Rate
    helpful: Rate
    visit_success: Rate
    deflection: Rate
    search_success: Rate
    zero_result: Rate
    feedback_rate: Rate
    flag_and_fix: Rate


def knowledge(session: Session, period: Period, scope: Scope, viewer: Viewer) -> Knowledge:
    """Every KCS measure of the period and scope."""
    return Knowledge(
        link_rate=link_rate(session, period, scope),
        reuse=reuse(session, period, scope),
        top_reused=top_reused(session, period, scope, viewer),
        known_vs_new=known_vs_new(session, period, scope),
        creation=creation(session, period, scope),
        creation_time=creation_time(session, period, scope),
        time_to_publish=time_to_publish(session, period, scope),
        self_service_first=self_service_first(session, period, scope),
        helpful=helpful(session, period),
        visit_success=visit_success(session, period),
        deflection=deflection(session, period),
        search_success=search_success(session, period),
        zero_result=zero_result(session, period),
        feedback_rate=feedback_rate(session, period),
        flag_and_fix=flag_and_fix(session, period, scope),
    )


def _closed(period: Period, scope: Scope) -> ColumnElement[bool]:
    return and_(period.holds(Ticket.closed_at), scope.tickets())


def _has_link(relations: tuple[str, ...]) -> ColumnElement[bool]:
    return exists().where(
        TicketArticle.ticket_id == Ticket.id, TicketArticle.relation.in_(relations)
    )


def _rate(session: Session, numerator, where) -> Rate:
    hit, total = session.execute(
        select(func.count(case((numerator, 1))), func.count()).where(where)
    ).one()
    return Rate(hit, total)


def link_rate(session: Session, period: Period, scope: Scope) -> Rate:
    """Closed tickets with a used or created article / closed tickets."""
    return _rate(session, _has_link(SOLVING), _closed(period, scope))


def _links_of(period: Period, scope: Scope):
    """Links made in the period by the scope (the ticket's team, or the person linking)."""
    if scope.kind == "person":
        who = TicketArticle.by_id == scope.id
    elif scope.kind == "team":
        who = Ticket.group_id == scope.id
    else:
        who = true()
    return and_(period.holds(TicketArticle.created_at), who)


def reuse(session: Session, period: Period, scope: Scope) -> Rate:
    """Links to articles that existed before the ticket / all links made in the period."""
    older = Article.created_at < Ticket.created_at
    hit, total = session.execute(
        select(func.count(case((older, 1))), func.count())
        .select_from(TicketArticle)
        .join(Ticket, Ticket.id == TicketArticle.ticket_id)
        .join(Article, Article.id == TicketArticle.article_id)
        .where(_links_of(period, scope))
    ).one()
    return Rate(hit, total)


def top_reused(session: Session, period: Period, scope: Scope, viewer: Viewer) -> list[Reused]:
    """The articles most used to solve tickets in the period, by distinct tickets."""
    tickets = func.count(TicketArticle.ticket_id.distinct())
    rows = session.execute(
        select(TicketArticle.article_id, tickets)
        .join(Ticket, Ticket.id == TicketArticle.ticket_id)
        .where(_links_of(period, scope), TicketArticle.relation == "used")
        .group_by(TicketArticle.article_id)
        .order_by(tickets.desc(), TicketArticle.article_id)
        .limit(TOP_REUSED)
    ).all()
    titles = visible_titles(session, viewer, [article_id for article_id, _ in rows])
    return [Reused(article_id, titles.get(article_id), n) for article_id, n in rows]


def visible_titles(session: Session, viewer: Viewer, ids: list[str]) -> dict[str, str]:
    """Titles of those of `ids` the viewer may read (access.py decides)."""
    if not ids:
        return {}
    query = select(Article.id, Article.title).where(Article.id.in_(ids), article_filter(viewer))
    return dict(session.execute(query).all())


def known_vs_new(session: Session, period: Period, scope: Scope) -> Rate:
    """Known: closed tickets whose first used article was published before the ticket came in;
    new: closed tickets with a created article. known / (known + new).

    "Published" is the article's last publication (`Article.published_at`)."""
    first_used = (
        select(TicketArticle.article_id)
        .where(TicketArticle.ticket_id == Ticket.id, TicketArticle.relation == "used")
        .order_by(TicketArticle.created_at, TicketArticle.article_id)
        .limit(1)
        .correlate(Ticket)
        .scalar_subquery()
    )
    known = exists().where(Article.id == first_used, Article.published_at < Ticket.created_at)
    new = _has_link(("created",))
    hit, created = session.execute(
        select(func.count(case((known, 1))), func.count(case((new, 1)))).where(
            _closed(period, scope)
        )
    ).one()
    return Rate(hit, hit + created)


def creation(session: Session, period: Period, scope: Scope) -> Rate:
    """Created links of the tickets closed in the period / tickets closed in the period."""
    created = session.scalar(
        select(func.count())
        .select_from(TicketArticle)
        .join(Ticket, Ticket.id == TicketArticle.ticket_id)
        .where(TicketArticle.relation == "created", _closed(period, scope))
    )
    closed = session.scalar(select(func.count()).where(_closed(period, scope)))
    return Rate(created, closed)


def creation_time(session: Session, period: Period, scope: Scope) -> Spread:
    """From a closed ticket's resolution to the creation of its article; an article begun
    before the resolution counts as no wait."""
    rows = session.execute(
        select(Ticket.resolved_at, Article.created_at)
        .join(TicketArticle, TicketArticle.ticket_id == Ticket.id)
        .join(Article, Article.id == TicketArticle.article_id)
        .where(
            TicketArticle.relation == "created",
            Ticket.resolved_at.is_not(None),
            _closed(period, scope),
        )
    ).all()
    return spread([max(created - resolved, timedelta(0)) for resolved, created in rows])


def time_to_publish(session: Session, period: Period, scope: Scope) -> Spread:
    """For articles created from tickets and first published to clients in the period: the
    time from their source ticket's resolution (the earliest, when several tickets made one
    article) to that publication.

    Published to clients: the first saved version that is published for any group but the
    internal one (a version history, so a later change of audience does not move it)."""
    rows = session.execute(
        select(TicketArticle.article_id, func.min(Ticket.resolved_at))
        .join(Ticket, Ticket.id == TicketArticle.ticket_id)
        .join(Article, Article.id == TicketArticle.article_id)
        .where(
            TicketArticle.relation == "created",
            Ticket.resolved_at.is_not(None),
            Article.published_at.is_not(None),
            scope.tickets(),
        )
        .group_by(TicketArticle.article_id)
    ).all()
    published = _first_client_publication(session, [article_id for article_id, _ in rows])
    waits = [
        max(published[article_id] - resolved, timedelta(0))
        for article_id, resolved in rows
        if article_id in published and period.start <= published[article_id] < period.end
    ]
    return spread(waits)


def _first_client_publication(session: Session, ids: list[str]) -> dict[str, datetime]:
    first: dict[str, datetime] = {}
    if not ids:
        return first
    versions = session.execute(
        select(ArticleVersion.article_id, ArticleVersion.created_at, ArticleVersion.groups)
        .where(ArticleVersion.article_id.in_(ids), ArticleVersion.status == "published")
        .order_by(ArticleVersion.created_at)
    )
    for article_id, at, groups in versions:
        if article_id not in first and set(groups or ()) - {INTERNAL}:
            first[article_id] = at
    return first


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
    return _rate(
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
    return _rate(
        session,
        ended_well,
        and_(period.holds(AskVisit.started_at), AskVisit.viewer_kind != "staff"),
    )


def _searches(period: Period) -> ColumnElement[bool]:
    return and_(period.holds(SearchEvent.created_at), SearchEvent.viewer_kind != "staff")


def search_success(session: Session, period: Period) -> Rate:
    """Searches with a click / searches."""
    return _rate(session, SearchEvent.clicked_article_id.is_not(None), _searches(period))


def zero_result(session: Session, period: Period) -> Rate:
    """Searches that found nothing / searches."""
    return _rate(session, SearchEvent.result_count == 0, _searches(period))


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


def flag_and_fix(session: Session, period: Period, scope: Scope) -> Rate:
    """Links of kind updated or flagged / links of kind used, made in the period."""
    improving = func.count(case((TicketArticle.relation.in_(IMPROVING), 1)))
    used = func.count(case((TicketArticle.relation == "used", 1)))
    hit, total = session.execute(
        select(improving, used)
        .select_from(TicketArticle)
        .join(Ticket, Ticket.id == TicketArticle.ticket_id)
        .where(_links_of(period, scope))
    ).one()
    return Rate(hit, total)
