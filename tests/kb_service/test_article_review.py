"""Review of articles: who may publish and approve, what each step leaves, and restoring."""

from datetime import date

import pytest
from sqlalchemy import select

from kb_service.articles import history, review, service
from kb_service.articles.models import ArticleReview
from kb_service.articles.rules import Rules, add_months
from kb_service.articles.schemas import ArticleCreate, ArticleFields
from kb_service.config import Settings
from kb_service.errors import Forbidden, Invalid, InvalidTransition
from tests.builders import auth, make_token, make_viewer

REQUIRED = Rules(require_review=True, review_months=12)


def _draft(session, author, article_id="a1", body="First text."):
    data = ArticleCreate(id=article_id, title="Jam", body=body, language="en")
    return service.create_article(session, author, data)


def _steps(session, article_id="a1"):
    return [(s.decision, s.by_id, s.text) for s in review.thread(session, article_id)]


def test_an_editor_cannot_approve_their_own_article(session):
    author = make_viewer(session, ["editor"])
    article = _draft(session, author)
    review.submit(session, author, "a1", article.version)
    with pytest.raises(Forbidden):
        review.approve(session, author, "a1", article.version, REQUIRED)
    with pytest.raises(Forbidden):  # nor without review required: approval is someone else's
        review.approve(session, author, "a1", article.version, Rules())


def test_with_review_required_nobody_publishes_their_own_article(session):
    author = make_viewer(session, ["editor"])
    article = _draft(session, author)
    with pytest.raises(Forbidden, match="another editor must approve"):
        service.set_status(session, author, "a1", "published", article.version, REQUIRED)
    data = ArticleCreate(id="a2", title="T", body="B", language="en", status="published")
    with pytest.raises(Forbidden):
        service.create_article(session, author, data, REQUIRED)
    # Without the setting, an editor still publishes at once, as before.
    assert service.set_status(session, author, "a1", "published", None, Rules()).status == (
        "published"
    )


def test_approval_by_another_editor_publishes_and_is_recorded(session):
    author, reviewer = make_viewer(session, ["engineer"]), make_viewer(session, ["editor"])
    article = _draft(session, author)
    review.submit(session, author, "a1", article.version, reviewer.user_id, "Please check")
    article = review.approve(session, reviewer, "a1", article.version, REQUIRED, "Good")
    assert article.status == "published" and article.published_at is not None
    assert article.review_by == add_months(article.published_at.date(), 12)
    assert _steps(session) == [
        ("submitted", author.user_id, "Please check"),
        ("approved", reviewer.user_id, "Good"),
    ]
    assert review.thread(session, "a1")[0].reviewer_id == reviewer.user_id


def test_the_submitter_counts_as_a_writer_and_cannot_approve(session):
    author, editor, other = (make_viewer(session, ["editor"]) for _ in range(3))
    article = _draft(session, author)
    review.submit(session, editor, "a1", article.version)
    with pytest.raises(Forbidden):
        review.approve(session, editor, "a1", article.version, REQUIRED)
    assert review.approve(session, other, "a1", article.version, REQUIRED).status == "published"


def test_an_editor_who_changed_the_text_in_review_cannot_approve_it(session):
    author, editor, other = (make_viewer(session, ["editor"]) for _ in range(3))
    article = _draft(session, author)
    article = review.submit(session, author, "a1", article.version)
    article = service.update_article(
        session, editor, "a1", ArticleFields(body="Edited in review"), article.version
    )
    with pytest.raises(Forbidden):
        review.approve(session, editor, "a1", article.version, REQUIRED)
    assert review.approve(session, other, "a1", article.version, REQUIRED).status == "published"


