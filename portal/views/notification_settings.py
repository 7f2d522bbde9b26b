"""A signed-in person's choice of notifications (linked from the foot of every mail)."""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse

from portal.deps import PageDep
from portal.templating import render
from tickets.notifications import preferences
from tickets.notifications.links import PREFERENCES_PATH

router = APIRouter()


@router.get(PREFERENCES_PATH, name="portal.notification_settings")
def show(page: PageDep):
    if page.viewer.user_id is None:
        login = page.request.url_for("portal.login")
        return RedirectResponse(f"{login}?next={PREFERENCES_PATH}", status_code=303)
    choices = preferences.preferences_for(page.db, page.viewer)
    return render(page.request, "account/notifications.html", choices=choices, saved=False)


@router.post(PREFERENCES_PATH, name="portal.notification_settings_save")
def save(page: PageDep, events: Annotated[list[str] | None, Form(max_length=40)] = None):
    choices = preferences.save_preferences(page.db, page.viewer, set(events or ()))
    return render(page.request, "account/notifications.html", choices=choices, saved=True)
