"""Every route of the API and the portal, for every kind of caller, on what they may and may not
see. Generated from the routing table: a route without a row here fails the build.

A row lists probes (a request, and the callers allowed to make it); every other caller must be
denied (401, 403, 404, or the portal's redirect to sign in), and nobody gets a server error.
The callers act in the order of ACTORS, the least privileged first, so a write allowed to a
later caller cannot hide a leak to an earlier one.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.app import create_app
from kb_service.catalogue.equipment import import_equipment
from kb_service.catalogue.schemas import EquipmentImport
from kb_service.config import Settings
from kb_service.db import make_sessionmaker, session_scope
from tests.builders import make_article, make_product, make_ticket, make_user
from tests.conftest import empty
from tests.portal.conftest import TOKEN_RE
from tickets.events import emit
from tickets.mining_models import MinedTopic
from tickets.models import SupportGroup
from tickets.notifications import links, planner
from tickets.notifications.models import Notification

ACTORS = ("anonymous", "client", "other_client", "dispatcher", "engineer", "editor", "manager",
          "admin")  # fmt: skip
EVERYONE = frozenset(ACTORS)
SIGNED_IN = EVERYONE - {"anonymous"}
STAFF = frozenset({"dispatcher", "engineer", "editor", "manager", "admin"})
CURATORS = frozenset({"editor", "manager", "admin"})
WRITERS = CURATORS | {"engineer"}
ADMINS = frozenset({"admin"})
# Calendars and service contracts: the desk's staff read them, MANAGERS change them.
DESK_READERS = frozenset({"dispatcher", "engineer", "manager", "admin"})
CLIENTS = frozenset({"client", "other_client"})
DISPATCH = frozenset({"dispatcher", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})
SYNONYM_EDITORS = frozenset({"editor", "admin"})
# Who works tickets (tickets.workflow.WORK): the dispatchers and the engineers.
WORKERS = DISPATCH | {"engineer"}
PASSWORD = "correct horse"
DENIED = {401, 403, 404}


@dataclass
class World:
    """The callers, signed in through the API (bearer) and the portal (cookie), and the ids of
    the resources the probes name."""

    api: dict[str, TestClient]
    portal: dict[str, TestClient]
    ids: dict[str, object] = field(default_factory=dict)

    def csrf(self, actor: str) -> str:
        match = TOKEN_RE.search(self.portal[actor].get("/login").text)
        assert match, "no CSRF token on /login"
        return match.group(1)


@dataclass(frozen=True)
class Probe:
    """One request, and who may make it; `portal` probes run with the caller's cookie."""

    method: str
    url: str
    allowed: frozenset[str]
    body: Callable[[World, str], dict] | None = None
    portal: bool = False
    ends_sessions: bool = False  # the callers sign in again afterwards
    # Run before each caller's request, for a probe that uses up what it acts on (a deletion).
    before: Callable[[World, str], None] | None = None


def _json(payload: Callable[[World, str], dict]):
    return lambda world, actor: {"json": payload(world, actor)}


def _form(fields: Callable[[World, str], dict] = lambda w, a: {}):
    return lambda world, actor: {"data": {**fields(world, actor), "csrf_token": world.csrf(actor)}}


def _patch(fields: Callable[[World, str], dict]):
    def request(world, actor):
        path = world.ids["patching"]
        version = world.api["admin"].get(path).headers["ETag"]
        return {"json": fields(world, actor), "headers": {"If-Match": version}}

    return request


def _slug(text: str) -> str:
    return text.replace("_", "-")


def _article(world, actor):
    return {"id": f"new-{actor}", "title": "New", "body": "Text.", "language": "en"}


EQ = {"organisation": "Org A", "product": "LP-2040"}


def _product(world, actor):
    return {"code": f"NEW-{actor.upper()}", "name": "New product"}


def _ticket(world, actor):
    ask = TOKEN_ASK.search(world.portal[actor].get("/ask").text).group(1)
    return {"ask": ask, "subject": "Printer jams", "body": "It jams on every page.",
            "email": "someone@example.test"}  # fmt: skip


def _suggest(world, actor):
    ask = TOKEN_ASK.search(world.portal[actor].get("/ask").text).group(1)
    return {"ask": ask, "subject": "printer", "body": "printer jams"}


def _api_ticket(world, actor):
    ticket = {"subject": "Scanner offline", "body": "The light is red."}
    if actor in STAFF:  # staff enter a ticket for a client
        ticket |= {"channel": "phone", "requester_email": "client@matrix.test"}
    return ticket


def _calendar(world, actor):
    week = {"mon": [["09:00", "18:00"]]}
    return {"name": f"calendar-{actor}", "time_zone": "Europe/Moscow", "week": week}


def _contract(world, actor):
    terms = {
        p: {"response_minutes": 60, "resolution_minutes": 480}
        for p in ("low", "normal", "high", "urgent")
    }
    return {
        "organisation_id": world.ids["organisation"],
        "name": f"Contract of {actor}",
        "starts_on": "2027-01-01",
        "calendar_id": world.ids["calendar"],
        "terms": terms,
    }


def _visit(world, title: str, start: str, end: str) -> dict:
    engineer = world.ids["engineer_id"]
    return {"engineer_id": engineer, "kind": "visit", "title": title, "starts_at": start,
            "ends_at": end}  # fmt: skip


def _planned_work(world, actor):
    """A visit of the engineer's, at an hour of its own for each caller (visits may not clash)."""
    hour = 6 + ACTORS.index(actor)
    return _visit(world, f"By {actor}", f"2027-03-01T{hour:02}:00Z", f"2027-03-01T{hour:02}:30Z")


def _planning_form(world, actor):
    hour = 6 + ACTORS.index(actor)
    return {"engineer": world.ids["engineer_id"], "kind": "visit", "title": f"By {actor}",
            "starts": f"2027-03-02T{hour:02}:00", "ends": f"2027-03-02T{hour:02}:30"}  # fmt: skip


def _doomed_work(world, actor):
    """Fresh planned work for each caller to try to delete."""
    task = _visit(world, "Doomed", "2027-03-03T06:00Z", "2027-03-03T06:30Z") | {"kind": "task"}
    made = world.api["admin"].post("/api/v1/planned-work", json=task)
    assert made.status_code == 201, made.text
    world.ids["doomed_work"] = made.json()["id"]


def _version(world, article_id: str) -> int:
    return int(world.api["admin"].get(f"/api/v1/articles/{article_id}").headers["ETag"].strip('"'))


def _editor_new(world, actor):
    return {"title": f"Draft by {actor}", "body": "Text.", "language": "en"}


