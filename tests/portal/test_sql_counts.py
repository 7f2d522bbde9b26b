"""The SQL statements of every page and API route stay the same, whatever the number of rows.

Each route is requested with 5 and then with 50 articles, products and tickets (each article
with several products and tags, each ticket with a product); a count that grows with the rows
is a query per row (an N+1) and fails with the statement that repeats.
"""

import threading
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from kb_service.accounts.models import User
from kb_service.accounts.service import viewer_for
from tests.builders import auth, make_article, make_product, make_user, open_ask
from tests.portal.conftest import login
from tickets import service
from tickets.schemas import TicketDraft

SMALL, LARGE = 5, 50
CLIENT = "sql-client@example.test"
ADMIN = "sql-admin@example.test"
PASSWORD = "correct horse"

PORTAL = [
    ("anonymous", "/"),
    ("anonymous", "/search?q=printer"),
    ("anonymous", "/search?q=printer&product=FAM"),
    ("anonymous", "/suggest?q=pri"),
    ("anonymous", "/articles/{article}"),
    ("anonymous", "/products/FAM"),
    ("anonymous", "/ask"),
    ("anonymous", "/login"),
    ("client", "/"),
    ("client", "/search?q=printer"),
    ("client", "/articles/{article}"),
    ("client", "/tickets"),
    ("client", "/tickets/{ticket}"),
    ("client", "/ask"),
    ("admin", "/console"),
    ("admin", "/console?view=open&sort=priority&q=printer"),
    ("admin", "/console?view=breached"),
    ("admin", "/console/tickets/{ticket}"),
    ("admin", "/console/new?q=sql"),
    ("admin", "/console/overview"),
]
API = [
    ("anonymous", "/api/v1/search?q=printer"),
    ("anonymous", "/api/v1/suggest?q=pri"),
    ("anonymous", "/api/v1/articles"),
    ("anonymous", "/api/v1/articles/{article}"),
    ("anonymous", "/api/v1/categories"),
    ("anonymous", "/api/v1/products"),
    ("anonymous", "/api/v1/products/FAM"),
    ("admin", "/api/v1/search?q=printer"),
    ("admin", "/api/v1/articles?status=published"),
    ("admin", "/api/v1/articles/{article}/versions"),
    ("admin", "/api/v1/groups"),
    ("admin", "/api/v1/users"),
    ("admin", "/api/v1/users/me"),
]


class Statements:
    """Counts what the requests execute; the background threads (index feed, activity writer)
    are not theirs."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        if not threading.current_thread().name.startswith("spravka-"):
            self.seen.append(statement)


def grow(sessions, start: int, stop: int) -> None:
    """Articles, products and tickets numbered start..stop-1, all about printers."""
    with sessions.begin() as session:
        if start == 0:
            make_product(session, "FAM")
            make_user(session, ("client",), "Org", email=CLIENT)
            make_user(session, ("admin",), email=ADMIN)
        client = viewer_for(session, session.scalar(select(User).where(User.email == CLIENT)))
        for n in range(start, stop):
            make_product(session, f"P{n}", parent="FAM")
            codes = [f"P{n}", f"P{max(n - 1, 0)}"]
            tags = [f"t{n}", "printing"]
            title, body = f"Printer fault {n}", f"printer {n}"
            article = {"title": title, "body": body, "products": codes, "tags": tags}
            make_article(session, id=f"art-{n:03d}", category="faults", **article)
            ask = open_ask(session, client, f"visit-{n}")
            draft = TicketDraft(subject=title, body="It does not print at all.", product=codes[0])
            service.create_from_portal(
                session, client, ask, draft, store=None, anonymous_allowed=False
            )


def first_ticket(sessions) -> str:
    from tickets.models import Ticket

    with sessions() as session:
        return session.scalar(select(Ticket.number).order_by(Ticket.id).limit(1))


def count(app, web: TestClient, headers: dict, path: str) -> list[str]:
    app.state.feed.drain()
    app.state.search.index.refresh()
    web.get(path, headers=headers)  # warm: the first request of a session may set it up
    statements = Statements()
    event.listen(app.state.engine, "before_cursor_execute", statements)
    try:
        response = web.get(path, headers=headers)
    finally:
        event.remove(app.state.engine, "before_cursor_execute", statements)
    assert response.status_code == 200, (path, response.status_code)
    return statements.seen


@pytest.fixture
def signed_in(app, sessions):
    """A client per role: the portal signed in by its form, the API by a bearer token."""
    from kb_service.accounts.service import create_token

    grow(sessions, 0, SMALL)
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


def counts(app, sessions, signed_in, routes) -> dict[tuple[str, str], list[str]]:
    ticket = first_ticket(sessions)
    paths = [(who, route.format(article="art-001", ticket=ticket)) for who, route in routes]
    # Every page once first, so what one page records (an article view makes it "popular")
    # is there for the other pages at both sizes: an empty list skips its eager loads.
    for who, path in paths:
        web, headers = signed_in[who]
        web.get(path, headers=headers)
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


@pytest.mark.parametrize("routes", [PORTAL, API], ids=["portal", "api"])
def test_statements_per_request_do_not_grow_with_the_rows(app, sessions, signed_in, routes):
    small = counts(app, sessions, signed_in, routes)
    grow(sessions, SMALL, LARGE)
    large = counts(app, sessions, signed_in, routes)
    assert not growth(small, large), "\n".join(growth(small, large))
