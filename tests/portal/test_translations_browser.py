"""A reader on the English interface meets an article with a Russian translation once, in
English, with a small link to the Russian one; in headless Chromium."""

import re

import pytest

from kb_service.access import Viewer
from kb_service.articles.workspace import link_translation
from tests.browser import DESKTOP, MARKS, chromium, demo_server
from tests.builders import make_article

pytestmark = MARKS
sync_api = pytest.importorskip("playwright.sync_api")
ADMIN = Viewer(kind="staff", roles=frozenset({"admin"}), groups=None)


def _pair(session) -> None:
    ru = make_article(session, id="ru-zeta", title="Замятие бумаги в Zetaprint",
                      body="Откройте крышку Zetaprint.", language="ru")  # fmt: skip
    make_article(session, id="en-zeta", title="Zetaprint paper jam",
                 body="Open the Zetaprint cover.", language="en")  # fmt: skip
    link_translation(session, ADMIN, ru.id, "en-zeta", ru.version)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("translations-data"), seed=_pair) as running:
        yield running


def test_a_translated_article_is_found_once_in_english_with_a_link_to_russian(server):
    expect = sync_api.expect
    with chromium(sync_api) as browser:
        context = browser.new_context(locale="en-US", base_url=server[0], viewport=DESKTOP)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto("/")
        box = page.get_by_role("combobox")
        box.press_sequentially("zetaprint", delay=30)
        expect(page.get_by_role("option")).to_have_text(["Zetaprint paper jam"])
        box.press("Escape")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/search\?q=zetaprint"))
        results = page.locator("li.result")
        expect(results).to_have_count(1)
        expect(results.get_by_role("heading")).to_have_text("Zetaprint paper jam")
        expect(page.locator("#results-heading")).to_contain_text("1 ")
        results.get_by_role("link", name="Также на русском").click()
        page.wait_for_url(re.compile(r"/articles/ru-zeta"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Замятие бумаги в Zetaprint")
        context.close()
