"""Searching the KB as a viewer, and recording what was searched and opened."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer import search as engine
from indexer.index import SearchIndex
from kb_service.access import Viewer, article_filter
from kb_service.articles.models import Article
from kb_service.db import utcnow
from kb_service.errors import NotFound
from kb_service.search.models import SearchEvent


def search(
    session: Session,
    index: SearchIndex,
    viewer: Viewer,
    query: str,
    *,
    limit: int = 10,
    offset: int = 0,
    product: str | None = None,
    language: str | None = None,
    category: str | None = None,
    visit_id: str | None = None,
) -> tuple[engine.SearchResult, int | None]:
    """Search within what the viewer may see; the first page of a query is recorded."""
    result = engine.search(
        index,
        query,
        groups=viewer.groups,
        limit=limit,
        offset=offset,
        product=product,
        language=language,
        category=category,
    )
    event_id = None
    normalised = engine.normalise_query(query)[:500]
    if offset == 0 and normalised:
        event = SearchEvent(
            visit_id=visit_id,
            viewer_kind=viewer.kind,
            user_id=viewer.user_id,
            query=normalised,
            result_count=result.total,
        )
        session.add(event)
        session.flush()
        event_id = event.id
    return result, event_id


def suggest(index: SearchIndex, viewer: Viewer, prefix: str, limit: int = 8) -> list[engine.Hit]:
    """Title completions for type-ahead, among visible articles only."""
    return engine.suggest(index, prefix, groups=viewer.groups, limit=limit)


def record_click(
    session: Session, viewer: Viewer, event_id: int, article_id: str, visit_id: str | None = None
) -> None:
    """Remember which visible article a search led to; only its own searcher may say so."""
    event = session.get(SearchEvent, event_id)
    # Ids are sequential: without the visit check, anyone could click anonymous searches.
    foreign = event is None or event.user_id != viewer.user_id or event.visit_id != visit_id
    if foreign:
        raise NotFound(f"no search {event_id}")
    visible = session.scalar(
        select(Article.id).where(Article.id == article_id, article_filter(viewer))
    )
    if visible is None:
        raise NotFound(f"no article {article_id!r}")
    event.clicked_article_id = article_id
    event.clicked_at = utcnow()


def similar(
    index: SearchIndex,
    viewer: Viewer,
    text: str,
    *,
    limit: int = 5,
    exclude: frozenset[str] = frozenset(),
    product: str | None = None,
) -> list[engine.Hit]:
    """Visible articles matching free text (related articles, ask-form suggestions); unrecorded."""
    result = engine.search(
        index, text, groups=viewer.groups, limit=limit + len(exclude), product=product
    )
    return [hit for hit in result.hits if hit.id not in exclude][:limit]
