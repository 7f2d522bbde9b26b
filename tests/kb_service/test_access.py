"""Who may see what: viewers derived from roles, memberships and owned products."""

import pytest
from sqlalchemy import select

from kb_service.access import ANONYMOUS, article_filter, can_read
from kb_service.accounts import service as accounts
from kb_service.accounts.service import viewer_for
from kb_service.articles.models import Article
from kb_service.articles.service import LOAD
from kb_service.catalogue.models import Equipment, Product
from tests.builders import make_article, make_product, make_user


def visible(session, viewer) -> set[str]:
    return set(session.scalars(select(Article.id).where(article_filter(viewer))))


@pytest.fixture
def kb(session):
    make_product(session, "NET")
    make_product(session, "RT-500", parent="NET")
    make_product(session, "PRINT")
    make_article(session, id="pub")
    make_article(session, id="cust", groups=["customers"])
    make_article(session, id="int", groups=["internal"])
    make_article(session, id="dealers", groups=["dealers"])
    make_article(session, id="net-owners", groups=["product:NET"])
    make_article(session, id="print-owners", groups=["product:PRINT"])
    make_article(session, id="draft", status="draft")
    return session


def test_anonymous_sees_public_only(kb):
    assert visible(kb, ANONYMOUS) == {"pub"}


def test_client_without_organisation_is_not_a_customer(kb):
    assert visible(kb, viewer_for(kb, make_user(kb))) == {"pub"}


def test_client_of_an_organisation_sees_customers_articles(kb):
    assert visible(kb, viewer_for(kb, make_user(kb, organisation="Альфа"))) == {"pub", "cust"}


def test_organisation_membership_of_a_named_group_reaches_its_users(kb):
    user = make_user(kb, organisation="Dealer LLC")
    dealer = accounts.get_or_create_organisation(kb, "Dealer LLC")
    accounts.add_member(kb, accounts.get_or_create_group(kb, "dealers"), org=dealer)
    assert visible(kb, viewer_for(kb, user)) == {"pub", "cust", "dealers"}


def test_owning_a_product_shows_articles_for_owners_of_its_family(kb):
    user = make_user(kb, organisation="Альфа")
    accounts.give_products(kb, accounts.get_or_create_organisation(kb, "Альфа"), ["RT-500"])
    viewer = viewer_for(kb, user)
    assert visible(kb, viewer) == {"pub", "cust", "net-owners"}
    assert viewer.products == {"RT-500", "NET"}


def test_equipment_installed_at_the_organisation_entitles_like_owning(kb):
    user = make_user(kb, organisation="Бета")
    organisation = accounts.get_or_create_organisation(kb, "Бета")
    router = kb.scalar(select(Product).where(Product.code == "RT-500"))
    kb.add(Equipment(id="sn-1", organisation_id=organisation.id, product_id=router.id))
    kb.flush()
    viewer = viewer_for(kb, user)
    assert visible(kb, viewer) == {"pub", "cust", "net-owners"}
    assert viewer.products == {"RT-500", "NET"}


def test_a_client_named_into_internal_still_cannot_read_internal(kb):
    user = make_user(kb, organisation="Альфа")
    accounts.add_member(kb, accounts.get_or_create_group(kb, "internal"), user=user)
    assert "int" not in visible(kb, viewer_for(kb, user))


@pytest.mark.parametrize(
    ("roles", "drafts"),
    [
        (["dispatcher"], False),
        (["engineer"], False),
        (["editor"], True),
        (["manager"], True),
        (["admin"], True),
        (["client", "editor"], True),
    ],
)
def test_staff_see_every_group_and_curators_see_drafts(kb, roles, drafts):
    viewer = viewer_for(kb, make_user(kb, roles=roles))
    expected = {"pub", "cust", "int", "dealers", "net-owners", "print-owners"}
    assert visible(kb, viewer) == expected | ({"draft"} if drafts else set())


def test_a_deactivated_user_is_anonymous(kb):
    user = make_user(kb, roles=["admin"])
    user.is_active = False
    assert viewer_for(kb, user) == ANONYMOUS


def test_can_read_agrees_with_the_sql_filter(kb):
    articles = kb.scalars(select(Article).options(*LOAD)).all()
    viewers = [
        ANONYMOUS,
        viewer_for(kb, make_user(kb, organisation="Альфа")),
        viewer_for(kb, make_user(kb, roles=["engineer"])),
        viewer_for(kb, make_user(kb, roles=["editor"])),
    ]
    for viewer in viewers:
        assert {a.id for a in articles if can_read(viewer, a)} == visible(kb, viewer)
