"""An article's history for editors: two versions side by side, and restoring an old one.

The comparison is data (rows of segments marked changed or not); the page escapes and lays
it out. Restoring writes the old title and text as a new version, so history only grows.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from sqlalchemy.orm import Session

from kb_service.access import Viewer
from kb_service.articles import service
from kb_service.articles.models import Article, ArticleVersion
from kb_service.articles.schemas import ArticleFields
from kb_service.errors import NotFound

_WORDS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


@dataclass(frozen=True)
class Row:
    """One line of each side; a side is None where the other side has a line the first lacks."""

    kind: str  # "same", "changed", "removed" or "added"
    left_number: int | None
    left: tuple[Segment, ...] | None
    right_number: int | None
    right: tuple[Segment, ...] | None


@dataclass(frozen=True)
class Comparison:
    old: ArticleVersion
    new: ArticleVersion
    rows: list[Row]

    @property
    def identical(self) -> bool:
        return self.old.title == self.new.title and all(r.kind == "same" for r in self.rows)


def compare(session: Session, viewer: Viewer, article_id: str, old: int, new: int) -> Comparison:
    """Two versions of an article the viewer may read, line by line with changed words."""
    versions = {v.version: v for v in service.list_versions(session, viewer, article_id)}
    if old not in versions or new not in versions:
        raise NotFound(f"no such version of article {article_id!r}")
    first, second = versions[old], versions[new]
    return Comparison(first, second, diff(first.body_md, second.body_md))


def restore(
    session: Session, viewer: Viewer, article_id: str, number: int, expected_version: int
) -> Article:
    """Save an old version's title and text as the newest version."""
    versions = {v.version: v for v in service.list_versions(session, viewer, article_id)}
    if number not in versions:
        raise NotFound(f"no version {number} of article {article_id!r}")
    old = versions[number]
    fields = ArticleFields(title=old.title, body=old.body_md)
    return service.update_article(session, viewer, article_id, fields, expected_version)


def diff(old: str, new: str) -> list[Row]:
    """Line-level differences of two texts, with the changed words of changed lines marked."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[Row] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            pairs = zip(range(i1, i2), range(j1, j2), strict=True)
            rows += [_row("same", i, a[i], j, b[j]) for i, j in pairs]
            continue
        left, right = list(range(i1, i2)), list(range(j1, j2))
        for k in range(max(len(left), len(right))):
            i = left[k] if k < len(left) else None
            j = right[k] if k < len(right) else None
            rows.append(_row(_kind(i, j), i, a[i] if i is not None else "", j,
                             b[j] if j is not None else ""))  # fmt: skip
    return rows


def _kind(i: int | None, j: int | None) -> str:
    if i is None:
        return "added"
    return "removed" if j is None else "changed"


def _row(kind: str, i: int | None, old: str, j: int | None, new: str) -> Row:
    if kind == "changed":
        left, right = _words(old, new)
    else:
        left = (Segment(old, kind == "removed"),) if i is not None else None
        right = (Segment(new, kind == "added"),) if j is not None else None
    return Row(
        kind, i + 1 if i is not None else None, left, j + 1 if j is not None else None, right
    )


def _words(old: str, new: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append(Segment("".join(a[i1:i2]), tag != "equal"))
        if j2 > j1:
            right.append(Segment("".join(b[j1:j2]), tag != "equal"))
    return tuple(left), tuple(right)