def _editor_save(world, actor):
    return {"title": f"Edited by {actor}", "body": "Text.", "language": "en",
            "groups": ["internal"], "version": _version(world, "edit-me")}  # fmt: skip


PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _upload(world, actor):
    return {"data": {"csrf_token": world.csrf(actor)},
            "files": {"file": (f"{actor}.png", PNG, "image/png")}}  # fmt: skip


# A public address that nothing answers on: webhooks registered by the probes are disabled
# at once, or hear only of resolutions, so the embedded sender has little to try.
WEBHOOK_URL = "http://93.184.216.34:9/hook"


def _webhook(world, actor):
    return {"url": WEBHOOK_URL, "events": ["ticket.resolved"]}


def _idle_webhook(world, actor):
    """A disabled webhook to look at or change, made once."""
    if "webhook" not in world.ids:
        made = world.api["admin"].post("/api/v1/webhooks", json=_webhook(world, actor))
        assert made.status_code == 201, made.text
        world.ids["webhook"] = made.json()["id"]
        world.api["admin"].patch(
            f"/api/v1/webhooks/{world.ids['webhook']}", json={"enabled": False}
        )


def _doomed_webhook(world, actor):
    """A fresh webhook for each caller to try to delete."""
    made = world.api["admin"].post("/api/v1/webhooks", json=_webhook(world, actor))
    assert made.status_code == 201, made.text
    world.ids["doomed_webhook"] = made.json()["id"]
    world.api["admin"].patch(f"/api/v1/webhooks/{made.json()['id']}", json={"enabled": False})


def _doomed_token(world, actor):
    """A fresh API token of the client's for each caller to try to revoke."""
    made = world.api["client"].post("/api/v1/tokens", json={"name": f"doomed by {actor}"})
    assert made.status_code == 201, made.text
    world.ids["doomed_token"] = made.json()["id"]


def _linked(world, actor):
    """The public article linked "used" to the client's ticket, for each caller to unlink."""
    made = world.api["admin"].post(
        f"/api/v1/tickets/{world.ids['client_ticket']}/articles", json={"article_id": "pub"}
    )
    assert made.status_code == 201, made.text


TOKEN_ASK = re.compile(r'name="ask" id="ask-token" value="([^"]+)"')

