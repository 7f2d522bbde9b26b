"""Images and files of articles: uploaded in the editor, served to whoever may read the article."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import JSONResponse, Response

from kb_service.articles import files
from kb_service.errors import Invalid
from kb_service.hostile_input import DB_INT_MAX
from kb_service.storage import AttachmentStore
from portal.deps import Page, PageDep
from portal.templating import render
from portal.views.editor.articles import to_editor
from portal.views.editor.page import editor_page, file_link, require_writer

router = APIRouter()


@router.post("/console/articles/{article_id}/files", name="portal.editor_upload")
def upload(page: PageDep, article_id: str, file: Annotated[UploadFile, File()]):
    # Read at most one byte over the limit: a larger file is refused without being held whole.
    content = file.file.read(page.settings.article_file_max_bytes + 1)
    return _kept(page, article_id, file.filename or "", content)


def _kept(page: Page, article_id: str, name: str, content: bytes):
    """Keep the file; JSON for the editor's script (the Markdown to insert), else the page."""
    wants_json = "application/json" in page.request.headers.get("accept", "")
    require_writer(page)
    store, limit = AttachmentStore.of(page.settings), page.settings.article_file_max_bytes
    try:
        kept = files.add_file(page.db, page.viewer, store, article_id, name, content, limit)
    except Invalid as exc:
        page.db.rollback()
        if wants_json:
            return JSONResponse({"error": exc.message}, status_code=422)
        shown = editor_page(page, article_id, problem="invalid", detail=exc.message, failed="file")
        return render(page.request, "editor/edit.html", 422, editor=shown)
    if wants_json:
        link = file_link(page, kept)
        return JSONResponse({"name": kept.name, "url": link.url, "markdown": link.markdown})
    return to_editor(page, article_id, "#files")


@router.get("/articles/{article_id}/files/{file_id}", name="portal.article_file")
def serve(page: PageDep, article_id: str, file_id: Annotated[int, Path(ge=1, le=DB_INT_MAX)]):
    store = AttachmentStore.of(page.settings)
    kept, content = files.get_file(page.db, page.viewer, article_id, file_id, store)
    # Images are shown in the page; anything else is a download, never rendered as ours.
    disposition = "inline" if kept.is_image else "attachment"
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(kept.name, safe='')}",
        "Cache-Control": "private, max-age=300",
    }
    return Response(content, media_type=kept.content_type, headers=headers)
