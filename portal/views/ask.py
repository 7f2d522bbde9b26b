"""The ask form: live suggestions, "this solved my problem", and the ticket when it did not."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import RedirectResponse

from kb_service.errors import Invalid
from portal.deps import IndexDep, PageDep
from portal.templating import render
from tickets import asking, service
from tickets.schemas import Upload

router = APIRouter()


@router.get("/ask", name="portal.ask")
def new(page: PageDep, article: Annotated[str | None, Query(max_length=100)] = None,
        subject: Annotated[str, Query(max_length=300)] = ""):  # fmt: skip
    if page.viewer.user_id is None and not page.settings.anonymous_tickets:
        return RedirectResponse(
            f"{page.request.url_for('portal.login')}?next=/ask", status_code=303
        )
    noted = service.noted_article(page.db, page.viewer, article)
    ask = asking.start_ask(page.db, page.viewer, page.visit_id, noted.id if noted else None)
    return _form(page, ask, {"subject": subject})


@router.post("/ask/suggest", name="portal.ask_suggest")
def suggest(page: PageDep, index: IndexDep, ask: Annotated[str, Form()],
            subject: Annotated[str, Form()] = "", body: Annotated[str, Form()] = "",
            product: Annotated[str, Form()] = ""):  # fmt: skip
    visit = asking.get_ask(page.db, ask, page.visit_id)
    hits = asking.suggest(page.db, index, page.viewer, visit, f"{subject} {body}", product)
    return render(page.request, "ask/_suggestions.html", hits=hits, ask=visit)


@router.get("/ask/{token}/open/{article_id}", name="portal.ask_open")
def open_suggestion(page: PageDep, token: str, article_id: str):
    visit = asking.get_ask(page.db, token, page.visit_id)
    shown = asking.open_suggestion(page.db, page.viewer, visit, article_id)
    return RedirectResponse(
        page.request.url_for("portal.article", article_id=shown), status_code=303
    )


@router.post("/ask/{token}/solved", name="portal.ask_solved")
def solved(page: PageDep, token: str, article_id: Annotated[str, Form(max_length=100)]):
    visit = asking.deflect(page.db, page.viewer, asking.get_ask(page.db, token, page.visit_id),
                           article_id)  # fmt: skip
    page.new_visit()
    return render(page.request, "ask/solved.html", article_id=visit.solved_article_id)


@router.post("/ask", name="portal.ask_submit")
def submit(
    page: PageDep,
    ask: Annotated[str, Form()],
    subject: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    product: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    attachments: Annotated[list[UploadFile], File()] = [],  # noqa: B006 - FastAPI copies it
):
    visit = asking.get_ask(page.db, ask, page.visit_id)
    fields = {"subject": subject, "body": body, "product": product or None, "email": email}
    try:
        ticket = service.create_from_portal(
            page.db, page.viewer, visit, service.validate_draft(fields), _uploads(attachments),
            anonymous_allowed=page.settings.anonymous_tickets,
        )  # fmt: skip
    except Invalid as exc:
        return _form(page, visit, fields, errors={e["where"] for e in exc.errors}, status=422)
    page.new_visit()
    if page.viewer.user_id is None:
        return render(
            page.request, "ask/sent.html", number=ticket.number, email=ticket.requester_email
        )
    return RedirectResponse(
        page.request.url_for("portal.ticket", number=ticket.number), status_code=303
    )


def _form(page, ask, fields: dict, errors: set[str] = frozenset(), status: int = 200):
    own, others = service.product_choices(page.db, page.viewer)
    article = service.noted_article(page.db, page.viewer, ask.article_id)
    return render(
        page.request, "ask/new.html", status_code=status, ask=ask, fields=fields, errors=errors,
        own_products=own, other_products=others, article=article,
    )  # fmt: skip


def _uploads(files: list[UploadFile]) -> list[Upload]:
    return [Upload(filename=f.filename or "", content_type=f.content_type or "",
                   content=f.file.read()) for f in files if f.filename]  # fmt: skip
