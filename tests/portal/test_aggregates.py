"""Kept pages and aggregates: never shared across access, dropped when an article is saved
or a product changed."""

from fastapi.testclient import TestClient

from kb_service.catalogue.service import save_product
from tests.builders import make_article, make_product, make_user
from tests.portal.conftest import login

PASSWORD = "correct horse"


def recent_ids(client: TestClient) -> set[str]:
    response = client.get("/")
    assert response.template.name == "home/index.html"
    return {article.id for article in response.context["recent"]}


def test_kept_recent_articles_are_never_served_to_a_viewer_with_other_access(app, sessions):
    with sessions.begin() as session:
        make_article(session, id="pub", title="Printer queue")
        make_article(session, id="int", title="Printer service menu", groups=["internal"])
        make_user(session, ("engineer",), email="eng@example.test", password=PASSWORD)
    with TestClient(app) as anonymous, TestClient(app) as staff:
        login(staff, "eng@example.test", PASSWORD)
        for _ in range(2):
            assert recent_ids(staff) == {"pub", "int"}
            assert recent_ids(anonymous) == {"pub"}


def test_a_saved_article_shows_on_the_next_home_page(app, sessions):
    with sessions.begin() as session:
        make_article(session, id="first", title="Printer queue")
    with TestClient(app) as client:
        assert recent_ids(client) == {"first"}
        with sessions.begin() as session:
            make_article(session, id="second", title="Scanner driver")
        assert recent_ids(client) == {"first", "second"}


def test_a_kept_article_page_closes_when_the_article_is_restricted(app, sessions):
    with sessions.begin() as session:
        make_article(session, id="vpn", title="VPN tunnel drops")
    with TestClient(app) as client:
        assert client.get("/articles/vpn").status_code == 200
        with sessions.begin() as session:
            make_article(session, id="vpn", title="VPN tunnel drops", groups=["internal"])
        assert client.get("/articles/vpn").status_code == 404


def test_a_renamed_product_shows_on_the_next_article_and_home_page(app, sessions):
    with sessions.begin() as session:
        make_product(session, "LJ", name="LaserJet 4000")
        make_article(session, id="jam", title="Paper jam", products=["LJ"])
        make_user(session, ("client",), "Org", email="client@example.test", password=PASSWORD)
    with TestClient(app) as anonymous, TestClient(app) as client:
        login(client, "client@example.test", PASSWORD)
        for visitor in (anonymous, client):
            assert "LaserJet 4000" in visitor.get("/articles/jam").text
            assert "LaserJet 4000" in visitor.get("/").text  # the families
        with sessions.begin() as session:
            save_product(session, code="LJ", name="LaserJet 4050")
        for visitor in (anonymous, client):
            assert "LaserJet 4050" in visitor.get("/articles/jam").text
            assert "LaserJet 4050" in visitor.get("/").text
