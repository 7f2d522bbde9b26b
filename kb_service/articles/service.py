"""Articles: reading within what the viewer may see, saving with versions and the outbox."""

import secrets

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from kb_service import outbox
from kb_service.access import (
    CURATOR_ROLES,
    PUBLIC,
    WRITER_ROLES,
    Viewer,
    article_filter,
    can_read_version,
)
from kb_service.accounts.models import AccessGroup
from kb_service.articles import translated
from kb_service.articles.models import (
    Article,
    ArticleBody,
    ArticleReview,
    ArticleVersion,
    Category,
    Tag,
)
from kb_service.articles.rendering import render_markdown
from kb_service.articles.restrictions import resolve_groups
from kb_service.articles.rules import Rules
from kb_service.articles.schemas import ArticleCreate, ArticleFields
from kb_service.audit import service as audit
from kb_service.catalogue.models import Product
from kb_service.db import utcnow
from kb_service.errors import Conflict, Forbidden, Invalid, NotFound

TOPIC = "article.saved"

LOAD = (
    selectinload(Article.products),
    selectinload(Article.groups),
    selectinload(Article.tags),
    selectinload(Article.category),
    selectinload(Article.author),
)


def list_articles(
    session: Session,
    viewer: Viewer,
    *,
    status: str | None = None,
    language: str | None = None,
    product: str | None = None,
    category: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[Article]]:
    """A page of visible articles, newest change first, and how many there are in all."""
    query = select(Article).where(article_filter(viewer))
    if status:
        query = query.where(Article.status == status)
    if language:
        query = query.where(Article.language == language)
    if product:
        query = query.where(Article.products.any(Product.code == product))
    if category:
        query = query.where(Article.category.has(Category.slug == category))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.options(*LOAD).order_by(Article.updated_at.desc(), Article.id)
    return total, list(session.scalars(page.limit(limit).offset(offset)))


def recent_articles(
    session: Session, viewer: Viewer, limit: int = 6, language: str | None = None
) -> list[Article]:
    """The visible published articles changed last; no count (the home page needs none).
    An article with a translation is listed once, in ``language`` where the viewer may read it."""
    query = (
        select(Article)
        .where(article_filter(viewer), Article.status == "published")
        .options(*LOAD)
        .order_by(Article.updated_at.desc(), Article.id)
        .limit(2 * limit)  # a group of translations is at most two: enough to leave `limit`
    )
    return translated.shown_in(session, viewer, list(session.scalars(query)), language, limit, LOAD)


def get_article(session: Session, viewer: Viewer, article_id: str) -> Article:
    """The article, or NotFound when it does not exist or the viewer may not see it."""
    article = session.scalar(
        select(Article).where(Article.id == article_id, article_filter(viewer)).options(*LOAD)
    )
    if article is None:
        raise NotFound(f"no article {article_id!r}")
    return article


def create_article(
    session: Session, viewer: Viewer, data: ArticleCreate, rules: Rules = Rules()
) -> Article:
    """Add an article; writers may add drafts, curators may publish at once (without review)."""
    _require(viewer, WRITER_ROLES, "write articles")
    if data.status == "published":
        _require(viewer, CURATOR_ROLES, "publish articles")
        if not rules.may_publish(viewer.user_id, {viewer.user_id}):
            raise Forbidden(NEEDS_REVIEW)
    article_id = data.id or f"kb-{secrets.token_hex(4)}"
    if session.get(Article, article_id) is not None:
        raise Conflict(f"article {article_id!r} exists already")
    article = _new(article_id, data.status, viewer.user_id)
    _apply(session, article, data, groups_default=[PUBLIC])
    session.add(article)
    _saved(session, article, viewer)
    return article


def update_article(
    session: Session, viewer: Viewer, article_id: str, data: ArticleFields, expected_version: int
) -> Article:
    """Change an article edited from `expected_version`; a stale edit is refused."""
    _require(viewer, WRITER_ROLES, "edit articles")
    article = get_article(session, viewer, article_id)
    if article.status != "draft":
        # What readers see (text and audience) changes only with the right to publish it.
        _require(viewer, CURATOR_ROLES, f"change a {article.status} article; ask an editor")
    _check_version(article, expected_version)
    audience_before = _apply(session, article, data)
    _saved(session, article, viewer)
    _audit_access(session, article, audience_before, viewer.user_id)
    return article


NEEDS_REVIEW = (
    "articles are reviewed before they are published: another editor must approve this one "
    "(submit it for review)"
)


def set_status(
    session: Session,
    viewer: Viewer,
    article_id: str,
    status: str,
    expected_version: int | None,
    rules: Rules = Rules(),
) -> Article:
    """Publish or archive (or return to draft); with review required, never one's own."""
    _require(viewer, CURATOR_ROLES, "publish or archive articles")
    article = get_article(session, viewer, article_id)
    if expected_version is not None:
        _check_version(article, expected_version)
    if article.status == status:
        return article
    if status == "published":
        publish(session, viewer, article, rules)
        return article
    article.status = status
    _saved(session, article, viewer)
    return article


