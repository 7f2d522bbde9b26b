"""The SQL statements of every page and API route stay the same, whatever the number of rows.

Every GET route is requested with 5 and then with 50 rows of each kind a page lists (articles
with several products and tags, tickets with a product and an attachment, contracts,
equipment, tokens, files, webhooks and deliveries, votes and flags, mined topics, searches,
mail, quarantined e-mail, planned work...); a count that grows with the rows is a query per
row (an N+1) and fails with the statement that repeats. A GET route added without a row in
`PROBES` (or a reason in `UNCOUNTED`) fails the coverage test.
"""

import re
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from kb_service import outbox
from kb_service.access import Viewer
from kb_service.accounts.models import User
from kb_service.accounts.service import create_token, get_or_create_organisation, viewer_for
from kb_service.articles.files import add_file
from kb_service.articles.models import ArticleFile
from kb_service.catalogue.equipment import import_equipment
from kb_service.catalogue.schemas import EquipmentImport
from kb_service.db import utcnow
from kb_service.feedback.models import ArticleFeedback
from kb_service.search.models import SearchEvent, SearchSynonym
from kb_service.storage import AttachmentStore
from kb_service.webhooks.models import Webhook, WebhookDelivery
from tests.builders import auth, make_article, make_product, make_user, open_ask
from tests.portal.conftest import TOKEN_RE, login
from tests.test_access_matrix import TOKEN_ASK, routes
from tickets import service
from tickets.contracts import service as contracts
from tickets.contracts.models import Calendar, ServiceContract
from tickets.contracts.schemas import CalendarIn, ContractIn
from tickets.intake.service import limits_of, take_once
from tickets.mining_models import MinedTicket, MinedTopic
from tickets.models import (
    OutsideOrganisation,
    SupportGroup,
    Ticket,
    TicketArticle,
    TicketAttachment,
    TicketCategory,
)
from tickets.notifications import links, planner
from tickets.notifications.models import Notification
from tickets.planning.models import PlannedWork
from tickets.schemas import TicketDraft, Upload

SMALL, LARGE = 5, 50
CLIENT = "sql-client@example.test"
ADMIN = "sql-admin@example.test"
ENGINEER = "sql-engineer@example.test"
ADMIN_VIEWER = Viewer(kind="staff", roles=frozenset({"admin"}), groups=None)
PRIORITIES = ("low", "normal", "high", "urgent")
PASSWORD = "correct horse"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)

