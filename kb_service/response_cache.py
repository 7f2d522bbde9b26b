"""Whole responses kept per worker for anonymous visitors: search, suggestions, home, articles.

Most requests are anonymous and ask what was asked a moment ago; the framework around a
request (dependencies, a database session, the thread hop, Jinja) cost 5-20 times the search
itself (bench/RESULTS.md). A handler that may be reused says so (`reusable`) and this pure ASGI
layer, inside the session cookie and before everything else, keeps its response and answers
the same request again without running the app.

What makes this safe:
- Only anonymous requests are looked up or kept: no `Authorization` header, no signed-in
  session and nothing personal in the cookie (`PERSONAL`). Anonymous visitors all have the
  same access key (the public groups), so one entry serves them all; signed-in people,
  bearer tokens and staff always run the app.
- The key is everything a page is rendered from: method, scheme, host, path, the raw query,
  the interface language (the cookie's choice and `Accept-Language`), htmx's headers, and the
  state: the newest content event of the outbox (`content_position`, read after the request
  arrived, one read shared by the requests waiting for it), the index's version and the
  synonyms' version. A publication, withdrawal, edit or access change, and a product created
  or changed, write such an event, so the next request no longer finds what was kept before
  it; anything else (the views behind "popular") is at most the entry's lifetime old. The
  position read is left in the request's state for the page aggregates (portal/aggregates.py).
- The visitor's own values are never kept: the CSRF token and the visit id of the session,
  and values the handler names (a search's event id), are replaced by markers when kept and
  by this visitor's values on each reuse, with fresh ones made as the app would have.
- Activity is still recorded on a reuse: the handler's `replay` queues the search event or
  the article view through the batched activity log (kb_service/activity.py).
"""

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import anyio.to_thread
from fastapi import Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb_service import outbox
from kb_service.articles.service import TOPIC as ARTICLE_TOPIC
from kb_service.browser_session import CSRF_FIELD, LOCALE, SIGNED_IN, VISIT, VOTED
from kb_service.catalogue.service import TOPIC as CATALOGUE_TOPIC
from kb_service.db import session_scope
from kb_service.memo import Memo

# The outbox topics of what pages are made of: articles (their text, access, products) and
# the catalogue (product names and families). Ticket events change no kept page.
CONTENT_TOPICS = (ARTICLE_TOPIC, CATALOGUE_TOPIC)
# Where the request's state holds the content position this layer read (or None).
CONTENT_POSITION = "content_position"
# Seconds an entry may be reused while the content does not change: the popular articles'
# view counts on the home page, and otherwise a bound on anything missed.
PAGE_LIFETIME = 10.0
SEARCH_LIFETIME = 300.0
# Bytes of kept bodies per worker: a page is 10-40 KB, an API search 3-8 KB. Now that desk
# events no longer empty the caches, every cache of a worker stays full: with the index's
# (about 110 MB at 20,000 articles) this one's 48 MB took workers past 400 MB (RESULTS.md).
BUDGET = 32 * 1024 * 1024
# Session keys that make pages personal: a signed-in person, a visit that voted on an article.
PERSONAL = (SIGNED_IN, VOTED)
# Session keys a page may create on a first visit, each made afresh for every visitor.
FRESH = {VISIT: lambda: secrets.token_urlsafe(16), CSRF_FIELD: lambda: secrets.token_urlsafe(32)}
_NOTE = "reusable_response"  # the handler's word, in the request's state
_VARIES = (b"accept-language", b"hx-request", b"hx-target", b"host")
# The only paths whose handlers may call `reusable`: any other request runs the app without
# a look at the outbox (health checks must answer when the database does not).
_KEPT_PATHS = frozenset({"/", "/search", "/suggest", "/api/v1/search", "/api/v1/suggest"})
_KEPT_PREFIX = "/articles/"


@dataclass(frozen=True)
class Reusable:
    """A handler's word that its response may be served again to any anonymous visitor.

    ``own`` names this response's per-request values (marker name -> value as rendered);
    ``replay``, run on each reuse with the visitor's session, records what the request would
    have recorded and returns that request's values of the same markers.
    """

    own: dict[str, str] = field(default_factory=dict)
    replay: Callable[[dict], dict[str, str]] | None = None
    lifetime: float = SEARCH_LIFETIME


def reusable(
    request: Request,
    own: dict[str, str] | None = None,
    replay=None,
    lifetime: float = SEARCH_LIFETIME,
) -> None:
    """Let this anonymous response be kept and served again (see the module's rules)."""
    setattr(request.state, _NOTE, Reusable(own or {}, replay, lifetime))


@dataclass(frozen=True)
class _Entry:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes  # with markers for the per-request values
    markers: dict[str, bytes]  # marker name -> the marker in ``body``
    fresh: tuple[str, ...]  # session keys the first request created
    replay: Callable[[dict], dict[str, str]] | None
    route: object  # the matched route, for the request metrics
    expires: float  # time.monotonic() after which it is made again
    others: list[Message]  # e.g. the test client's "http.response.debug" (template, context)


