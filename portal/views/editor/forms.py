"""The editor's form as typed, and turning it into the fields the articles service saves.

Kept as strings so that a refused form (a stale version, a bad date) is shown again exactly as
the person left it: nothing they wrote is lost.
"""

from datetime import date

from pydantic import ConfigDict, Field, ValidationError

from kb_service.access import (
    CONTRACT_GROUP_PREFIX,
    PUBLIC,
    ProductRestriction,
    contract_group,
    parse_product_group,
)
from kb_service.articles.schemas import ArticleCreate, ArticleFields
from kb_service.errors import Invalid
from kb_service.hostile_input import NulFree

MAX_BODY = 500_000


class ArticleForm(NulFree):
    model_config = ConfigDict(frozen=True)

    version: str = Field("", max_length=12)
    title: str = Field("", max_length=300)
    body: str = Field("", max_length=MAX_BODY)
    language: str = Field("ru", max_length=2)
    products: list[str] = Field(default_factory=list, max_length=200)
    groups: list[str] = Field(default_factory=list, max_length=200)
    category: str = Field("", max_length=100)
    tags: str = Field("", max_length=2000)
    review_by: str = Field("", max_length=10)
    standard_answer: str = Field("", max_length=8)
    # Restrictions to owners of a product within a version range, row by row (the three lists
    # go together), and contract levels, comma-separated: they become entitlement groups.
    range_product: list[str] = Field(default_factory=list, max_length=50)
    range_from: list[str] = Field(default_factory=list, max_length=50)
    range_to: list[str] = Field(default_factory=list, max_length=50)
    levels: str = Field("", max_length=1000)

    @classmethod
    def of(cls, article) -> "ArticleForm":
        """The form filled from a saved article."""
        names = article.group_names
        ranges = [r for r in map(_restriction, names) if r is not None and r.ranged]
        return cls(
            version=str(article.version),
            title=article.title,
            body=article.body_md,
            language=article.language,
            products=sorted(p.code for p in article.products),
            groups=[n for n in names if not entitlement_field(n)],
            range_product=[r.code for r in ranges],
            range_from=[r.low or "" for r in ranges],
            range_to=[r.high or "" for r in ranges],
            levels=", ".join(
                n.removeprefix(CONTRACT_GROUP_PREFIX)
                for n in names
                if n.startswith(CONTRACT_GROUP_PREFIX)
            ),
            category=article.category.slug if article.category else "",
            tags=", ".join(sorted(t.name for t in article.tags)),
            review_by=article.review_by.isoformat() if article.review_by else "",
            standard_answer="on" if article.standard_answer else "",
        )

    @property
    def expected_version(self) -> int:
        if not self.version.isdigit():
            raise Invalid("the form lost its version; reload the article")
        return int(self.version)

    def fields(self) -> ArticleFields:
        """What to save; Invalid, with the reason, when the form cannot be saved."""
        return _checked(ArticleFields, self._values())

    def creation(self) -> ArticleCreate:
        return _checked(ArticleCreate, {**self._values(), "status": "draft"})

    def _values(self) -> dict:
        return {
            "title": self.title.strip(),
            "body": self.body.replace("\r\n", "\n"),
            "language": self.language,
            "products": self.products,
            "groups": self._audience() or [PUBLIC],
            "category": self.category or None,
            "tags": [t for t in (part.strip() for part in self.tags.split(",")) if t],
            "review_by": _day(self.review_by),
            "standard_answer": self.standard_answer == "on",
        }

    def _audience(self) -> list[str]:
        """The ticked groups, then one group per filled range row and per contract level."""
        names = list(self.groups)
        rows = zip(self.range_product, self.range_from, self.range_to, strict=False)
        for code, low, high in rows:
            if code.strip():
                names.append(f"product:{code.strip()}@{low.strip()}..{high.strip()}")
        levels = (part.strip().lower() for part in self.levels.split(","))
        names += [contract_group(level) for level in levels if level]
        return list(dict.fromkeys(names))


def _restriction(name: str) -> ProductRestriction | None:
    try:
        return parse_product_group(name)
    except ValueError:
        return None


def entitlement_field(name: str) -> bool:
    """Whether the name is shown in the range rows or the levels, not among the ticked groups."""
    restriction = _restriction(name)
    return name.startswith(CONTRACT_GROUP_PREFIX) or bool(restriction and restriction.ranged)


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid("the review-by date must be a date (YYYY-MM-DD)") from None


def _checked(model, values: dict):
    try:
        return model(**values)
    except ValidationError as exc:
        where = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        raise Invalid(f"check these fields: {where}") from None
