"""The console's mail: what notifications said and to whom, for administrators (and, without
an SMTP server, the only place the demo's mail can be read)."""

from typing import Annotated

from fastapi import APIRouter, Path

from kb_service.hostile_input import DB_INT_MAX
from portal.deps import PageDep
from portal.templating import render
from tickets.notifications import mailbox

router = APIRouter()


@router.get("/console/mail", name="portal.console_mail")
def index(page: PageDep):
    mail = mailbox.list_mail(page.db, page.viewer)
    return render(
        page.request, "console/mail.html", mail=mail, to_folder=not page.settings.smtp_host
    )


@router.get("/console/mail/{notification_id}", name="portal.console_mail_message")
def show(page: PageDep, notification_id: Annotated[int, Path(ge=1, le=DB_INT_MAX)]):
    message = mailbox.get_mail(page.db, page.viewer, notification_id)
    return render(page.request, "console/mail_message.html", message=message)
