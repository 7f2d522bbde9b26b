"""What the articles API and the importer accept and return."""

import re
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kb_service.hostile_input import NulFree

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")

Language = Literal["ru", "en"]


def _clean_list(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


# Lower-case words joined by hyphens: categories appear in URLs and filters.
CATEGORY_SLUG = r"^[a-z0-9][a-z0-9-]{0,99}$"


class ArticleFields(NulFree):
    """Fields an editor sets; everything optional on update."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str | None = Field(None, min_length=1, max_length=300)
    body: str | None = Field(None, max_length=500_000, description="Markdown source.")
    language: Language | None = None
    products: list[str] | None = Field(None, description="Product codes.")
    groups: list[str] | None = Field(
        None,
        description=(
            "Access groups (readable with any); default public. Entitlements: product:CODE "
            "(owners of the product or its family), product:CODE@3..4.2 (with an equipment "
            "item of a version in the range; either end may be left empty), contract:LEVEL "
            "(holders of a service contract of that level)."
        ),
    )
    category: str | None = Field(
        None, pattern=CATEGORY_SLUG, description="Category slug; created if new."
    )
    tags: list[str] | None = None
    review_by: date | None = Field(None, description="When an editor should check it again.")
    standard_answer: bool | None = Field(None, description="Offered to engineers as a ready reply.")

    _lists = field_validator("products", "groups", "tags")(
        lambda cls, v: _clean_list(v) if v is not None else v
    )


class ArticleCreate(ArticleFields):
    id: str | None = Field(None, description="Import id; generated when absent.")
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(max_length=500_000)
    language: Language
    status: Literal["draft", "published"] = "draft"

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not ID_PATTERN.match(value):
            raise ValueError("id: letters, digits and . _ : - only, at most 100")
        return value


class ArticleImport(ArticleCreate):
    """One line of an articles JSONL file (DESIGN.md); published unless it says draft."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    id: str
    status: Literal["draft", "published"] = "published"


class ArticleSummary(BaseModel):
    id: str
    title: str
    language: str
    status: str
    version: int
    products: list[str]
    groups: list[str]
    category: str | None
    updated_at: datetime
    url: str
    standard_answer: bool = False


class ArticleOut(ArticleSummary):
    body: str
    html: str
    tags: list[str]
    author: str | None
    created_at: datetime
    published_at: datetime | None


class ArticlePage(BaseModel):
    total: int
    items: list[ArticleSummary]


class VersionOut(BaseModel):
    version: int
    title: str
    body: str
    language: str
    status: str
    groups: list[str]
    products: list[str]
    editor: str | None
    created_at: datetime


class CategoryIn(NulFree):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    slug: str = Field(pattern=CATEGORY_SLUG)
    name: str = Field(min_length=1, max_length=200)


class CategoryOut(CategoryIn):
    model_config = ConfigDict(from_attributes=True)
