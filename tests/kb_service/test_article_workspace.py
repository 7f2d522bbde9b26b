"""The editors' workspace in the core: the list's filters and counts, the comparison of two
texts, translation links, and the checks on uploaded files."""

from datetime import date

import pytest

from kb_service.access import ANONYMOUS
from kb_service.articles import files, history, service, workspace
from kb_service.articles.schemas import ArticleCreate, ArticleFields
from kb_service.errors import Forbidden, Invalid, NotFound
from kb_service.storage import AttachmentStore
from tests.builders import make_article, make_product, make_viewer

TODAY = date(2026, 11, 27)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)


def _listed(session, viewer, **filters):
    shown = workspace.listing(session, viewer, workspace.Filters(**filters), TODAY)
    return sorted(a.id for a in shown.articles), shown


@pytest.fixture
def shelf(session):
    make_product(session, "LP-2040")
    editor = make_viewer(session, ["editor"])
    engineer = make_viewer(session, ["engineer"])
    make_article(session, id="en-pub", products=["LP-2040"], category="faults")
    make_article(session, id="ru-pub", language="ru", groups=["internal"])
    make_article(session, id="old", status="draft")
    service.create_article(session, engineer, ArticleCreate(id="eng-draft", title="Mine",
                                                            body="B", language="en"))  # fmt: skip
    service.update_article(session, editor, "en-pub", ArticleFields(review_by=TODAY), 1)
    service.update_article(session, editor, "ru-pub", ArticleFields(review_by=date(2027, 1, 1)), 1)
    return editor, engineer


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["en-pub", "eng-draft", "old", "ru-pub"]),
        ({"status": "draft"}, ["eng-draft", "old"]),
        ({"language": "ru"}, ["ru-pub"]),
        ({"product": "LP-2040"}, ["en-pub"]),
        ({"category": "faults"}, ["en-pub"]),
        ({"group": "internal"}, ["ru-pub"]),
        ({"due": True}, ["en-pub"]),
        ({"q": "mine"}, ["eng-draft"]),
        ({"q": "%"}, []),
    ],
)
def test_the_list_filters(session, shelf, filters, expected):
    assert _listed(session, shelf[0], **filters)[0] == expected


def test_the_list_filters_by_author_and_counts_by_status(session, shelf):
    editor, engineer = shelf
    ids, shown = _listed(session, editor, author=engineer.user_id)
    assert ids == ["eng-draft"]
    _, everything = _listed(session, editor, status="published")
    assert everything.counts == {"draft": 2, "in_review": 0, "published": 2, "archived": 0}
    assert everything.total == 2 and everything.due == 1


def test_an_engineer_lists_published_articles_and_only_their_own_drafts(session, shelf):
    editor, engineer = shelf
    assert _listed(session, engineer)[0] == ["en-pub", "eng-draft", "ru-pub"]
    with pytest.raises(Forbidden):
        _listed(session, make_viewer(session, ["dispatcher"]))


def test_the_comparison_marks_changed_lines_and_words():
    rows = history.diff("Open the tray.\nClose it.\nDone", "Open the lid.\nClose it.\nNew\nDone")
    assert [r.kind for r in rows] == ["changed", "same", "added", "same"]
    changed = rows[0]
    assert [(s.text, s.changed) for s in changed.left] == [("Open the ", False), ("tray", True),
                                                           (".", False)]  # fmt: skip
    assert "".join(s.text for s in changed.right) == "Open the lid."
    assert (rows[2].left, rows[2].right_number) == (None, 3)
    assert [r.kind for r in history.diff("a\nb", "a")] == ["same", "removed"]


def test_a_comparison_needs_versions_the_viewer_may_read(session):
    make_article(session, id="int", groups=["internal"], body="Secret one")
    editor = make_viewer(session, ["editor"])
    service.update_article(session, editor, "int", ArticleFields(body="Secret two"), 1)
    shown = history.compare(session, editor, "int", 1, 2)
    assert shown.rows[0].kind == "changed" and not shown.identical
    with pytest.raises(NotFound):
        history.compare(session, make_viewer(session, ["client"], "Org"), "int", 1, 2)


