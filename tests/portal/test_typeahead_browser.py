"""The type-ahead walked as a person does, by keyboard only, in headless Chromium; axe on it
with the list open; and where the ask form's suggestions land on a phone."""

import re

import pytest

from tests.browser import DESKTOP, MARKS, chromium, demo_server

pytestmark = MARKS
sync_api = pytest.importorskip("playwright.sync_api")
PHONE = {"width": 390, "height": 844}
COUNT_RE = re.compile(r"^(\d+) подсказ(ка|ки|ок)$")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("typeahead-data")) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as browser:
        yield browser


@pytest.fixture
def tab(browser, server):
    """A tab factory: a Russian-speaking visitor at the given viewport."""
    contexts = []

    def open_tab(viewport=DESKTOP, locale="ru-RU"):
        context = browser.new_context(locale=locale, base_url=server[0], viewport=viewport)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


def _tab_to_search_box(page) -> None:
    """Focus the search box with the Tab key only, as a keyboard user gets there."""
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            return
    pytest.fail("the search box cannot be reached with Tab")


def _typed(page, text: str):
    """Types into the focused box; returns the box once its suggestions are shown."""
    box = page.get_by_role("combobox")
    page.keyboard.type(text, delay=30)
    sync_api.expect(box).to_have_attribute("aria-expanded", "true")
    sync_api.expect(page.get_by_role("listbox")).to_be_visible()
    return box


def test_type_ahead_is_walked_by_keyboard_only(tab):
    expect, page = sync_api.expect, tab()
    page.goto("/")
    _tab_to_search_box(page)
    box = _typed(page, "принтер")
    options = page.get_by_role("option")
    count = options.count()
    assert count >= 2
    assert box.get_attribute("aria-controls") == "typeahead-list"
    assert box.get_attribute("aria-autocomplete") == "list"
    # The live region says how many suggestions there are, in Russian plural.
    status = page.get_by_role("status")
    expect(status).to_have_text(COUNT_RE)
    assert int(COUNT_RE.match(status.inner_text()).group(1)) == count
    assert box.get_attribute("aria-activedescendant") is None

    for key, expected in (("ArrowDown", 0), ("ArrowDown", 1), ("ArrowUp", 0)):
        page.keyboard.press(key)
        active = options.nth(expected)
        expect(box).to_have_attribute("aria-activedescendant", active.get_attribute("id"))
        expect(active).to_have_attribute("aria-selected", "true")
        assert page.locator("[role=option][aria-selected=true]").count() == 1
        assert page.evaluate("document.activeElement.id") == "q"  # typing goes on

    title, target = options.first.inner_text(), options.first.get_attribute("data-href")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{target}")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_escape_closes_then_clears_and_enter_without_a_choice_searches(tab):
    expect, page = sync_api.expect, tab()
    page.goto("/")
    _tab_to_search_box(page)
    box = _typed(page, "сканер")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("listbox")).to_be_hidden()
    assert box.get_attribute("aria-activedescendant") is None
    assert box.input_value() == "сканер"
    page.keyboard.press("Escape")
    assert box.input_value() == ""

    _typed(page, "принтер")
    page.keyboard.press("Enter")  # no option chosen: the search itself
    page.wait_for_url("**/search?q=*")
    expect(page.get_by_role("searchbox")).to_have_value("принтер")


def test_tab_leaves_the_box_and_closes_the_list(tab):
    page = tab()
    page.goto("/")
    _tab_to_search_box(page)
    box = _typed(page, "принтер")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    sync_api.expect(box).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.activeElement.id") != "q"


def test_a_click_on_a_suggestion_opens_it(tab):
    page = tab()
    page.goto("/")
    page.get_by_role("combobox").click()
    _typed(page, "проектор")
    option = page.get_by_role("option").first
    title = option.inner_text()
    option.click()
    sync_api.expect(page.get_by_role("heading", level=1)).to_have_text(title)


@pytest.mark.parametrize(("locale", "query"), [("ru-RU", "принтер"), ("en-GB", "printer")])
def test_axe_finds_no_serious_violation_on_the_open_type_ahead(tab, locale, query):
    from axe_playwright_python.sync_playwright import Axe

    page = tab(locale=locale)
    page.goto("/")
    _tab_to_search_box(page)
    _typed(page, query)
    page.keyboard.press("ArrowDown")
    violations = Axe().run(page).response["violations"]
    serious = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
    assert serious == []
    # axe looked at the open list, not a closed one.
    assert page.get_by_role("option").count() >= 1 and page.get_by_role("listbox").is_visible()


def _box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def test_on_a_phone_the_ask_suggestions_sit_right_under_the_description(tab):
    page = tab(PHONE)
    page.goto("/ask")
    page.get_by_label("Описание проблемы").press_sequentially("Принтер не печатает, очередь")
    page.locator(".suggestion").first.wait_for()
    body, panel = _box(page, "#ask-body"), _box(page, ".suggestions-panel")
    product = _box(page, "#ask-product")
    gap = panel["y"] - (body["y"] + body["height"])
    # Below the description with only its hint between, and before the rest of the form.
    assert 0 < gap < 200, gap
    assert panel["y"] < product["y"]
    # With the on-screen keyboard open about half of an 844 px screen is left; scrolled to
    # the description, its first suggestion starts within that half.
    first = page.locator(".suggestion").first.bounding_box()
    assert first["y"] - body["y"] < PHONE["height"] / 2, first["y"] - body["y"]


def test_on_a_desktop_the_ask_suggestions_sit_beside_the_form(tab):
    page = tab(DESKTOP)
    page.goto("/ask")
    body, panel = _box(page, "#ask-body"), _box(page, ".suggestions-panel")
    assert panel["x"] > body["x"] + body["width"]
    assert panel["y"] < body["y"] + body["height"]


def test_the_split_ask_form_still_sends_product_and_description(tab, server):
    from sqlalchemy import select

    from kb_service.db import session_scope
    from tickets.models import Ticket

    page = tab(PHONE)
    page.goto("/ask")
    page.get_by_label("E-mail").fill("phone-user@example.test")
    page.get_by_label("Тема").fill("Сканер не сканирует с телефона")
    page.get_by_label("Описание проблемы").fill("Сканер SC-700 выдаёт пустые страницы")
    page.get_by_label("Продукт").select_option("SC-700")
    page.get_by_role("button", name="Отправить обращение").click()
    page.wait_for_load_state()
    with session_scope(server[1]) as s:
        ticket = s.scalar(select(Ticket).where(Ticket.requester_email == "phone-user@example.test"))
        assert ticket is not None and ticket.subject == "Сканер не сканирует с телефона"
        assert ticket.product_id is not None  # a field outside the <form> element


def test_without_javascript_the_box_is_a_plain_search_form(browser, server):
    context = browser.new_context(locale="ru-RU", base_url=server[0], java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    assert page.get_by_role("combobox").count() == 0  # no popup to promise
    page.get_by_role("searchbox").fill("принтер")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    assert page.locator(".result").count() > 0
    context.close()
