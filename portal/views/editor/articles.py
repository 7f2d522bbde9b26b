"""The article list and the editor: write, save (optimistically), and preview live."""

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse

from kb_service.accounts.service import list_groups
from kb_service.articles import service, workspace
from kb_service.articles.rendering import render_markdown
from kb_service.articles.rules import Rules
from kb_service.catalogue.service import list_products
from kb_service.db import utcnow
from kb_service.errors import Conflict, Invalid
from kb_service.hostile_input import DB_INT_MAX
from portal.deps import Page, PageDep, sign_in_first
from portal.templating import language_of, render
from portal.views.editor.forms import MAX_BODY, ArticleForm
from portal.views.editor.page import editor_page, require_writer

router = APIRouter()
Short = Annotated[str, Query(max_length=100)]
Flag = Annotated[bool, Query()]


@router.get("/console/articles", name="portal.editor_articles")
def index(
    page: PageDep,
    status: Short = "",
    product: Short = "",
    category: Short = "",
    language: Short = "",
    group: Short = "",
    author: Annotated[int | None, Query(ge=1, le=DB_INT_MAX)] = None,
    due: Flag = False,
    waiting: Flag = False,
    q: Short = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, "/console/articles")
    require_writer(page)
    filters = workspace.Filters(status, product, category, language, group, author, due, waiting, q)
    listing = workspace.listing(page.db, page.viewer, filters, utcnow().date(), page_number)
    choices = {
        "products": list_products(page.db),
        "groups": list_groups(page.db),
        "categories": service.list_categories(page.db),
        "authors": workspace.writers(page.db),
    }
    today = utcnow().date()
    return render(page.request, "editor/list.html", listing=listing, choices=choices, today=today)


@router.get("/console/articles/new", name="portal.editor_new")
def new(page: PageDep, title: Annotated[str, Query(max_length=300)] = ""):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, "/console/articles/new")
    form = ArticleForm(title=title, language=language_of(page.request))
    return render(page.request, "editor/edit.html", editor=editor_page(page, None, form))


@router.post("/console/articles/new", name="portal.editor_create")
def create(page: PageDep, form: Annotated[ArticleForm, Form()]):
    require_writer(page)
    try:
        rules = Rules.of(page.settings)
        article = service.create_article(page.db, page.viewer, form.creation(), rules)
    except Invalid as exc:
        page.db.rollback()
        shown = editor_page(page, None, form, problem="invalid", detail=exc.message, failed="save")
        return render(page.request, "editor/edit.html", 422, editor=shown)
    return to_editor(page, article.id)


@router.get("/console/articles/{article_id}", name="portal.editor_article")
def show(page: PageDep, article_id: str):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, "/console/articles")
    return render(page.request, "editor/edit.html", editor=editor_page(page, article_id))


@router.post("/console/articles/{article_id}", name="portal.editor_save")
def save(page: PageDep, article_id: str, form: Annotated[ArticleForm, Form()]):
    refused = save_page(page, article_id, form)
    if refused is None:
        return to_editor(page, article_id)
    status = 409 if refused.problem == "stale" else 422
    return render(page.request, "editor/edit.html", status, editor=refused)


def save_page(page: Page, article_id: str, form: ArticleForm):
    """Save the form; refused, the editor again with the text as typed and why."""
    require_writer(page)
    try:
        fields, version = form.fields(), form.expected_version
        service.update_article(page.db, page.viewer, article_id, fields, version)
        return None
    except (Invalid, Conflict) as exc:
        page.db.rollback()
        if isinstance(exc, Invalid):
            return editor_page(page, article_id, form, problem="invalid", detail=exc.message,
                               failed="save")  # fmt: skip
        # Someone saved meanwhile: keep this text, based now on their version, to compare
        # and save again; their version stays in the history either way.
        current = service.get_article(page.db, page.viewer, article_id)
        kept = form.model_copy(update={"version": str(current.version)})
        return editor_page(page, article_id, kept, problem="stale", detail=exc.message,
                           failed="save")  # fmt: skip


@router.post("/console/preview", name="portal.editor_preview")
def preview(page: PageDep, body: Annotated[str, Form(max_length=MAX_BODY)] = ""):
    """The Markdown as readers will see it: the same renderer and the same fragment."""
    require_writer(page)
    html = render_markdown(body.replace("\r\n", "\n"))
    return render(page.request, "editor/_preview.html", body_html=html)


def to_editor(page: Page, article_id: str, anchor: str = "") -> RedirectResponse:
    url = page.request.url_for("portal.editor_article", article_id=article_id)
    return RedirectResponse(f"{url}{anchor}", status_code=303)
