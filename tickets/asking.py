"""The ask form as a deflection flow: live suggestions, what was opened, "this solved it".

Every ask-form visit is recorded with its outcome, so deflection can be measured (KCS.md).
"""

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from kb_service.articles.service import get_article
from kb_service.db import utcnow
from kb_service.errors import Conflict, NotFound
from kb_service.search.service import SearchService
from tickets.models import AskSuggestion, AskVisit

SUGGESTIONS = 5
# Fewer characters than this are not yet worth searching for.
MIN_TEXT = 4


def start_ask(
    session: Session, viewer: Viewer, visit_id: str, article_id: str | None = None
) -> AskVisit:
    """The open ask-form visit of this portal visit, or a new one."""
    if article_id is not None:
        article_id = get_article(session, viewer, article_id).id
    ask = session.scalar(
        select(AskVisit)
        .where(AskVisit.visit_id == visit_id, AskVisit.outcome.is_(None))
        .order_by(AskVisit.id.desc())
        .limit(1)
    )
    if ask is None:
        ask = AskVisit(
            token=secrets.token_urlsafe(24),
            visit_id=visit_id,
            viewer_kind=viewer.kind,
            user_id=viewer.user_id,
        )
        session.add(ask)
    if article_id is not None:
        ask.article_id = article_id
    session.flush()
    return ask


def get_ask(session: Session, token: str, visit_id: str) -> AskVisit:
    """An ask-form visit of this portal visit that has not ended yet."""
    ask = session.scalar(
        select(AskVisit).where(AskVisit.token == token, AskVisit.visit_id == visit_id)
    )
    if ask is None:
        raise NotFound("no such request form; open the form again")
    if ask.outcome is not None:
        raise Conflict("this request has already been finished")
    return ask


def suggest(
    session: Session,
    search: SearchService,
    viewer: Viewer,
    ask: AskVisit,
    text: str,
    product: str | None = None,
) -> list:
    """Visible articles matching what the client is typing; each one shown is recorded."""
    text = " ".join(text.split())
    if len(text) < MIN_TEXT:
        return []
    hits = favouring(search, viewer, text, product)
    known = {
        s.article_id: s
        for s in session.scalars(select(AskSuggestion).where(AskSuggestion.ask_visit_id == ask.id))
    }
    for rank, hit in enumerate(hits, start=1):
        if hit.id in known:
            known[hit.id].times_shown += 1
        else:
            session.add(
                AskSuggestion(ask_visit_id=ask.id, article_id=hit.id, query=text[:500], rank=rank)
            )
    session.flush()
    return hits


def favouring(search: SearchService, viewer: Viewer, text: str, product: str | None) -> list:
    """Matching articles, those of the chosen product (or its item's) first, then the rest:
    a preference, so an article for every product still shows when the chosen one has few."""
    if not product:
        return search.similar(viewer, text, limit=SUGGESTIONS)
    first = search.similar(viewer, text, limit=SUGGESTIONS, product=product)
    shown = frozenset(hit.id for hit in first)
    rest = search.similar(viewer, text, limit=SUGGESTIONS - len(first), exclude=shown)
    return [*first, *rest] if len(first) < SUGGESTIONS else first


def open_suggestion(session: Session, viewer: Viewer, ask: AskVisit, article_id: str) -> str:
    """Record that a suggested article was opened; the article id to show."""
    article = get_article(session, viewer, article_id)
    suggestion = _suggestion(session, ask, article.id)
    if suggestion.clicked_at is None:
        suggestion.clicked_at = utcnow()
    return article.id


def deflect(session: Session, viewer: Viewer, ask: AskVisit, article_id: str) -> AskVisit:
    """End the visit without a ticket: a suggested article solved the problem."""
    article = get_article(session, viewer, article_id)
    suggestion = session.scalar(
        select(AskSuggestion).where(
            AskSuggestion.ask_visit_id == ask.id, AskSuggestion.article_id == article.id
        )
    )
    if suggestion is None and article.id != ask.article_id:
        raise NotFound(f"article {article_id!r} was not suggested in this request")
    if suggestion is not None and suggestion.clicked_at is None:
        suggestion.clicked_at = utcnow()
    ask.outcome = "deflected"
    ask.solved_article_id = article.id
    ask.ended_at = utcnow()
    session.flush()
    return ask


def suggestions_of(session: Session, ask_id: int) -> list[AskSuggestion]:
    query = (
        select(AskSuggestion)
        .where(AskSuggestion.ask_visit_id == ask_id)
        .options(selectinload(AskSuggestion.article))
        .order_by(AskSuggestion.shown_at, AskSuggestion.id)
    )
    return list(session.scalars(query))


def _suggestion(session: Session, ask: AskVisit, article_id: str) -> AskSuggestion:
    suggestion = session.scalar(
        select(AskSuggestion).where(
            AskSuggestion.ask_visit_id == ask.id, AskSuggestion.article_id == article_id
        )
    )
    if suggestion is None:
        raise NotFound(f"article {article_id!r} was not suggested in this request")
    return suggestion
