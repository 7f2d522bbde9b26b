"""Bodies over the configured limits get 413: at once when declared, while streaming when not."""

import asyncio
import json
import logging

import pytest
from fastapi.testclient import TestClient

from kb_service.app import create_app
from tests.builders import auth, make_token

BODY_LIMIT, UPLOAD_LIMIT = 10_000, 50_000
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=b0undary"


@pytest.fixture
def small_app(settings, sessions):
    limits = {"max_body_bytes": BODY_LIMIT, "max_upload_bytes": UPLOAD_LIMIT}
    return create_app(settings.model_copy(update=limits))


def _call(app, path: str, headers: dict[str, str], chunks: list[bytes]):
    """POST straight to the ASGI app; the status, headers, body, and how many chunks it read."""
    sent, read = [], 0

    async def receive():
        nonlocal read
        if read == len(chunks):
            return {"type": "http.disconnect"}
        read += 1
        return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("192.0.2.1", 1234), "server": ("testserver", 80),
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body, read


@pytest.mark.parametrize(
    ("path", "content_type", "length"),
    [
        ("/api/v1/products", JSON, BODY_LIMIT + 1),
        ("/login", FORM, BODY_LIMIT + 1),
        ("/ask", MULTIPART, UPLOAD_LIMIT + 1),
        ("/api/v1/products", JSON, 100 * 1024 * 1024),
    ],
)
def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(
    small_app, path, content_type, length
):
    headers = {"content-type": content_type, "content-length": str(length)}
    status, _headers, _body, read = _call(small_app, path, headers, [b"x" * 1000] * 200)
    assert status == 413
    assert read == 0


def test_a_streamed_body_is_refused_as_soon_as_it_goes_over_the_limit(small_app):
    chunks = [b"x" * 4_000] * 100  # 400 kB without a declared length
    status, headers, body, read = _call(
        small_app, "/api/v1/products", {"content-type": JSON}, chunks
    )
    assert status == 413
    assert read == 3  # 12,000 bytes: the first chunk over the limit, and no more
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert {k: problem[k] for k in ("type", "title", "status")} == {
        "type": "about:blank",
        "title": "Request too large",
        "status": 413,
    }
    assert str(BODY_LIMIT) in problem["detail"]


@pytest.mark.parametrize("declared", [True, False])
def test_pages_get_a_short_text_answer(small_app, declared, caplog):
    chunks = [b"email=" + b"x" * BODY_LIMIT]
    headers = {"content-type": FORM} | ({"content-length": "10006"} if declared else {})
    status, headers, body, _read = _call(small_app, "/login", headers, chunks)
    assert status == 413
    assert headers["content-type"].startswith("text/plain")
    assert b"too large" in body
    # refusing is no error of the app: the access line may be logged, no warning
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_bodies_under_the_limit_are_served_declared_or_streamed(small_app, sessions):
    with sessions.begin() as s:
        admin = auth(make_token(s, ["admin"]))
    product = {"code": "NET", "name": "Network", "description": "x" * (BODY_LIMIT - 200)}
    streamed = json.dumps({**product, "code": "NET2"}).encode()
    with TestClient(small_app) as client:
        assert client.post("/api/v1/products", json=product, headers=admin).status_code == 201
        response = client.post(
            "/api/v1/products", content=iter([streamed[:5000], streamed[5000:]]),
            headers={**admin, "content-type": JSON},
        )  # fmt: skip
        assert response.status_code == 201, response.text
