"""The editors' workspace as pages: writing and saving (with a concurrent edit), the live
preview, files and their visibility, versions, translations offered to readers, the list and
the feedback queue."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.access import Viewer
from kb_service.articles import workspace
from kb_service.articles.models import Article
from kb_service.feedback.models import ArticleFeedback
from tests.builders import make_ticket, make_user
from tests.portal.conftest import csrf_of, login
from tickets.models import TicketArticle

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
ADMIN = Viewer(kind="staff", roles=frozenset({"admin"}), groups=None)


@pytest.fixture
def editor(app, demo):
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        login(client, "editor@demo.spravka", "demo-editor-pass")
        yield client


def _create(client, **fields) -> str:
    form = {"title": "Toner smears", "body": "Replace the **drum**.", "language": "en",
            "groups": ["public"], "csrf_token": csrf_of(client, "/console/articles/new"),
            **fields}  # fmt: skip
    made = client.post("/console/articles/new", data=form, follow_redirects=False)
    assert made.status_code == 303, made.text
    return made.headers["location"].rsplit("/", 1)[-1]


def _save(client, article_id, version, body, **fields):
    form = {"title": "Toner smears", "body": body, "language": "en", "groups": ["public"],
            "version": version, "csrf_token": csrf_of(client), **fields}  # fmt: skip
    return client.post(f"/console/articles/{article_id}", data=form, follow_redirects=False)


def test_new_takes_the_title_from_the_gaps_page(editor):
    page = editor.get("/console/articles/new", params={"title": "Printer beeps <twice>"})
    assert page.status_code == 200
    assert 'value="Printer beeps &lt;twice&gt;"' in page.text
    assert page.template.name == "editor/edit.html"


def test_a_concurrent_save_is_refused_and_keeps_the_typed_text(editor, sessions):
    article_id = _create(editor)
    assert _save(editor, article_id, 1, "First editor's text").status_code == 303
    refused = _save(editor, article_id, 1, "Second editor's text, not lost")
    assert refused.status_code == 409
    assert "Someone else saved this article meanwhile" in refused.text
    assert "Second editor&#39;s text, not lost</textarea>" in refused.text
    assert refused.context["editor"].form.version == "2"  # now based on the saved version
    with sessions() as s:
        assert s.get(Article, article_id).body_md == "First editor's text"
    assert _save(editor, article_id, 2, "Second editor's text, not lost").status_code == 303


def test_a_bad_date_is_a_form_message_not_a_lost_text(editor):
    article_id = _create(editor)
    refused = _save(editor, article_id, 1, "Kept", review_by="tomorrow")
    assert refused.status_code == 422
    assert "YYYY-MM-DD" in refused.text and "Kept</textarea>" in refused.text


def test_the_preview_is_the_readers_fragment_of_the_saved_text(editor, sessions):
    body = "## Steps\n\n1. Open *the* tray\n2. Pull [paper](https://example.test)\n\n<script>x</script>"
    article_id = _create(editor, body=body)
    preview = editor.post("/console/preview", data={"body": body, "csrf_token": csrf_of(editor)})
    assert preview.status_code == 200 and "<script" not in preview.text
    with sessions() as s:  # published by the editor (no review required here)
        article = s.get(Article, article_id)
        article.status = "published"
        s.commit()
    shown = editor.get(f"/articles/{article_id}").text
    fragment = re.search(r'<div class="article-body">.*?</div>', preview.text, re.S).group(0)
    assert fragment in shown


def test_images_are_served_only_to_those_who_may_read_the_article(editor, app):
    article_id = _create(editor)
    headers = {"X-CSRF-Token": csrf_of(editor), "Accept": "application/json"}
    up = editor.post(f"/console/articles/{article_id}/files",
                     files={"file": ("shot.png", PNG, "image/png")}, headers=headers)  # fmt: skip
    assert up.status_code == 200, up.text
    url = up.json()["url"]
    assert up.json()["markdown"] == f"![shot.png]({url})"
    assert editor.get(url).content == PNG
    with TestClient(app) as anonymous:
        assert anonymous.get(url).status_code == 404  # the article is a draft
        token = csrf_of(editor)
        status = {"action": "publish", "version": 1, "csrf_token": token}
        assert editor.post(f"/console/articles/{article_id}/status", data=status,
                           follow_redirects=False).status_code == 303  # fmt: skip
        shown = anonymous.get(url)
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
        assert shown.headers["content-disposition"].startswith("inline")


def test_uploads_over_the_limit_or_of_other_types_are_refused(editor, settings):
    article_id = _create(editor)
    headers = {"X-CSRF-Token": csrf_of(editor), "Accept": "application/json"}
    big = PNG + bytes(settings.article_file_max_bytes)
    for name, content in (("big.png", big), ("x.svg", b"<svg onload=alert(1)/>")):
        upload = {"file": (name, content, "image/png")}
        refused = editor.post(f"/console/articles/{article_id}/files", files=upload,
                              headers=headers)  # fmt: skip
        assert refused.status_code == 422 and refused.json()["error"]
    # Without the script, the page comes back with the reason.
    page = editor.post(f"/console/articles/{article_id}/files",
                       files={"file": ("x.svg", b"<svg/>", "image/svg+xml")},
                       headers={"X-CSRF-Token": headers["X-CSRF-Token"]})  # fmt: skip
    assert page.status_code == 422 and "accepted" in page.text


def test_versions_compare_side_by_side_escaped_and_restore(editor, sessions):
    article_id = _create(editor, body="Open the tray.\nKeep <b>this</b>.")
    assert _save(editor, article_id, 1, "Open the lid.\nKeep <b>this</b>.").status_code == 303
    page = editor.get(f"/console/articles/{article_id}/versions")
    assert page.status_code == 200
    assert "<mark>tray</mark>" in page.text and "<mark>lid</mark>" in page.text
    assert "Keep &lt;b&gt;this&lt;/b&gt;." in page.text
    form = {"number": 1, "version": 2, "csrf_token": csrf_of(editor)}
    restored = editor.post(f"/console/articles/{article_id}/restore", data=form,
                           follow_redirects=False)  # fmt: skip
    assert restored.status_code == 303
    with sessions() as s:
        article = s.get(Article, article_id)
        assert (article.version, article.body_md) == (3, "Open the tray.\nKeep <b>this</b>.")


def test_readers_are_offered_the_translation_they_may_read(portal, sessions):
    with sessions.begin() as s:
        workspace.link_translation(s, ADMIN, "kb-0001", "kb-0002", 1)
        workspace.link_translation(s, ADMIN, "kb-0005", "kb-0004", 1)  # kb-0005 is internal
    ru = portal.get("/articles/kb-0001").text
    assert '/articles/kb-0002" hreflang="en"' in ru and "Read in English" in ru
    assert "Читать по-русски" in portal.get("/articles/kb-0002").text
    english = portal.get("/articles/kb-0004").text
    assert "Читать по-русски" not in english and "kb-0005" not in english
    login(portal, "engineer@demo.spravka", "demo-engineer-pass")
    assert '/articles/kb-0005" hreflang="ru"' in portal.get("/articles/kb-0004").text


def test_the_list_shows_articles_due_for_review(editor, sessions):
    article_id = _create(editor, review_by="2020-01-01")
    page = editor.get("/console/articles", params={"due": 1})
    assert [a.id for a in page.context["listing"].articles] == [article_id]
    assert (
        editor.get("/console/articles", params={"status": "archived"}).context["listing"].total == 0
    )


def test_the_feedback_queue_holds_readers_words_and_engineers_flags(editor, portal, sessions):
    vote = {"helpful": "no", "comment": "Tray 3 is not mentioned",
            "csrf_token": csrf_of(portal, "/articles/kb-0003")}  # fmt: skip
    assert portal.post("/articles/kb-0003/feedback", data=vote,
                       follow_redirects=False).status_code == 303  # fmt: skip
    with sessions.begin() as s:
        engineer = make_user(s, ["engineer"], name="Egor Flagger")
        ticket = make_ticket(s, email="c@example.test")
        s.add(TicketArticle(ticket_id=ticket.id, article_id="kb-0004", relation="flagged",
                            by_id=engineer.id, note="outdated: firmware 4.3"))  # fmt: skip
        number = ticket.number
    page = editor.get("/console/feedback")
    assert page.status_code == 200
    items = page.context["items"]
    assert [(i.kind, i.article_id, i.words) for i in items] == [
        ("flag", "kb-0004", "outdated: firmware 4.3"),
        ("vote", "kb-0003", "Tray 3 is not mentioned"),
    ]
    assert f"/console/tickets/{number}" in page.text and "Egor Flagger" in page.text
    token = csrf_of(editor)
    with sessions() as s:
        vote_id = s.scalar(select(ArticleFeedback.id))
    for url in (f"/console/feedback/votes/{vote_id}",
                f"/console/feedback/flags/{items[0].ticket_id}/kb-0004"):  # fmt: skip
        assert (
            editor.post(url, data={"csrf_token": token}, follow_redirects=False).status_code == 303
        )
    assert editor.get("/console/feedback").context["items"] == []
    handled = editor.get("/console/feedback", params={"handled": 1})
    assert len(handled.context["items"]) == 2 and "Elena Editor" in handled.text


def test_a_long_queue_is_paged_newest_first_with_nothing_lost(editor, sessions):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with sessions.begin() as s:
        engineer = make_user(s, ["engineer"], name="Egor Flagger")
        for n in range(70):  # a vote and a flag in turn, a minute apart
            at = start + timedelta(minutes=n)
            if n % 2:
                ticket = make_ticket(s, email=f"c{n}@example.test")
                s.add(TicketArticle(ticket_id=ticket.id, article_id="kb-0004",
                                    relation="flagged", by_id=engineer.id, note=f"item {n}",
                                    created_at=at))  # fmt: skip
            else:
                s.add(ArticleFeedback(article_id="kb-0003", visit_id=f"v{n}",
                                      viewer_kind="anonymous", helpful=False,
                                      comment=f"item {n}", created_at=at))  # fmt: skip
    first = editor.get("/console/feedback")
    second = editor.get("/console/feedback", params={"page": 2})
    assert first.context["total"] == 70 and first.context["pages"] == 2
    assert "70 items" in first.text and 'rel="next"' in first.text
    shown = [i.words for i in first.context["items"] + second.context["items"]]
    assert shown == [f"item {n}" for n in reversed(range(70))]
    beyond = editor.get("/console/feedback", params={"page": 99})
    assert [i.words for i in beyond.context["items"]] == shown[50:]


def test_a_helpful_vote_or_one_without_words_is_not_queued(editor, portal):
    token = csrf_of(portal, "/articles/kb-0003")
    for vote in ({"helpful": "yes", "comment": "Great"}, {"helpful": "no", "comment": ""}):
        portal.post("/articles/kb-0001/feedback", data={**vote, "csrf_token": token})
    assert editor.get("/console/feedback").context["items"] == []


def test_an_engineer_edits_their_draft_until_it_is_submitted(app, demo):
    with TestClient(app, headers={"Accept-Language": "en"}) as engineer:
        login(engineer, "engineer@demo.spravka", "demo-engineer-pass")
        article_id = _create(engineer)
        assert 'id="editor-save"' in engineer.get(f"/console/articles/{article_id}").text
        form = {"action": "submit", "version": 1, "csrf_token": csrf_of(engineer)}
        submitted = engineer.post(f"/console/articles/{article_id}/status", data=form,
                                  follow_redirects=False)  # fmt: skip
        assert submitted.status_code == 303
        page = engineer.get(f"/console/articles/{article_id}")
        assert 'id="editor-locked"' in page.text and "Approve and publish" not in page.text
        assert _save(engineer, article_id, 2, "Sneaky change").status_code == 403
        assert engineer.get("/console/feedback").status_code == 403
