"""What browsers and proxies may keep: versioned static files for a year, pages per session."""

import re

from tests.portal.conftest import login

STATIC_RE = re.compile(r'(?:href|src)="[^"]*(/static/[^"]+\?v=[0-9a-f]{12})"')


def test_static_files_are_linked_by_content_version_and_kept_for_a_year(portal):
    links = STATIC_RE.findall(portal.get("/").text)
    assert {link.split("?")[0] for link in links} >= {"/static/css/portal.css"}
    for link in links:
        response = portal.get(link, headers={"Accept-Encoding": "gzip"})
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"


def test_an_unversioned_static_url_is_revalidated(portal):
    response = portal.get("/static/css/portal.css")
    assert response.headers["cache-control"] == "no-cache"


def test_anonymous_pages_are_private_and_revalidated_by_etag(portal):
    first = portal.get("/")
    assert first.headers["cache-control"] == "private, no-cache"
    again = portal.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_a_page_that_changed_is_sent_again_despite_an_old_etag(portal):
    response = portal.get("/", headers={"If-None-Match": 'W/"00000000000000000000"'})
    assert response.status_code == 200 and response.text


def test_signed_in_pages_are_never_stored(portal):
    login(portal, "client@demo.spravka", "demo-client-pass")
    response = portal.get("/")
    assert response.headers["cache-control"] == "private, no-store"
    assert "etag" not in response.headers


def test_api_responses_keep_their_own_caching(portal):
    response = portal.get("/api/v1/search?q=принтер")
    assert "private" not in response.headers.get("cache-control", "")
