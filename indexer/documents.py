"""The document the index takes: what callers know about an article, nothing of storage."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Document:
    """One article as the index sees it."""

    id: str  # the article's import id (unique key)
    title: str
    body: str  # plain text, already stripped of Markdown/HTML by the caller
    language: str  # "ru" | "en"
    groups: tuple[str, ...]  # access groups allowed to see it (visible with ANY of them)
    products: tuple[str, ...]  # product codes, including ancestor family codes
    category: str | None = None  # category slug
    tags: tuple[str, ...] = ()
    updated_at: datetime | None = None  # aware UTC
    # Shared by an article and its translation (kb translation_key); None when it has none.
    translation: str | None = None
