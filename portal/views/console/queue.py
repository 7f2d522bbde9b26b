"""The staff console's first page: the desk's newest tickets with their trails one click away."""

from fastapi import APIRouter

from portal.deps import PageDep
from portal.templating import render
from tickets import queues

router = APIRouter()


@router.get("/console", name="portal.console")
def index(page: PageDep):
    tickets = queues.recent(page.db, page.viewer)
    return render(page.request, "console/index.html", tickets=tickets)
