"""Issue 12, acceptance 3, in a real browser: a client opens "My equipment", opens a ticket
about one item, the suggestions favour that item's product, the ticket is sent; an engineer
sees the item, its warranty and its contract on the ticket page and changes the item."""

import re
from datetime import date

import pytest
from babel.dates import format_date

from kb_service.catalogue.equipment import warranty_state
from kb_service.db import utcnow
from portal.i18n import catalogue
from tests.browser import DESKTOP, MARKS, chromium, demo_server, signed_in_tabs
from tests.builders import make_article

pytestmark = MARKS
sync_api = pytest.importorskip("playwright.sync_api")

# The demo client's router (kb_service/demo/equipment.jsonl) and its warranty's last day.
ROUTER = {"serial": "RT500-0098812", "location": "Серверная", "contract": "СО-2024/117 (Премиум)"}
ROUTER_WARRANTY = date(2026, 9, 19)
PROBLEM = "Сам перезагружается каждые несколько минут"
# The demo engineer reads the console in Russian, their own language, whatever the browser's.
WORDS = catalogue("ru")


def _seed(session):
    """The same complaint in two articles: the printer's matches the words better, the
    router's is the one about the client's chosen item."""
    make_article(session, id="reboot-printer", language="ru", products=["LP-2040"],
                 title="Принтер сам перезагружается каждые несколько минут",
                 body="Принтер сам перезагружается каждые несколько минут: перезагружается "
                      "из-за перегрева, почистите вентилятор.")  # fmt: skip
    make_article(session, id="reboot-router", language="ru", products=["RT-500"],
                 title="Вектор RT-500 перезагружается",
                 body="Если маршрутизатор перезагружается, проверьте блок питания.")  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("equipment-browser"), _seed) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as browser:
        yield browser


def test_a_ticket_about_an_item_reaches_the_engineer_with_warranty_and_contract(browser, server):
    expect = sync_api.expect
    context = browser.new_context(locale="ru-RU", base_url=server[0], viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill("client@demo.spravka")
    page.get_by_label("Пароль").fill("demo-client-pass")
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()

    # Asked without naming an item, the words alone put the printer's article first.
    page.goto("/ask")
    page.get_by_label("Описание проблемы").press_sequentially(PROBLEM)
    expect(page.locator(".suggestion").first).to_contain_text("Принтер сам перезагружается")

    page.goto("/equipment")
    expect(page.get_by_role("heading", level=1)).to_have_text("Моё оборудование")
    row = page.get_by_role("row").filter(has_text=ROUTER["serial"])
    row.get_by_role("link", name=re.compile("Открыть заявку об этом")).click()
    expect(page).to_have_url(re.compile(r"/ask\?equipment=AU-NET-01$"))
    expect(page.get_by_label("Какое оборудование?")).to_have_value("AU-NET-01")

    page.get_by_label("Тема").fill("Роутер перезагружается")
    page.get_by_label("Описание проблемы").press_sequentially(PROBLEM)
    first = page.locator(".suggestion").first
    expect(first).to_contain_text("Вектор RT-500 перезагружается")
    page.get_by_role("button", name="Отправить обращение").click()
    page.wait_for_url(re.compile(r"/tickets/\d+$"))
    number = page.url.rsplit("/", 1)[1]
    context.close()

    with signed_in_tabs(browser, server[0], timeout_ms=15_000) as open_as:
        desk = open_as("engineer@demo.spravka", "demo-engineer-pass")
        desk.goto(f"/console/tickets/{number}")
        panel = desk.locator("#set_equipment")
        expect(panel.get_by_role("heading")).to_have_text(WORDS["console.equipment_heading"])
        until = format_date(ROUTER_WARRANTY, "long", locale="ru")
        for shown in ("Вектор RT-500", "4.2", *ROUTER.values(), until):
            expect(panel).to_contain_text(shown)
        state = warranty_state(ROUTER_WARRANTY, utcnow().date())
        expect(panel.locator(".warranty")).to_have_text(WORDS[f"warranty.{state}"])

        # The engineer finds it was the front-desk printer after all.
        panel.get_by_label(WORDS["console.equipment_choose"]).select_option("AU-PRN-02")
        panel.get_by_role("button", name=WORDS["console.equipment_set"]).click()
        expect(panel).to_contain_text("LP2040-19F1203")
        expect(panel.locator(".warranty")).to_have_text(WORDS["warranty.expired"])
        expect(desk.locator(".history")).to_contain_text(WORDS["action.set_equipment"])
