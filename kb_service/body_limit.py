"""Refusing request bodies over the configured limits (413) before they cost memory.

Found in review: eight anonymous 100 MB JSON bodies took the server from 408 MB to 2.2 GB,
because each was read whole before anything looked at its size. This middleware sits in
front of everything else:

- a declared `Content-Length` over the limit is refused before a byte of the body is read;
- a body without one (chunked) is counted as the app reads it, and the first chunk over the
  limit stops the read: the app gets an exception instead of the chunk, and whatever it
  answers to that is replaced by the 413.

Multipart bodies (the ask form's attachments) have their own, larger limit; Starlette spools
their files to disk as it parses, while JSON and url-encoded forms are read into memory whole.
"""

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb_service import problems
from kb_service.config import Settings

# The connection still carries the unread body; closing it is cheaper than draining it.
CLOSE = (b"connection", b"close")


class BodyTooLarge(Exception):
    """Raised to the app in place of the chunk that went over the limit."""


class BodyLimit:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.max_body_bytes = settings.max_body_bytes
        self.max_upload_bytes = settings.max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = headers.get("content-type", "").startswith("multipart/form-data")
        limit = self.max_upload_bytes if multipart else self.max_body_bytes
        if _declared_length(headers) > limit:
            await _refuse(scope, send, limit)
            return
        await _Metered(limit).run(self.app, scope, receive, send)


class _Metered:
    """One request whose body is counted as the app reads it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.received = 0
        self.over = False
        self.started = False

    async def run(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted_receive() -> Message:
            if self.over:
                raise BodyTooLarge
            message = await receive()
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.over = True
                raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if self.over and not self.started:
                return  # the app's answer to BodyTooLarge; the 413 replaces it
            self.started = self.started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, counted_receive, guarded_send)
        except Exception:
            if not self.over or self.started:
                raise
        if self.over and not self.started:
            await _refuse(scope, send, self.limit)


def _declared_length(headers: Headers) -> int:
    # A missing or malformed length counts as none; the server rejects malformed ones anyway.
    try:
        return int(headers.get("content-length", ""))
    except ValueError:
        return -1


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    content_type, body = _explanation(scope["path"], limit)
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        CLOSE,
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _explanation(path: str, limit: int) -> tuple[str, bytes]:
    """Problem+json under /api, as kb_service.app renders every API error; plain text else."""
    detail = f"the request body is larger than the limit of {limit} bytes"
    if not path.startswith("/api/"):
        return "text/plain; charset=utf-8", f"413 Request too large: {detail}.\n".encode()
    problem = problems.body(413, "Request too large", detail, instance=path)
    return problems.MEDIA_TYPE, json.dumps(problem).encode()
