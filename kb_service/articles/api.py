"""HTTP API for articles and categories."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from kb_service.access import Viewer
from kb_service.articles import service
from kb_service.articles.models import Article, ArticleVersion
from kb_service.articles.rules import Rules
from kb_service.articles.schemas import (
    ArticleCreate,
    ArticleFields,
    ArticleOut,
    ArticlePage,
    ArticleSummary,
    CategoryIn,
    CategoryOut,
    VersionOut,
)
from kb_service.deps import (
    ArticleLinks,
    ArticleLinksDep,
    OptionalVersionDep,
    SessionDep,
    SettingsDep,
    VersionDep,
    ViewerDep,
)
from kb_service.errors import Forbidden
from kb_service.hostile_input import DB_INT_MAX

router = APIRouter(tags=["articles"])


def summary(links: ArticleLinks, article: Article) -> dict:
    return {
        "id": article.id,
        "title": article.title,
        "language": article.language,
        "status": article.status,
        "version": article.version,
        "products": sorted(p.code for p in article.products),
        "groups": article.group_names,
        "category": article.category.slug if article.category else None,
        "updated_at": article.updated_at,
        "url": links(article.id),
        "standard_answer": article.standard_answer,
    }


def detail(links: ArticleLinks, article: Article, response: Response) -> ArticleOut:
    response.headers["ETag"] = f'"{article.version}"'
    return ArticleOut(
        **summary(links, article),
        body=article.body_md,
        html=article.body_html,
        tags=sorted(t.name for t in article.tags),
        author=article.author.name if article.author else None,
        created_at=article.created_at,
        published_at=article.published_at,
    )


@router.get("/articles", response_model=ArticlePage)
def list_articles(
    links: ArticleLinksDep,
    session: SessionDep,
    viewer: ViewerDep,
    status_: Annotated[
        Literal["draft", "in_review", "published", "archived"] | None, Query(alias="status")
    ] = None,
    language: Literal["ru", "en"] | None = None,
    product: str | None = None,
    category: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
):
    total, items = service.list_articles(
        session,
        viewer,
        status=status_,
        language=language,
        product=product,
        category=category,
        limit=limit,
        offset=offset,
    )
    return ArticlePage(total=total, items=[ArticleSummary(**summary(links, a)) for a in items])


@router.get("/articles/{article_id}", response_model=ArticleOut)
def get_article(
    article_id: str,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    links: ArticleLinksDep,
):
    return detail(links, service.get_article(session, viewer, article_id), response)


@router.post("/articles", response_model=ArticleOut, status_code=status.HTTP_201_CREATED)
def create_article(
    data: ArticleCreate,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    links: ArticleLinksDep,
    settings: SettingsDep,
):
    article = service.create_article(session, viewer, data, Rules.of(settings))
    response.headers["Location"] = f"/api/v1/articles/{article.id}"
    return detail(links, service.get_article(session, viewer, article.id), response)


@router.patch("/articles/{article_id}", response_model=ArticleOut)
def update_article(
    article_id: str,
    data: ArticleFields,
    version: VersionDep,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    links: ArticleLinksDep,
):
    article = service.update_article(session, viewer, article_id, data, version)
    return detail(links, article, response)


@router.post("/articles/{article_id}/publish", response_model=ArticleOut)
def publish_article(
    article_id: str,
    version: OptionalVersionDep,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    links: ArticleLinksDep,
    settings: SettingsDep,
):
    rules = Rules.of(settings)
    article = service.set_status(session, viewer, article_id, "published", version, rules)
    return detail(links, article, response)


@router.post("/articles/{article_id}/archive", response_model=ArticleOut)
def archive_article(
    article_id: str,
    version: OptionalVersionDep,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    links: ArticleLinksDep,
):
    return detail(
        links, service.set_status(session, viewer, article_id, "archived", version), response
    )


@router.get("/articles/{article_id}/versions", response_model=list[VersionOut])
def list_versions(article_id: str, session: SessionDep, viewer: ViewerDep):
    return [_version(v) for v in service.list_versions(session, viewer, article_id)]


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(session: SessionDep):
    return service.list_categories(session)


@router.post("/categories", response_model=CategoryOut, status_code=status.HTTP_201_CREATED)
def create_category(data: CategoryIn, session: SessionDep, viewer: ViewerDep):
    _require_curator(viewer)
    return service.create_category(session, data.slug, data.name)


def _require_curator(viewer: Viewer) -> None:
    if not viewer.sees_drafts:
        raise Forbidden("only editors, managers and admins manage categories")


def _version(version: ArticleVersion) -> VersionOut:
    return VersionOut(
        version=version.version,
        title=version.title,
        body=version.body_md,
        language=version.language,
        status=version.status,
        groups=version.groups,
        products=version.products,
        editor=version.editor.name if version.editor else None,
        created_at=version.created_at,
    )
