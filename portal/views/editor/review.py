"""The editor's review and history: status changes and review steps, the side-by-side
comparison of two versions, restoring one, and linking the translation."""

from typing import Annotated

from fastapi import APIRouter, Form, Query
from pydantic import ConfigDict, Field

from kb_service.articles import history, review, service, workspace
from kb_service.articles.rules import Rules
from kb_service.errors import Conflict, Invalid
from kb_service.hostile_input import DB_INT_MAX, NulFree
from portal.deps import Page, PageDep
from portal.templating import render
from portal.views.editor.articles import to_editor
from portal.views.editor.page import editor_page, problem_of, require_writer

router = APIRouter()
ACTIONS = ("submit", "approve", "request_changes", "comment", "publish", "archive", "draft")
Version = Annotated[int, Query(ge=1, le=DB_INT_MAX)]


class StatusForm(NulFree):
    model_config = ConfigDict(frozen=True)

    action: str = Field(max_length=20)
    version: int = Field(0, ge=0, le=DB_INT_MAX)
    reviewer: int | None = Field(None, ge=1, le=DB_INT_MAX)
    text: str = Field("", max_length=review.MAX_TEXT)


@router.post("/console/articles/{article_id}/status", name="portal.editor_status")
def status(page: PageDep, article_id: str, form: Annotated[StatusForm, Form()]):
    require_writer(page)
    try:
        act(page, article_id, form)
    except (Invalid, Conflict) as exc:
        page.db.rollback()
        shown = editor_page(page, article_id, problem=problem_of(exc), detail=exc.message,
                            failed="status")  # fmt: skip
        return render(page.request, "editor/edit.html", 422, editor=shown)
    return to_editor(page, article_id, "#review")


def act(page: Page, article_id: str, form: StatusForm) -> None:
    """One status action or review step, as the service rules."""
    db, viewer, rules = page.db, page.viewer, Rules.of(page.settings)
    match form.action:
        case "submit":
            review.submit(db, viewer, article_id, form.version, form.reviewer, form.text)
        case "approve":
            review.approve(db, viewer, article_id, form.version, rules, form.text)
        case "request_changes":
            review.request_changes(db, viewer, article_id, form.version, form.text)
        case "comment":
            review.comment(db, viewer, article_id, form.text)
        case "publish" | "archive" | "draft":
            target = {"publish": "published", "archive": "archived"}.get(form.action, "draft")
            service.set_status(db, viewer, article_id, target, form.version, rules)
        case _:
            raise Invalid(f"unknown action {form.action!r}")


@router.get("/console/articles/{article_id}/versions", name="portal.editor_versions")
def versions(
    page: PageDep, article_id: str, old: Version | None = None, new: Version | None = None
):
    require_writer(page)
    article = service.get_article(page.db, page.viewer, article_id)
    saved = service.list_versions(page.db, page.viewer, article_id)
    comparison = None
    if saved:
        newest, previous = saved[0].version, saved[min(1, len(saved) - 1)].version
        comparison = history.compare(
            page.db, page.viewer, article_id, old or previous, new or newest
        )
    context = {"article": article, "versions": saved, "comparison": comparison}
    return render(page.request, "editor/versions.html", **context)


@router.post("/console/articles/{article_id}/restore", name="portal.editor_restore")
def restore(
    page: PageDep,
    article_id: str,
    number: Annotated[int, Form(ge=1, le=DB_INT_MAX)],
    version: Annotated[int, Form(ge=1, le=DB_INT_MAX)],
):
    require_writer(page)
    try:
        history.restore(page.db, page.viewer, article_id, number, version)
    except Conflict as exc:
        page.db.rollback()
        shown = editor_page(page, article_id, problem="stale", detail=exc.message, failed="save")
        return render(page.request, "editor/edit.html", 409, editor=shown)
    return to_editor(page, article_id)


@router.post("/console/articles/{article_id}/translation", name="portal.editor_translation")
def translation(
    page: PageDep,
    article_id: str,
    version: Annotated[int, Form(ge=1, le=DB_INT_MAX)],
    other: Annotated[str, Form(max_length=100)] = "",
):
    require_writer(page)
    try:
        workspace.link_translation(page.db, page.viewer, article_id, other, version)
    except (Invalid, Conflict) as exc:
        page.db.rollback()
        shown = editor_page(page, article_id, problem=problem_of(exc), detail=exc.message,
                            failed="translation")  # fmt: skip
        return render(page.request, "editor/edit.html", 422, editor=shown)
    return to_editor(page, article_id, "#translation")
