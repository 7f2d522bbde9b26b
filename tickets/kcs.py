"""The knowledge measures of KCS.md over a period, for the desk, a team or a person.

Each measure is one query (or two) that counts in the database; only durations are finished
in Python, over the period's rows. The self-service rows live in tickets/self_service.py.

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

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, exists, func, select, true
from sqlalchemy.orm import Session

from kb_service.access import INTERNAL, Viewer, article_filter
from kb_service.articles.models import Article, ArticleVersion
from tickets import self_service
from tickets.measuring import Period, Rate, Scope, Spread, rate_of, spread
from tickets.models import Ticket, TicketArticle

SOLVING = ("used", "created")
# "updated" is not recorded yet; counted as soon as it is.
IMPROVING = ("updated", "flagged")
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
        self_service_first=self_service.self_service_first(session, period, scope),
        helpful=self_service.helpful(session, period),
        visit_success=self_service.visit_success(session, period),
        deflection=self_service.deflection(session, period),
        search_success=self_service.search_success(session, period),
        zero_result=self_service.zero_result(session, period),
        feedback_rate=self_service.feedback_rate(session, period),
        flag_and_fix=flag_and_fix(session, period, scope),
    )


def _closed(period: Period, scope: Scope) -> ColumnElement[bool]:
    return and_(period.holds(Ticket.closed_at), scope.tickets())


def _has_link(relations: tuple[str, ...]) -> ColumnElement[bool]:
    return exists().where(
        TicketArticle.ticket_id == Ticket.id, TicketArticle.relation.in_(relations)
    )


def link_rate(session: Session, period: Period, scope: Scope) -> Rate:
    """Closed tickets with a used or created article / closed tickets."""
    return rate_of(session, _has_link(SOLVING), _closed(period, scope))


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
