"""Review of articles: the author submits, another editor approves or sends it back, anyone
with the article in hand comments. Every step is an `ArticleReview` row (the thread).

Who may publish is `rules.Rules.may_publish`; approving publishes through `service.publish`,
so the API's publish and the workspace's approval obey the same rule.
"""

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from kb_service.access import CURATOR_ROLES, WRITER_ROLES, Viewer, article_filter
from kb_service.accounts.models import User, UserRole
from kb_service.articles import service
from kb_service.articles.models import Article, ArticleReview
from kb_service.articles.rules import Rules
from kb_service.errors import Forbidden, Invalid, InvalidTransition

MAX_TEXT = 4000


def submit(
    session: Session,
    viewer: Viewer,
    article_id: str,
    expected_version: int,
    reviewer_id: int | None = None,
    text: str = "",
) -> Article:
    """Ask for review of a draft, optionally of one named editor."""
    service._require(viewer, WRITER_ROLES, "submit articles for review")
    article = _at(session, viewer, article_id, expected_version, "draft")
    if reviewer_id is not None:
        _check_reviewer(session, reviewer_id, viewer)
    article.status = "in_review"
    service._saved(session, article, viewer)
    _step(session, article, viewer, "submitted", text, reviewer_id=reviewer_id)
    return article


def approve(
    session: Session,
    viewer: Viewer,
    article_id: str,
    expected_version: int,
    rules: Rules,
    text: str = "",
) -> Article:
    """Publish an article in review; never one's own (nor one's own submission)."""
    service._require(viewer, CURATOR_ROLES, "approve articles")
    article = _at(session, viewer, article_id, expected_version, "in_review")
    if viewer.user_id in service.writers_of(session, article):
        raise Forbidden("you cannot approve an article you wrote or submitted")
    service.publish(session, viewer, article, rules, _text(text), approval=True)
    return article


def request_changes(
    session: Session, viewer: Viewer, article_id: str, expected_version: int, text: str
) -> Article:
    """Send an article in review back to draft, saying what to change."""
    service._require(viewer, CURATOR_ROLES, "review articles")
    words = _text(text)
    if not words:
        raise Invalid("say what should change")
    article = _at(session, viewer, article_id, expected_version, "in_review")
    article.status = "draft"
    service._saved(session, article, viewer)
    _step(session, article, viewer, "changes_requested", words)
    return article


def comment(session: Session, viewer: Viewer, article_id: str, text: str) -> ArticleReview:
    """A remark in the review thread of an article the viewer can see."""
    service._require(viewer, WRITER_ROLES, "comment on articles")
    words = _text(text)
    if not words:
        raise Invalid("write a comment")
    article = service.get_article(session, viewer, article_id)
    return _step(session, article, viewer, "comment", words)


def thread(session: Session, article_id: str) -> list[ArticleReview]:
    """The review steps of an article, oldest first, with who took them."""
    query = (
        select(ArticleReview)
        .where(ArticleReview.article_id == article_id)
        .options(selectinload(ArticleReview.by), selectinload(ArticleReview.reviewer))
        .order_by(ArticleReview.created_at, ArticleReview.id)
    )
    return list(session.scalars(query))


def waiting_for(viewer: Viewer):
    """SQL condition: articles in review that this editor may take (named, or nobody named),
    not their own."""
    earlier = aliased(ArticleReview)
    last = (
        select(func.max(earlier.id))
        .where(earlier.article_id == Article.id, earlier.decision == "submitted")
        .correlate(Article)
        .scalar_subquery()
    )
    submission = select(ArticleReview.id).where(
        ArticleReview.article_id == Article.id,
        ArticleReview.id == last,
        ArticleReview.by_id != viewer.user_id,
        (ArticleReview.reviewer_id == viewer.user_id) | ArticleReview.reviewer_id.is_(None),
    )
    return (
        article_filter(viewer)
        & (Article.status == "in_review")
        & ((Article.author_id != viewer.user_id) | Article.author_id.is_(None))
        & submission.exists()
    )


def reviewers(session: Session) -> list[User]:
    """Active people who may review (approve) articles."""
    curators = select(UserRole.user_id).where(UserRole.role.in_(sorted(CURATOR_ROLES)))
    query = select(User).where(User.id.in_(curators), User.is_active).order_by(User.name)
    return list(session.scalars(query))


def _at(session: Session, viewer: Viewer, article_id: str, expected: int, status: str) -> Article:
    article = service.get_article(session, viewer, article_id)
    service._check_version(article, expected)
    if article.status != status:
        raise InvalidTransition(f"the article is {article.status}, not {status}")
    return article


def _check_reviewer(session: Session, reviewer_id: int, viewer: Viewer) -> None:
    if reviewer_id == viewer.user_id:
        raise Invalid("choose another editor to review your article")
    if reviewer_id not in {user.id for user in reviewers(session)}:
        raise Invalid("the chosen reviewer cannot review articles")


def _step(
    session: Session,
    article: Article,
    viewer: Viewer,
    decision: str,
    text: str,
    reviewer_id: int | None = None,
) -> ArticleReview:
    step = ArticleReview(
        article_id=article.id,
        version=article.version,
        by_id=viewer.user_id,
        decision=decision,
        reviewer_id=reviewer_id,
        text=_text(text),
    )
    session.add(step)
    session.flush()
    return step


def _text(text: str) -> str:
    return text.strip()[:MAX_TEXT]
