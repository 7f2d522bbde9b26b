"""A product merged into another in the company's database: the catalogue sync discontinues it
and moves its articles, entitlements, owners and equipment to the successor, once."""

import json
import sqlite3

import pytest
from sqlalchemy import select

from kb_service.access import Viewer
from kb_service.accounts import service as accounts
from kb_service.accounts.models import organisation_product
from kb_service.articles.service import TOPIC, get_article
from kb_service.catalogue.models import Equipment, Product
from kb_service.catalogue.sources import read_settings
from kb_service.catalogue.sync import sync_catalogue
from kb_service.outbox import OutboxEvent
from tests.builders import make_article, make_ticket, make_user
from tests.kb_service.test_catalogue_sync import cli_env, sync  # noqa: F401 (a fixture)

ADMIN = Viewer(kind="staff", roles=frozenset({"admin"}), groups=None)
MAPPING = """
url = "sqlite:///{path}"
table = "erp_item"

[columns]
code = "item_no"
name = "title"
parent = "family_no"
merged_into = "successor"
"""
ROWS = [
    ("PRINT", "Printers", None, None),
    ("LP-2040", "LaserPrint 2040", "PRINT", None),
    ("LP-2050", "LaserPrint 2050", "PRINT", None),
]


@pytest.fixture
def company(tmp_path):
    path = tmp_path / "company.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE erp_item (item_no, title, family_no, successor)")
        db.executemany("INSERT INTO erp_item VALUES (?, ?, ?, ?)", ROWS)
    settings = tmp_path / "catalogue.toml"
    settings.write_text(MAPPING.format(path=path))
    return path, settings


def _merge(path, code, into):
    with sqlite3.connect(path) as db:
        db.execute("UPDATE erp_item SET successor = ? WHERE item_no = ?", (into, code))


@pytest.fixture
def pointed(company, session):
    """The catalogue synced once, and everything that can point to LP-2040 pointing to it."""
    sync_catalogue(session, read_settings(company[1]))
    make_article(session, id="jam", products=["LP-2040"], groups=["product:LP-2040@3.."])
    make_article(session, id="both", products=["LP-2040", "LP-2050"])
    organisation = accounts.get_or_create_organisation(session, "Acme")
    accounts.give_products(session, organisation, ["LP-2040"])
    lp = session.scalar(select(Product).where(Product.code == "LP-2040"))
    session.add(Equipment(id="E-1", organisation_id=organisation.id, product_id=lp.id,
                          version="3.2"))  # fmt: skip
    ticket = make_ticket(session, email="a@example.test", product_id=lp.id,
                         organisation_id=organisation.id)  # fmt: skip
    client = make_user(session, organisation="Acme")
    return ticket, client


def _product_codes(session, article_id):
    session.expire_all()
    article = get_article(session, ADMIN, article_id)
    return sorted(p.code for p in article.products), article.group_names


def test_a_merged_product_moves_what_pointed_to_it_to_its_successor(company, session, pointed):
    ticket, client = pointed
    path, settings = company
    _merge(path, "LP-2040", "LP-2050")
    first_event = session.scalar(select(OutboxEvent.id).order_by(OutboxEvent.id.desc()))
    report = sync_catalogue(session, read_settings(settings))
    assert report.merged == [("LP-2040", "LP-2050")]
    assert report.updated == ["LP-2040"] and report.discontinued == []
    old = session.scalar(select(Product).where(Product.code == "LP-2040"))
    new = session.scalar(select(Product).where(Product.code == "LP-2050"))
    assert (old.status, old.merged_into) == ("discontinued", "LP-2050")  # kept, never deleted
    assert _product_codes(session, "jam") == (["LP-2050"], ["product:LP-2050@3.."])
    assert _product_codes(session, "both")[0] == ["LP-2050"]
    assert session.scalar(select(Equipment.product_id).where(Equipment.id == "E-1")) == new.id
    owners = select(organisation_product.c.product_id)
    assert set(session.scalars(owners)) == {new.id}
    # The desk's ticket keeps the product it was about; that product's page says where it went.
    session.refresh(ticket)
    assert ticket.product_id == old.id
    reindexed = session.scalars(
        select(OutboxEvent.key).where(OutboxEvent.id > first_event, OutboxEvent.topic == TOPIC)
    )
    assert sorted(reindexed) == ["both", "jam"]
    # The client's item (3.2) now entitles through the successor's range.
    assert "product:LP-2050@3.." in accounts.viewer_for(session, client).groups


def test_a_second_run_after_a_merge_changes_nothing(company, session, pointed):
    path, settings = company
    _merge(path, "LP-2040", "LP-2050")
    sync_catalogue(session, read_settings(settings))
    events = session.scalar(select(OutboxEvent.id).order_by(OutboxEvent.id.desc()))
    again = sync_catalogue(session, read_settings(settings))
    assert (again.created, again.updated, again.discontinued, again.merged) == ([], [], [], [])
    assert again.unchanged == 3
    assert session.scalar(select(OutboxEvent.id).order_by(OutboxEvent.id.desc())) == events


def test_a_chain_of_merges_ends_at_the_last_successor(company, session, pointed):
    path, settings = company
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO erp_item VALUES ('LP-3000', 'LaserPrint 3000', 'PRINT', NULL)")
    _merge(path, "LP-2040", "LP-2050")
    _merge(path, "LP-2050", "LP-3000")
    report = sync_catalogue(session, read_settings(settings))
    assert sorted(report.merged) == [("LP-2040", "LP-2050"), ("LP-2050", "LP-3000")]
    assert _product_codes(session, "jam") == (["LP-3000"], ["product:LP-3000@3.."])


@pytest.mark.parametrize(
    ("into", "reason"),
    [("LP-2040", "leads back to it"), ("NOPE", "unknown product 'NOPE'"), ("bad code!", "")],
)
def test_a_bad_merge_is_reported_and_skipped(company, session, pointed, into, reason):
    path, settings = company
    _merge(path, "LP-2040", into)
    report = sync_catalogue(session, read_settings(settings))
    [(key, why)] = report.skipped
    assert key == "LP-2040" and reason in why
    assert report.merged == []
    assert _product_codes(session, "jam")[0] == ["LP-2040"]


def test_a_merge_round_in_a_circle_is_skipped(company, session, pointed):
    path, settings = company
    _merge(path, "LP-2040", "LP-2050")
    _merge(path, "LP-2050", "LP-2040")
    report = sync_catalogue(session, read_settings(settings))
    assert sorted(key for key, _ in report.skipped) == ["LP-2040", "LP-2050"]
    assert report.merged == []


def test_the_command_reports_merges(cli_env, company, pointed, session):  # noqa: F811
    path, settings = company
    session.commit()
    _merge(path, "LP-2040", "LP-2050")
    result = sync("--source", settings)
    assert result.exit_code == 0, result.output
    assert "1 merged" in result.stdout
    again = json.loads(sync("--source", settings, "--json").stdout)
    assert again["merged"] == [] and again["unchanged"] == 3


def test_the_old_products_page_links_to_its_successor(client, company, session, pointed):
    path, settings = company
    _merge(path, "LP-2040", "LP-2050")
    sync_catalogue(session, read_settings(settings))
    session.commit()
    page = client.get("/products/LP-2040", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert page.context["successor"].code == "LP-2050"
    assert 'Merged into <a href="http://testserver/products/LP-2050">' in page.text
    assert client.get("/api/v1/products/LP-2040").json()["merged_into"] == "LP-2050"
