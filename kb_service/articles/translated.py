"""Lists that show an article with a translation once, in the reader's language.

An article and its translation share a `translation_key`. Where both would be listed (the
home page's popular and recent articles, a product's articles), the reader sees the one in
their interface language, provided they may read it published; never a translation they may
not see. Search does the same in the index (indexer.translations).
"""

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from kb_service.access import Viewer, article_filter
from kb_service.articles.models import Article


def readable_twins(viewer: Viewer, language: str, *also: ColumnElement[bool]):
    """The translation keys of the published articles in `language` the viewer may read."""
    return (
        select(Article.translation_key)
        .where(
            Article.translation_key.is_not(None),
            Article.language == language,
            Article.status == "published",
            article_filter(viewer),
            *also,
        )
        .correlate(None)  # a list of keys, not a condition on the outer query's article
    )


def not_shadowed(
    viewer: Viewer, language: str | None, *also: ColumnElement[bool]
) -> ColumnElement[bool]:
    """SQL: the article is listed, not its translation in `language` (one the viewer may read
    published and that meets the same conditions `also`)."""
    if language is None:
        return true()
    return or_(
        Article.language == language,
        Article.translation_key.is_(None),
        Article.translation_key.not_in(readable_twins(viewer, language, *also)),
    )


def shown_in(
    session: Session,
    viewer: Viewer,
    articles: list[Article],
    language: str | None,
    limit: int,
    load=(),
) -> list[Article]:
    """`articles` (best first) with each translation group once, at its best place, as its
    `language` version where the viewer may read that; at most `limit`."""
    keys = {a.translation_key for a in articles if a.translation_key and a.language != language}
    twins: dict[str, Article] = {}
    if keys and language is not None:
        query = select(Article).where(
            Article.translation_key.in_(sorted(keys)),
            Article.language == language,
            Article.status == "published",
            article_filter(viewer),
        )
        twins = {a.translation_key: a for a in session.scalars(query.options(*load))}
    seen: set[str] = set()
    shown = []
    for article in articles:
        key = article.translation_key
        if key:
            if key in seen:
                continue
            seen.add(key)
            article = twins.get(key, article)
        shown.append(article)
    return shown[:limit]