def publish(
    session: Session,
    viewer: Viewer,
    article: Article,
    rules: Rules,
    note: str = "",
    *,
    approval: bool = False,
) -> None:
    """Make a loaded article public; where review is required this is another's approval."""
    if not rules.may_publish(viewer.user_id, writers_of(session, article)):
        raise Forbidden(NEEDS_REVIEW)
    article.status = "published"
    article.published_at = utcnow()
    if article.review_by is None:
        article.review_by = rules.review_by(article.published_at.date())
    _saved(session, article, viewer)
    if approval or rules.require_review:
        session.add(
            ArticleReview(
                article_id=article.id,
                version=article.version,
                by_id=viewer.user_id,
                decision="approved",
                text=note,
            )
        )
        session.flush()


def writers_of(session: Session, article: Article) -> set[int]:
    """Who wrote the article, for the review rule: its author, whoever submitted it, and
    whoever saved it since its last submission (an approval must not cover one's own edit)."""
    submissions = session.execute(
        select(ArticleReview.by_id, ArticleReview.version).where(
            ArticleReview.article_id == article.id, ArticleReview.decision == "submitted"
        )
    ).all()
    writers = {article.author_id, *(by for by, _ in submissions)}
    if submissions:
        since = max(version for _, version in submissions)
        writers.update(
            session.scalars(
                select(ArticleVersion.editor_id).where(
                    ArticleVersion.article_id == article.id, ArticleVersion.version > since
                )
            )
        )
    return writers - {None}


def list_versions(session: Session, viewer: Viewer, article_id: str) -> list[ArticleVersion]:
    """Saved states of a visible article, newest first, each one only if the viewer may read it."""
    article = get_article(session, viewer, article_id)
    query = (
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article.id)
        .options(selectinload(ArticleVersion.editor))
        .order_by(ArticleVersion.version.desc())
    )
    versions = session.scalars(query)
    return [v for v in versions if can_read_version(viewer, v, article.author_id)]


def save_imported(session: Session, data: ArticleCreate, author_id: int | None = None) -> bool:
    """Create or update an article from an import line; False when nothing changed."""
    article = session.scalar(select(Article).where(Article.id == data.id).options(*LOAD))
    if article is not None and _unchanged(article, data):
        return False
    if article is None:
        article = _new(data.id, data.status, author_id)
    audience_before = _apply(session, article, data, groups_default=[PUBLIC])
    session.add(article)
    article.status = data.status
    if data.status == "published" and article.published_at is None:
        article.published_at = utcnow()
    _saved(session, article, None, editor_id=author_id)
    _audit_access(session, article, audience_before, author_id)
    return True


def get_or_create_category(session: Session, slug: str, name: str | None = None) -> Category:
    category = session.scalar(select(Category).where(Category.slug == slug))
    return category or _add_category(session, slug, name)


def create_category(session: Session, slug: str, name: str) -> Category:
    """Add a category; its slug must be new."""
    if session.scalar(select(Category.id).where(Category.slug == slug)) is not None:
        raise Conflict(f"category {slug!r} exists already")
    return _add_category(session, slug, name)


def _add_category(session: Session, slug: str, name: str | None) -> Category:
    category = Category(slug=slug, name=name or slug.replace("-", " ").capitalize())
    session.add(category)
    session.flush()
    return category


def list_categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.name)))


def _new(article_id: str, status: str, author_id: int | None) -> Article:
    # Empty collections up front: assigning them later then needs no load (lazy="raise").
    return Article(
        id=article_id,
        status=status,
        author_id=author_id,
        version=1,
        products=[],
        groups=[],
        tags=[],
        category=None,
    )


def _apply(
    session: Session, article: Article, data: ArticleFields, groups_default: list[str] | None = None
) -> list[str] | None:
    """Set the given fields; the access groups before, when those of a saved article changed."""
    # Look everything up first: a lookup may flush, and the article must change only once.
    groups = data.groups if data.groups is not None else groups_default
    category = get_or_create_category(session, data.category) if data.category else None
    products = _products(session, data.products) if data.products is not None else None
    group_rows = _groups(session, groups or [PUBLIC]) if groups is not None else None
    tags = [_tag(session, name) for name in data.tags] if data.tags is not None else None
    if data.title is not None:
        article.title = data.title
    if data.body is not None:
        html = render_markdown(data.body)
        article.body = ArticleBody(article_id=article.id, body_md=data.body, body_html=html)
    if data.language is not None:
        article.language = data.language
    if "review_by" in data.model_fields_set:  # an explicit null clears the date
        article.review_by = data.review_by
    if data.standard_answer is not None:
        article.standard_answer = data.standard_answer
    if data.category is not None:
        article.category = category
    # Collections are replaced only when they differ: a replaced collection is a new version.
    if products is not None and set(article.products) != set(products):
        article.products = products
    audience_before = None
    if group_rows is not None and set(article.groups) != set(group_rows):
        # A new article starts with no groups: choosing its first audience changes no access.
        audience_before = sorted(g.name for g in article.groups) or None
        article.groups = group_rows
    if tags is not None and set(article.tags) != set(tags):
        article.tags = tags
    return audience_before


