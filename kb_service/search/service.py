"""Searching the KB as a viewer, and recording what was searched and opened.

`SearchService` is the only way the faces (API routes, portal pages, the ask form) reach the
article index: every call takes the viewer, so nothing above this layer can search unfiltered.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer import search as engine
from indexer.index import SearchIndex
from kb_service.access import Viewer, article_filter
from kb_service.activity import ActivityLog
from kb_service.articles.models import Article
from kb_service.db import utcnow
from kb_service.errors import NotFound
from kb_service.search.models import SearchEvent

Hit = engine.Hit
SearchResult = engine.SearchResult


class SearchService:
    """The article index of this process, searched within what each viewer may see."""

    def __init__(self, index: SearchIndex, activity: ActivityLog | None = None) -> None:
        self.index = index
        self.activity = activity  # where searches are recorded; None records nothing (benches)

    def search(
        self,
        session: Session,
        viewer: Viewer,
        query: str,
        *,
        limit: int = 10,
        offset: int = 0,
        product: str | None = None,
        language: str | None = None,
        category: str | None = None,
        visit_id: str | None = None,
    ) -> tuple[SearchResult, int | None]:
        """Search within what the viewer may see; the first page of a query is recorded."""
        result = engine.search(
            self.index,
            query,
            groups=viewer.groups,
            limit=limit,
            offset=offset,
            product=product,
            language=language,
            category=category,
        )
        event_id = None
        if offset == 0 and self.activity is not None:
            event_id = _record_search(self.activity, viewer, query, result.total, visit_id)
        return result, event_id

    def suggest(self, viewer: Viewer, prefix: str, limit: int = 8) -> list[Hit]:
        """Title completions for type-ahead, among visible articles only."""
        return engine.suggest(self.index, prefix, groups=viewer.groups, limit=limit)

    def similar(
        self,
        viewer: Viewer,
        text: str,
        *,
        limit: int = 5,
        exclude: frozenset[str] = frozenset(),
        product: str | None = None,
    ) -> list[Hit]:
        """Visible articles matching free text (related articles, ask-form suggestions);
        unrecorded."""
        result = engine.search(
            self.index, text, groups=viewer.groups, limit=limit + len(exclude), product=product
        )
        return [hit for hit in result.hits if hit.id not in exclude][:limit]


def _record_search(
    activity: ActivityLog, viewer: Viewer, query: str, total: int, visit_id: str | None
) -> int | None:
    normalised = engine.normalise_query(query)[:500]
    if not normalised:
        return None
    return activity.search(
        visit_id=visit_id,
        viewer_kind=viewer.kind,
        user_id=viewer.user_id,
        query=normalised,
        result_count=total,
        created_at=utcnow(),
    )


def record_click(
    session: Session,
    activity: ActivityLog,
    viewer: Viewer,
    event_id: int,
    article_id: str,
    visit_id: str | None = None,
) -> None:
    """Remember which visible article a search led to; only its own searcher may say so."""
    owner = activity.search_owner(event_id)
    if owner is None:
        event = session.get(SearchEvent, event_id)
        owner = (event.user_id, event.visit_id) if event is not None else None
    # Without the visit check, anyone who saw an anonymous search's id could click it; and a
    # search made with neither a user nor a visit has nobody who can prove it was theirs.
    if owner is None or owner == (None, None) or owner != (viewer.user_id, visit_id):
        raise NotFound(f"no search {event_id}")
    visible = session.scalar(
        select(Article.id).where(Article.id == article_id, article_filter(viewer))
    )
    if visible is None:
        raise NotFound(f"no article {article_id!r}")
    activity.click(event_id, article_id, utcnow())
