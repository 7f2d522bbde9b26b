"""What the editor page shows: the article (or none yet), the form as typed, the choices,
the review thread, translations and files; and why a form was refused, when it was."""

from dataclasses import dataclass, field

from kb_service.access import CURATOR_ROLES
from kb_service.accounts.entitlements import known_levels
from kb_service.accounts.models import AccessGroup, User
from kb_service.accounts.service import list_groups
from kb_service.articles import files, review, service, workspace
from kb_service.articles.models import Article, ArticleFile, ArticleReview, Category
from kb_service.articles.rules import Rules
from kb_service.catalogue.models import Product
from kb_service.catalogue.service import list_products
from kb_service.errors import Conflict, Forbidden, InvalidTransition
from portal.deps import Page
from portal.views.editor.forms import ArticleForm, entitlement_field

LANGUAGES = ("ru", "en")


@dataclass(frozen=True)
class Choices:
    products: list[Product]
    groups: list[AccessGroup]
    categories: list[Category]
    reviewers: list[User]
    levels: list[str] = field(default_factory=list)  # contract levels organisations hold
    languages: tuple[str, ...] = LANGUAGES


@dataclass(frozen=True)
class FileLink:
    file: ArticleFile
    url: str  # a path on this site, so the Markdown works on every host the portal answers
    markdown: str


@dataclass(frozen=True)
class EditorPage:
    article: Article | None
    form: ArticleForm
    choices: Choices
    actions: tuple[str, ...] = ()  # status actions the viewer may take now
    thread: list[ArticleReview] = field(default_factory=list)
    translations: list[Article] = field(default_factory=list)
    files: list["FileLink"] = field(default_factory=list)
    require_review: bool = False
    # Writers change drafts; what readers see (or are about to) changes with a curator's rights.
    can_edit: bool = True
    problem: str = ""  # "invalid", "stale", "forbidden"; "" when nothing was refused
    detail: str = ""  # the service's reason, shown under the page's own words
    failed: str = ""  # which form was refused: "save", "status", "translation", "file"


def problem_of(exc: Exception) -> str:
    """How the page names a refusal: a stale version, or anything else to correct."""
    stale = isinstance(exc, Conflict) and not isinstance(exc, InvalidTransition)
    return "stale" if stale else "invalid"


def require_writer(page: Page) -> None:
    if not page.viewer.has_any(workspace.WRITER_ROLES):
        raise Forbidden("the editors' workspace is for staff who write articles")


def editor_page(
    page: Page, article_id: str | None, form: ArticleForm | None = None, **refusal
) -> EditorPage:
    """The editor for a visible article (None: a new one), the form filled from it if not given."""
    require_writer(page)
    db, viewer = page.db, page.viewer
    choices = Choices(
        list_products(db),
        # Ranged product groups and contract levels have fields of their own.
        [g for g in list_groups(db) if not entitlement_field(g.name)],
        service.list_categories(db),
        [u for u in review.reviewers(db) if u.id != viewer.user_id],
        known_levels(db),
    )
    rules = Rules.of(page.settings)
    if article_id is None:
        return EditorPage(None, form or ArticleForm(), choices, require_review=rules.require_review,
                          **refusal)  # fmt: skip
    article = service.get_article(db, viewer, article_id)
    return EditorPage(
        article=article,
        form=form or ArticleForm.of(article),
        choices=choices,
        actions=actions(page, article, rules),
        thread=review.thread(db, article.id),
        translations=workspace.translations_of(db, viewer, article),
        files=[file_link(page, f) for f in files.list_files(db, article.id)],
        require_review=rules.require_review,
        can_edit=article.status == "draft" or viewer.has_any(CURATOR_ROLES),
        **refusal,
    )


def actions(page: Page, article: Article, rules: Rules) -> tuple[str, ...]:
    """The status buttons to offer; the service decides again when one is pressed."""
    curator = page.viewer.has_any(CURATOR_ROLES)
    wrote = page.viewer.user_id in service.writers_of(page.db, article)
    offered: list[str] = []
    if article.status == "draft":
        offered.append("submit")
        if curator and rules.may_publish(page.viewer.user_id, service.writers_of(page.db, article)):
            offered.append("publish")
    if article.status == "in_review" and curator:
        offered += ["approve"] if not wrote else []
        offered.append("request_changes")
    if curator and article.status in ("published", "in_review"):
        offered.append("draft")
    if curator and article.status != "archived":
        offered.append("archive")
    if curator and article.status == "archived":
        offered.append("draft")
    return tuple(offered)


def file_link(page: Page, kept: ArticleFile) -> FileLink:
    url = page.request.app.url_path_for(
        "portal.article_file", article_id=kept.article_id, file_id=str(kept.id)
    )
    return FileLink(kept, url, files.markdown_for(kept, url))
