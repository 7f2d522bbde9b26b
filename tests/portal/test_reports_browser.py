"""Browser tests of the reports: a manager chooses a period and reads the charts and their
tables; an editor opens the gaps; axe checks both pages. One demo server with its worked desk."""

import re
from pathlib import Path

import pytest

from tests.browser import MARKS, chromium, demo_role_tabs, demo_server
from tickets.demo import load_desk_demo

pytestmark = MARKS
SCREENSHOTS = Path(__file__).parents[2] / "screenshots"
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("reports-browser"), load_desk_demo) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as browser:
        yield browser


@pytest.fixture
def tab(browser, server):
    """A Russian-speaking person's tab, signed in as the demo's person of the role asked for."""
    with demo_role_tabs(browser, server[0]) as open_as:
        yield open_as


def test_the_manager_reads_the_quarter_in_charts_and_tables(tab):
    expect, page = sync_api.expect, tab("manager")
    page.get_by_role("link", name="Отчёты").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Отчёты")
    page.get_by_label("Период", exact=True).select_option(label="Этот квартал")
    page.get_by_role("button", name="Показать").click()
    expect(page).to_have_url(re.compile(r"period=quarter"))
    weekly = page.get_by_role("img", name="Поступившие и закрытые заявки по неделям")
    expect(weekly).to_be_visible()
    assert weekly.bounding_box()["height"] > 100
    expect(page.locator("#weekly-data")).to_be_visible()
    expect(page.locator("#m-tickets_in .report-value")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("#by-team")).to_contain_text("Первая линия")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-reports.png"), full_page=True)


def test_the_editor_opens_the_gaps(tab):
    expect, page = sync_api.expect, tab("editor", "en-GB")
    page.get_by_role("link", name="Gaps").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gaps")
    expect(page.get_by_role("heading", name="Searches with no result")).to_be_visible()


@pytest.mark.parametrize("language", ["ru-RU", "en-GB"])
def test_report_pages_have_no_serious_accessibility_violations(tab, language):
    from axe_playwright_python.sync_playwright import Axe

    page, axe, problems = tab("manager", language), Axe(), {}
    for path in ("/console/reports?period=quarter", "/console/gaps"):
        page.goto(path)
        violations = axe.run(page).response["violations"]
        serious = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in {"serious", "critical"}
        ]
        if serious:
            problems[path] = serious
    assert problems == {}
