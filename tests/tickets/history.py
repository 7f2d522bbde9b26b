"""A small hand-built history for the report measures: every row at a fixed time.

Times are days (and hours) from T0, a Monday; the period under test is usually WEEK, the
seven days from T0. Search events and views are written directly, as the activity queue's
writer would (kb_service/activity.py), so nothing waits for a flush.
"""

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from kb_service.articles.models import Article, ArticleVersion
from kb_service.feedback.models import ArticleFeedback, ArticleView
from kb_service.search.models import SearchEvent
from tests.builders import make_article, make_ticket, make_user
from tickets.measuring import Period
from tickets.models import (
    AskSuggestion,
    AskVisit,
    Escalation,
    OutsideOrganisation,
    SupportGroup,
    TicketArticle,
    TicketEvent,
)

T0 = datetime(2026, 3, 2, tzinfo=UTC)
WEEK = Period(T0, T0 + timedelta(days=7))
_ids = itertools.count(1)


def at(days: float, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def person(session, roles=("engineer",), **overrides):
    return make_user(session, roles, password=None, **overrides)


def team(session, name: str) -> SupportGroup:
    group = SupportGroup(name=name)
    session.add(group)
    session.flush()
    return group


def ticket(session, created: datetime, requester=None, **fields):
    """A ticket opened at `created`; other times (resolved_at, closed_at, ...) as given."""
    email = None if requester else "client@example.test"
    return make_ticket(session, requester, email, created_at=created, **fields)


def article(session, created: datetime | None = None, published: datetime | None = None, **kw):
    """An article created at `created`, last published at `published` (None: never)."""
    found = make_article(session, **kw)
    found.created_at = created or at(-100)
    found.published_at = published
    session.flush()
    return found


def versions(session, article_id: str, *states: tuple[datetime, str, list[str]]) -> None:
    """Replace the article's saved versions by (saved at, status, groups) states."""
    session.execute(delete(ArticleVersion).where(ArticleVersion.article_id == article_id))
    current = session.get(Article, article_id)
    for number, (saved, status, groups) in enumerate(states, start=1):
        session.add(
            ArticleVersion(
                article_id=article_id,
                version=number,
                title=current.title,
                body_id=current.body_id,
                language=current.language,
                status=status,
                groups=groups,
                products=[],
                created_at=saved,
            )
        )
    session.flush()


def link(session, ticket_, article_, relation: str, when: datetime, by=None) -> None:
    session.add(
        TicketArticle(
            ticket_id=ticket_.id,
            article_id=article_.id,
            relation=relation,
            by_id=by.id if by else None,
            created_at=when,
        )
    )
    session.flush()


def event(session, ticket_, action: str, when: datetime, changes=None) -> None:
    session.add(
        TicketEvent(ticket_id=ticket_.id, action=action, changes=changes or {}, created_at=when)
    )
    session.flush()


def search(
    session,
    when: datetime,
    query: str = "printer",
    results: int = 1,
    clicked=None,
    visit: str | None = "v-1",
    user=None,
    kind: str = "client",
) -> None:
    session.add(
        SearchEvent(
            id=next(_ids),
            visit_id=visit,
            viewer_kind=kind,
            user_id=user.id if user else None,
            query=query,
            result_count=results,
            clicked_article_id=clicked.id if clicked else None,
            clicked_at=when if clicked else None,
            created_at=when,
        )
    )
    session.flush()


def view(session, article_, when: datetime, visit="v-1", user=None, kind="client") -> None:
    session.add(
        ArticleView(
            article_id=article_.id,
            visit_id=visit,
            viewer_kind=kind,
            user_id=user.id if user else None,
            created_at=when,
        )
    )
    session.flush()


def vote(session, article_, when: datetime, helpful=True, visit=None, kind="client") -> None:
    session.add(
        ArticleFeedback(
            article_id=article_.id,
            visit_id=visit or f"vote-{next(_ids)}",
            viewer_kind=kind,
            helpful=helpful,
            created_at=when,
        )
    )
    session.flush()


def ask(session, when: datetime, outcome=None, ticket_=None, visit=None, kind="client"):
    found = AskVisit(
        token=f"token-{next(_ids)}",
        visit_id=visit or f"ask-{next(_ids)}",
        viewer_kind=kind,
        outcome=outcome,
        ticket_id=ticket_.id if ticket_ else None,
        started_at=when,
    )
    session.add(found)
    session.flush()
    return found


def suggest(session, visit: AskVisit, article_, when: datetime, clicked: bool) -> None:
    session.add(
        AskSuggestion(
            ask_visit_id=visit.id,
            article_id=article_.id,
            query="printer",
            rank=1,
            shown_at=when,
            clicked_at=when if clicked else None,
        )
    )
    session.flush()


def escalation(session, ticket_, promised: datetime, answered: datetime | None, kind="external"):
    outside = OutsideOrganisation(name=f"Vendor {next(_ids)}")
    session.add(outside)
    session.flush()
    session.add(
        Escalation(
            ticket_id=ticket_.id,
            kind=kind,
            outside_id=outside.id if kind == "external" else None,
            promised_at=promised,
            resolved_at=answered,
            created_at=promised - timedelta(days=3),
        )
    )
    session.flush()
