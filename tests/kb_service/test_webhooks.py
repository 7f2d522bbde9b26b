"""Webhooks end to end: registered through the API and the console, delivered from the outbox
to a real HTTP server in a thread, signed, retried, logged, and never sent twice."""

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service import outbox
from kb_service.app import create_app
from kb_service.config import Settings
from kb_service.db import session_scope
from kb_service.webhooks import delivery, service
from kb_service.webhooks.models import WebhookDelivery
from tests.builders import make_article, make_user
from tests.portal.conftest import csrf_of, login

ALL = ["ticket.created", "ticket.changed", "ticket.resolved", "article.published"]
SECRET_WORDS = "The toner smells of burnt almonds"


class Receiver:
    """An HTTP server that keeps every request and answers with `status`."""

    def __init__(self, status: int = 204, delay: float = 0.0) -> None:
        self.status, self.delay = status, delay
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {"at": time.monotonic(), "headers": dict(self.headers), "body": body}
                )
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[str]:
        return [json.loads(r["body"])["event"] for r in self.received]


@pytest.fixture
def receiver():
    made = []

    def make(**kwargs) -> Receiver:
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def hook_settings(tmp_path, database_url) -> Settings:
    # No embedded worker: the test runs the planner and the sender itself, when it wants.
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key-0123456789abcdef",
        embedded_worker=False,
        webhook_allow_networks="127.0.0.1/32",
        webhook_retry_seconds=0.2,
        webhook_max_attempts=3,
        base_url="https://help.example.test",
    )


