"""Images and files of articles: checked on upload, kept by content hash, read only by those
who may read the article.

The type is decided from the bytes, never from the name or the browser's word: a page that
shows an "image" must get an image. SVG is refused (it can carry script).
"""

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.access import CURATOR_ROLES, WRITER_ROLES, Viewer
from kb_service.articles import service
from kb_service.articles.models import ArticleFile
from kb_service.errors import Invalid, NotFound
from kb_service.storage import AttachmentStore

# Shown in the page (inline); everything else is offered as a download.
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
ACCEPTED = (*IMAGE_TYPES, "application/pdf", "application/zip", "text/plain")
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\\[\]()<>\"']+")


def content_type(content: bytes) -> str | None:
    """The accepted type these bytes are, or None."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = "\x00" not in text and not text.lstrip().startswith("<")
    return "text/plain" if printable and text.strip() else None


def add_file(
    session: Session,
    viewer: Viewer,
    store: AttachmentStore,
    article_id: str,
    name: str,
    content: bytes,
    max_bytes: int,
) -> ArticleFile:
    """Keep an uploaded image or file for an article the viewer may edit."""
    service._require(viewer, WRITER_ROLES, "upload files")
    article = service.get_article(session, viewer, article_id)
    if article.status != "draft":
        service._require(viewer, CURATOR_ROLES, f"add files to a {article.status} article")
    if not content:
        raise Invalid("the file is empty")
    if len(content) > max_bytes:
        raise Invalid(f"the file is larger than {max_bytes // (1024 * 1024) or 1} MB")
    kind = content_type(content)
    if kind is None:
        raise Invalid("only PNG, JPEG, GIF and WebP images, PDF, ZIP and plain text are accepted")
    file = ArticleFile(
        article_id=article.id,
        name=clean_name(name),
        content_type=kind,
        size=len(content),
        sha256=store.put(content),
        uploaded_by_id=viewer.user_id,
    )
    session.add(file)
    session.flush()
    return file


def get_file(
    session: Session, viewer: Viewer, article_id: str, file_id: int, store: AttachmentStore
) -> tuple[ArticleFile, bytes]:
    """A file of an article the viewer may read, with its bytes; NotFound otherwise."""
    article = service.get_article(session, viewer, article_id)
    file = session.get(ArticleFile, file_id)
    if file is None or file.article_id != article.id:
        raise NotFound("no such file")
    return file, store.read(file.sha256)


def list_files(session: Session, article_id: str) -> list[ArticleFile]:
    query = select(ArticleFile).where(ArticleFile.article_id == article_id)
    return list(session.scalars(query.order_by(ArticleFile.id)))


def clean_name(name: str) -> str:
    """A file name fit for Markdown and a download: no path, brackets or control characters."""
    base = re.split(r"[/\\]", name or "")[-1]
    cleaned = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", base)).strip(" ._")
    return cleaned[:200] or "file"


def markdown_for(file: ArticleFile, url: str) -> str:
    """The Markdown that shows an image, or links a file."""
    return f"![{file.name}]({url})" if file.is_image else f"[{file.name}]({url})"
