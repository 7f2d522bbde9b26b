"""The editors' mining page: groups of solved tickets that no article covers, largest first,
each turned into a draft article or a standard answer in one step, or dismissed."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import RedirectResponse

from kb_service.errors import NotFound
from kb_service.hostile_input import DB_INT_MAX
from portal.deps import PageDep, sign_in_first
from portal.templating import render
from tickets import topics

router = APIRouter()
TopicId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
# Shown at once; the rest wait until these are dealt with.
SHOWN = 100


@router.get("/console/mining", name="portal.console_mining")
def index(page: PageDep):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, "/console/mining")
    topics.require_editor(page.viewer)
    return render(page.request, "console/mining.html", topics=topics.open_topics(page.db, SHOWN))


@router.post("/console/mining/{topic_id}/{action}", name="portal.console_mining_action")
def act(page: PageDep, topic_id: TopicId, action: str):
    if action == "dismiss":
        topics.dismiss(page.db, page.viewer, topic_id)
        return RedirectResponse(page.request.url_for("portal.console_mining"), status_code=303)
    if action not in ("article", "answer"):
        raise NotFound(f"no action {action!r} on a mined topic")
    article = topics.turn_into_article(
        page.db, page.viewer, topic_id, standard_answer=action == "answer"
    )
    # The editors' workspace, where the draft is finished and published.
    return RedirectResponse(f"/console/articles/{article.id}", status_code=303)
