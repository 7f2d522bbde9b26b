"""Error pages of the portal: the same errors the API reports as problem+json, as HTML."""

from fastapi import Request

from kb_service.browser_session import CsrfRejected
from portal.templating import render

# Statuses with a page of their own in the catalogue; anything else reads as a general error.
KNOWN = (400, 403, 404, 405, 409, 413, 422, 429, 500)


def error_page(request: Request, status: int, exc: Exception | None = None):
    """The error page for `status`; never shows internal messages, only catalogue text."""
    kind = "csrf" if isinstance(exc, CsrfRejected) else str(status if status in KNOWN else 500)
    return render(request, "error.html", status_code=status, kind=kind, status=status)
