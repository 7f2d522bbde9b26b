"""Input that the databases refuse, caught at the edge as a clear 4xx instead of a 500.

PostgreSQL cannot store or even compare text holding NUL (SQLite can, so only half the
deployments would notice), and its INTEGER columns end at 2**31 - 1.
"""

from pydantic import BaseModel, field_validator
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from kb_service import problems

# The largest value an Integer column holds on every database we run on.
DB_INT_MAX = 2**31 - 1
NUL = "\x00"
NUL_IN_ADDRESS = "the address holds a NUL character (%00), which no page or resource has"


class RefuseNul:
    """Refuse a request whose path or query string holds NUL, before any handler sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _address_has_nul(scope):
            await _refusal(scope["path"])(scope, receive, send)
            return
        await self.app(scope, receive, send)


class NulFree(BaseModel):
    """Base of input models: no text field, nor any text in a list or mapping, holds NUL."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value):
        if _holds_nul(value):
            raise ValueError("must not contain NUL characters")
        return value


def _address_has_nul(scope: Scope) -> bool:
    query = scope.get("query_string", b"")
    return NUL in scope["path"] or b"%00" in query or b"\x00" in query


def _refusal(path: str):
    if path.startswith("/api/"):
        return problems.problem(400, "Bad request", NUL_IN_ADDRESS)
    # Not the portal's own error page: the core cannot render it, and this needs no session.
    return HTMLResponse(
        f"<!doctype html><title>400</title><h1>400</h1><p>{NUL_IN_ADDRESS}</p>", status_code=400
    )


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    return False
