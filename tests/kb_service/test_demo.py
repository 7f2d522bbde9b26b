"""The demo content shows the product: bilingual, every audience, one user per role."""

from collections import Counter

from sqlalchemy import select

from kb_service import demo
from kb_service.access import ANONYMOUS
from kb_service.accounts.service import get_user_by_email, verify_password, viewer_for
from kb_service.articles import service as articles
from kb_service.articles.models import Article
from kb_service.articles.service import LOAD
from kb_service.catalogue.equipment import list_equipment
from kb_service.catalogue.models import Product
from kb_service.catalogue.sources import read_settings
from kb_service.catalogue.sync import sync_catalogue


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


def test_the_demo_clients_equipment_entitles_them_to_its_products_and_families(session):
    demo.load_demo(session)
    client = viewer_for(session, get_user_by_email(session, "client@demo.spravka"))
    installed = {
        i.product.code
        for i in list_equipment(session, client)
        if i.organisation.name == demo.CLIENT_ORG
    }
    assert installed == {"LP-2040", "RT-500", "ACC-PRO", "ACC-LIC"}
    assert installed | {"PRINT", "NET-RT", "NET", "ACC", "SOFT"} <= client.products


def test_the_catalogue_comes_from_the_company_database_and_a_second_sync_changes_nothing(
    session, tmp_path
):
    demo.load_demo(session, tmp_path)
    retired = session.scalar(select(Product).where(Product.code == "LP-1020"))
    assert (retired.status, retired.merged_into) == ("discontinued", "LP-2040")
    assert session.scalar(select(Product).where(Product.code == "LP-2040")).status == "active"
    again = sync_catalogue(session, read_settings(tmp_path / "demo-catalogue.toml"))
    assert (again.created, again.updated, again.discontinued) == ([], [], [])
    assert again.unchanged == 29