def _audit_access(
    session: Session, article: Article, before: list[str] | None, actor_id: int | None
) -> None:
    """Who may read an article is a security matter: its changes go to the audit log."""
    if before is not None:
        details = {"before": before, "after": article.group_names}
        audit.record(
            session, actor_id, audit.ARTICLE_ACCESS_CHANGED, ("article", article.id), details
        )


def _saved(
    session: Session, article: Article, viewer: Viewer | None, editor_id: int | None = None
) -> None:
    """Bump the version, keep the saved text and tell the outbox, all in this transaction."""
    article.updated_at = utcnow()
    article_id = article.id  # read now: a failed flush leaves the article unreadable
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as exc:
        # A racing request saved this version, or created this id, after our checks passed.
        raise Conflict(f"article {article_id!r} was saved by someone else; reload it") from exc
    session.add(
        ArticleVersion(
            article_id=article.id,
            version=article.version,
            title=article.title,
            body=article.body,
            language=article.language,
            status=article.status,
            groups=article.group_names,
            products=sorted(p.code for p in article.products),
            editor_id=viewer.user_id if viewer else editor_id,
        )
    )
    outbox.emit(session, TOPIC, article.id, {"status": article.status, "version": article.version})
    session.flush()


def _check_version(article: Article, expected: int) -> None:
    if article.version != expected:
        raise Conflict(
            f"article {article.id!r} is at version {article.version}, not {expected}: "
            "someone saved it meanwhile; reload, merge your change and save again"
        )


def _require(viewer: Viewer, roles: frozenset[str], action: str) -> None:
    if not viewer.has_any(roles):
        raise Forbidden(f"your roles do not allow you to {action}")


def _products(session: Session, codes: list[str]) -> list[Product]:
    products = list(session.scalars(select(Product).where(Product.code.in_(codes))))
    missing = sorted(set(codes) - {p.code for p in products})
    if missing:
        raise Invalid(f"unknown product code(s): {', '.join(missing)}")
    return products


def _groups(session: Session, names: list[str]) -> list[AccessGroup]:
    return resolve_groups(session, names)


def _tag(session: Session, name: str) -> Tag:
    tag = session.scalar(select(Tag).where(Tag.name == name))
    if tag is None:
        tag = Tag(name=name)
        session.add(tag)
        session.flush()
    return tag


def _unchanged(article: Article, data: ArticleCreate) -> bool:
    return (
        article.title == data.title
        and article.body_md == data.body
        and article.language == data.language
        and article.status == data.status
        and sorted(p.code for p in article.products) == sorted(data.products or [])
        and article.group_names == sorted(data.groups or [PUBLIC])
        and (article.category.slug if article.category else None) == data.category
        and sorted(t.name for t in article.tags) == sorted(data.tags or [])
        and data.standard_answer in (None, article.standard_answer)
    )


def list_for_products(
    session: Session,
    viewer: Viewer,
    codes: list[str],
    *,
    limit: int = 20,
    offset: int = 0,
    language: str | None = None,
) -> tuple[int, list[Article]]:
    """Published visible articles about any of the products, newest change first; of an
    article and its translation about them, the one in ``language`` only (counted once)."""
    about = Article.products.any(Product.code.in_(codes))
    query = select(Article).where(
        article_filter(viewer),
        Article.status == "published",
        about,
        translated.not_shadowed(viewer, language, about),
    )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.options(*LOAD).order_by(Article.updated_at.desc(), Article.id)
    return total, list(session.scalars(page.limit(limit).offset(offset)))


def group_names_of(session: Session, article_ids: list[str]) -> dict[str, list[str]]:
    """Access groups of each article, for marking restricted ones to staff."""
    from kb_service.articles.models import article_group

    rows = session.execute(
        select(article_group.c.article_id, AccessGroup.name)
        .join(AccessGroup, AccessGroup.id == article_group.c.group_id)
        .where(article_group.c.article_id.in_(article_ids))
    )
    names: dict[str, list[str]] = {article_id: [] for article_id in article_ids}
    for article_id, name in rows:
        names[article_id].append(name)
    return {article_id: sorted(groups) for article_id, groups in names.items()}
