"""The demo content shows the product: bilingual, every audience, one user per role."""

from collections import Counter

from sqlalchemy import select

from kb_service import demo
from kb_service.access import ANONYMOUS
from kb_service.accounts.service import get_user_by_email, verify_password, viewer_for
from kb_service.articles import service as articles
from kb_service.articles.models import Article
from kb_service.articles.service import LOAD


def test_demo_loads_bilingual_articles_for_every_audience(session):
    demo.load_demo(session)
    loaded = session.scalars(select(Article).options(*LOAD)).all()
    assert len(loaded) >= 40
    languages = Counter(a.language for a in loaded)
    assert languages["ru"] >= 15 and languages["en"] >= 15
    groups = {g for a in loaded for g in a.group_names}
    assert {"public", "customers", "internal"} <= groups and len(groups) >= 4
    assert any(a.status == "draft" for a in loaded)
    assert all("<script" not in a.body_html and "onerror" not in a.body_html for a in loaded)


def test_each_demo_user_logs_in_with_the_printed_password_and_sees_their_share(session):
    demo.load_demo(session)
    public_total, _ = articles.list_articles(session, ANONYMOUS)
    for user in demo.USERS:
        account = get_user_by_email(session, user.email)
        assert verify_password(account, user.password)
        assert user.role in account.roles
    client = viewer_for(session, get_user_by_email(session, "client@demo.spravka"))
    client_total, _ = articles.list_articles(session, client)
    assert client_total > public_total
    assert "internal" not in client.groups


def test_the_demo_client_owns_office_products_and_their_families(session):
    demo.load_demo(session)
    client = viewer_for(session, get_user_by_email(session, "client@demo.spravka"))
    assert set(demo.CLIENT_PRODUCTS) <= client.products
    assert {"PRINT", "NET-RT", "NET", "ACC", "SOFT"} <= client.products
