"""What browsers and a proxy may keep: static files forever by version, pages by session.

Every portal page puts a session cookie (the visit, a CSRF token in its forms), so no page is
the same for two visitors: pages are `private`. A signed-in page is `no-store` (it shows who
the person is and their tickets); an anonymous one is `no-cache` with an `ETag`, so a browser
revalidates and gets a bodiless 304 when nothing changed.
"""

import hashlib
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb_service.browser_session import SIGNED_IN

EXEMPT = ("/api/", "/docs", "/redoc", "/openapi.json", "/static/")
IMMUTABLE = "public, max-age=31536000, immutable"


class VersionedStatic(StaticFiles):
    """Static files; a URL with `?v=` (the content's hash, see `static_version`) never changes."""

    def file_response(self, full_path, stat_result, scope, status_code=200):
        response = super().file_response(full_path, stat_result, scope, status_code)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["cache-control"] = IMMUTABLE if versioned else "no-cache"
        return response


class StaticVersions:
    """The content hash of each static file, read once per process (files change by deploy)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._known: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        if path not in self._known:
            digest = hashlib.sha256((self.root / path).read_bytes()).hexdigest()
            self._known[path] = digest[:12]
        return self._known[path]


class PageCachePolicy:
    """Cache-Control and ETag on the portal's HTML pages; a matching If-None-Match gets 304."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cacheable = scope["type"] == "http" and scope["method"] in ("GET", "HEAD")
        if not cacheable or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        for message in _with_policy(scope, held):
            await send(message)


def _with_policy(scope: Scope, messages: list[Message]) -> list[Message]:
    # Other messages (the test client's "http.response.debug") pass through as they are.
    start = next(m for m in messages if m["type"] == "http.response.start")
    start["headers"] = list(start.get("headers", []))
    headers = MutableHeaders(raw=start["headers"])  # edits start's own list
    html = headers.get("content-type", "").startswith("text/html")
    if start["status"] != 200 or not html or "cache-control" in headers:
        return messages
    if scope.get("session", {}).get(SIGNED_IN):
        headers["cache-control"] = "private, no-store"
        return messages
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    etag = 'W/"' + hashlib.sha256(content).hexdigest()[:20] + '"'
    headers["cache-control"] = "private, no-cache"
    headers["etag"] = etag
    if etag in Headers(scope=scope).get("if-none-match", ""):
        del headers["content-length"]
        start["status"] = 304
        kept = [m for m in messages if m["type"] != "http.response.body"]
        return [*kept, {"type": "http.response.body", "body": b""}]
    return messages
