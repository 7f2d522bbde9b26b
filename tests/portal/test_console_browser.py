"""Browser tests of the staff console: a dispatcher sorts, an engineer works a ticket, a manager
looks over the desk, and the client confirms; axe checks the console's pages.

One real server on the demo content with its worked desk (tickets.demo) serves the module.
"""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kb_service.db import session_scope, utcnow
from tests.browser import MARKS, chromium, demo_role_tabs, demo_server
from tickets.demo import load_desk_demo
from tickets.models import Ticket

pytestmark = MARKS
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("console-browser"), load_desk_demo) as running:
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


def _number(server, subject_part: str) -> str:
    with session_scope(server[1]) as session:
        query = select(Ticket.number).where(Ticket.subject.contains(subject_part))
        return session.scalar(query)


def test_the_dispatcher_classifies_and_assigns_a_new_ticket_from_the_queue(tab):
    expect, page = sync_api.expect, tab("dispatcher")
    expect(page).to_have_url(re.compile(r"/console$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Новые и не назначенные")
    page.get_by_role("link", name="Принтер LP-2040 печатает полосами").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Принтер LP-2040 печатает полосами")

    page.get_by_label("Приоритет").select_option(label="Высокий")
    page.get_by_label("Категория").select_option(label="Неисправность")
    page.get_by_label("Продукт").select_option("LP-2040")
    page.get_by_role("button", name="Сохранить классификацию").click()
    expect(page.locator(".page-header .status")).to_have_text("В работе")

    page.get_by_label("Группа", exact=True).select_option(label="Первая линия (линия 1)")
    page.get_by_label("Инженер").select_option(label="Егор Инженеров")
    page.get_by_role("button", name="Назначить").click()
    facts = page.locator(".facts").nth(1)
    expect(facts).to_contain_text("Егор Инженеров · Первая линия")
    expect(page.locator(".history")).to_contain_text("назначено")

    page.get_by_role("link", name="Очереди").first.click()
    expect(page.get_by_role("link", name="Принтер LP-2040 печатает полосами")).to_have_count(0)


def test_the_engineer_notes_escalates_outside_and_resolves(tab, server):
    expect, page = sync_api.expect, tab("engineer")
    page.locator(".console-views").get_by_role("link", name=re.compile(r"^Мои \d+$")).click()
    page.get_by_role("link", name="Ошибка лицензии ACC-PRO после обновления").click()

    page.get_by_label("Текст заметки").fill("Ключ клиента в списке отозванных")
    page.get_by_role("button", name="Добавить заметку").click()
    note = page.locator(".message--internal").last
    expect(note).to_contain_text("Ключ клиента в списке отозванных")
    expect(note).to_contain_text("Внутренняя заметка")

    promised = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Внешняя организация").select_option(label="НетКом Дистрибуция")
    page.get_by_label("Номер у внешней организации").fill("NC-2041")
    page.get_by_label("Обещанный срок (UTC)").fill(promised)
    page.locator("#escalate_outside-body").fill("Нужен перевыпуск ключа у дилера")
    page.get_by_role("button", name="Передать внешней организации").click()
    escalations = page.locator(".escalations")
    expect(escalations).to_contain_text("НетКом Дистрибуция")
    expect(escalations).to_contain_text("NC-2041")

    page.get_by_label("Текст решения").fill("Дилер перевыпустил ключ, лицензия активна.")
    page.get_by_role("button", name="Записать решение").click()
    expect(page.locator(".page-header .status")).to_have_text("Решено")
    expect(page.locator(".message--resolution")).to_contain_text("лицензия активна")


def test_the_manager_sees_the_desk_by_team_and_person_with_outside_promises(tab):
    expect, page = sync_api.expect, tab("manager")
    page.get_by_role("link", name="Обзор руководителя").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Обзор руководителя")
    by_group = page.locator("#by-group")
    expect(by_group.get_by_role("row").filter(has_text="Вторая линия")).to_be_visible()
    expect(page.locator("#by-person")).to_contain_text("Ольга Сетевая")
    promises = page.locator("#promises")
    row = promises.get_by_role("row").filter(has_text="RT-500")
    expect(row).to_contain_text("Ладога Сервис")
    expect(row).to_contain_text("позже срока клиента")


def test_the_client_confirms_the_solution_on_their_ticket(tab, server):
    expect, page = sync_api.expect, tab("client")
    number = _number(server, "Как добавить пользователя")
    page.goto(f"/tickets/{number}")
    expect(page.get_by_role("heading", name="Как добавить пользователя в ACC-PRO?")).to_be_visible()
    page.get_by_role("button", name="Да, проблема решена").click()
    expect(page.locator(".page-header .status")).to_have_text("Закрыто")
    expect(page.get_by_text("Внутренняя заметка")).to_have_count(0)


@pytest.mark.parametrize("language", ["ru-RU", "en-GB"])
def test_console_pages_have_no_serious_accessibility_violations(tab, server, language):
    from axe_playwright_python.sync_playwright import Axe

    number = _number(server, "RT-500")
    pages = {
        "queue": "/console?view=open",
        "ticket": f"/console/tickets/{number}",
        "new": "/console/new?q=Клиентова",
        "overview": "/console/overview",
    }
    page, axe, problems = tab("manager", language), Axe(), {}
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