ROUTES: dict[tuple[str, str], list[Probe]] = {
    ("GET", "/openapi.json"): [Probe("GET", "/openapi.json", EVERYONE)],
    ("GET", "/docs"): [Probe("GET", "/docs", EVERYONE)],
    ("GET", "/docs/oauth2-redirect"): [Probe("GET", "/docs/oauth2-redirect", EVERYONE)],
    ("GET", "/redoc"): [Probe("GET", "/redoc", EVERYONE)],
    ("GET", "/healthz"): [Probe("GET", "/healthz", EVERYONE)],
    ("GET", "/readyz"): [Probe("GET", "/readyz", EVERYONE)],
    ("GET", "/metrics"): [Probe("GET", "/metrics", MANAGERS)],
    ("GET", "/api/v1/articles"): [Probe("GET", "/api/v1/articles", EVERYONE)],
    ("GET", "/api/v1/articles/{article_id}"): [
        Probe("GET", "/api/v1/articles/pub", EVERYONE),
        Probe("GET", "/api/v1/articles/cust", CLIENTS | STAFF),
        Probe("GET", "/api/v1/articles/prod", {"client"} | STAFF),
        Probe("GET", "/api/v1/articles/int", STAFF),
        Probe("GET", "/api/v1/articles/draft", CURATORS),
    ],
    ("POST", "/api/v1/articles"): [Probe("POST", "/api/v1/articles", WRITERS, _json(_article))],
    ("PATCH", "/api/v1/articles/{article_id}"): [
        Probe("PATCH", "/api/v1/articles/pub", CURATORS, _patch(lambda w, a: {"title": a})),
        Probe("PATCH", "/api/v1/articles/int", CURATORS, _patch(lambda w, a: {"title": a})),
    ],
    ("POST", "/api/v1/articles/{article_id}/publish"): [
        Probe("POST", "/api/v1/articles/to-publish/publish", CURATORS),
    ],
    ("POST", "/api/v1/articles/{article_id}/archive"): [
        Probe("POST", "/api/v1/articles/to-archive/archive", CURATORS),
    ],
    ("GET", "/api/v1/articles/{article_id}/versions"): [
        # Readers see the versions they could have read (test_articles_api checks which).
        Probe("GET", "/api/v1/articles/pub/versions", EVERYONE),
        Probe("GET", "/api/v1/articles/int/versions", STAFF),
    ],
    ("GET", "/api/v1/categories"): [Probe("GET", "/api/v1/categories", EVERYONE)],
    ("POST", "/api/v1/categories"): [
        Probe(
            "POST",
            "/api/v1/categories",
            CURATORS,
            _json(lambda w, a: {"slug": f"cat-{a}".replace("_", "-"), "name": a}),
        ),
    ],  # fmt: skip
    ("GET", "/api/v1/products"): [Probe("GET", "/api/v1/products", EVERYONE)],
    ("GET", "/api/v1/products/{code}"): [Probe("GET", "/api/v1/products/LP-2040", EVERYONE)],
    ("POST", "/api/v1/products"): [Probe("POST", "/api/v1/products", CURATORS, _json(_product))],
    ("PUT", "/api/v1/products/{code}"): [
        Probe(
            "PUT",
            "/api/v1/products/LP-2040",
            CURATORS,
            _json(lambda w, a: {"code": "LP-2040", "name": f"LaserPrint by {a}"}),
        ),
    ],  # fmt: skip
    # Staff see the installed base, a client their organisation's (Org A owns eq-a).
    ("GET", "/api/v1/equipment"): [Probe("GET", "/api/v1/equipment", SIGNED_IN)],
    ("GET", "/api/v1/equipment/{equipment_id}"): [
        Probe("GET", "/api/v1/equipment/eq-a", {"client"} | STAFF),
    ],
    ("POST", "/api/v1/equipment"): [
        Probe("POST", "/api/v1/equipment", DISPATCH, _json(lambda w, a: {"id": f"eq-{a}", **EQ})),
    ],
    ("PUT", "/api/v1/equipment/{equipment_id}"): [
        Probe("PUT", "/api/v1/equipment/eq-a", DISPATCH, _json(lambda w, a: {"id": "eq-a", **EQ})),
    ],
    ("GET", "/api/v1/groups"): [Probe("GET", "/api/v1/groups", STAFF)],
    ("POST", "/api/v1/groups"): [
        Probe(
            "POST",
            "/api/v1/groups",
            ADMINS,
            _json(lambda w, a: {"name": f"group-{a}".replace("_", "-")}),
        ),
    ],
    ("GET", "/api/v1/users"): [Probe("GET", "/api/v1/users", ADMINS)],
    ("POST", "/api/v1/users"): [
        Probe(
            "POST",
            "/api/v1/users",
            ADMINS,
            _json(lambda w, a: {"email": f"new-{a}@example.test", "name": a}),
        ),
    ],  # fmt: skip
    ("GET", "/api/v1/users/me"): [Probe("GET", "/api/v1/users/me", SIGNED_IN)],
    ("PATCH", "/api/v1/users/{user_id}"): [
        Probe("PATCH", "/api/v1/users/{engineer_id}", ADMINS, _json(lambda w, a: {"name": a})),
    ],
    ("POST", "/api/v1/users/me/password"): [
        Probe(
            "POST",
            "/api/v1/users/me/password",
            SIGNED_IN,
            _json(lambda w, a: {"current": PASSWORD, "new": PASSWORD}),
            ends_sessions=True,
        ),
    ],  # fmt: skip
    ("GET", "/api/v1/search"): [Probe("GET", "/api/v1/search?q=printer", EVERYONE)],
    ("GET", "/api/v1/suggest"): [Probe("GET", "/api/v1/suggest?q=pri", EVERYONE)],
    ("POST", "/api/v1/search/{search_id}/click"): [
        Probe(
            "POST",
            "/api/v1/search/{client_search}/click",
            {"client"},
            _json(lambda w, a: {"article_id": "pub"}),
        ),
    ],  # fmt: skip
    ("GET", "/api/v1/calendars"): [Probe("GET", "/api/v1/calendars", DESK_READERS)],
    ("POST", "/api/v1/calendars"): [
        Probe("POST", "/api/v1/calendars", MANAGERS, _json(_calendar)),
    ],
    ("GET", "/api/v1/calendars/{calendar_id}"): [
        Probe("GET", "/api/v1/calendars/{calendar}", DESK_READERS),
    ],
    ("PUT", "/api/v1/calendars/{calendar_id}"): [
        Probe(
            "PUT",
            "/api/v1/calendars/{calendar}",
            MANAGERS,
            _json(lambda w, a: _calendar(w, "matrix")),
        ),
    ],
    ("PUT", "/api/v1/calendars/{calendar_id}/days/{day}"): [
        Probe(
            "PUT",
            "/api/v1/calendars/{calendar}/days/2027-01-01",
            MANAGERS,
            _json(lambda w, a: {"kind": "holiday", "name": f"by {a}"}),
        ),
    ],
    ("DELETE", "/api/v1/calendars/{calendar_id}/days/{day}"): [
        Probe("DELETE", "/api/v1/calendars/{calendar}/days/2027-01-01", MANAGERS),
    ],
    ("GET", "/api/v1/contracts"): [Probe("GET", "/api/v1/contracts", DESK_READERS)],
    ("POST", "/api/v1/contracts"): [
        Probe("POST", "/api/v1/contracts", MANAGERS, _json(_contract)),
    ],
    ("GET", "/api/v1/contracts/{contract_id}"): [
        Probe("GET", "/api/v1/contracts/{contract}", DESK_READERS),
    ],
    ("PATCH", "/api/v1/contracts/{contract_id}"): [
        Probe(
            "PATCH",
            "/api/v1/contracts/{contract}",
            MANAGERS,
            _patch(lambda w, a: {"name": f"Renamed by {a}"}),
        ),
    ],
    ("GET", "/"): [Probe("GET", "/", EVERYONE, portal=True)],
    ("GET", "/suggest"): [Probe("GET", "/suggest?q=pri", EVERYONE, portal=True)],
    ("GET", "/favicon.ico"): [Probe("GET", "/favicon.ico", EVERYONE, portal=True)],
    ("GET", "/search"): [Probe("GET", "/search?q=printer", EVERYONE, portal=True)],
    ("GET", "/articles/{article_id}"): [
        Probe("GET", "/articles/pub", EVERYONE, portal=True),
        Probe("GET", "/articles/cust", CLIENTS | STAFF, portal=True),
        Probe("GET", "/articles/prod", {"client"} | STAFF, portal=True),
        Probe("GET", "/articles/int", STAFF, portal=True),
        Probe("GET", "/articles/draft", CURATORS, portal=True),
    ],
    ("POST", "/articles/{article_id}/feedback"): [
        Probe(
            "POST",
            "/articles/pub/feedback",
            EVERYONE,
            _form(lambda w, a: {"helpful": "yes"}),
            portal=True,
        ),
        Probe(
            "POST",
            "/articles/int/feedback",
            STAFF,
            _form(lambda w, a: {"helpful": "yes"}),
            portal=True,
        ),
    ],  # fmt: skip
    ("GET", "/products/{code}"): [Probe("GET", "/products/LP-2040", EVERYONE, portal=True)],
    ("GET", "/ask"): [Probe("GET", "/ask", EVERYONE, portal=True)],
    ("POST", "/ask/suggest"): [
        Probe("POST", "/ask/suggest", EVERYONE, _form(_suggest), portal=True),
        Probe(
            "POST",
            "/ask/suggest",
            frozenset(),
            _form(lambda w, a: {"ask": w.ids["foreign_ask"]}),
            portal=True,
        ),
    ],  # fmt: skip
    ("GET", "/ask/{token}/open/{article_id}"): [
        Probe("GET", "/ask/{foreign_ask}/open/pub", frozenset(), portal=True),
    ],
    ("POST", "/ask/{token}/solved"): [
        Probe(
            "POST",
            "/ask/{foreign_ask}/solved",
            frozenset(),
            _form(lambda w, a: {"article_id": "pub"}),
            portal=True,
        ),
    ],  # fmt: skip
    ("POST", "/ask"): [Probe("POST", "/ask", EVERYONE, _form(_ticket), portal=True)],
    ("GET", "/login"): [Probe("GET", "/login", EVERYONE, portal=True)],
    ("POST", "/login"): [
        Probe(
            "POST",
            "/login",
            SIGNED_IN,
            _form(lambda w, a: {"email": f"{a}@matrix.test", "password": PASSWORD}),
            portal=True,
        ),
    ],  # fmt: skip
    ("POST", "/logout"): [
        Probe("POST", "/logout", EVERYONE, _form(), portal=True, ends_sessions=True),
    ],
    ("POST", "/language"): [
        Probe("POST", "/language", EVERYONE, _form(lambda w, a: {"locale": "en"}), portal=True),
    ],
    ("GET", "/tickets"): [Probe("GET", "/tickets", SIGNED_IN, portal=True)],
    ("GET", "/equipment"): [Probe("GET", "/equipment", SIGNED_IN, portal=True)],
    # Single sign-on is not configured in this world: nobody reaches it (tests/portal/test_sso.py).
    ("GET", "/login/sso"): [Probe("GET", "/login/sso", frozenset(), portal=True)],
    ("GET", "/login/sso/callback"): [
        Probe("GET", "/login/sso/callback?code=x&state=y", frozenset(), portal=True)
    ],
    ("GET", "/tickets/{number}"): [
        Probe("GET", "/tickets/{client_ticket}", {"client"} | STAFF, portal=True),
    ],
    ("POST", "/tickets/{number}/{action}"): [
        Probe(
            "POST",
            "/tickets/{client_ticket}/reply",
            {"client"},
            _form(lambda w, a: {"body": "More detail"}),
            portal=True,
        ),
    ],  # fmt: skip
    ("GET", "/tickets/{number}/attachments/{attachment_id}"): [
        Probe(
            "GET",
            "/tickets/{client_ticket}/attachments/{attachment}",
            {"client"} | STAFF,
            portal=True,
        ),
    ],  # fmt: skip
    ("GET", "/console"): [Probe("GET", "/console", STAFF, portal=True)],
    ("GET", "/planning"): [Probe("GET", "/planning", STAFF, portal=True)],
    ("POST", "/planning"): [
        Probe("POST", "/planning", DISPATCH | {"engineer"}, _form(_planning_form), portal=True),
    ],
    ("GET", "/console/tickets/{number}"): [
        Probe("GET", "/console/tickets/{client_ticket}", STAFF, portal=True),
    ],
    ("POST", "/console/tickets/{number}/{action}"): [
        # As the workflow says: every staff role may note, the desk answers, dispatch sorts.
        Probe(
            "POST",
            "/console/tickets/{client_ticket}/note",
            STAFF,
            _form(lambda w, a: {"body": f"Note by {a}"}),
            portal=True,
        ),
        Probe(
            "POST",
            "/console/tickets/{client_ticket}/answer",
            WORKERS,
            _form(lambda w, a: {"body": f"Reply by {a}"}),
            portal=True,
        ),
        Probe(
            "POST",
            "/console/tickets/{client_ticket}/classify",
            DISPATCH,
            _form(lambda w, a: {"priority": "high"}),
            portal=True,
        ),
        # Which of the organisation's items the ticket is about: whoever works it.
        Probe(
            "POST",
            "/console/tickets/{client_ticket}/set_equipment",
            WORKERS,
            _form(lambda w, a: {"equipment": "eq-a"}),
            portal=True,
        ),
    ],
    ("GET", "/console/new"): [Probe("GET", "/console/new?q=client", WORKERS, portal=True)],
    ("POST", "/console/new"): [
        Probe(
            "POST",
            "/console/new",
            WORKERS,
            _form(
                lambda w, a: {
                    "email": "caller@example.test",
                    "subject": "Phoned in",
                    "body": "By phone.",
                }
            ),
            portal=True,
        ),
    ],
    ("GET", "/console/overview"): [Probe("GET", "/console/overview", DISPATCH, portal=True)],
    # The service desk's API.
    ("GET", "/api/v1/tickets"): [Probe("GET", "/api/v1/tickets", SIGNED_IN)],
    ("POST", "/api/v1/tickets"): [Probe("POST", "/api/v1/tickets", SIGNED_IN, _json(_api_ticket))],
    ("GET", "/api/v1/tickets/{number}"): [
        Probe("GET", "/api/v1/tickets/{client_ticket}", {"client"} | STAFF),
    ],
    ("POST", "/api/v1/tickets/{number}/{action}"): [
        Probe(
            "POST",
            "/api/v1/tickets/{client_ticket}/reply",
            {"client"},
            _json(lambda w, a: {"text": "More detail"}),
        ),
        Probe(
            "POST",
            "/api/v1/tickets/{client_ticket}/note",
            STAFF,
            _json(lambda w, a: {"text": "Internal"}),
        ),
        Probe(
            "POST",
            "/api/v1/tickets/{client_ticket}/classify",
            DISPATCH,
            _json(lambda w, a: {"priority": "high"}),
        ),
        Probe(
            "POST",
            "/api/v1/tickets/{client_ticket}/set_equipment",
            WORKERS,
            _json(lambda w, a: {"equipment_id": "eq-a"}),
        ),
        Probe(
            "POST",
            "/api/v1/tickets/{client_ticket}/assign",
            DISPATCH,
            _json(lambda w, a: {"assignee_id": w.ids["engineer_id"]}),
        ),
        Probe(
            "POST",
            "/api/v1/tickets/{client_ticket}/take",
            DISPATCH | {"engineer"},
            _json(lambda w, a: {}),
        ),
    ],  # fmt: skip
    ("GET", "/api/v1/support-groups"): [Probe("GET", "/api/v1/support-groups", STAFF)],
    ("POST", "/api/v1/support-groups"): [
        Probe(
            "POST", "/api/v1/support-groups", MANAGERS, _json(lambda w, a: {"name": f"Team {a}"})
        ),
    ],
    ("PUT", "/api/v1/support-groups/{group_id}"): [
        Probe(
            "PUT",
            "/api/v1/support-groups/{group}",
            MANAGERS,
            _json(lambda w, a: {"name": "First line", "tier": 1}),
        ),
    ],  # fmt: skip
    ("GET", "/api/v1/outside-organisations"): [
        Probe("GET", "/api/v1/outside-organisations", STAFF),
    ],
    ("POST", "/api/v1/outside-organisations"): [
        Probe(
            "POST",
            "/api/v1/outside-organisations",
            MANAGERS,
            _json(lambda w, a: {"name": f"Vendor {a}"}),
        ),
    ],  # fmt: skip
    ("GET", "/api/v1/ticket-categories"): [Probe("GET", "/api/v1/ticket-categories", STAFF)],
    ("POST", "/api/v1/ticket-categories"): [
        Probe(
            "POST",
            "/api/v1/ticket-categories",
            MANAGERS,
            _json(lambda w, a: {"slug": _slug(a), "name_ru": a, "name_en": a}),
        ),
    ],  # fmt: skip
    # Staff read plans; dispatchers, managers and admins plan for anyone, engineers their own.
    ("GET", "/api/v1/planned-work"): [Probe("GET", "/api/v1/planned-work", STAFF)],
    ("POST", "/api/v1/planned-work"): [
        Probe("POST", "/api/v1/planned-work", DISPATCH | {"engineer"}, _json(_planned_work)),
    ],
    ("GET", "/api/v1/planned-work/{work_id}"): [
        Probe("GET", "/api/v1/planned-work/{engineers_work}", STAFF),
    ],
    ("PATCH", "/api/v1/planned-work/{work_id}"): [
        Probe(
            "PATCH",
            "/api/v1/planned-work/{engineers_work}",
            DISPATCH | {"engineer"},
            _patch(lambda w, a: {"title": f"Renamed by {a}"}),
        ),
    ],
    ("DELETE", "/api/v1/planned-work/{work_id}"): [
        Probe(
            "DELETE",
            "/api/v1/planned-work/{doomed_work}",
            DISPATCH | {"engineer"},
            before=_doomed_work,
        ),
    ],
    ("GET", "/api/v1/intake/quarantine"): [Probe("GET", "/api/v1/intake/quarantine", ADMINS)],
    ("POST", "/api/v1/intake/quarantine/{inbound_id}/retry"): [
        Probe("POST", "/api/v1/intake/quarantine/{quarantined}/retry", ADMINS),
    ],
    # Whoever holds the link mailed to a requester without an account; a forged one, nobody.
    ("GET", "/tickets/{number}/access/{token}"): [
        Probe("GET", "/tickets/{link_ticket}/access/{link}", EVERYONE, portal=True),
        Probe("GET", "/tickets/{link_ticket}/access/{link}x", frozenset(), portal=True),
    ],
    ("POST", "/tickets/{number}/access/{token}/{action}"): [
        Probe(
            "POST",
            "/tickets/{link_ticket}/access/{link}/reply",
            EVERYONE,
            _form(lambda w, a: {"body": "More detail"}),
            portal=True,
        ),
        Probe(
            "POST",
            "/tickets/{link_ticket}/access/{link}x/reply",
            frozenset(),
            _form(lambda w, a: {"body": "More detail"}),
            portal=True,
        ),
    ],
    ("GET", "/account/notifications"): [
        Probe("GET", "/account/notifications", SIGNED_IN, portal=True)
    ],
    ("POST", "/account/notifications"): [
        Probe(
            "POST",
            "/account/notifications",
            SIGNED_IN,
            _form(lambda w, a: {"events": "replied"}),
            portal=True,
        ),
    ],
    # The editors' workspace: writers (engineers: published articles and their own drafts),
    # curators for what changes published articles, and the feedback queue.
    ("GET", "/console/articles"): [Probe("GET", "/console/articles?due=1", WRITERS, portal=True)],
    ("GET", "/console/articles/new"): [
        Probe("GET", "/console/articles/new?title=Gap", WRITERS, portal=True),
    ],
    ("POST", "/console/articles/new"): [
        Probe("POST", "/console/articles/new", WRITERS, _form(_editor_new), portal=True),
    ],
    ("GET", "/console/articles/{article_id}"): [
        Probe("GET", "/console/articles/pub", WRITERS, portal=True),
        Probe("GET", "/console/articles/draft", CURATORS, portal=True),
    ],
    ("POST", "/console/articles/{article_id}"): [
        Probe("POST", "/console/articles/edit-me", CURATORS, _form(_editor_save), portal=True),
    ],
    ("POST", "/console/preview"): [
        Probe(
            "POST", "/console/preview", WRITERS, _form(lambda w, a: {"body": "**b**"}), portal=True
        ),
    ],
    ("POST", "/console/articles/{article_id}/status"): [
        Probe(
            "POST",
            "/console/articles/pub/status",
            WRITERS,
            _form(lambda w, a: {"action": "comment", "text": f"By {a}"}),
            portal=True,
        ),
    ],
    ("GET", "/console/articles/{article_id}/versions"): [
        Probe("GET", "/console/articles/pub/versions", WRITERS, portal=True),
    ],
    ("POST", "/console/articles/{article_id}/restore"): [
        Probe(
            "POST",
            "/console/articles/edit-me/restore",
            CURATORS,
            _form(lambda w, a: {"number": 1, "version": _version(w, "edit-me")}),
            portal=True,
        ),
    ],
    ("POST", "/console/articles/{article_id}/translation"): [
        Probe(
            "POST",
            "/console/articles/tr-en/translation",
            CURATORS,
            _form(lambda w, a: {"other": "tr-ru", "version": _version(w, "tr-en")}),
            portal=True,
        ),
    ],
    ("POST", "/console/articles/{article_id}/files"): [
        Probe("POST", "/console/articles/pub/files", CURATORS, _upload, portal=True),
    ],
    ("GET", "/articles/{article_id}/files/{file_id}"): [
        Probe("GET", "/articles/pub/files/{pub_file}", EVERYONE, portal=True),
        Probe("GET", "/articles/int/files/{int_file}", STAFF, portal=True),
        Probe("GET", "/articles/draft/files/{draft_file}", CURATORS, portal=True),
        Probe("GET", "/articles/pub/files/{int_file}", frozenset(), portal=True),
    ],
    ("GET", "/console/feedback"): [Probe("GET", "/console/feedback", CURATORS, portal=True)],
    ("POST", "/console/feedback/votes/{vote_id}"): [
        Probe("POST", "/console/feedback/votes/{vote}", CURATORS, _form(), portal=True),
    ],
    ("POST", "/console/feedback/flags/{ticket_id}/{article_id}"): [
        Probe("POST", "/console/feedback/flags/{flag_ticket}/pub", CURATORS, _form(), portal=True),
    ],  # fmt: skip
    # A ticket and the knowledge base: staff link and flag, writers turn solved tickets into
    # drafts (the client's ticket is open: a 409 for them), the client reads what solved it.
    ("GET", "/api/v1/tickets/{number}/articles"): [
        Probe("GET", "/api/v1/tickets/{client_ticket}/articles", {"client"} | STAFF),
    ],
    ("POST", "/api/v1/tickets/{number}/articles"): [
        Probe(
            "POST",
            "/api/v1/tickets/{client_ticket}/articles",
            STAFF,
            _json(lambda w, a: {"article_id": "pub"}),
        ),
    ],
    ("DELETE", "/api/v1/tickets/{number}/articles/{article_id}"): [
        Probe("DELETE", "/api/v1/tickets/{client_ticket}/articles/pub", STAFF, before=_linked),
    ],
    ("POST", "/api/v1/tickets/{number}/article"): [
        Probe("POST", "/api/v1/tickets/{client_ticket}/article", WRITERS),
    ],
    ("GET", "/api/v1/tickets/{number}/standard-answers/{article_id}"): [
        Probe("GET", "/api/v1/tickets/{client_ticket}/standard-answers/std", STAFF),
    ],
    ("GET", "/console/tickets/{number}/kb/search"): [
        Probe("GET", "/console/tickets/{client_ticket}/kb/search?kb_q=printer", STAFF, portal=True),
    ],
    ("GET", "/console/tickets/{number}/kb/answer"): [
        Probe("GET", "/console/tickets/{client_ticket}/kb/answer?answer=std", STAFF, portal=True),
    ],
    ("POST", "/console/tickets/{number}/kb/link"): [
        Probe(
            "POST",
            "/console/tickets/{client_ticket}/kb/link",
            STAFF,
            _form(lambda w, a: {"article_id": "pub"}),
            portal=True,
        ),
    ],
    ("POST", "/console/tickets/{number}/kb/flag"): [
        Probe(
            "POST",
            "/console/tickets/{client_ticket}/kb/flag",
            STAFF,
            _form(lambda w, a: {"article_id": "pub", "reason": "wrong", "comment": a}),
            portal=True,
        ),
    ],
    ("POST", "/console/tickets/{number}/kb/unlink"): [
        Probe(
            "POST",
            "/console/tickets/{client_ticket}/kb/unlink",
            STAFF,
            _form(lambda w, a: {"article_id": "pub"}),
            portal=True,
            before=_linked,
        ),
    ],
    ("POST", "/console/tickets/{number}/kb/article"): [
        Probe("POST", "/console/tickets/{client_ticket}/kb/article", WRITERS, _form(), portal=True),
    ],
    ("GET", "/console/mail"): [Probe("GET", "/console/mail", ADMINS, portal=True)],
    # Mined topics are the editors' (engineers see the tickets themselves in the console).
    ("GET", "/console/mining"): [Probe("GET", "/console/mining", CURATORS, portal=True)],
    ("POST", "/console/mining/{topic_id}/{action}"): [
        Probe("POST", "/console/mining/{mined_topic}/article", CURATORS, _form(), portal=True),
        Probe("POST", "/console/mining/{mined_answer}/answer", CURATORS, _form(), portal=True),
        Probe("POST", "/console/mining/{mined_dismiss}/dismiss", CURATORS, _form(), portal=True),
    ],
    ("GET", "/console/mail/{notification_id}"): [
        Probe("GET", "/console/mail/{notification}", ADMINS, portal=True),
    ],
    ("GET", "/api/v1/webhooks"): [Probe("GET", "/api/v1/webhooks", ADMINS)],
    ("POST", "/api/v1/webhooks"): [Probe("POST", "/api/v1/webhooks", ADMINS, _json(_webhook))],
    ("PATCH", "/api/v1/webhooks/{webhook_id}"): [
        Probe(
            "PATCH",
            "/api/v1/webhooks/{webhook}",
            ADMINS,
            _json(lambda w, a: {"enabled": False}),
            before=_idle_webhook,
        ),
    ],
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): [
        Probe("DELETE", "/api/v1/webhooks/{doomed_webhook}", ADMINS, before=_doomed_webhook),
    ],
    ("GET", "/api/v1/webhooks/{webhook_id}/deliveries"): [
        Probe("GET", "/api/v1/webhooks/{webhook}/deliveries", ADMINS, before=_idle_webhook),
    ],
    ("GET", "/console/webhooks"): [Probe("GET", "/console/webhooks", ADMINS, portal=True)],
    ("POST", "/console/webhooks"): [
        Probe("POST", "/console/webhooks", ADMINS, _form(_webhook), portal=True),
    ],
    ("GET", "/console/webhooks/{webhook_id}"): [
        Probe("GET", "/console/webhooks/{webhook}", ADMINS, portal=True, before=_idle_webhook),
    ],
    ("POST", "/console/webhooks/{webhook_id}/enabled"): [
        Probe(
            "POST",
            "/console/webhooks/{webhook}/enabled",
            ADMINS,
            _form(lambda w, a: {"enabled": "false"}),
            portal=True,
            before=_idle_webhook,
        ),
    ],
    ("POST", "/console/webhooks/{webhook_id}/delete"): [
        Probe(
            "POST",
            "/console/webhooks/{doomed_webhook}/delete",
            ADMINS,
            _form(),
            portal=True,
            before=_doomed_webhook,
        ),
    ],
    # Accounts: password reset, API tokens and the audit log.
    ("GET", "/password/forgot"): [Probe("GET", "/password/forgot", EVERYONE, portal=True)],
    ("POST", "/password/forgot"): [
        Probe(
            "POST",
            "/password/forgot",
            EVERYONE,
            _form(lambda w, a: {"email": f"{a}@matrix.test"}),
            portal=True,
        ),
    ],  # fmt: skip
    # Whoever holds a mailed link (it is the proof); a forged one, nobody.
    ("GET", "/password/reset/{token}"): [
        Probe("GET", "/password/reset/{reset_link}", EVERYONE, portal=True),
        Probe("GET", "/password/reset/{reset_link}x", frozenset(), portal=True),
    ],
    ("POST", "/password/reset/{token}"): [
        Probe(
            "POST",
            "/password/reset/{reset_link}x",
            frozenset(),
            _form(lambda w, a: {"password": "new horse 1", "again": "new horse 1"}),
            portal=True,
        ),
    ],  # fmt: skip
    ("GET", "/account/tokens"): [Probe("GET", "/account/tokens", SIGNED_IN, portal=True)],
    ("POST", "/account/tokens"): [
        Probe(
            "POST",
            "/account/tokens",
            SIGNED_IN,
            _form(lambda w, a: {"name": "matrix"}),
            portal=True,
        ),
    ],  # fmt: skip
    ("POST", "/account/tokens/{token_id}/revoke"): [
        Probe(
            "POST",
            "/account/tokens/{doomed_token}/revoke",
            {"client", "admin"},
            _form(),
            portal=True,
            before=_doomed_token,
        ),
    ],  # fmt: skip
    ("GET", "/console/audit"): [Probe("GET", "/console/audit", ADMINS, portal=True)],
    ("GET", "/console/audit.csv"): [Probe("GET", "/console/audit.csv", ADMINS, portal=True)],
    ("GET", "/api/v1/tokens"): [
        Probe("GET", "/api/v1/tokens", SIGNED_IN),
        Probe("GET", "/api/v1/tokens?user={engineer_id}", {"engineer", "admin"}),
    ],
    ("POST", "/api/v1/tokens"): [
        Probe("POST", "/api/v1/tokens", SIGNED_IN, _json(lambda w, a: {"name": "matrix"})),
    ],
    ("DELETE", "/api/v1/tokens/{token_id}"): [
        Probe("DELETE", "/api/v1/tokens/{doomed_token}", {"client", "admin"}, before=_doomed_token),
    ],  # fmt: skip
    # Reports: editors, managers and admins see any scope; engineers and dispatchers their
    # own numbers (tickets.period_report). Gaps show clients' queries: curators only.
    ("GET", "/console/reports"): [
        Probe("GET", "/console/reports", STAFF, portal=True),
        Probe("GET", "/console/reports?period=quarter&scope=person&person=1", STAFF, portal=True),
    ],
    ("GET", "/console/reports.csv"): [
        Probe("GET", "/console/reports.csv?part=people", STAFF, portal=True),
    ],
    ("GET", "/console/gaps"): [Probe("GET", "/console/gaps?period=week", CURATORS, portal=True)],
    ("GET", "/console/gaps.csv"): [Probe("GET", "/console/gaps.csv", CURATORS, portal=True)],
    # The search synonyms: editors and administrators.
    ("GET", "/console/synonyms"): [Probe("GET", "/console/synonyms", SYNONYM_EDITORS, portal=True)],
    ("POST", "/console/synonyms"): [
        Probe(
            "POST",
            "/console/synonyms",
            SYNONYM_EDITORS,
            _form(lambda w, a: {"terms": f"added-{a}, also-{a}"}),
            portal=True,
        ),
    ],
    ("POST", "/console/synonyms/{synonym_id}"): [
        Probe(
            "POST",
            "/console/synonyms/{doomed_synonym}",
            SYNONYM_EDITORS,
            _form(lambda w, a: {"terms": f"changed-{a}\nalso-{a}"}),
            portal=True,
            before=lambda world, actor: _doomed_synonym(world, actor),
        ),
    ],
    ("POST", "/console/synonyms/{synonym_id}/delete"): [
        Probe(
            "POST",
            "/console/synonyms/{doomed_synonym}/delete",
            SYNONYM_EDITORS,
            _form(),
            portal=True,
            before=lambda world, actor: _doomed_synonym(world, actor),
        ),
    ],
}


