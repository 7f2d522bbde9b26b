"""The console's synonym dictionary: editors and administrators list, add, change and delete
groups of equivalent search terms. Search applies a change within seconds, without a reindex."""

from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import RedirectResponse
from pydantic import Field

from kb_service.errors import Invalid
from kb_service.hostile_input import DB_INT_MAX, NulFree
from kb_service.search import synonyms
from portal.deps import Page, PageDep
from portal.templating import render

router = APIRouter()
SynonymId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


class TermsForm(NulFree):
    terms: str = Field("", max_length=5_000)


def _page(page: Page, status: int = 200, error: dict | None = None, **typed):
    rows = synonyms.list_synonyms(page.db, page.viewer)
    return render(
        page.request,
        "console/synonyms.html",
        status_code=status,
        rows=rows,
        error=error,
        typed=typed,
    )


def _problem(refused: Invalid) -> dict:
    """The refused rule and its values, said by the template in the reader's language."""
    return refused.errors[0] if refused.errors else {"code": "invalid"}


def _back(page: Page) -> RedirectResponse:
    return RedirectResponse(page.request.url_for("portal.console_synonyms"), status_code=303)


@router.get("/console/synonyms", name="portal.console_synonyms")
def index(page: PageDep):
    return _page(page)


@router.post("/console/synonyms", name="portal.console_synonyms_add")
def add(page: PageDep, form: Annotated[TermsForm, Form()]):
    try:
        synonyms.add_synonym(page.db, page.viewer, form.terms)
    except Invalid as refused:
        return _page(page, refused.status, _problem(refused), new=form.terms)
    return _back(page)


@router.post("/console/synonyms/{synonym_id}", name="portal.console_synonyms_save")
def save(page: PageDep, synonym_id: SynonymId, form: Annotated[TermsForm, Form()]):
    try:
        synonyms.update_synonym(page.db, page.viewer, synonym_id, form.terms)
    except Invalid as refused:
        return _page(page, refused.status, _problem(refused), **{str(synonym_id): form.terms})
    return _back(page)


@router.post("/console/synonyms/{synonym_id}/delete", name="portal.console_synonyms_delete")
def delete(page: PageDep, synonym_id: SynonymId):
    synonyms.delete_synonym(page.db, page.viewer, synonym_id)
    return _back(page)
