"""In the browser: an engineer turns a solved ticket full of personal data into a draft
article, and the draft keeps the problem and the solution but none of that data."""

import re

import pytest
from sqlalchemy import select

from kb_service.accounts.models import User
from kb_service.accounts.service import viewer_for
from kb_service.articles.models import Article
from kb_service.db import session_scope
from tests.browser import DESKTOP, MARKS, chromium, demo_server
from tickets import desk
from tickets.models import Ticket, TicketArticle

pytestmark = MARKS
sync_api = pytest.importorskip("playwright.sync_api")

SUBJECT = "Не открывается личный кабинет после сброса пароля"
PROBLEM = (
    "Добрый день! Меня зовут Кузнецова Марина Олеговна. После сброса пароля по ссылке "
    "https://lk.example.com/reset?token=Qz7xK2mP9vL4wR8t&user=42 кабинет не открывается, "
    "ошибка 0x80070005. Мой компьютер 10.12.0.7, версия клиента 3.2.1. "
    "Телефон +7 (916) 555-12-34, почта m.kuznetsova@severstroy.ru."
)
SOLUTION = (
    "Марина Олеговна, очистите кэш браузера и войдите заново; ссылка сброса одноразовая. "
    "Если ошибка 0x80070005 повторится, позвоните Кузнецовой в отдел ИТ."
)
KEPT = ("кабинет не открывается", "ошибка 0x80070005", "версия клиента 3.2.1",
        "https://lk.example.com/reset?token=[token]&user=42",
        "очистите кэш браузера и войдите заново", "## Проблема", "## Решение")  # fmt: skip
PERSONAL = ("Кузнецов", "Марин", "Олеговн", "Qz7xK2mP9vL4wR8t", "10.12.0.7", "555-12-34",
            "m.kuznetsova", "severstroy")  # fmt: skip


def _solved_ticket(session) -> None:
    """A phoned-in ticket of a requester without an account, solved by the demo engineer."""
    engineer = session.scalar(select(User).where(User.email == "engineer@demo.spravka"))
    ticket = desk.open_ticket(
        session,
        desk.NewTicket(
            subject=SUBJECT,
            body=PROBLEM,
            channel="phone",
            requester_email="m.kuznetsova@severstroy.ru",
            requester_name="Кузнецова Марина Олеговна",
            requester_phone="+7 916 555-12-34",
        ),
    )
    viewer = viewer_for(session, engineer)
    desk.resolve(session, desk.actor_for(viewer, ticket), ticket, SOLUTION)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("ticket-to-article"), _solved_ticket) as running:
        yield running


def test_a_solved_ticket_becomes_a_draft_without_the_tickets_personal_data(server):
    base_url, sessions = server
    with session_scope(sessions) as session:
        number = session.scalar(select(Ticket.number).where(Ticket.subject == SUBJECT))
    with chromium(sync_api) as browser:
        context = browser.new_context(locale="ru-RU", base_url=base_url, viewport=DESKTOP)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto("/login")
        page.fill("#login-email", "engineer@demo.spravka")
        page.fill("#login-password", "demo-engineer-pass")
        page.locator("form.form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/console$"))

        page.goto(f"/console/tickets/{number}")
        sync_api.expect(page.get_by_role("heading", level=1)).to_have_text(SUBJECT)
        page.get_by_role("button", name="Создать статью по заявке").click()
        # The editors' workspace takes over from here.
        page.wait_for_url(re.compile(r"/console/articles/[^/]+$"))
        article_id = page.url.rsplit("/", 1)[1]
        context.close()

    with session_scope(sessions) as session:
        article = session.get(Article, article_id)
        text = f"{article.title}\n{article.body_md}"
        assert (article.status, article.language) == ("draft", "ru")
        ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == number))
        link = session.get(TicketArticle, (ticket_id, article_id, "created"))
        assert link is not None
    for kept in KEPT:
        assert kept in text, kept
    for datum in PERSONAL:
        assert datum.lower() not in text.lower(), datum
