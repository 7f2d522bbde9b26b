"""HTTP API: search, type-ahead suggestions and clicks (DESIGN.md shapes)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request, status
from pydantic import BaseModel, Field

from kb_service.activity import MAX_SEARCH_ID
from kb_service.deps import (
    ActivityDep,
    ArticleLinks,
    ArticleLinksDep,
    SearchDep,
    SessionDep,
    ViewerDep,
)
from kb_service.response_cache import reusable
from kb_service.search import service
from kb_service.search.snippets import snippet_html

router = APIRouter(tags=["search"])
SearchId = Annotated[int, Path(ge=1, le=MAX_SEARCH_ID)]


class TranslationOut(BaseModel):
    id: str
    language: str
    url: str


class ResultOut(BaseModel):
    id: str
    title: str
    snippet: str
    url: str
    score: float
    language: str
    products: list[str]


class FacetOut(BaseModel):
    value: str
    count: int


class SearchOut(BaseModel):
    query: str = Field(description="The query as asked.")
    total: int
    results: list[ResultOut]
    facets: dict[str, list[FacetOut]]
    did_you_mean: str | None
    search_id: int | None = None
    searched_query: str = Field(
        description="The query the results are for: `query` itself, or its correction (a typo "
        "fixed, the other keyboard layout converted) when that was searched instead."
    )
    corrected_from: str | None = Field(
        None, description="`query` when the results are for a correction of it, else null."
    )
    translations: dict[str, list[TranslationOut]] = Field(
        default={},
        description="By result id, its translations that matched too. An article and its "
        "translation are one result, in the caller's first Accept-Language of ru and en, "
        "counted once in `total` and in each facet (a language counts what choosing it finds).",
    )


class SuggestionOut(BaseModel):
    id: str
    title: str
    url: str


class ClickIn(BaseModel):
    article_id: str
    visit: str | None = Field(None, max_length=64, description="The visit the search was in.")


@router.get("/search", response_model=SearchOut)
def search(
    request: Request,
    links: ArticleLinksDep,
    session: SessionDep,
    search: SearchDep,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=10_000)] = "",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    product: str | None = None,
    language: Literal["ru", "en"] | None = None,
    category: str | None = None,
    visit: Annotated[str | None, Query(max_length=64)] = None,
    accept_language: Annotated[str | None, Header(max_length=500)] = None,
    exact: Annotated[bool, Query(description="Search the query as typed, uncorrected.")] = False,
):
    result, event_id = search.search(
        session,
        viewer,
        q,
        limit=limit,
        offset=offset,
        product=product,
        language=language,
        category=category,
        visit_id=visit,
        interface_language=_first_language(accept_language),
        exact=exact,
    )
    if viewer.kind == "anonymous":
        own = {"search": str(event_id)} if event_id is not None else {}
        reusable(request, own, service.search_replay(search.activity, q, result.total, visit))
    return SearchOut(
        query=result.query,
        total=result.total,
        results=[
            ResultOut(**_hit(links, h), snippet=snippet_html(h.snippet), score=round(h.score, 4))
            for h in result.hits
        ],
        facets={k: [FacetOut(value=v, count=c) for v, c in vs] for k, vs in result.facets.items()},
        did_you_mean=result.did_you_mean,
        search_id=event_id,
        searched_query=result.searched_query if result.corrected else result.query,
        corrected_from=result.query if result.corrected else None,
        translations={
            h.id: [TranslationOut(id=t.id, language=t.language, url=links(t.id)) for t in ts]
            for h in result.hits
            if (ts := h.translations)
        },
    )


@router.get("/suggest", response_model=list[SuggestionOut])
def suggest(
    request: Request,
    links: ArticleLinksDep,
    search: SearchDep,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
    accept_language: Annotated[str | None, Header(max_length=500)] = None,
):
    hits = search.suggest(viewer, q, limit, interface_language=_first_language(accept_language))
    if viewer.kind == "anonymous":
        reusable(request)
    return [SuggestionOut(id=h.id, title=h.title, url=links(h.id)) for h in hits]


@router.post("/search/{search_id}/click", status_code=status.HTTP_204_NO_CONTENT)
def click(
    search_id: SearchId,
    data: ClickIn,
    session: SessionDep,
    activity: ActivityDep,
    viewer: ViewerDep,
):
    service.record_click(session, activity, viewer, search_id, data.article_id, data.visit)


def _hit(links: ArticleLinks, hit) -> dict:
    return {
        "id": hit.id,
        "title": hit.title,
        "url": links(hit.id),
        "language": hit.language,
        "products": list(hit.products),
    }


def _first_language(accept_language: str | None) -> str | None:
    """The caller's first preferred language of ours ("ru" or "en"), from Accept-Language."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in ("ru", "en"):
            return tag
    return None
