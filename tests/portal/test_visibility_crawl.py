"""Acceptance 3: crawling every link an anonymous visitor or a client can reach finds nothing
restricted: no title and no text of an internal, other-group or draft article."""

import json
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from kb_service.demo import HERE as DEMO
from tests.builders import make_article
from tests.portal.conftest import login

LINK_RE = re.compile(r'href="([^"#]+)')
# Queries that would surface restricted articles if anything leaked through search.
PROBES = ["сервисное меню", "дилер", "прошивк", "ключ восстановления", "rekey", "escalation",
          "премиальная", "hot-swap", "секретный черновик", "reset codes"]  # fmt: skip
MAX_PAGES = 400


def _restricted(visible_groups: set[str]) -> list[dict]:
    lines = (DEMO / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    articles = [json.loads(line) for line in lines]
    return [a for a in articles if not set(a.get("groups", ["public"])) & visible_groups]


def _phrases(article: dict) -> list[str]:
    """The title and a distinctive sentence of the body, as they would appear on a page."""
    body_lines = [line.strip("#*-> ") for line in article["body"].splitlines()]
    sentence = next((line for line in body_lines if len(line) > 60 and "`" not in line), None)
    return [article["title"]] + ([sentence[:60]] if sentence else [])


def _crawl(client) -> dict[str, str]:
    start = ["/", "/ask", "/tickets"] + [f"/search?q={q}" for q in PROBES]
    start += [f"/suggest?q={q[:5]}" for q in PROBES]
    queue, pages = deque(start), {}
    while queue and len(pages) < MAX_PAGES:
        path = queue.popleft()
        if path in pages:
            continue
        response = client.get(path)
        pages[path] = response.text
        for href in LINK_RE.findall(response.text):
            target = urlsplit(urljoin("http://testserver" + path, href.replace("&amp;", "&")))
            if target.netloc != "testserver" or target.path.startswith(("/static", "/api")):
                continue
            local = target.path + (f"?{target.query}" if target.query else "")
            if local not in pages and "/attachments/" not in local:
                queue.append(local)
    return pages


@pytest.fixture
def secret_draft(sessions):
    with sessions.begin() as s:
        body = "Секретный черновик: принтер и прошивка, ещё не опубликовано."
        make_article(s, id="draft-1", title="Секретный черновик про принтер", status="draft",
                     body=body)  # fmt: skip


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("anonymous", {"public"}),
        ("client", {"public", "customers", "contract-premium"}),
    ],
)
def test_no_restricted_title_or_text_is_reachable(portal, secret_draft, who, visible):
    if who == "client":
        login(portal, "client@demo.spravka", "demo-client-pass")
    pages = _crawl(portal)
    assert len(pages) > 60, "the crawl should reach most of the portal"
    assert any("/articles/kb-0001" in p for p in pages)
    forbidden = [p for a in _restricted(visible) for p in _phrases(a)]
    forbidden += ["Секретный черновик"]
    leaks = [(path, phrase) for path, html in pages.items() for phrase in forbidden
             if phrase in html]  # fmt: skip
    assert leaks == []
    if who == "client":
        assert any("Премиальная поддержка" in html for html in pages.values())


def test_the_crawl_would_notice_a_leak(portal):
    """The check itself: a staff member does reach restricted text by the same crawl."""
    login(portal, "engineer@demo.spravka", "demo-engineer-pass")
    pages = _crawl(portal)
    assert any("Сервисное меню принтеров Ладога" in html for html in pages.values())


def test_pages_kept_for_anonymous_visitors_never_reach_a_client_nor_the_reverse(portal, app):
    """The response cache (kb_service/response_cache.py) shares pages between anonymous
    visitors only: a client crawling after them sees their own articles, and an anonymous
    crawl after the client sees nothing restricted."""
    anonymous = _crawl(portal)
    login(portal, "client@demo.spravka", "demo-client-pass")
    client = _crawl(portal)
    assert any("Премиальная поддержка" in html for html in client.values())
    with TestClient(app, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}) as other:
        again = _crawl(other)
    forbidden = [p for a in _restricted({"public"}) for p in _phrases(a)]
    leaks = [(path, phrase) for pages in (anonymous, again) for path, html in pages.items()
             for phrase in forbidden if phrase in html]  # fmt: skip
    assert leaks == []
