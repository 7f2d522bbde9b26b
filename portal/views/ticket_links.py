"""The requester's link from our mail: read and answer a ticket without an account."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse

from kb_service.access import ANONYMOUS
from kb_service.errors import Invalid
from portal.deps import Page, PageDep
from portal.templating import render
from tickets import linking
from tickets.notifications import links

router = APIRouter()


@router.get(links.ACCESS_PATH, name="portal.ticket_link")
def show(page: PageDep, number: str, token: str):
    ticket = links.ticket_by_link(page.db, page.settings, number, token)
    links.join_account(page.db, ticket, page.viewer.user_id)
    if ticket.requester_id is not None:  # an account's ticket is read signed in, there
        return RedirectResponse(page.request.url_for("portal.ticket", number=number), 303)
    return _page(page, ticket, token)


@router.post(links.ACCESS_PATH + "/{action}", name="portal.ticket_link_action")
def act(
    page: PageDep,
    number: str,
    token: str,
    action: Literal["reply", "confirm", "reject"],
    body: Annotated[str, Form(max_length=50_000)] = "",
):
    ticket = links.ticket_by_link(page.db, page.settings, number, token)
    try:
        links.act_by_link(page.db, ticket, action, body)
    except Invalid:
        return _page(page, ticket, token, error=True, status=422)
    url = page.request.url_for("portal.ticket_link", number=number, token=token)
    return RedirectResponse(url, status_code=303)


def _page(page: Page, ticket, token: str, error: bool = False, status: int = 200):
    context = {
        "ticket": ticket,
        "token": token,
        "messages": links.public_messages(ticket),
        "actions": links.holder_actions(ticket),
        # The link's holder has no account: they read what anyone may.
        "solved_by": linking.solved_by(page.db, ANONYMOUS, ticket),
        "error": error,
    }
    return render(page.request, "tickets/link.html", status_code=status, **context)
