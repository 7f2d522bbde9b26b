"""Two `spravka serve` nodes and one `spravka worker` on one PostgreSQL database, as the
README's production guide runs them (issue 14's acceptance).

Each node has its own index folders and, in the embedded default, feeds them and runs the
desk's jobs; the worker runs them too: three job runners at once. An article published
through one node is found through the other within 2 s; tickets created on both at once get
distinct numbers; a real SMTP server (aiosmtpd) sees each notification once; and a node
killed with SIGKILL while tickets are created through it loses none that it acknowledged.
"""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest
from sqlalchemy import select

from kb_service.db import session_scope, utcnow
from tests.builders import make_token, make_user
from tests.tickets.smtp_inbox import free_port, start_smtp
from tickets.models import Ticket
from tickets.notifications.models import Notification

SECRET = "several-nodes-secret-key-0123456789"


@pytest.fixture
def postgres(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("several nodes share one PostgreSQL database: set SPRAVKA_TEST_DATABASE_URL")
    return database_url


def start(args: list[str], env: dict) -> subprocess.Popen:
    code = "from kb_service.cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=subprocess.DEVNULL)


def call(method: str, url: str, token: str | None = None, body: dict | None = None):
    """(status, JSON answer) of one request on a fresh connection."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as exc:
        return exc.code, None


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_for(condition, what: str, timeout: float = 60.0, processes=()) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for process in processes:
            assert process.poll() is None, f"a node ended early waiting for {what}"
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


def found(base: str, query: str) -> set[str]:
    status, body = call("GET", f"{base}/api/v1/search?{urllib.parse.urlencode({'q': query})}")
    return {hit["id"] for hit in body["results"]} if status == 200 else set()


@pytest.fixture
def cluster(postgres, sessions, tmp_path):
    """Node A, node B and a worker, sharing the database, the secret key, the attachments
    and an SMTP server; stopped (or found killed) after the test."""
    port = free_port()
    controller, inbox = start_smtp(port)
    common = {
        **os.environ,
        "SPRAVKA_DATABASE_URL": postgres,
        "SPRAVKA_SECRET_KEY": SECRET,
        "SPRAVKA_ATTACHMENTS_DIR": str(tmp_path / "shared-attachments"),
        "SPRAVKA_SMTP_HOST": "127.0.0.1",
        "SPRAVKA_SMTP_PORT": str(port),
        "SPRAVKA_SMTP_STARTTLS": "false",
        "SPRAVKA_LOG_FORMAT": "text",
    }
    nodes, processes = {}, []
    for name in ("a", "b"):
        node_port = free_port()
        env = {**common, "SPRAVKA_DATA_DIR": str(tmp_path / f"node-{name}")}
        processes.append(start(["serve", "--port", str(node_port), "--workers", "1"], env))
        nodes[name] = (f"http://127.0.0.1:{node_port}", processes[-1])
    worker_env = {
        **common,
        "SPRAVKA_DATA_DIR": str(tmp_path / "worker"),
        "SPRAVKA_EMBEDDED_WORKER": "false",
    }
    processes.append(start(["worker"], worker_env))
    try:
        for base, _process in nodes.values():
            wait_for(lambda base=base: healthy(base), "a node ready", processes=processes)
        yield nodes, inbox
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait(timeout=30)
        controller.stop()


def test_two_nodes_and_a_worker_share_one_database(cluster, sessions):
    nodes, inbox = cluster
    (a, node_a), (b, node_b) = nodes["a"], nodes["b"]
    with session_scope(sessions) as s:
        editor = make_token(s, ["editor"])
        staff = make_token(s, ["dispatcher"], email="dispatch@nodes.test")
        clients = [make_token(s, ["client"], email=f"client{n}@nodes.test") for n in range(2)]
        make_user(s, ["manager"], email="manager@nodes.test", password=None)

    # Published through A, found through B within 2 s (B feeds its own index folder).
    article = {"id": "kb-airship", "title": "Airship mooring mast", "body": "Tie it down.",
               "language": "en", "status": "published"}  # fmt: skip
    status, _ = call("POST", f"{a}/api/v1/articles", editor, article)
    published = time.monotonic()
    assert status == 201
    wait_for(lambda: "kb-airship" in found(b, "airship"), "found through B", timeout=2.0)
    assert time.monotonic() - published < 2.0

    # Tickets created on both nodes at the same time.
    numbers: dict[str, list[str]] = {"a": [], "b": []}

    def create(name: str, base: str, token: str, count: int) -> None:
        for n in range(count):
            ticket = {"subject": f"Mast {name}{n}", "body": "The mast sways."}
            status, body = call("POST", f"{base}/api/v1/tickets", token, ticket)
            assert status == 201, status
            numbers[name].append(body["number"])

    threads = [
        threading.Thread(target=create, args=("a", a, clients[0], 8)),
        threading.Thread(target=create, args=("b", b, clients[1], 8)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    made = numbers["a"] + numbers["b"]
    assert len(made) == 16 and len(set(made)) == 16

    # B is killed while tickets are being created through it.
    acknowledged: list[str] = []
    stop = threading.Event()

    def keep_creating() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            ticket = {"subject": f"Killed {n}", "body": "While the node died."}
            try:
                status, body = call("POST", f"{b}/api/v1/tickets", clients[1], ticket)
            except (urllib.error.URLError, OSError):
                return  # the node is gone
            if status == 201:
                acknowledged.append(body["number"])

    creator = threading.Thread(target=keep_creating)
    creator.start()
    wait_for(lambda: len(acknowledged) >= 5, "tickets through B before the kill", timeout=30)
    node_b.kill()  # SIGKILL: no shutdown of any kind
    node_b.wait(10)
    stop.set()
    creator.join(30)

    for number in acknowledged:  # every ticket B answered 201 for is there, read through A
        status, body = call("GET", f"{a}/api/v1/tickets/{number}", staff)
        assert status == 200 and body["number"] == number
    status, body = call(
        "POST", f"{a}/api/v1/tickets", clients[0], {"subject": "After", "body": "B is gone."}
    )
    assert status == 201
    assert "kb-airship" in found(a, "airship")

    # Each notification goes out once: to the requester and the dispatcher of each ticket
    # (the manager hears of nothing here). A row the killed node had claimed waits for its
    # lease to end (10 minutes); the test ends the leases held now, once: the killed node's,
    # and perhaps a batch a live sender is sending (so sent once or twice). Ending the live
    # senders' later leases too, at every look, let a message go out three times.
    with session_scope(sessions) as s:
        tickets = len(s.scalars(select(Ticket.number)).all())
        leased = Notification.status == "pending", Notification.claimed_until > utcnow()
        held = set(s.scalars(select(Notification.message_id).where(*leased)))
        s.execute(
            Notification.__table__.update()
            .where(Notification.message_id.in_(held))
            .values(claimed_until=utcnow())
        )
    _unacknowledged(tickets, made, acknowledged)

    def all_sent() -> bool:
        with session_scope(sessions) as s:
            statuses = s.scalars(select(Notification.status)).all()
        return len(statuses) == 2 * tickets and set(statuses) == {"sent"}

    wait_for(all_sent, "every notification sent", timeout=90, processes=[node_a])
    with session_scope(sessions) as s:
        planned = s.scalars(select(Notification.message_id)).all()
    seen = Counter(m["Message-ID"] for _, m in inbox.messages)
    for message_id in planned:
        if message_id in held:  # perhaps sent by B just before the kill: once or twice
            assert 1 <= seen[message_id] <= 2
        else:
            assert seen[message_id] == 1, message_id
    assert sum(seen.values()) <= len(planned) + len(held)


def _unacknowledged(total: int, made: list, acknowledged: list) -> int:
    """Besides those acknowledged and the one made after the kill, B may have committed one
    ticket it could not answer before it died: not lost, only unacknowledged. More would be
    tickets nobody asked for."""
    extra = total - len(made) - len(acknowledged) - 1
    assert extra in (0, 1), extra
    return extra
