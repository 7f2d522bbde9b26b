"""Issue 11, acceptance 3, walked in a real browser as an editor would: a mined group of solved
tickets becomes a draft, goes through review by a second editor, is published, is found by the
portal's search, its tickets show the link, and the link rate in the report rises with it."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kb_service.db import utcnow
from tests.browser import MARKS, chromium, demo_server, signed_in_tabs
from tests.builders import make_user
from tickets.importing import TICKETS, TicketImport
from tickets.mining import mine
from tickets.models import Ticket, TicketArticle

pytestmark = MARKS
sync_api = pytest.importorskip("playwright.sync_api")

REVIEWER = ("second-editor@demo.spravka", "Second Editor", "demo-second-pass")
# Five requests about the same fault, solved the same way; two about other things.
JAM = [
    ("Тонер осыпается с листа LP-2040", "После печати тонер осыпается с листа и пачкает руки."),
    ("Тонер не закрепляется на бумаге", "Тонер не закрепляется, стирается пальцем с листа."),
    ("Печать стирается пальцем", "Отпечаток стирается пальцем, тонер осыпается с бумаги."),
    ("Осыпается тонер после печати", "Тонер осыпается с листа сразу после печати на LP-2040."),
    ("Тонер размазывается и осыпается", "Тонер осыпается и размазывается, лист грязный."),
]
OTHER = [
    ("Нужен второй монитор", "Прошу выдать второй монитор новому сотруднику."),
    ("Пропуск на парковку", "Оформите пропуск на парковку для гостя."),
]
FIX = "Заменили узел термозакрепления (фьюзер), проверили температуру закрепления — печать чистая."


def _seed(session, folder):
    email, name, password = REVIEWER
    make_user(session, ["editor"], email=email, name=name, password=password, locale="en")
    solved = utcnow() - timedelta(days=2)
    records = [
        {"id": f"hist-{n}", "subject": subject, "body": body, "status": "closed",
         "resolution": FIX if n <= len(JAM) else "Сделано.",
         "created_at": solved - timedelta(hours=3), "resolved_at": solved}
        for n, (subject, body) in enumerate(JAM + OTHER, start=1)
    ]  # fmt: skip
    TICKETS.save(session, [(n, TicketImport(**r)) for n, r in enumerate(records, start=1)])
    session.flush()
    mine(session, folder / "mining" / "space.npz")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("knowledge-loop")
    with demo_server(folder, lambda s: _seed(s, folder), require_review=True) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as browser:
        yield browser


@pytest.fixture
def tab(browser, server):
    with signed_in_tabs(browser, server[0], timeout_ms=15_000) as open_as:
        yield open_as


def _link_rate(page) -> tuple[int, int]:
    page.goto("/console/reports?period=30d")
    text = page.locator("#m-link_rate").inner_text()
    numerator, denominator = re.search(r"(\d+) of (\d+)", text).groups()
    return int(numerator), int(denominator)


def test_a_mined_group_becomes_a_reviewed_article_that_clients_find(tab, server):
    expect = sync_api.expect
    author = tab("editor@demo.spravka", "demo-editor-pass")
    linked_before, closed = _link_rate(author)
    assert closed >= len(JAM + OTHER)

    author.goto("/console/mining")
    topic = author.locator("section.mined-topic", has_text="тонер").first  # the largest first
    size = int(re.search(r"(\d+) tickets", topic.locator(".count").inner_text()).group(1))
    assert size >= 2
    topic.get_by_role("button", name="Create draft article").click()
    author.wait_for_url(re.compile(r"/console/articles/[^/]+$"))
    article_url = author.url
    expect(author.locator("#article-status")).to_have_text("Draft")
    assert "фьюзер" in author.locator("#editor-body").input_value()

    # The draft starts internal (its text came from clients); the author opens it to everyone.
    author.locator("input[name=groups][value=internal]").uncheck()
    author.locator("input[name=groups][value=public]").check()
    author.get_by_role("button", name="Save", exact=True).click()
    expect(author.locator("#article-status")).to_have_text("Draft")
    author.get_by_label("Reviewer", exact=True).select_option(label=REVIEWER[1])
    author.get_by_role("button", name="Submit for review").click()
    expect(author.locator("#article-status")).to_have_text("In review")
    expect(author.get_by_role("button", name="Approve and publish")).to_have_count(0)

    reviewer = tab(REVIEWER[0], REVIEWER[2])
    reviewer.goto(article_url)
    reviewer.get_by_label("Review comment").fill("Checked against the service manual")
    reviewer.get_by_role("button", name="Approve and publish").click()
    expect(reviewer.locator("#article-status")).to_have_text("Published")

    visitor = tab()
    found = visitor.locator("a[href*='/articles/']", has_text="тонер")
    for _ in range(50):  # the index is fed from the outbox a moment after the commit
        visitor.goto("/search?q=фьюзер")
        if found.count():
            break
        visitor.wait_for_timeout(200)
    assert found.count() >= 1

    # Every ticket of the group shows the article it became.
    with server[1]() as session:
        numbers = session.scalars(
            select(Ticket.number)
            .join(TicketArticle, TicketArticle.ticket_id == Ticket.id)
            .where(TicketArticle.relation == "created")
        ).all()
    for number in numbers:
        author.goto(f"/console/tickets/{number}")
        expect(author.locator("#knowledge")).to_contain_text("Created from this ticket")

    linked_after, closed_after = _link_rate(author)
    assert (linked_after, closed_after) == (linked_before + size, closed)
