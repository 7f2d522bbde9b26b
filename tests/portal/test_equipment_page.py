""" "My equipment": a client sees their organisation's installed base and nobody else's."""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.accounts import service as accounts
from kb_service.catalogue.models import Equipment, Product
from tests.builders import make_product, make_user
from tests.portal.conftest import login


def _install(s, item_id, organisation, code, **fields):
    org = accounts.get_or_create_organisation(s, organisation)
    s.flush()
    product_id = s.scalar(select(Product.id).where(Product.code == code))
    s.add(Equipment(id=item_id, organisation_id=org.id, product_id=product_id, **fields))


def test_a_client_sees_their_equipment_with_warranty_and_not_another_organisations(app, sessions):
    today = date.today()
    with sessions.begin() as s:
        make_product(s, "LP-2040", name="Принтер LP-2040")
        make_product(s, "RT-500", name="Маршрутизатор RT-500")
        make_user(s, organisation="Альфа", email="alpha@example.test", password="pass-alpha")
        _install(s, "a-1", "Альфа", "LP-2040", serial="SN-ALPHA-1", location="Склад 2",
                 warranty_until=today + timedelta(days=30), contract="ДО-17")  # fmt: skip
        _install(s, "a-2", "Альфа", "RT-500", serial="SN-ALPHA-2",
                 warranty_until=today - timedelta(days=1))  # fmt: skip
        _install(s, "b-1", "Бета", "RT-500", serial="SN-BETA-1")
    with TestClient(app, headers={"Accept-Language": "ru"}) as portal:
        assert portal.get("/equipment", follow_redirects=False).status_code == 303
        login(portal, "alpha@example.test", "pass-alpha")
        page = portal.get("/equipment")
    assert page.status_code == 200
    assert page.context["items"] and {i.id for i in page.context["items"]} == {"a-1", "a-2"}
    html = page.text
    assert "SN-ALPHA-1" in html and "Склад 2" in html and "ДО-17" in html
    assert "SN-BETA-1" not in html
    assert html.count("закончилась") == 1 and "до " in html
    assert '/products/LP-2040"' in html


def test_a_client_of_no_organisation_is_told_plainly(app, sessions):
    with sessions.begin() as s:
        make_user(s, email="solo@example.test", password="pass-solo")
    with TestClient(app, headers={"Accept-Language": "en"}) as portal:
        login(portal, "solo@example.test", "pass-solo")
        page = portal.get("/equipment")
    assert page.status_code == 200
    assert "оборудование пока не записано" in page.text
