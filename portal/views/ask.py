"""The ask form: live suggestions, "this solved my problem", and the ticket when it did not."""

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import RedirectResponse

from kb_service.articles.models import Article
from kb_service.catalogue.models import Equipment, Product
from kb_service.errors import Invalid
from kb_service.storage import AttachmentStore
from portal.deps import Page, PageDep
from portal.templating import language_of, render
from tickets import asking, service
from tickets.models import AskVisit
from tickets.schemas import Upload

router = APIRouter()
Text = Annotated[str, Form()]


@dataclass(frozen=True)
class AskForm:
    ask: AskVisit
    fields: dict[str, str | None]  # what the client typed, kept across a refused submission
    own_products: list[Product]  # the client's organisation's products, offered first
    other_products: list[Product]
    article: Article | None  # the article the client came from, if any
    equipment: list[Equipment]  # the client's organisation's items, to name the one it is about
    errors: set[str] = field(default_factory=set)  # names of the fields to correct


@router.get("/ask", name="portal.ask")
def new(
    page: PageDep,
    article: Annotated[str | None, Query(max_length=100)] = None,
    subject: Annotated[str, Query(max_length=300)] = "",
    equipment: Annotated[str, Query(max_length=100)] = "",
):
    """The form; `equipment` names an item of the client's organisation ("My equipment")."""
    if page.viewer.user_id is None and not page.settings.anonymous_tickets:
        login = page.request.url_for("portal.login")
        return RedirectResponse(f"{login}?next=/ask", status_code=303)
    noted = service.noted_article(page.db, page.viewer, article)
    ask = asking.start_ask(page.db, page.viewer, page.visit_id, noted.id if noted else None)
    fields, errors = _chosen_item(page, {"subject": subject}, equipment)
    return _render_form(page, form_page(page, ask, fields, errors))


@router.post("/ask/suggest", name="portal.ask_suggest")
def suggest(
    page: PageDep,
    ask: Text,
    subject: Text = "",
    body: Text = "",
    product: Text = "",
    equipment_id: Text = "",
    article: Text = "",
):
    visit = _claimed(page, ask, article)
    text = f"{subject} {body}"
    product = _chosen_item(page, {"product": product}, equipment_id)[0]["product"]
    hits = asking.suggest(page.db, page.search, page.viewer, visit, text, product)
    return render(page.request, "ask/_suggestions.html", hits=hits, ask=visit)


@router.get("/ask/{token}/open/{article_id}", name="portal.ask_open")
def open_suggestion(page: PageDep, token: str, article_id: str):
    visit = asking.get_ask(page.db, token, page.visit_id)
    shown = asking.open_suggestion(page.db, page.viewer, visit, article_id)
    url = page.request.url_for("portal.article", article_id=shown)
    return RedirectResponse(url, status_code=303)


@router.post("/ask/{token}/solved", name="portal.ask_solved")
def solved(page: PageDep, token: str, article_id: Annotated[str, Form(max_length=100)]):
    visit = asking.get_ask(page.db, token, page.visit_id)
    visit = asking.deflect(page.db, page.viewer, visit, article_id)
    page.new_visit()
    return render(page.request, "ask/solved.html", article_id=visit.solved_article_id)


@router.post("/ask", name="portal.ask_submit")
def submit(
    page: PageDep,
    ask: Text,
    subject: Text = "",
    body: Text = "",
    product: Text = "",
    email: Text = "",
    equipment_id: Text = "",
    article: Text = "",
    attachments: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies it
):
    visit = _claimed(page, ask, article)
    fields = {"subject": subject, "body": body, "product": product or None, "email": email}
    fields["equipment_id"] = equipment_id or None
    try:
        ticket = _create(page, visit, fields, attachments)
    except Invalid as exc:
        errors = {e["where"] for e in exc.errors}
        return _render_form(page, form_page(page, visit, fields, errors), status=422)
    page.new_visit()
    if page.viewer.user_id is None:
        sent = {"number": ticket.number, "email": ticket.requester_email}
        return render(page.request, "ask/sent.html", **sent)
    url = page.request.url_for("portal.ticket", number=ticket.number)
    return RedirectResponse(url, status_code=303)


def form_page(page: Page, ask: AskVisit, fields: dict, errors: set[str] = frozenset()) -> AskForm:
    """The ask form as the client left it, with the products to choose from."""
    own, others = service.product_choices(page.db, page.viewer)
    article = service.noted_article(page.db, page.viewer, ask.article_id)
    items = service.equipment_choices(page.db, page.viewer)
    return AskForm(ask, fields, own, others, article, items, set(errors))


def _chosen_item(page: Page, fields: dict, equipment_id: str) -> tuple[dict, set[str]]:
    """The fields with the chosen item and its product, or as they were with the item to
    correct when it is none of the client's organisation's."""
    if not equipment_id:
        return fields, set()
    try:
        item = service.own_item(page.db, page.viewer, equipment_id)
    except Invalid:
        return fields, {"equipment_id"}
    return {**fields, "equipment_id": item.id, "product": item.product.code}, set()


def _render_form(page: Page, form: AskForm, status: int = 200):
    return render(page.request, "ask/new.html", status_code=status, **vars(form))


def _create(page: Page, visit: AskVisit, fields: dict, files: list[UploadFile]):
    uploads = [
        Upload(filename=f.filename, content_type=f.content_type or "", content=f.file.read())
        for f in files
        if f.filename
    ]
    draft = service.validate_draft(fields)
    # The ticket keeps the visit's trail: write this process's queued searches and views first.
    page.activity.flush()
    return service.create_from_portal(
        page.db,
        page.viewer,
        visit,
        draft,
        uploads,
        store=AttachmentStore.of(page.settings),
        anonymous_allowed=page.settings.anonymous_tickets,
        locale=language_of(page.request),
    )


def _claimed(page: Page, ask: str, article: str):
    """The ask-form visit of token ``ask``, saved for good before the request goes on.

    Its own transaction: the search or the ticket that follows must not hold SQLite's write
    lock meanwhile (every ticket and ask form of the node waits for it), and a ticket refused
    or failed leaves the visit saved, as the person did open the form.
    """
    visit = asking.claim_ask(page.db, page.viewer, ask, page.visit_id, article or None)
    page.db.commit()
    return visit
