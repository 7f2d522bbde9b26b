"""The client's tickets: the list, the conversation, confirming or rejecting the answer."""

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Path
from fastapi.responses import RedirectResponse, Response

from kb_service.errors import Invalid
from kb_service.hostile_input import DB_INT_MAX
from kb_service.storage import AttachmentStore
from portal.deps import PageDep
from portal.templating import render
from tickets import desk, linking, service, workflow
from tickets.planning.visits import visits_for_ticket

router = APIRouter()


@router.get("/tickets", name="portal.tickets")
def index(page: PageDep):
    if page.viewer.user_id is None:
        return RedirectResponse(
            f"{page.request.url_for('portal.login')}?next=/tickets", status_code=303
        )
    return render(
        page.request, "tickets/index.html", tickets=service.list_mine(page.db, page.viewer)
    )


@router.get("/tickets/{number}", name="portal.ticket")
def show(page: PageDep, number: str):
    if page.viewer.user_id is None:
        target = f"/tickets/{number}" if number.isdigit() else "/tickets"
        return RedirectResponse(
            f"{page.request.url_for('portal.login')}?next={target}", status_code=303
        )
    if page.viewer.is_staff:
        # Staff work a ticket on the console's page, which shows what the client does not.
        url = page.request.url_for("portal.console_ticket", number=number)
        return RedirectResponse(url, status_code=303)
    return _page(page, service.get_ticket(page.db, page.viewer, number))


@router.post("/tickets/{number}/{action}", name="portal.ticket_action")
def act(
    page: PageDep,
    number: str,
    action: Literal["reply", "confirm", "reject"],
    body: Annotated[str, Form(max_length=50_000)] = "",
):
    try:
        ticket = service.act(page.db, page.viewer, number, action, body)
    except Invalid:
        return _page(page, service.get_ticket(page.db, page.viewer, number), error=True, status=422)
    return RedirectResponse(
        page.request.url_for("portal.ticket", number=ticket.number), status_code=303
    )


@router.get("/tickets/{number}/attachments/{attachment_id}", name="portal.ticket_attachment")
def attachment(
    page: PageDep, number: str, attachment_id: Annotated[int, Path(ge=1, le=DB_INT_MAX)]
):
    store = AttachmentStore.of(page.settings)
    file, content = service.get_attachment(page.db, page.viewer, number, attachment_id, store)
    # Always a download, never rendered by the browser: a client's file is not our page.
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{_quoted(file.filename)}"}
    return Response(content, media_type="application/octet-stream", headers=headers)


def _page(page, ticket, error: bool = False, status: int = 200):
    actor = desk.actor_for(page.viewer, ticket)
    actions = set(workflow.allowed_actions(ticket.status, actor.actors)) & set(
        service.CLIENT_ACTIONS
    )
    context = {
        "ticket": ticket,
        "messages": desk.conversation(ticket, page.viewer),
        "attachments": desk.attachments(ticket, page.viewer),
        "actions": actions,
        "visits": visits_for_ticket(page.db, page.viewer, ticket.id),
        "solved_by": linking.solved_by(page.db, page.viewer, ticket),
        "error": error,
    }
    return render(page.request, "tickets/show.html", status_code=status, **context)


def _quoted(name: str) -> str:
    return quote(name, safe="")