# Every GET route the app serves, with who asks it and how; "{name}" is filled in from the
# first rows made (see `ids`). A route added without a row here fails the coverage test.
PROBES: dict[str, list[tuple[str, str]]] = {
    "/": [("anonymous", "/"), ("client", "/")],
    "/search": [
        ("anonymous", "/search?q=printer"),
        ("anonymous", "/search?q=printer&product=FAM"),
        ("client", "/search?q=printer"),
    ],
    "/suggest": [("anonymous", "/suggest?q=pri")],
    "/articles/{article_id}": [
        ("anonymous", "/articles/{article}"),
        ("client", "/articles/{article}"),
    ],
    "/articles/{article_id}/files/{file_id}": [("anonymous", "/articles/{article}/files/{file}")],
    "/products/{code}": [("anonymous", "/products/FAM")],
    "/ask": [("anonymous", "/ask"), ("client", "/ask")],
    "/ask/{token}/open/{article_id}": [("anonymous", "/ask/{ask}/open/{suggested}")],
    "/login": [("anonymous", "/login")],
    "/password/forgot": [("anonymous", "/password/forgot")],
    "/password/reset/{token}": [("anonymous", "/password/reset/{reset}")],
    "/equipment": [("client", "/equipment")],
    "/tickets": [("client", "/tickets")],
    "/tickets/{number}": [("client", "/tickets/{ticket}")],
    "/tickets/{number}/attachments/{attachment_id}": [
        ("client", "/tickets/{ticket}/attachments/{attachment}")
    ],
    "/tickets/{number}/access/{token}": [("anonymous", "/tickets/{ticket}/access/{link}")],
    "/account/notifications": [("client", "/account/notifications")],
    "/account/tokens": [("admin", "/account/tokens")],
    "/planning": [("admin", "/planning")],
    "/console": [
        ("admin", "/console"),
        ("admin", "/console?view=open&sort=priority&q=printer"),
        ("admin", "/console?view=breached"),
    ],
    "/console/tickets/{number}": [("admin", "/console/tickets/{ticket}")],
    "/console/tickets/{number}/kb/search": [
        ("admin", "/console/tickets/{ticket}/kb/search?kb_q=printer")
    ],
    "/console/tickets/{number}/kb/answer": [
        ("admin", "/console/tickets/{ticket}/kb/answer?answer=std-answer")
    ],
    "/console/new": [("admin", "/console/new?q=sql")],
    "/console/overview": [("admin", "/console/overview")],
    "/console/articles": [("admin", "/console/articles")],
    "/console/articles/new": [("admin", "/console/articles/new")],
    "/console/articles/{article_id}": [("admin", "/console/articles/{article}")],
    "/console/articles/{article_id}/versions": [("admin", "/console/articles/{article}/versions")],
    "/console/feedback": [("admin", "/console/feedback")],
    "/console/mining": [("admin", "/console/mining")],
    "/console/gaps": [("admin", "/console/gaps")],
    "/console/gaps.csv": [("admin", "/console/gaps.csv")],
    "/console/reports": [("admin", "/console/reports")],
    "/console/reports.csv": [("admin", "/console/reports.csv")],
    "/console/synonyms": [("admin", "/console/synonyms")],
    "/console/audit": [("admin", "/console/audit")],
    "/console/audit.csv": [("admin", "/console/audit.csv")],
    "/console/mail": [("admin", "/console/mail")],
    "/console/mail/{notification_id}": [("admin", "/console/mail/{notification}")],
    "/console/webhooks": [("admin", "/console/webhooks")],
    "/console/webhooks/{webhook_id}": [("admin", "/console/webhooks/{webhook}")],
    "/healthz": [("anonymous", "/healthz")],
    "/readyz": [("anonymous", "/readyz")],
    "/metrics": [("admin", "/metrics")],
    "/favicon.ico": [("anonymous", "/favicon.ico")],
    "/api/v1/search": [
        ("anonymous", "/api/v1/search?q=printer"),
        ("admin", "/api/v1/search?q=printer"),
    ],
    "/api/v1/suggest": [("anonymous", "/api/v1/suggest?q=pri")],
    "/api/v1/articles": [
        ("anonymous", "/api/v1/articles"),
        ("admin", "/api/v1/articles?status=published"),
    ],
    "/api/v1/articles/{article_id}": [("anonymous", "/api/v1/articles/{article}")],
    "/api/v1/articles/{article_id}/versions": [("admin", "/api/v1/articles/{article}/versions")],
    "/api/v1/categories": [("anonymous", "/api/v1/categories")],
    "/api/v1/products": [("anonymous", "/api/v1/products")],
    "/api/v1/products/{code}": [("anonymous", "/api/v1/products/FAM")],
    "/api/v1/groups": [("admin", "/api/v1/groups")],
    "/api/v1/users": [("admin", "/api/v1/users")],
    "/api/v1/users/me": [("admin", "/api/v1/users/me")],
    "/api/v1/tokens": [("admin", "/api/v1/tokens")],
    "/api/v1/equipment": [("admin", "/api/v1/equipment")],
    "/api/v1/equipment/{equipment_id}": [("admin", "/api/v1/equipment/eq-000")],
    "/api/v1/calendars": [("admin", "/api/v1/calendars")],
    "/api/v1/calendars/{calendar_id}": [("admin", "/api/v1/calendars/{calendar}")],
    "/api/v1/contracts": [("admin", "/api/v1/contracts")],
    "/api/v1/contracts/{contract_id}": [("admin", "/api/v1/contracts/{contract}")],
    "/api/v1/support-groups": [("admin", "/api/v1/support-groups")],
    "/api/v1/outside-organisations": [("admin", "/api/v1/outside-organisations")],
    "/api/v1/ticket-categories": [("admin", "/api/v1/ticket-categories")],
    "/api/v1/planned-work": [("admin", "/api/v1/planned-work")],
    "/api/v1/planned-work/{work_id}": [("admin", "/api/v1/planned-work/{work}")],
    "/api/v1/tickets": [("admin", "/api/v1/tickets")],
    "/api/v1/tickets/{number}": [("admin", "/api/v1/tickets/{ticket}")],
    "/api/v1/tickets/{number}/articles": [("admin", "/api/v1/tickets/{ticket}/articles")],
    "/api/v1/tickets/{number}/standard-answers/{article_id}": [
        ("admin", "/api/v1/tickets/{ticket}/standard-answers/std-answer")
    ],
    "/api/v1/intake/quarantine": [("admin", "/api/v1/intake/quarantine")],
    "/api/v1/webhooks": [("admin", "/api/v1/webhooks")],
    "/api/v1/webhooks/{webhook_id}/deliveries": [
        ("admin", "/api/v1/webhooks/{webhook}/deliveries")
    ],
}
# GET routes no row of the database can make more expensive, and why.
UNCOUNTED = {
    "/openapi.json": "FastAPI's schema, built from the code",
    "/docs": "FastAPI's page for the schema",
    "/docs/oauth2-redirect": "FastAPI's page for the schema",
    "/redoc": "FastAPI's page for the schema",
    "/login/sso": "a redirect to the identity provider, only when one is configured",
    "/login/sso/callback": "a redirect back from the identity provider (tests/portal/test_sso.py)",
}
PORTAL = [
    probe for path, probes in PROBES.items() if not path.startswith("/api/") for probe in probes
]
API = [probe for path, probes in PROBES.items() if path.startswith("/api/") for probe in probes]