class ResponseCache:
    """Pure ASGI: answers a kept anonymous GET, or runs the app and keeps what it may."""

    def __init__(self, app: ASGIApp, budget: int = BUDGET) -> None:
        self.app = app
        self.memo = Memo(budget)
        self.hits = 0
        self.misses = 0
        self.position: FreshRead | None = None
        # Markers are random per process, so no article text can contain one by chance.
        self._salt = secrets.token_hex(8)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key(scope) if scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        search = getattr(scope["app"].state, "search", None)
        if search is None:  # the app has not started: nothing to key on
            await self.app(scope, receive, send)
            return
        synonyms = search.synonyms  # the app's SynonymSource
        if synonyms.due():
            # A hit never searches, so it must look for new synonyms itself, off the loop.
            await anyio.to_thread.run_sync(synonyms.current)
        if self.position is None:
            self.position = FreshRead(partial(_content_position, scope["app"].state.sessions))
        # The newest content event as of after this request arrived: a page saved before it
        # (an article restricted, say) is never answered from before, even ahead of the index.
        try:
            position = await self.position.get()
        except SQLAlchemyError:  # the database is away: the app answers, and keeps nothing
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})[CONTENT_POSITION] = position
        state = (position, search.index.version, synonyms.known_version)
        entry = self.memo.lookup(state, key)
        if entry is not None and entry.expires < time.monotonic():
            self.memo.forget(state, key)
            entry = None
        if entry is not None:
            self.hits += 1
            await self._answer(scope, entry, send)
            return
        self.misses += 1
        await self._run_and_keep(scope, receive, send, state, key)

    async def _run_and_keep(self, scope, receive, send, state, key) -> None:
        session = scope["session"]
        before = dict(session)
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        for message in held:
            await send(message)
        note = scope.get("state", {}).get(_NOTE)
        if note is not None:
            entry = self._entry(scope, held, note, before, session)
            if entry is not None:
                self.memo.keep(state, key, entry, len(entry.body) + 512)

    def _entry(self, scope, held, note: Reusable, before: dict, session: dict) -> _Entry | None:
        start = next((m for m in held if m["type"] == "http.response.start"), None)
        headers = list(start.get("headers", [])) if start else []
        if start is None or start["status"] != 200 or any(k == b"set-cookie" for k, _ in headers):
            return None
        added = tuple(k for k in session if k not in before)
        changed = any(before[k] != session.get(k) for k in before)
        if changed or any(k not in FRESH for k in added) or _personal(session):
            return None  # the request did more to the session than a first visit does
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        values = {**{k: session[k] for k in FRESH if k in session}, **note.own}
        markers = {name: f"\x00{self._salt}:{name}\x00".encode() for name in values}
        for name, value in values.items():
            if value:
                body = body.replace(value.encode(), markers[name])
        kept_headers = [(k, v) for k, v in headers if k != b"content-length"]
        others = [m for m in held if m["type"] == "http.response.debug"]
        route, expires = scope.get("route"), time.monotonic() + note.lifetime
        return _Entry(200, kept_headers, body, markers, added, note.replay, route, expires, others)

    async def _answer(self, scope: Scope, entry: _Entry, send: Send) -> None:
        session = scope["session"]
        for name in entry.fresh:
            if name not in session:
                session[name] = FRESH[name]()
        values = {k: session[k] for k in FRESH if k in session}
        if entry.replay is not None:
            values.update(entry.replay(session))
        body = entry.body
        for name, marker in entry.markers.items():
            body = body.replace(marker, values.get(name, "").encode())
        scope["route"] = entry.route
        headers = [*entry.headers, (b"content-length", str(len(body)).encode())]
        for message in entry.others:
            await send(message)
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _key(scope: Scope) -> tuple | None:
    """What the response depends on, or None when this request must run the app."""
    if scope["method"] != "GET":
        return None
    path = scope["path"]
    if path not in _KEPT_PATHS and not (path.startswith(_KEPT_PREFIX) and path.count("/") == 2):
        return None
    session = scope.get("session")
    if session is None or _personal(session):
        return None
    varies = []
    for name, value in scope["headers"]:
        if name == b"authorization":
            return None  # a bearer token: the caller's own access key
        if name in _VARIES:
            varies.append((name, value))
    varies.sort()
    return (
        scope.get("scheme"),
        scope["path"],
        scope.get("query_string", b""),
        session.get(LOCALE),
        tuple(varies),
    )


def _personal(session: dict) -> bool:
    return any(session.get(k) for k in PERSONAL)


def content_position(session) -> int:
    """The newest event of the outbox that changes what pages show (`CONTENT_TOPICS`)."""
    return outbox.last_position(session, *CONTENT_TOPICS)


def _content_position(sessions) -> int:
    with session_scope(sessions) as session:
        return content_position(session)


class FreshRead:
    """``read()`` (blocking) as of a moment after each caller asked, with one read in flight
    for all callers: at 32 connections one indexed `max(id)` serves many requests."""

    def __init__(self, read: Callable[[], int]) -> None:
        self._read = read
        self._started = 0  # reads begun so far
        self._finished = 0  # the number of the read that gave ``_value``
        self._value = 0
        self._running: asyncio.Task | None = None

    async def get(self) -> int:
        needed = self._started + 1  # a read already begun may predate this call
        while self._finished < needed:
            if self._running is None:
                self._running = asyncio.ensure_future(self._run())
            await asyncio.shield(self._running)
        return self._value

    async def _run(self) -> None:
        self._started += 1
        number = self._started
        try:
            value = await anyio.to_thread.run_sync(self._read)
        finally:
            self._running = None
        if number > self._finished:
            self._value, self._finished = value, number