def _doomed_synonym(world, actor):
    """A synonym group made by the administrator for one caller to try to delete."""
    admin = world.portal["admin"]
    form = {"terms": f"doomed-{actor}, gone-{actor}", "csrf_token": world.csrf("admin")}
    assert admin.post("/console/synonyms", data=form).status_code == 303
    listed = admin.get("/console/synonyms").text
    found = re.findall(r"/console/synonyms/(\d+)/delete", listed)
    world.ids["doomed_synonym"] = max(int(number) for number in found)


def routes(app) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, through included routers."""

    def walk(entries, prefix=""):
        for route in entries:
            if hasattr(route, "original_router"):  # a router included with a prefix
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif getattr(route, "methods", None):
                for method in route.methods - {"HEAD"}:
                    yield method, prefix + route.path

    return set(walk(app.routes))


@pytest.fixture(scope="module")
def world(engine, database_url, tmp_path_factory):
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("matrix"),
        database_url=database_url,
        secret_key="matrix-secret-key-0123456789abcdef",
        feed_interval=0.05,
    )
    sessions = make_sessionmaker(engine)
    ids = _seed(sessions)
    ids["quarantined"] = _quarantined(sessions, settings)
    ids |= _editorial(sessions, settings)
    ids |= _mailed_link(sessions, settings)
    ids["reset_link"] = _reset_link(sessions, settings)
    app = create_app(settings)
    clients = []
    with TestClient(app) as probe:  # starting it indexes the seeded articles
        api, portal = {}, {}
        for actor in ACTORS:
            api[actor] = TestClient(app)
            portal[actor] = TestClient(app, follow_redirects=False)
            clients += [api[actor], portal[actor]]
            if actor != "anonymous":
                api[actor].headers["Authorization"] = f"Bearer {ids['tokens'][actor]}"
                _sign_in(portal[actor], actor)
        world = World(api, portal, ids)
        _searches_and_tickets(world, probe)
        yield world
    for client in clients:
        client.close()
    empty(engine)


def _seed(sessions) -> dict:
    from kb_service.accounts import service as accounts
    from tickets.contracts import service as contracts
    from tickets.contracts.schemas import CalendarIn, ContractIn

    with session_scope(sessions) as s:
        make_product(s, "LP-2040", name="LaserPrint 2040")
        tokens, users = {}, {}
        for actor in ACTORS[1:]:
            role = "client" if actor in CLIENTS else actor
            organisation = {"client": "Org A", "other_client": "Org B"}.get(actor)
            users[actor] = make_user(s, [role], organisation, email=f"{actor}@matrix.test")
            tokens[actor] = accounts.create_token(s, users[actor])
        organisation = accounts.get_or_create_organisation(s, "Org A")
        accounts.give_products(s, organisation, ["LP-2040"])
        import_equipment(
            s, [(1, EquipmentImport(id="eq-a", organisation="Org A", product="LP-2040"))]
        )
        calendar = contracts.save_calendar(
            s, CalendarIn(name="matrix", time_zone="Europe/Moscow", week={})
        )
        terms = {
            p: {"response_minutes": 60, "resolution_minutes": 480}
            for p in ("low", "normal", "high", "urgent")
        }
        contract = contracts.create_contract(
            s,
            ContractIn(
                organisation_id=organisation.id,
                name="matrix",
                starts_on="2027-01-01",
                calendar_id=calendar.id,
                terms=terms,
            ),
        )
        make_article(s, id="pub", title="Printer jams on every page", body="Open the tray.")
        make_article(s, id="cust", title="Printer firmware", groups=["customers"])
        make_article(s, id="prod", title="Printer owners", groups=["product:LP-2040"])
        make_article(s, id="int", title="Printer service menu", groups=["internal"])
        make_article(s, id="draft", title="Printer draft", status="draft")
        make_article(s, id="to-publish", title="Waiting", status="draft")
        make_article(s, id="to-archive", title="Old printer")
        make_article(s, id="std", title="Standard reply", standard_answer=True)
        group = SupportGroup(name="First line", tier=1)
        s.add(group)
        topics = [MinedTopic(title="Jams", draft="Open the tray.", size=2, language="en")
                  for _ in range(3)]  # fmt: skip
        s.add_all(topics)
        s.flush()
        return {
            "mined_topic": topics[0].id,
            "mined_answer": topics[1].id,
            "mined_dismiss": topics[2].id,
            "tokens": tokens,
            "engineer_id": users["engineer"].id,
            "group": group.id,
            "organisation": organisation.id,
            "calendar": calendar.id,
            "contract": contract.id,
        }


def _editorial(sessions, settings) -> dict:
    """Files on a public, an internal and a draft article; a reader's vote; an engineer's flag."""
    from kb_service.access import Viewer
    from kb_service.articles.files import add_file
    from kb_service.feedback.models import ArticleFeedback
    from kb_service.storage import AttachmentStore
    from tickets.models import TicketArticle

    admin = Viewer(kind="staff", roles=frozenset({"admin"}), groups=None)
    store, ids = AttachmentStore.of(settings), {}
    with session_scope(sessions) as s:
        make_article(s, id="edit-me", title="Editable", groups=["internal"])
        make_article(s, id="tr-en", title="Printer in English")
        make_article(s, id="tr-ru", title="Принтер по-русски", language="ru")
        for name in ("pub", "int", "draft"):
            ids[f"{name}_file"] = add_file(s, admin, store, name, "a.png", PNG, 1024).id
        vote = ArticleFeedback(article_id="pub", visit_id="v", viewer_kind="anonymous",
                               helpful=False, comment="Wrong tray")  # fmt: skip
        ticket = make_ticket(s, email="flag@example.test")
        s.add_all([vote, TicketArticle(ticket_id=ticket.id, article_id="pub", relation="flagged",
                                       note="outdated")])  # fmt: skip
        s.flush()
        return ids | {"vote": vote.id, "flag_ticket": ticket.id}


def _quarantined(sessions, settings) -> int:
    """An e-mail that nobody could take: it has no sender."""
    from kb_service.storage import AttachmentStore
    from tickets.intake.service import limits_of, take_once

    raw = b"Subject: who sent this?\n\nnobody\n"
    return take_once(
        sessions, AttachmentStore.of(settings), raw, "-", limits_of(settings)
    ).inbound_id


def _mailed_link(sessions, settings) -> dict:
    """A ticket sent without an account, its requester's link, and the mail planned for it."""
    with session_scope(sessions) as s:
        ticket = make_ticket(s, email="link-holder@example.test")
        emit(s, ticket, "created", None, channel="portal")
        ids = {"link_ticket": ticket.number, "link": links.access_token(settings, ticket)}
    planner.plan(sessions, settings)
    with sessions() as s:
        return ids | {"notification": s.scalar(select(Notification.id))}