class Statements:
    """Counts what the requests execute; the background threads (index feed, activity writer)
    are not theirs."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        if not threading.current_thread().name.startswith("spravka-"):
            self.seen.append(statement)


def grow(app, sessions, start: int, stop: int) -> None:
    """Rows of every kind the pages list, numbered start..stop-1, all about printers."""
    settings = app.state.settings
    store = AttachmentStore.of(settings)
    with sessions.begin() as session:
        if start == 0:
            make_product(session, "FAM")
            make_user(session, ("client",), "Org", email=CLIENT)
            make_user(session, ("admin",), email=ADMIN)
            make_user(session, ("engineer",), email=ENGINEER)
            make_article(session, id="std-answer", title="Printer reply", standard_answer=True)
        client = viewer_for(session, session.scalar(select(User).where(User.email == CLIENT)))
        admin = session.scalar(select(User).where(User.email == ADMIN))
        engineer = session.scalar(select(User).where(User.email == ENGINEER))
        for n in range(start, stop):
            make_product(session, f"P{n}", parent="FAM")
            codes = [f"P{n}", f"P{max(n - 1, 0)}"]
            tags = [f"t{n}", "printing"]
            title, body = f"Printer fault {n}", f"printer {n}"
            article = {"title": title, "body": body, "products": codes, "tags": tags}
            make_article(session, id=f"art-{n:03d}", category="faults", **article)
            ask = open_ask(session, client, f"visit-{n}")
            draft = TicketDraft(subject=title, body="It does not print at all.", product=codes[0])
            uploads = [Upload(filename=f"log-{n}.txt", content_type="text/plain", content=b"log")]
            ticket = service.create_from_portal(
                session, client, ask, draft, uploads, store=store, anonymous_allowed=False
            )
            _around_the_desk(session, store, n, ticket, admin, engineer)
    planned(sessions, settings)  # the mail of the new tickets
    for n in range(start, stop):  # e-mail nobody could take: no sender
        raw = f"Subject: who sent this {n}?\n\nnobody\n".encode()
        take_once(sessions, store, raw, "-", limits_of(settings))


def planned(sessions, settings, wait: float = 60) -> None:
    """Plan the notifications of every event so far, here or in the app's own job thread (it
    runs while a client is open, and this call skips its round while that one plans)."""
    give_up = time.monotonic() + wait
    while planner.plan(sessions, settings) or outbox.behind(sessions, planner.CONSUMER):
        assert time.monotonic() < give_up, "the notifier did not catch up"
        time.sleep(0.05)


def _around_the_desk(session, store, n: int, ticket, admin, engineer) -> None:
    """The n-th row of each kind the console and the API list."""
    now = utcnow()
    organisation = get_or_create_organisation(session, f"Org {n}")
    calendar = contracts.save_calendar(
        session, CalendarIn(name=f"calendar {n}", time_zone="Europe/Moscow", week={})
    )
    terms = {p: {"response_minutes": 60, "resolution_minutes": 480} for p in PRIORITIES}
    contracts.create_contract(
        session,
        ContractIn(organisation_id=organisation.id, name=f"contract {n}",
                   starts_on="2026-01-01", calendar_id=calendar.id, terms=terms),
    )  # fmt: skip
    import_equipment(
        session, [(1, EquipmentImport(id=f"eq-{n:03d}", organisation="Org", product=f"P{n}"))]
    )
    create_token(session, admin, f"token {n}")
    add_file(session, ADMIN_VIEWER, store, "art-000", f"shot-{n}.png", PNG, 1 << 20)
    webhook = Webhook(url=f"https://hooks.example.test/{n}", events=["ticket.created"],
                      secret="s" * 32, after_event=0, enabled=False)  # fmt: skip
    session.add_all([
        SupportGroup(name=f"line {n}", tier=1),
        OutsideOrganisation(name=f"vendor {n}"),
        TicketCategory(slug=f"faults-{n}", name_ru=f"Сбои {n}", name_en=f"Faults {n}"),
        PlannedWork(engineer_id=engineer.id, ticket_id=ticket.id, kind="visit",
                    title=f"Visit {n}", starts_at=now + timedelta(hours=n + 1),
                    ends_at=now + timedelta(hours=n + 2)),
        webhook,
        SearchSynonym(terms=f"word{n}, term{n}"),
        SearchEvent(id=2 * n + 1, visit_id=f"visit-{n}", viewer_kind="client", query=f"missing {n}",
                    result_count=0),
        SearchEvent(id=2 * n + 2, visit_id=f"visit-{n}", viewer_kind="client", query=f"printer {n}",
                    result_count=3),
        ArticleFeedback(article_id=f"art-{n:03d}", visit_id=f"visit-{n}",
                        viewer_kind="anonymous", helpful=False, comment=f"Wrong tray {n}"),
        TicketArticle(ticket_id=ticket.id, article_id="art-000", relation="flagged",
                      by_id=engineer.id, note=f"outdated {n}"),
    ])  # fmt: skip
    session.flush()
    first_webhook = session.scalar(select(Webhook.id).order_by(Webhook.id).limit(1))
    topic = MinedTopic(title=f"Jams {n}", draft="Open the tray.", size=1, language="en")
    session.add_all([
        WebhookDelivery(webhook_id=first_webhook, outbox_event_id=10**9 + n, event="ticket.created",
                        body="{}"),
        topic,
    ])  # fmt: skip
    session.flush()
    session.add(MinedTicket(ticket_id=ticket.id, topic_id=topic.id))


def ids(app, sessions, anonymous: TestClient) -> dict[str, object]:
    """The first row of each kind, which the probes name."""
    from kb_service.accounts import reset

    settings = app.state.settings
    with sessions.begin() as session:
        ticket = session.scalar(select(Ticket).order_by(Ticket.id).limit(1))
        first = {
            name: session.scalar(select(column).order_by(column).limit(1))
            for name, column in (
                ("file", ArticleFile.id), ("attachment", TicketAttachment.id),
                ("calendar", Calendar.id), ("contract", ServiceContract.id),
                ("work", PlannedWork.id), ("webhook", Webhook.id),
                ("notification", Notification.id),
            )
        }  # fmt: skip
        resets: list[str] = []
        reset.request_reset(session, settings, CLIENT, "192.0.2.1", utcnow(), resets.append)
        link = links.access_token(settings, ticket)
    ask = TOKEN_ASK.search(anonymous.get("/ask").text).group(1)
    form = {"ask": ask, "subject": "printer", "body": "printer fault",
            "csrf_token": TOKEN_RE.search(anonymous.get("/login").text).group(1)}  # fmt: skip
    shown = anonymous.post("/ask/suggest", data=form).text
    first["suggested"] = re.search(rf"/ask/{ask}/open/([\w-]+)", shown).group(1)
    return first | {"article": "art-000", "ticket": ticket.number, "link": link,
                    "reset": resets[0], "ask": ask}  # fmt: skip


def count(app, web: TestClient, headers: dict, path: str) -> list[str]:
    app.state.feed.drain()
    app.state.search.index.refresh()
    web.get(path, headers=headers)  # warm: the first request of a session may set it up
    app.state.metrics._cached = None  # the scrape's gauges are kept 5 s: read them now
    # Synonyms are looked up again every 3 s, whichever request comes then: not this one.
    app.state.search.synonyms._checked = float("inf")
    statements = Statements()
    event.listen(app.state.engine, "before_cursor_execute", statements)
    try:
        response = web.get(path, headers=headers, follow_redirects=False)
    finally:
        event.remove(app.state.engine, "before_cursor_execute", statements)
        app.state.search.synonyms._checked = float("-inf")
    assert response.status_code in (200, 303), (path, response.status_code)
    return statements.seen


@pytest.fixture
def signed_in(app, sessions):
    """A client per role: the portal signed in by its form, the API by a bearer token."""
    grow(app, sessions, 0, SMALL)
    with sessions.begin() as session:
        admin = session.scalar(select(User).where(User.email == ADMIN))
        token = create_token(session, admin)
    with TestClient(app) as anonymous, TestClient(app) as client, TestClient(app) as staff:
        login(client, CLIENT, PASSWORD)
        login(staff, ADMIN, PASSWORD)
        yield {
            "anonymous": (anonymous, {}),
            "client": (client, {}),
            "admin": (staff, auth(token)),
        }


def counts(app, sessions, signed_in, routes, named) -> dict[tuple[str, str], list[str]]:
    paths = [(who, route.format(**named)) for who, route in routes]
    # Every page once first, so what one page records (an article view makes it "popular")
    # is there for the other pages at both sizes: an empty list skips its eager loads.
    for who, path in paths:
        web, headers = signed_in[who]
        web.get(path, headers=headers, follow_redirects=False)
    app.state.activity.flush()  # views and searches are written in batches
    return {(who, path): count(app, *signed_in[who], path) for who, path in paths}


def growth(small: dict, large: dict) -> list[str]:
    """A line for each request that issued more statements with more rows."""
    problems = []
    for (who, path), statements in large.items():
        before = small[(who, path)]
        if len(statements) > len(before):
            worst, times = (Counter(statements) - Counter(before)).most_common(1)[0]
            problems.append(
                f"{who} GET {path}: {len(before)} statements with {SMALL} rows of each kind, "
                f"{len(statements)} with {LARGE}; {times} more of: {worst[:200]}"
            )
    return problems


def test_every_get_route_is_counted_or_says_why_not(app):
    served = {path for method, path in routes(app) if method == "GET"}
    assert not sorted(served - PROBES.keys() - UNCOUNTED.keys()), "GET routes nobody counts"
    assert not sorted((PROBES.keys() | UNCOUNTED.keys()) - served), "rows for no route"


@pytest.mark.parametrize("routes", [PORTAL, API], ids=["portal", "api"])
def test_statements_per_request_do_not_grow_with_the_rows(app, sessions, signed_in, routes):
    named = ids(app, sessions, signed_in["anonymous"][0])
    small = counts(app, sessions, signed_in, routes, named)
    grow(app, sessions, SMALL, LARGE)
    large = counts(app, sessions, signed_in, routes, named)
    assert not growth(small, large), "\n".join(growth(small, large))
