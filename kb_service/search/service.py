"""Searching the KB as a viewer, and recording what was searched and opened.

`SearchService` is the only way the faces (API routes, portal pages, the ask form) reach the
article index: every call takes the viewer, so nothing above this layer can search unfiltered.

Results are kept per index version and per access key (the viewer's groups, None for staff):
what the index returns depends on nothing else of the viewer, so two viewers share a result
only when they may see exactly the same articles. Recording a search stays per request.
"""

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer import search as engine
from indexer.index import SearchIndex
from kb_service.access import ANONYMOUS, Viewer, article_filter
from kb_service.activity import ActivityLog
from kb_service.articles.models import Article
from kb_service.browser_session import ensure_visit
from kb_service.db import utcnow
from kb_service.errors import NotFound
from kb_service.memo import Memo
from kb_service.metrics import SEARCH_SECONDS
from kb_service.search.models import SearchEvent
from kb_service.search.synonyms import SynonymSource

Hit = engine.Hit
SearchResult = engine.SearchResult
_NO_SYNONYMS = engine.Synonyms([], version=0)
# Kept results, weighed in hits: 10,000 hits of about 1 KB (title, snippet) is ~10 MB a worker.
RESULTS_BUDGET = 10_000


class SearchService:
    """The article index of this process, searched within what each viewer may see."""

    def __init__(
        self,
        index: SearchIndex,
        activity: ActivityLog | None = None,
        synonyms: SynonymSource | None = None,
    ) -> None:
        self.index = index
        self.activity = activity  # where searches are recorded; None records nothing (benches)
        self.synonyms = synonyms  # None: no synonyms (benches, tests of the bare engine)
        self._kept = Memo(RESULTS_BUDGET)

    def _dictionary(self) -> engine.Synonyms:
        return self.synonyms.current() if self.synonyms is not None else _NO_SYNONYMS

    def _cached(self, viewer: Viewer, key: tuple, compute, synonyms: engine.Synonyms):
        # The versions are read before computing: a swap meanwhile makes this value unkept.
        state = (self.index.version, synonyms.version)
        return self._kept.get(state, (viewer.groups, *key), compute, _weight)

    @SEARCH_SECONDS.time()
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
        interface_language: str | None = None,
        exact: bool = False,
    ) -> tuple[SearchResult, int | None]:
        """Search within what the viewer may see; the first page of a query is recorded.

        The query's script and the viewer's ``interface_language`` decide which language's
        articles rank first (engine.query_language); a client's own products' articles rank
        higher too (``Viewer.products``, empty for staff and anonymous visitors). Capitals
        are kept for the engine (they mark abbreviations such as "ПО" among synonyms).
        ``exact`` searches what was typed, with no correction (the "search instead for" link).
        Of an article and its translation that both match, the one in the interface language
        is shown, the other named on it.
        """
        typed = " ".join(query[: engine.MAX_QUERY_CHARS].split())
        prefer = engine.query_language(typed, interface_language)
        synonyms = self._dictionary()
        favour, shown = viewer.products, interface_language
        key = ("search", typed, limit, offset, product, language, category, prefer, shown,
               exact, favour)  # fmt: skip
        found = self._cached(
            viewer,
            key,
            lambda: engine.search(
                self.index,
                typed,
                groups=viewer.groups,
                limit=limit,
                offset=offset,
                product=product,
                language=language,
                category=category,
                synonyms=synonyms,
                prefer=prefer,
                favour=favour,
                viewer_language=shown,
                correct=not exact,
            ),
            synonyms,
        )
        result = replace(found, query=query)
        event_id = None
        if offset == 0 and self.activity is not None:
            event_id = _record_search(self.activity, viewer, query, result.total, visit_id)
        return result, event_id

    def suggest(
        self, viewer: Viewer, prefix: str, limit: int = 8, interface_language: str | None = None
    ) -> list[Hit]:
        """Title completions for type-ahead, among visible articles only, the viewer's own
        products' first; one of an article and its translation, in the interface language."""
        normalised = engine.normalise_query(prefix)
        synonyms = self._dictionary()
        favour = viewer.products
        return self._cached(
            viewer,
            ("suggest", normalised, limit, interface_language, favour),
            lambda: engine.suggest(
                self.index,
                normalised,
                groups=viewer.groups,
                limit=limit,
                favour=favour,
                viewer_language=interface_language,
            ),
            synonyms,
        )

    def similar(
        self,
        viewer: Viewer,
        text: str,
        *,
        limit: int = 5,
        exclude: frozenset[str] = frozenset(),
        product: str | None = None,
        interface_language: str | None = None,
    ) -> list[Hit]:
        """Visible articles matching free text (related articles, ask-form suggestions), the
        viewer's own products' first; unrecorded. An excluded article's translation is
        excluded with it."""
        normalised = engine.normalise_query(text)
        synonyms = self._dictionary()
        favour = viewer.products
        result = self._cached(
            viewer,
            ("similar", normalised, limit + len(exclude), product, interface_language, favour),
            lambda: engine.search(
                self.index,
                normalised,
                groups=viewer.groups,
                limit=limit + len(exclude),
                product=product,
                correct=False,
                synonyms=synonyms,
                favour=favour,
                viewer_language=interface_language,
            ),
            synonyms,
        )
        return [hit for hit in result.hits if not _among(hit, exclude)][:limit]


def _among(hit: Hit, ids: frozenset[str]) -> bool:
    return hit.id in ids or any(t.id in ids for t in hit.translations)


def _weight(value: SearchResult | list[Hit]) -> int:
    return 1 + len(value.hits if isinstance(value, SearchResult) else value)


def search_replay(
    activity: ActivityLog | None, query: str, total: int, visit_id: str | None = None
):
    """What a reused anonymous search response records: the same search, in the reusing
    visitor's visit (``visit_id`` when the request named one, else the session's)."""

    def replay(session: dict) -> dict[str, str]:
        if activity is None:
            return {}
        visit = visit_id if visit_id is not None else ensure_visit(session)
        event_id = _record_search(activity, ANONYMOUS, query, total, visit)
        return {"search": str(event_id)} if event_id is not None else {}

    return replay


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