def _reset_link(sessions, settings) -> str:
    """The token of a password reset link mailed to the client."""
    from kb_service.accounts import reset
    from kb_service.db import utcnow

    links = []
    with session_scope(sessions) as s:
        reset.request_reset(s, settings, "client@matrix.test", "192.0.2.1", utcnow(), links.append)
    return links[0]


def _sign_in(client: TestClient, actor: str) -> None:
    token = TOKEN_RE.search(client.get("/login").text).group(1)
    form = {"email": f"{actor}@matrix.test", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 303


def _searches_and_tickets(world: World, probe: TestClient) -> None:
    """A search of the client's, a ticket with an attachment, an ask form of someone else's."""
    client = world.portal["client"]
    found = world.api["client"].get("/api/v1/search", params={"q": "printer"}).json()
    world.ids["client_search"] = found["search_id"]
    data = {**_ticket(world, "client"), "csrf_token": world.csrf("client")}
    files = {"attachments": ("log.txt", b"log", "text/plain")}
    made = client.post("/ask", data=data, files=files)
    assert made.status_code == 303, made.text
    world.ids["client_ticket"] = made.headers["location"].rstrip("/").rsplit("/", 1)[-1]
    page = client.get(f"/tickets/{world.ids['client_ticket']}").text
    world.ids["attachment"] = re.search(r"/attachments/(\d+)", page).group(1)
    form = probe.get("/ask").text
    world.ids["foreign_ask"] = TOKEN_ASK.search(form).group(1)
    # A form is saved by its first suggestion (opening it writes nothing); from then on no
    # other visit may use its token.
    used = {"ask": world.ids["foreign_ask"], "subject": "printer", "body": "printer jams"}
    csrf = {"X-CSRF-Token": TOKEN_RE.search(form).group(1)}
    assert probe.post("/ask/suggest", data=used, headers=csrf).status_code == 200
    visit = _visit(world, "Seeded", "2027-03-01T20:00Z", "2027-03-01T21:00Z")
    visit["ticket"] = world.ids["client_ticket"]
    made = world.api["admin"].post("/api/v1/planned-work", json=visit)
    assert made.status_code == 201, made.text
    world.ids["engineers_work"] = made.json()["id"]


def test_every_route_has_a_row_and_every_row_a_route(app):
    served = routes(app)
    assert len(served) > 40, "the route walk found too few routes: has FastAPI changed?"
    missing = sorted(served - ROUTES.keys())
    assert not missing, f"routes without a row in the access matrix: {missing}"
    assert not sorted(ROUTES.keys() - served), "rows for routes that no longer exist"


def _denied(response, probe: Probe) -> bool:
    if response.status_code in DENIED:
        return True
    location = response.headers.get("location", "")
    return (
        probe.portal
        and response.status_code == 303
        and location.startswith(("/login", "http://testserver/login"))
    )


@pytest.mark.parametrize("key", list(ROUTES), ids=[f"{m} {p}" for m, p in ROUTES])
def test_access_matrix(world, key):
    failures = []
    for probe in ROUTES[key]:
        for actor in ACTORS:
            if probe.before:
                probe.before(world, actor)
            url = probe.url.format(**{k: v for k, v in world.ids.items() if k != "tokens"})
            world.ids["patching"] = url
            client = (world.portal if probe.portal else world.api)[actor]
            kwargs = probe.body(world, actor) if probe.body else {}
            response = client.request(probe.method, url, **kwargs)
            allowed, denied = actor in probe.allowed, _denied(response, probe)
            if response.status_code >= 500 or allowed == denied:
                expected = "allowed" if allowed else "denied"
                failures.append(f"{actor}: {probe.method} {url} -> {response.status_code}, "
                                f"expected {expected}")  # fmt: skip
            if probe.ends_sessions and actor != "anonymous":
                _sign_in(world.portal[actor], actor)
    assert not failures, "\n".join(failures)