def test_translations_link_both_ways_and_readers_get_only_what_they_may_read(session):
    editor = make_viewer(session, ["editor"])
    make_article(session, id="en", language="en")
    make_article(session, id="ru", language="ru", groups=["internal"])
    make_article(session, id="en2", language="en")
    workspace.link_translation(session, editor, "en", "ru", 1)
    en, ru = (service.get_article(session, editor, i) for i in ("en", "ru"))
    assert en.translation_key == ru.translation_key == "en"
    assert workspace.translation_for(session, editor, en).id == "ru"
    assert workspace.translation_for(session, editor, ru).id == "en"
    client = make_viewer(session, ["client"], "Org")
    assert workspace.translation_for(session, client, en) is None  # internal: not offered
    with pytest.raises(Invalid, match="other language"):
        workspace.link_translation(session, editor, "en2", "en", 1)
    with pytest.raises(Invalid, match="already linked"):
        workspace.link_translation(session, editor, "en2", "ru", 1)
    workspace.link_translation(session, editor, "en", "", en.version)
    assert workspace.translation_for(session, editor, ru) is None


def test_a_draft_translation_is_not_offered_to_readers(session):
    editor = make_viewer(session, ["editor"])
    make_article(session, id="en", language="en")
    make_article(session, id="ru", language="ru", status="draft")
    workspace.link_translation(session, editor, "en", "ru", 1)
    en = service.get_article(session, editor, "en")
    assert workspace.translation_for(session, ANONYMOUS, en) is None
    assert workspace.translations_of(session, editor, en)[0].id == "ru"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + bytes(8), "image/jpeg"),
        (b"GIF89a" + bytes(8), "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"PK\x03\x04rest", "application/zip"),
        ("Журнал ошибок\n".encode(), "text/plain"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', None),
        (b"<html><script>alert(1)</script></html>", None),
        (b"\x00\x01\x02binary", None),
    ],
)
def test_the_type_of_a_file_comes_from_its_bytes(content, expected):
    assert files.content_type(content) == expected


def test_uploads_are_limited_in_size_and_type_and_need_the_right_to_edit(session, tmp_path):
    store = AttachmentStore(tmp_path)
    editor, engineer = make_viewer(session, ["editor"]), make_viewer(session, ["engineer"])
    make_article(session, id="pub")
    kept = files.add_file(session, editor, store, "pub", "../../shot [1].png", PNG, 1024)
    assert (kept.name, kept.content_type, kept.size) == ("shot _1_.png", "image/png", len(PNG))
    assert store.read(kept.sha256) == PNG
    with pytest.raises(Invalid, match="larger"):
        files.add_file(session, editor, store, "pub", "big.png", PNG + bytes(2000), 1024)
    with pytest.raises(Invalid, match="accepted"):
        files.add_file(session, editor, store, "pub", "x.svg", b"<svg/>", 1024)
    with pytest.raises(Forbidden):  # a published article changes only with an editor's rights
        files.add_file(session, engineer, store, "pub", "a.png", PNG, 1024)
    assert files.markdown_for(kept, "/u") == "![shot _1_.png](/u)"


def test_a_file_is_read_only_by_those_who_may_read_its_article(session, tmp_path):
    store = AttachmentStore(tmp_path)
    editor = make_viewer(session, ["editor"])
    make_article(session, id="int", groups=["internal"])
    make_article(session, id="pub")
    kept = files.add_file(session, editor, store, "int", "a.png", PNG, 1024)
    assert files.get_file(session, editor, "int", kept.id, store)[1] == PNG
    client = make_viewer(session, ["client"], "Org")
    with pytest.raises(NotFound):
        files.get_file(session, client, "int", kept.id, store)
    with pytest.raises(NotFound):  # nor through an article the client may read
        files.get_file(session, client, "pub", kept.id, store)
