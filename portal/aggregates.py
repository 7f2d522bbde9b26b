"""What pages show about many articles, kept until the knowledge base changes.

Popular and recent articles, product families, the catalogue's names and a product's article
list were read on every request (the popular list alone took 74 ms at 20,000 articles). They
are kept per access key (the viewer's groups; None for staff), since all of them show only
published articles, which the groups alone decide (kb_service.access.article_filter).

Kept until an article event enters the outbox (an article was saved: one index probe for the
topic's newest id; ticket events leave them alone) or for at most `LIFETIME`, which bounds
how stale a view count or a renamed product can be.
"""

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from fastapi import Request

from kb_service import outbox
from kb_service.articles.service import TOPIC as ARTICLE_TOPIC
from kb_service.memo import Memo

T = TypeVar("T")
LIFETIME = 10.0  # seconds
# Entries, each a handful of rows: a page of product articles is the largest (20 articles).
BUDGET = 2_000
_STATE = "aggregates_state"  # the request's state, read once per request


def kept_for(page, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` as kept for this viewer's access, recomputed after a change."""
    memo = aggregates_of(page.request)
    return memo.get(_state(page), (page.viewer.groups, key), compute)


def new_aggregates() -> Memo:
    """The aggregates of one app (kb_service.app keeps it in `app.state.aggregates`)."""
    return Memo(BUDGET)


def aggregates_of(request: Request) -> Memo:
    return request.app.state.aggregates


def _state(page) -> tuple[int, int]:
    cached = getattr(page.request.state, _STATE, None)
    if cached is None:
        cached = (
            outbox.last_position(page.db, topic=ARTICLE_TOPIC),
            int(time.monotonic() // LIFETIME),
        )
        setattr(page.request.state, _STATE, cached)
    return cached
