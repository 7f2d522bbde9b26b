"""The ask form as a deflection flow: live suggestions, what was opened, "this solved it".

Every ask-form visit is recorded with its outcome, so deflection can be measured (KCS.md).
"""

import re
import secrets
from contextlib import suppress

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from kb_service.articles.service import get_article
from kb_service.db import savepoint, utcnow
from kb_service.errors import Conflict, NotFound
from kb_service.search.service import SearchService
from tickets.models import AskSuggestion, AskVisit

SUGGESTIONS = 5
# Fewer characters than this are not yet worth searching for.
MIN_TEXT = 4
# What `start_ask` makes (`secrets.token_urlsafe(24)`); a form names its own before it is saved.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")


def start_ask(
    session: Session, viewer: Viewer, visit_id: str, article_id: str | None = None
) -> AskVisit:
    """The open ask-form visit of this portal visit, or a new one, not saved yet.

    Opening the form writes nothing: a row per GET made visitors fail with SQLite's
    `database is locked` at 128 connections (bench/RESULTS.md). The first suggestion or the
    submission saves it (`claim_ask`).
    """
    if article_id is not None:
        article_id = get_article(session, viewer, article_id).id
    ask = session.scalar(
        select(AskVisit)
        .where(AskVisit.visit_id == visit_id, AskVisit.outcome.is_(None))
        .order_by(AskVisit.id.desc())
        .limit(1)
    )
    if ask is None:
        return AskVisit(
            token=secrets.token_urlsafe(24),
            visit_id=visit_id,
            viewer_kind=viewer.kind,
            user_id=viewer.user_id,
            article_id=article_id,
        )
    if article_id is not None and ask.article_id != article_id:
        ask.article_id = article_id
    return ask


def claim_ask(
    session: Session, viewer: Viewer, token: str, visit_id: str, article_id: str | None = None
) -> AskVisit:
    """The ask-form visit of ``token``, saved now if the form was only opened so far."""
    ask = session.scalar(select(AskVisit).where(AskVisit.token == token))
    if ask is not None:
        return _open_of_visit(ask, visit_id)
    if not TOKEN_RE.fullmatch(token):
        raise NotFound("no such request form; open the form again")
    noted = None
    if article_id:
        with suppress(NotFound):
            noted = get_article(session, viewer, article_id).id
    ask = AskVisit(
        token=token,
        visit_id=visit_id,
        viewer_kind=viewer.kind,
        user_id=viewer.user_id,
        article_id=noted,
    )
    try:
        with savepoint(session):
            session.add(ask)
    except IntegrityError:
        # The same form's suggestion and submission raced: the other one saved it.
        ask = session.scalar(select(AskVisit).where(AskVisit.token == token))
        if ask is None:
            raise
        return _open_of_visit(ask, visit_id)
    return ask


def get_ask(session: Session, token: str, visit_id: str) -> AskVisit:
    """An ask-form visit of this portal visit that has not ended yet."""
    ask = session.scalar(
        select(AskVisit).where(AskVisit.token == token, AskVisit.visit_id == visit_id)
    )
    if ask is None:
        raise NotFound("no such request form; open the form again")
    return _open_of_visit(ask, visit_id)


def _open_of_visit(ask: AskVisit, visit_id: str) -> AskVisit:
    if ask.visit_id != visit_id:
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
