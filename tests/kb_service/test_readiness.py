"""`/readyz` turns unready when the database is gone and ready again when it returns: the
PostgreSQL server is reached through a TCP relay that the test cuts and restores."""

import contextlib
import os
import socket
import threading
import time
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from kb_service.app import create_app, migrate_schema
from kb_service.db import make_engine
from tests.live_server import free_port

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class Relay:
    """Forwards a local port to the database server until cut; can be restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        for sock in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relayed_database(tmp_path):
    import psycopg

    server = make_url(os.environ.get("SPRAVKA_TEST_DATABASE_URL") or SERVER)
    admin = server.set(drivername="postgresql", database="postgres")
    name = f"spravka_ready_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin.render_as_string(hide_password=False),
                             autocommit=True, connect_timeout=3) as c:  # fmt: skip
            c.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"needs a PostgreSQL server: {exc}")
    direct = server.set(database=name)
    engine = make_engine(direct.render_as_string(hide_password=False))
    migrate_schema(engine)
    engine.dispose()
    relay = Relay((direct.host or "127.0.0.1", direct.port or 5432))
    relay.start()
    try:
        yield relay, direct.set(host="127.0.0.1", port=relay.port)
    finally:
        relay.cut()
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _status_within(client, wanted: int, seconds: float = 20) -> int:
    deadline = time.monotonic() + seconds
    while (status := client.get("/readyz").status_code) != wanted:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return status


def test_readyz_follows_the_database_going_and_coming_back(settings, relayed_database):
    relay, url = relayed_database
    configured = settings.model_copy(
        update={"database_url": url.render_as_string(hide_password=False)}
    )
    with TestClient(create_app(configured)) as client:
        assert _status_within(client, 200) == 200
        relay.cut()
        assert _status_within(client, 503) == 503
        body = client.get("/readyz").json()
        assert body["checks"]["database"]["ok"] is False
        assert client.get("/healthz").status_code == 200  # alive all the same
        relay.start()
        assert _status_within(client, 200) == 200
