"""What the browser tests share: Debian's chromium driven by Playwright, and a demo server."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kb_service.app import create_app, migrate_schema
from kb_service.config import Settings
from kb_service.db import make_engine, make_sessionmaker, session_scope
from kb_service.demo import load_demo
from tests.live_server import serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium package"),
]


@contextmanager
def demo_server(
    folder: Path, seed: Callable = lambda session: None, **overrides
) -> Iterator[tuple]:
    """A real server on the demo content (and what `seed` adds) in `folder`, with settings
    `overrides`; yields its base URL and a session factory on its database."""
    settings = Settings(data_dir=folder, secret_key="browser-test-secret-0123456789abcdef",
                        feed_interval=0.05, **overrides)  # fmt: skip
    engine = make_engine(settings.sqlalchemy_url)
    migrate_schema(engine)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        load_demo(session)
        seed(session)
    try:
        with serving(create_app(settings)) as base_url:
            yield base_url, sessions
    finally:
        engine.dispose()


@contextmanager
def chromium(sync_api) -> Iterator:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def signed_in_tabs(
    browser, base_url: str, locale: str = "en-US", timeout_ms: int = 10_000
) -> Iterator[Callable]:
    """`open_as(email, password, language=locale)`: a page in a fresh context, signed in as
    that person (landing on the console or their tickets), or anonymous without an e-mail;
    all closed afterwards."""
    import re

    contexts = []

    def open_as(email: str | None = None, password: str = "", language: str = locale):
        context = browser.new_context(locale=language, base_url=base_url, viewport=DESKTOP)
        context.set_default_timeout(timeout_ms)
        contexts.append(context)
        page = context.new_page()
        if email:
            page.goto("/login")
            page.fill("#login-email", email)
            page.fill("#login-password", password)
            page.locator("form.form button[type=submit]").click()
            page.wait_for_url(re.compile(r"/(console|tickets)$"))
        return page

    try:
        yield open_as
    finally:
        for context in contexts:
            context.close()


@contextmanager
def demo_role_tabs(browser, base_url: str) -> Iterator[Callable]:
    """`open_as(role, language="ru-RU")`: signed in as the demo's person of that role."""
    with signed_in_tabs(browser, base_url, "ru-RU") as open_as:
        yield lambda role, language="ru-RU": open_as(
            f"{role}@demo.spravka", f"demo-{role}-pass", language
        )
