"""The editors' workspace: the article list with its filters and counts, and translations.

Every query starts from `access.article_filter`, so an engineer's list holds the published
articles and their own drafts, an editor's everything.
"""

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from kb_service.access import CURATOR_ROLES, WRITER_ROLES, Viewer, article_filter
from kb_service.accounts.models import AccessGroup, User, UserRole
from kb_service.articles import review, service
from kb_service.articles.models import STATUSES, Article, Category
from kb_service.catalogue.models import Product
from kb_service.errors import Invalid, NotFound

PER_PAGE = 25


@dataclass(frozen=True)
class Filters:
    status: str = ""
    product: str = ""  # a product code
    category: str = ""  # a slug
    language: str = ""
    group: str = ""  # an access group's name
    author: int | None = None
    due: bool = False  # review-by date today or past
    waiting: bool = False  # in review and waiting for the viewer
    q: str = ""  # words of the title


@dataclass(frozen=True)
class Listing:
    filters: Filters
    total: int
    articles: list[Article]
    # Per status, under the other filters: the tabs' numbers.
    counts: dict[str, int]
    due: int  # visible articles due or overdue for review
    waiting: int  # articles waiting for the viewer's review
    page: int
    pages: int


def listing(
    session: Session, viewer: Viewer, filters: Filters, today: date, page: int = 1
) -> Listing:
    """One page of the articles the viewer may see under the filters, and the counts."""
    service._require(viewer, WRITER_ROLES, "use the editors' workspace")
    visible = article_filter(viewer)
    others = and_(visible, _conditions(viewer, replace(filters, status=""), today))
    rows = session.execute(
        select(Article.status, func.count()).where(others).group_by(Article.status)
    )
    counts = dict.fromkeys(STATUSES, 0) | dict(rows.all())
    where = and_(others, Article.status == filters.status) if filters.status else others
    total = session.scalar(select(func.count()).select_from(Article).where(where)) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    query = (
        select(Article)
        .where(where)
        .options(*service.LOAD)
        .order_by(Article.updated_at.desc(), Article.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    )
    return Listing(
        filters=filters,
        total=total,
        articles=list(session.scalars(query)),
        counts=counts,
        due=_count(session, and_(visible, _due(today))),
        waiting=_count(session, review.waiting_for(viewer)),
        page=page,
        pages=pages,
    )


def _conditions(viewer: Viewer, f: Filters, today: date) -> ColumnElement[bool]:
    found = []
    if f.status:
        found.append(Article.status == f.status)
    if f.language:
        found.append(Article.language == f.language)
    if f.product:
        found.append(Article.products.any(Product.code == f.product))
    if f.category:
        found.append(Article.category.has(Category.slug == f.category))
    if f.group:
        found.append(Article.groups.any(AccessGroup.name == f.group))
    if f.author is not None:
        found.append(Article.author_id == f.author)
    if f.due:
        found.append(_due(today))
    if f.waiting:
        found.append(review.waiting_for(viewer))
    if f.q.strip():
        found.append(Article.title.ilike(f"%{_escaped(f.q.strip())}%", escape="\\"))
    return and_(true(), *found)


def _due(today: date) -> ColumnElement[bool]:
    return and_(Article.review_by <= today, Article.status != "archived")


def _count(session: Session, where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(Article).where(where)) or 0


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def translation_for(session: Session, viewer: Viewer, article: Article) -> Article | None:
    """The published version of the article in another language that the viewer may read."""
    if not article.translation_key:
        return None
    query = select(Article).where(
        Article.translation_key == article.translation_key,
        Article.id != article.id,
        Article.language != article.language,
        Article.status == "published",
        article_filter(viewer),
    )
    return session.scalars(query.order_by(Article.id).limit(1)).first()


def translations_of(session: Session, viewer: Viewer, article: Article) -> list[Article]:
    """Every visible article linked as a translation of this one, whatever its status."""
    if not article.translation_key:
        return []
    query = select(Article).where(
        Article.translation_key == article.translation_key,
        Article.id != article.id,
        article_filter(viewer),
    )
    return list(session.scalars(query.order_by(Article.language, Article.id)))


def link_translation(
    session: Session, viewer: Viewer, article_id: str, other_id: str, expected_version: int
) -> Article:
    """Make `other_id` this article's version in the other language (empty: unlink it)."""
    service._require(viewer, WRITER_ROLES, "link translations")
    article = service.get_article(session, viewer, article_id)
    service._check_version(article, expected_version)
    if not other_id.strip():
        _set_key(session, viewer, article, None)
        return article
    try:
        other = service.get_article(session, viewer, other_id.strip())
    except NotFound:
        raise Invalid(f"no article {other_id.strip()!r} to link") from None
    if other.language == article.language:
        raise Invalid("a translation must be in the other language")
    key = other.translation_key or article.translation_key or article.id
    taken = session.scalar(
        select(Article.id).where(
            Article.translation_key == key,
            Article.language == article.language,
            Article.id != article.id,
        )
    )
    if taken:
        raise Invalid(f"{other.id} is already linked to {taken} in this language")
    for each in (article, other):
        _set_key(session, viewer, each, key)
    return article


def _set_key(session: Session, viewer: Viewer, article: Article, key: str | None) -> None:
    if article.translation_key == key:
        return
    if article.status != "draft":
        service._require(viewer, CURATOR_ROLES, f"change a {article.status} article")
    article.translation_key = key
    service._saved(session, article, viewer)


def writers(session: Session) -> list[User]:
    """Active people who may write articles: the list's author filter and its names."""
    query = select(UserRole.user_id).where(UserRole.role.in_(sorted(WRITER_ROLES)))
    return list(
        session.scalars(select(User).where(User.id.in_(query), User.is_active).order_by(User.name))
    )
