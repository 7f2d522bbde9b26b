"""A signed-in person's API tokens: listed with their last use, issued (shown once), revoked."""

from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import RedirectResponse

from kb_service.accounts import tokens
from kb_service.deps import client_address
from kb_service.hostile_input import DB_INT_MAX
from portal.deps import PageDep, sign_in_first
from portal.templating import render

router = APIRouter()
PAGE = "/account/tokens"


@router.get(PAGE, name="portal.tokens")
def index(page: PageDep):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, PAGE)
    return _page(page)


@router.post(PAGE, name="portal.tokens_create")
def create(page: PageDep, name: Annotated[str, Form(max_length=100)]):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, PAGE)
    if not name.strip():
        return _page(page, 422, error="tokens.name_missing")
    _, token = tokens.create_own(page.db, page.viewer, name.strip(), client_address(page.request))
    return _page(page, created=token)


@router.post(PAGE + "/{token_id}/revoke", name="portal.tokens_revoke")
def revoke(page: PageDep, token_id: Annotated[int, Path(ge=1, le=DB_INT_MAX)]):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, PAGE)
    tokens.revoke_token(page.db, page.viewer, token_id, client_address(page.request))
    return RedirectResponse(page.request.url_for("portal.tokens"), status_code=303)


def _page(page, status: int = 200, **context):
    listed = tokens.list_tokens(page.db, page.viewer)
    return render(page.request, "account/tokens.html", status, tokens=listed, **context)
