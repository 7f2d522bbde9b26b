"""What pages show about many articles, kept until the knowledge base changes.

Popular and recent articles, product families, the catalogue's names, a product's article
list and the loaded article were read on every request (the popular list alone took 74 ms at
20,000 articles). They are kept per access key (the viewer's groups; None for staff), since
all of them show only published articles, which the groups alone decide
(kb_service.access.article_filter).

Kept until a content event enters the outbox (an article saved, a product changed: one index
probe per topic, or none when the response cache read it for this request already; ticket
events leave them alone). What changes without an event, the view counts behind "popular",
is kept for at most its `lifetime`.
"""

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from fastapi import Request

from kb_service.memo import Memo
from kb_service.response_cache import CONTENT_POSITION, content_position

T = TypeVar("T")
# Bytes, roughly, per worker: now that entries live until the content changes, the loaded
# articles (`article_weight`) would otherwise add up to most of a worker's memory.
BUDGET = 8 * 1024 * 1024
# A list of a handful of rows (a page of product articles, 20, is the largest).
ENTRY_WEIGHT = 8 * 1024


def kept_for(
    page,
    key: Hashable,
    compute: Callable[[], T],
    lifetime: float | None = None,
    weight: Callable[[T], int] = lambda _value: ENTRY_WEIGHT,
) -> T:
    """``compute()`` as kept for this viewer's access, recomputed after a content change (and
    after ``lifetime`` seconds, when given); ``weight`` estimates its bytes."""
    if lifetime is not None:
        key = (key, int(time.monotonic() // lifetime))
    memo = aggregates_of(page.request)
    return memo.get(_position(page), (page.viewer.groups, key), compute, weight)


def article_weight(article) -> int:
    """The bytes a loaded article holds, roughly: its texts (Markdown and HTML, up to 2 bytes
    a character for Cyrillic) and the ORM's state around it and its lists."""
    return ENTRY_WEIGHT + 2 * (len(article.body_md) + len(article.body_html))


def new_aggregates() -> Memo:
    """The aggregates of one app (kb_service.app keeps it in `app.state.aggregates`)."""
    return Memo(BUDGET)


def aggregates_of(request: Request) -> Memo:
    return request.app.state.aggregates


def _position(page) -> int:
    """The content position of this request, read at most once."""
    position = getattr(page.request.state, CONTENT_POSITION, None)
    if position is None:
        position = content_position(page.db)
        setattr(page.request.state, CONTENT_POSITION, position)
    return position
