"""The manager's overview: open, due today, breached and waiting on a vendor, per team and
person, and the outside firms' promises beside the client's deadline."""

from fastapi import APIRouter

from kb_service.db import utcnow
from portal.deps import PageDep
from portal.templating import render
from tickets import queues, reports

router = APIRouter()


@router.get("/console/overview", name="portal.console_overview")
def index(page: PageDep):
    shown = reports.overview(page.db, page.viewer, queues.Moment.at(utcnow()))
    return render(page.request, "console/overview.html", console=shown, measures=reports.MEASURES)