def test_requesting_changes_returns_the_article_to_draft_with_the_words(session):
    author, reviewer = make_viewer(session, ["engineer"]), make_viewer(session, ["editor"])
    article = _draft(session, author)
    review.submit(session, author, "a1", article.version)
    with pytest.raises(Invalid):
        review.request_changes(session, reviewer, "a1", article.version, "  ")
    article = review.request_changes(session, reviewer, "a1", article.version, "Add a photo")
    assert article.status == "draft"
    assert _steps(session)[-1] == ("changes_requested", reviewer.user_id, "Add a photo")
    with pytest.raises(InvalidTransition):  # no longer in review
        review.approve(session, reviewer, "a1", article.version, REQUIRED)
    # The author may edit the draft again and resubmit.
    article = service.update_article(
        session, author, "a1", ArticleFields(body="Photo added"), article.version
    )
    assert review.submit(session, author, "a1", article.version).status == "in_review"


def test_an_engineer_cannot_approve_and_cannot_name_themselves_as_reviewer(session):
    author, engineer = make_viewer(session, ["engineer"]), make_viewer(session, ["engineer"])
    article = _draft(session, author)
    with pytest.raises(Invalid):
        review.submit(session, author, "a1", article.version, reviewer_id=author.user_id)
    with pytest.raises(Invalid):  # an engineer cannot review
        review.submit(session, author, "a1", article.version, reviewer_id=engineer.user_id)
    review.submit(session, author, "a1", article.version)
    with pytest.raises(Forbidden):
        review.approve(session, engineer, "a1", article.version, REQUIRED)


def test_waiting_for_my_review_lists_what_was_sent_to_me_or_to_anyone(session):
    author = make_viewer(session, ["engineer"])
    mine, other = make_viewer(session, ["editor"]), make_viewer(session, ["editor"])
    for article_id, reviewer in (("to-me", mine), ("to-other", other), ("to-anyone", None)):
        article = _draft(session, author, article_id)
        review.submit(session, author, article_id, article.version,
                      reviewer.user_id if reviewer else None)  # fmt: skip
    _draft(session, author, "still-draft")
    waiting = session.scalars(
        select(service.Article.id).where(review.waiting_for(mine)).order_by(service.Article.id)
    )
    assert list(waiting) == ["to-anyone", "to-me"]


def test_restore_saves_the_old_text_as_a_new_version_and_keeps_history(session):
    editor = make_viewer(session, ["editor"])
    article = _draft(session, editor, body="One")
    article = service.update_article(session, editor, "a1", ArticleFields(body="Two"), 1)
    article = history.restore(session, editor, "a1", 1, article.version)
    assert (article.body_md, article.version) == ("One", 3)
    assert [v.body_md for v in service.list_versions(session, editor, "a1")] == [
        "One",
        "Two",
        "One",
    ]
    with pytest.raises(Exception, match="version"):
        history.restore(session, editor, "a1", 2, 1)  # based on a stale version


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 12) == date(2027, 11, 15)
    assert Rules(review_months=0).review_by(date(2026, 1, 1)) is None


def test_the_api_refuses_publishing_ones_own_article_when_review_is_required(settings, sessions):
    from fastapi.testclient import TestClient

    from kb_service.app import create_app

    strict = Settings(**{**settings.model_dump(), "require_review": True})
    with sessions.begin() as s:
        author, other = make_token(s, ["editor"]), make_token(s, ["editor"])
    with TestClient(create_app(strict)) as client:
        draft = {"id": "own", "title": "T", "body": "B", "language": "en"}
        made = client.post("/api/v1/articles", headers=auth(author), json=draft)
        assert made.status_code == 201
        refused = client.post("/api/v1/articles/own/publish", headers=auth(author))
        assert refused.status_code == 403
        assert "approve" in refused.json()["detail"]
        published = client.post("/api/v1/articles/own/publish", headers=auth(other))
        assert published.status_code == 200 and published.json()["status"] == "published"
    with sessions() as s:
        decisions = s.scalars(
            select(ArticleReview.decision).where(ArticleReview.article_id == "own")
        )
        assert list(decisions) == ["approved"]