@pytest.fixture
def admin_api(hook_settings, sessions):
    with session_scope(sessions) as s:
        from kb_service.accounts import service as accounts

        admin = make_user(s, ["admin"], email="admin@hooks.test")
        token = accounts.create_token(s, admin)
    with TestClient(create_app(hook_settings)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def run_until_idle(sessions, settings, timeout: float = 10.0) -> None:
    """Plan and send until nothing is due or waiting."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.plan(sessions, settings)
        delivery.send_due(sessions, settings)
        with sessions() as s:
            waiting = s.scalar(
                select(WebhookDelivery.id).where(WebhookDelivery.status == "pending").limit(1)
            )
        if waiting is None:
            return
        time.sleep(0.05)
    raise AssertionError("deliveries still pending")


def register(api: TestClient, url: str, events=ALL) -> dict:
    made = api.post("/api/v1/webhooks", json={"url": url, "events": events})
    assert made.status_code == 201, made.text
    return made.json()


def test_each_event_is_delivered_once_signed_and_thin(admin_api, receiver, sessions, hook_settings):
    inbox = receiver()
    hook = register(admin_api, inbox.url)
    with session_scope(sessions) as s:
        make_article(s, id="toner-smell", title="Toner smell", status="draft")
    ticket = admin_api.post(
        "/api/v1/tickets",
        json={
            "subject": "Toner",
            "body": SECRET_WORDS,
            "channel": "phone",
            "requester_email": "client@hooks.test",
        },  # fmt: skip
    )
    assert ticket.status_code == 201, ticket.text
    number = ticket.json()["number"]
    for action, body in (("take", {}), ("resolve", {"text": SECRET_WORDS})):
        done = admin_api.post(f"/api/v1/tickets/{number}/{action}", json=body)
        assert done.status_code == 200, done.text
    assert admin_api.post("/api/v1/articles/toner-smell/publish").status_code == 200
    etag = admin_api.get("/api/v1/articles/toner-smell").headers["ETag"]
    edited = admin_api.patch(  # a save of a published article publishes nothing new
        "/api/v1/articles/toner-smell", json={"title": "Toner smell, again"},
        headers={"If-Match": etag},
    )  # fmt: skip
    assert edited.status_code == 200, edited.text

    run_until_idle(sessions, hook_settings)
    run_until_idle(sessions, hook_settings)  # a restarted worker: the cursor is in the database

    counted = Counter(inbox.events())
    assert counted["ticket.created"] == 1
    assert counted["ticket.resolved"] == 1
    assert counted["article.published"] == 1
    changes = [json.loads(r["body"])["ticket"]["change"] for r in inbox.received
               if b"ticket.changed" in r["body"]]  # fmt: skip
    assert sorted(changes) == ["assigned", "solution_sent"]  # taken; the solution went out
    assert set(counted) == set(ALL)
    ids = [r["headers"]["X-Spravka-Delivery"] for r in inbox.received]
    assert len(ids) == len(set(ids))
    for request in inbox.received:
        body, headers = request["body"], request["headers"]
        expected = hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Spravka-Signature"], f"sha256={expected}")
        document = json.loads(body)
        assert headers["X-Spravka-Event"] == document["event"]
        assert SECRET_WORDS not in body.decode() and "Toner" not in body.decode()
    created = next(json.loads(r["body"]) for r in inbox.received if b"ticket.created" in r["body"])
    assert created["ticket"] == {
        "number": number, "change": "created",
        "url": f"https://help.example.test/tickets/{number}",
    }  # fmt: skip
    published = next(json.loads(r["body"]) for r in inbox.received if b"article." in r["body"])
    assert published["article"]["url"] == "https://help.example.test/articles/toner-smell"

    log = admin_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert len(log) == len(inbox.received)
    assert {d["status"] for d in log} == {"delivered"} and {d["status_code"] for d in log} == {204}
    assert "secret" not in admin_api.get("/api/v1/webhooks").json()[0]


def test_a_failing_receiver_is_retried_with_back_off_then_failed(
    admin_api, receiver, sessions, hook_settings
):
    broken = receiver(status=500)
    hook = register(admin_api, broken.url, ["ticket.created"])
    made = admin_api.post(
        "/api/v1/tickets",
        json={
            "subject": "Jam",
            "body": "Jams.",
            "channel": "phone",
            "requester_email": "client@hooks.test",
        },  # fmt: skip
    )
    assert made.status_code == 201

    run_until_idle(sessions, hook_settings)

    times = [r["at"] for r in broken.received]
    assert len(times) == 3  # webhook_max_attempts
    first, second = times[1] - times[0], times[2] - times[1]
    assert first >= 0.2 and second >= 0.4  # 0.2 s, then twice that
    (row,) = admin_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert row["status"] == "failed" and row["attempts"] == 3 and row["status_code"] == 500
    assert "500" in row["error"] and row["duration_ms"] is not None
    assert len({r["headers"]["X-Spravka-Delivery"] for r in broken.received}) == 1


def test_two_senders_at_once_deliver_each_event_once(admin_api, receiver, sessions, hook_settings):
    inbox = receiver(delay=0.01)
    register(admin_api, inbox.url, ["ticket.created"])
    for n in range(40):
        made = admin_api.post(
            "/api/v1/tickets",
            json={
                "subject": f"Jam {n}",
                "body": "Jams.",
                "channel": "phone",
                "requester_email": "client@hooks.test",
            },  # fmt: skip
        )
        assert made.status_code == 201
    delivery.plan(sessions, hook_settings)

    def sender():
        while delivery.send_due(sessions, hook_settings):
            pass

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    run_until_idle(sessions, hook_settings)

    ids = Counter(r["headers"]["X-Spravka-Delivery"] for r in inbox.received)
    assert len(ids) == 40 and set(ids.values()) == {1}
    events = Counter(json.loads(r["body"])["event_id"] for r in inbox.received)
    assert set(events.values()) == {1}


def test_two_planners_at_once_plan_each_event_once(admin_api, receiver, sessions, hook_settings):
    inbox = receiver()
    register(admin_api, inbox.url, ["ticket.created"])
    for n in range(20):
        made = admin_api.post(
            "/api/v1/tickets",
            json={
                "subject": f"Jam {n}",
                "body": "Jams.",
                "channel": "phone",
                "requester_email": "client@hooks.test",
            },  # fmt: skip
        )
        assert made.status_code == 201
    threads = [
        threading.Thread(target=delivery.plan, args=(sessions, hook_settings)) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with sessions() as s:
        assert len(s.scalars(select(WebhookDelivery.outbox_event_id)).all()) == 20


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "ftp://93.184.216.34/hook",
        "file:///etc/passwd",
        "http://user:pw@93.184.216.34/hook",
    ],
)
def test_urls_inside_the_network_are_refused(sessions, settings, url):
    with session_scope(sessions) as s:
        admin = make_user(s, ["admin"])
    with TestClient(create_app(settings)) as client:
        from kb_service.accounts import service as accounts

        with session_scope(sessions) as s:
            token = accounts.create_token(s, s.merge(admin))
        refused = client.post(
            "/api/v1/webhooks",
            json={"url": url, "events": ["ticket.created"]},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["where"] == "url"


def test_the_setting_allows_only_the_networks_it_names(hook_settings):
    service.check_url(hook_settings, "http://127.0.0.1:8080/hook")
    with pytest.raises(service.UnsafeUrl):
        service.check_url(hook_settings, "http://127.0.0.2/hook")
    service.check_url(hook_settings, "https://93.184.216.34/hook")


def test_the_sender_refuses_a_url_the_settings_no_longer_allow(
    admin_api, receiver, sessions, hook_settings
):
    inbox = receiver()
    hook = register(admin_api, inbox.url, ["ticket.created"])
    admin_api.post(
        "/api/v1/tickets",
        json={
            "subject": "Jam",
            "body": "Jams.",
            "channel": "phone",
            "requester_email": "client@hooks.test",
        },  # fmt: skip
    )
    strict = hook_settings.model_copy(update={"webhook_allow_networks": ""})
    run_until_idle(sessions, strict)
    assert inbox.received == []
    (row,) = admin_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert row["status"] == "failed" and row["error"].startswith("refused:")


def test_the_console_shows_the_secret_once_and_the_delivery_log(hook_settings, sessions, receiver):
    inbox = receiver(status=500)
    with session_scope(sessions) as s:
        make_user(s, ["admin"], email="root@hooks.test")
    with TestClient(create_app(hook_settings), follow_redirects=False) as portal:
        login(portal, "root@hooks.test", "correct horse")  # the account's language: Russian
        refused = portal.post(
            "/console/webhooks",
            data={
                "url": "http://10.0.0.1/x",
                "events": ["ticket.created"],
                "csrf_token": csrf_of(portal, "/console/webhooks"),
            },  # fmt: skip
        )
        assert refused.status_code == 422 and "10.0.0.1" in refused.text
        added = portal.post(
            "/console/webhooks",
            data={
                "url": inbox.url,
                "events": ["ticket.created", "ticket.resolved"],
                "csrf_token": csrf_of(portal, "/console/webhooks"),
            },  # fmt: skip
        )
        assert added.status_code == 200
        with sessions() as s:
            (hook,) = service.list_webhooks(s, _admin_viewer())
        assert hook.secret in added.text
        listing = portal.get("/console/webhooks")
        assert inbox.url in listing.text and hook.secret not in listing.text

        with session_scope(sessions) as s:
            payload = {"event": "created", "ticket": 1, "number": "10001", "actor": None}
            outbox.emit(s, "ticket", "1", payload)
        run_until_idle(sessions, hook_settings)
        log = portal.get(f"/console/webhooks/{hook.id}")
        assert log.status_code == 200 and "500" in log.text and "Не доставлено" in log.text

        disabled = portal.post(
            f"/console/webhooks/{hook.id}/enabled",
            data={"enabled": "false", "csrf_token": csrf_of(portal, "/console/webhooks")},
        )
        assert disabled.status_code == 303
        assert "Включить</button>" in portal.get("/console/webhooks").text
        deleted = portal.post(
            f"/console/webhooks/{hook.id}/delete",
            data={"csrf_token": csrf_of(portal, "/console/webhooks")},
        )
        assert deleted.status_code == 303
        with sessions() as s:
            assert service.list_webhooks(s, _admin_viewer()) == []
            assert s.scalars(select(WebhookDelivery)).all() == []


def _admin_viewer():
    from kb_service.access import Viewer

    return Viewer(kind="staff", roles=frozenset({"admin"}))
