"""The console's webhooks: administrators register receivers, see each one's deliveries,
disable or delete them. A new webhook's secret is shown once, on the page after adding it."""

from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import RedirectResponse

from kb_service.errors import Invalid
from kb_service.hostile_input import DB_INT_MAX
from kb_service.webhooks import service
from kb_service.webhooks.events import EVENTS
from portal.deps import Page, PageDep
from portal.templating import render

router = APIRouter()
Id = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


def _list_page(page: Page, status: int = 200, **extra):
    webhooks = service.list_webhooks(page.db, page.viewer)
    form = extra.pop("form", {"url": "", "events": list(EVENTS)})
    return render(
        page.request, "console/webhooks.html", status, webhooks=webhooks, events=EVENTS,
        form=form, **extra,
    )  # fmt: skip


@router.get("/console/webhooks", name="portal.console_webhooks")
def index(page: PageDep):
    return _list_page(page)


@router.post("/console/webhooks", name="portal.console_webhooks_add")
def add(
    page: PageDep,
    url: Annotated[str, Form(max_length=2000)] = "",
    events: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 - FastAPI copies it
):
    try:
        webhook = service.register(page.db, page.settings, page.viewer, url, events)
    except Invalid as exc:
        form = {"url": url, "events": events}
        return _list_page(page, 422, form=form, error=exc.message)
    return _list_page(page, created=webhook)


@router.post("/console/webhooks/{webhook_id}/enabled", name="portal.console_webhooks_enabled")
def set_enabled(page: PageDep, webhook_id: Id, enabled: Annotated[bool, Form()] = False):
    service.set_enabled(page.db, page.viewer, webhook_id, enabled)
    return RedirectResponse(page.request.url_for("portal.console_webhooks"), status_code=303)


@router.post("/console/webhooks/{webhook_id}/delete", name="portal.console_webhooks_delete")
def delete(page: PageDep, webhook_id: Id):
    service.delete(page.db, page.viewer, webhook_id)
    return RedirectResponse(page.request.url_for("portal.console_webhooks"), status_code=303)


@router.get("/console/webhooks/{webhook_id}", name="portal.console_webhook")
def deliveries(page: PageDep, webhook_id: Id):
    webhook = service.get(page.db, page.viewer, webhook_id)
    rows = service.deliveries(page.db, page.viewer, webhook_id)
    return render(page.request, "console/webhook.html", webhook=webhook, deliveries=rows)
