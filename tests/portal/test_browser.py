"""Browser tests: a person walks the portal in headless Chromium (Debian's `chromium`).

One real server (uvicorn in a thread, demo content, its own SQLite file) serves the module.
Screenshots of the main pages land in `screenshots/` at the repository root.
"""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb_service.db import session_scope
from tests.browser import DESKTOP, MARKS, chromium, demo_server
from tests.builders import make_article
from tickets.models import AskVisit, Ticket

SCREENSHOTS = Path(__file__).parents[2] / "screenshots"
PHONE = {"width": 390, "height": 844}
CLIENT = ("client@demo.spravka", "demo-client-pass")
HOSTILE = ('Before <script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2"> '
           '<a href="javascript:window.__xss=3" id="js-link">link</a> after.')  # fmt: skip

pytestmark = MARKS
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running portal on demo content; yields its base URL and a session factory."""

    def hostile(session):
        make_article(session, id="xss-demo", title="Hostile markup", body=HOSTILE)

    with demo_server(tmp_path_factory.mktemp("browser-data"), hostile) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as browser:
        yield browser


@pytest.fixture
def person(browser, server):
    """A Russian-speaking visitor's browser tab."""
    context = browser.new_context(locale="ru-RU", base_url=server[0], viewport=DESKTOP)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def _count(sessions, *columns_where):
    model, *where = columns_where
    with session_scope(sessions) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_a_client_searches_reads_votes_is_deflected_then_asks_and_sees_the_ticket(person, server):
    expect = sync_api.expect
    page, sessions = person, server[1]
    page.goto("/")
    page.get_by_role("combobox").fill("принтр очредь")
    page.keyboard.press("Enter")
    # The misspelt query finds nothing as typed: the corrected one is searched at once.
    expect(page.locator("#showing-results-for")).to_contain_text("принтер очередь")
    expect(page.locator(".result").first).to_be_visible()
    page.get_by_role("link", name="Принтер не печатает: очередь печати зависла").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Принтер не печатает: очередь печати зависла"
    )

    page.get_by_label("Комментарий (необязательно)").fill("Помог шаг 3")
    page.get_by_role("button", name="Да, помогла").click()
    expect(page.get_by_text("Рады, что статья помогла.")).to_be_visible()

    page.get_by_role("link", name="Написать в поддержку").click()
    expect(page.locator(".noted")).to_contain_text("Принтер не печатает")
    page.get_by_label("Описание проблемы").press_sequentially("Задания висят в очереди печати")
    suggestion = page.locator(".suggestion").first
    expect(suggestion).to_be_visible()
    suggestion.get_by_role("button", name="Это решило мою проблему").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Отлично, проблема решена!")
    assert _count(sessions, Ticket) == 0
    assert _count(sessions, AskVisit, AskVisit.outcome == "deflected") == 1

    # Signed in, the ticket joins the client's account (an anonymous one never does).
    _log_in(page, *CLIENT)
    page.goto("/search?q=сканер пустые страницы")
    page.locator(".result a").first.click()
    page.get_by_role("link", name="Написать в поддержку").click()
    page.get_by_label("Тема").fill("Сканер сохраняет пустые страницы")
    page.get_by_label("Описание проблемы").press_sequentially("Пустые страницы при сканировании")
    expect(page.locator(".suggestion").first).to_be_visible()
    page.get_by_label("Продукт").select_option("SC-700")
    page.get_by_role("button", name="Отправить обращение").click()
    expect(page.locator(".message-body").first).to_contain_text("Пустые страницы")

    with session_scope(sessions) as s:
        ticket = s.scalar(select(Ticket).order_by(Ticket.id.desc()))
        trail, number = ticket.trail, ticket.number
    assert [q["query"] for q in trail["searches"]] == ["сканер пустые страницы"]
    assert trail["viewed"] and trail["suggested"]

    page.goto("/tickets")
    expect(page.get_by_role("heading", level=1)).to_have_text("Мои обращения")
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("Сканер сохраняет пустые страницы")
    expect(row).to_contain_text("Новое")
    row.get_by_role("link").click()
    expect(page.locator(".message-body").first).to_contain_text("Пустые страницы")


def test_article_html_cannot_run_script(person):
    page = person
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto("/articles/xss-demo")
    sync_api.expect(page.locator(".article-body")).to_contain_text("after.")
    assert page.evaluate("window.__xss") is None
    assert page.locator(".article-body script, .article-body [onerror]").count() == 0
    assert page.locator("#js-link").count() == 0 or "javascript" not in (
        page.locator("#js-link").get_attribute("href") or ""
    )
    assert dialogs == []


def test_search_and_reading_work_without_javascript(browser, server):
    context = browser.new_context(locale="en-GB", base_url=server[0], java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("searchbox").fill("projector HDMI")  # no script, no combobox
    page.get_by_role("button", name="Search").click()
    page.locator(".result a").first.click()
    sync_api.expect(page.locator(".article-body")).to_be_visible()
    page.get_by_role("button", name="Yes, it helped").click()
    sync_api.expect(page.get_by_text("Glad the article helped.")).to_be_visible()
    context.close()


PAGES = {
    "home": "/",
    "results": "/search?q=принтер",
    "article": "/articles/kb-0001",
    "ask": "/ask?article=kb-0001",
    "login": "/login",
    "my-tickets": "/tickets",
    "my-equipment": "/equipment",
    "ask-about-equipment": "/ask?equipment=AU-NET-01",
}


@pytest.fixture(scope="module")
def signed_in(browser, server):
    """Signs the demo client in once per language; yields a factory of its tabs."""
    contexts = []

    def open_tab(language: str, viewport=DESKTOP):
        context = browser.new_context(locale=language, base_url=server[0], viewport=viewport,
                                      bypass_csp=True)  # fmt: skip
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        page.fill("#login-email", CLIENT[0])
        page.fill("#login-password", CLIENT[1])
        page.locator("form.form button[type=submit]").click()
        page.wait_for_url("**/tickets")
        return page

    yield open_tab
    for context in contexts:
        context.close()


@pytest.mark.parametrize("language", ["ru-RU", "en-GB"])
def test_main_pages_have_no_serious_accessibility_violations(signed_in, language):
    from axe_playwright_python.sync_playwright import Axe

    page, axe, problems = signed_in(language), Axe(), {}
    for name, path in PAGES.items():
        page.goto(path)
        if name == "ask":
            page.fill("#ask-body", "принтер не печатает очередь" if language == "ru-RU"
                      else "printer queue stuck")  # fmt: skip
            page.locator(".suggestion").first.wait_for()
        if name == "login":
            # Signed-in clients still may open the login page; it must be as accessible.
            pass
        violations = axe.run(page).response["violations"]
        serious = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in {"serious", "critical"}
        ]
        if serious:
            problems[name] = serious
    assert problems == {}


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_the_main_pages(signed_in, label, viewport):
    SCREENSHOTS.mkdir(exist_ok=True)
    page = signed_in("ru-RU", viewport)
    for name, path in PAGES.items():
        page.goto(path)
        if name == "ask":
            page.fill("#ask-body", "Принтер не печатает, очередь печати зависла")
            page.locator(".suggestion").first.wait_for()
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
    assert len(list(SCREENSHOTS.glob(f"*-{label}.png"))) >= len(PAGES)
