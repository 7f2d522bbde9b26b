"""The editors' workspace in a real browser, with review required: editor A writes a draft with
the toolbar and sees the live preview, submits it to editor B; B approves it with a comment; an
anonymous visitor then finds the published article with the portal's search."""

import base64
import re

import pytest

from tests.browser import MARKS, chromium, demo_server, signed_in_tabs
from tests.builders import make_user

pytestmark = MARKS
sync_api = pytest.importorskip("playwright.sync_api")

REVIEWER = ("reviewer@demo.spravka", "Boris Reviewer", "demo-reviewer-pass")
TITLE = "Quokka toner warning on LP-2040"
DOT = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def _second_editor(session) -> None:
    email, name, password = REVIEWER
    make_user(session, ["editor"], email=email, name=name, password=password, locale="en")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("editor-browser")
    with demo_server(folder, _second_editor, require_review=True) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as browser:
        yield browser


@pytest.fixture
def tab(browser, server):
    with signed_in_tabs(browser, server[0]) as open_as:
        yield open_as


def test_a_draft_goes_through_review_to_the_readers(tab):
    expect = sync_api.expect
    author = tab("editor@demo.spravka", "demo-editor-pass")
    author.get_by_role("link", name="Articles", exact=True).click()
    author.get_by_role("link", name="New article").click()
    author.get_by_label("Title").fill(TITLE)
    body = author.locator("#editor-body")
    body.fill("Shake the cartridge\nClean the sensor")
    body.evaluate("area => area.setSelectionRange(0, 5)")
    author.get_by_role("button", name="Bold").click()
    expect(body).to_have_value("**Shake** the cartridge\nClean the sensor")
    expect(author.locator("#editor-preview strong")).to_have_text("Shake")
    body.evaluate("area => area.setSelectionRange(area.value.length - 16, area.value.length)")
    author.get_by_role("button", name="Bulleted list").click()
    expect(author.locator("#editor-preview li")).to_have_text("Clean the sensor")
    author.get_by_role("button", name="Create draft").click()
    expect(author.locator("#article-status")).to_have_text("Draft")
    expect(author.get_by_role("button", name="Publish")).to_have_count(0)  # review required

    # An image, uploaded from the toolbar, goes in at the cursor and shows in the preview.
    body.evaluate("area => area.setSelectionRange(area.value.length, area.value.length)")
    with author.expect_file_chooser() as chooser:
        author.get_by_role("button", name="Image", exact=True).click()
    chooser.value.set_files(files=[{"name": "dot.png", "mimeType": "image/png", "buffer": DOT}])
    expect(body).to_have_value(re.compile(r"sensor!\[dot\.png\]\(/articles/[^/]+/files/\d+\)$"))
    expect(author.locator("#editor-preview img")).to_have_attribute("alt", "dot.png")
    author.get_by_role("button", name="Save", exact=True).click()
    expect(author.locator("#files")).to_contain_text("dot.png")

    author.get_by_label("Reviewer", exact=True).select_option(label="Boris Reviewer")
    author.get_by_label("Note for the reviewer").fill("First try")
    author.get_by_role("button", name="Submit for review").click()
    expect(author.locator("#article-status")).to_have_text("In review")
    expect(author.get_by_role("button", name="Approve and publish")).to_have_count(0)

    reviewer = tab(REVIEWER[0], REVIEWER[2])
    reviewer.goto("/console/articles")
    reviewer.locator("#waiting-link").click()
    reviewer.get_by_role("link", name=TITLE).click()
    expect(reviewer.locator("#editor-preview strong")).to_have_text("Shake")
    reviewer.get_by_label("Review comment").fill("Clear and correct")
    reviewer.get_by_role("button", name="Approve and publish").click()
    expect(reviewer.locator("#article-status")).to_have_text("Published")
    thread = reviewer.locator(".review-thread")
    expect(thread).to_contain_text("submitted for review → Boris Reviewer")
    expect(thread).to_contain_text("Clear and correct")

    visitor = tab()
    found = visitor.get_by_role("link", name=TITLE)
    for _ in range(50):  # the index is fed from the outbox a moment after the commit
        visitor.goto("/search?q=quokka")
        if found.count():
            break
        visitor.wait_for_timeout(200)
    found.click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(visitor.locator(".article-body strong")).to_have_text("Shake")
    image = visitor.locator(".article-body img")
    expect(image).to_have_attribute("alt", "dot.png")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 1


def test_the_workspace_pages_have_no_serious_accessibility_violations(tab):
    from axe_playwright_python.sync_playwright import Axe

    page, axe, problems = tab("editor@demo.spravka", "demo-editor-pass"), Axe(), {}
    pages = {
        "list": "/console/articles",
        "editor": "/console/articles/kb-0004",
        "new": "/console/articles/new?title=Gap",
        "versions": "/console/articles/kb-0004/versions",
        "feedback": "/console/feedback",
    }
    for name, path in pages.items():
        page.goto(path)
        violations = axe.run(page).response["violations"]
        serious = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in {"serious", "critical"}
        ]
        if serious:
            problems[name] = serious
    assert problems == {}
