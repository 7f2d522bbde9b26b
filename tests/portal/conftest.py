"""Portal fixtures: a client on an app with the demo content, and form helpers."""

import re

import pytest
from fastapi.testclient import TestClient

from kb_service.demo import load_demo

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The session's CSRF token, as a form on `path` carries it."""
    response = client.get(path)
    match = TOKEN_RE.search(response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: TestClient, email: str, password: str) -> None:
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def demo(sessions):
    with sessions.begin() as session:
        load_demo(session)


@pytest.fixture
def portal(app, demo):
    """A browser-like client (Russian preferred) on the demo content."""
    with TestClient(app, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}) as client:
        yield client
