"""Hostile input to the portal: huge integers, NUL characters and oversized file names get an
error page or the form again with what was typed, never a 500."""

import pytest
from sqlalchemy import select

from tests.portal.conftest import csrf_of, login
from tickets.models import Ticket, TicketAttachment

BIG = 2**64
TEXT = {"subject": "Принтер не печатает", "body": "Очередь печати зависла, задания висят"}


def _ask(portal, files=(), **fields):
    ask = portal.get("/ask").context["ask"].token
    data = {"ask": ask, "csrf_token": csrf_of(portal, "/ask"), **TEXT, **fields}
    return portal.post("/ask", data=data, files=list(files), follow_redirects=False)


@pytest.mark.parametrize(
    "path",
    [
        f"/articles/kb-0001?s={BIG}",
        f"/products/LP-2040?page={BIG}",
        "/products/LP-2040?page=2147483648",
    ],
)
def test_a_huge_integer_in_the_address_is_an_error_page(portal, path):
    response = portal.get(path)
    assert response.status_code == 422
    assert response.template.name == "error.html"


def test_a_huge_attachment_id_is_an_error_page(portal):
    login(portal, "client@demo.spravka", "demo-client-pass")
    number = _ask(portal).headers["location"].rsplit("/", 1)[-1]
    response = portal.get(f"/tickets/{number}/attachments/{BIG}")
    assert response.status_code == 422
    assert response.template.name == "error.html"


@pytest.mark.parametrize("path", ["/articles/kb-0001%00", "/search?q=%00принтер", "/ask%00"])
def test_nul_in_the_address_is_a_400_page(portal, path):
    response = portal.get(path)
    assert response.status_code == 400
    assert "NUL" in response.text


def test_nul_in_a_typed_ask_field_shows_the_form_again_with_the_text(portal, sessions):
    response = _ask(portal, subject="Принтер\x00 не печатает", email="visitor@example.test")
    assert response.status_code == 422
    assert response.template.name == "ask/new.html"
    assert "subject" in response.context["errors"]
    assert response.context["fields"]["body"] == TEXT["body"]
    with sessions() as s:
        assert s.scalar(select(Ticket)) is None


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"email": "client\x00@demo.spravka", "password": "x"}),
        ("/articles/kb-0001/feedback", {"helpful": "no", "comment": "step\x00 3"}),
    ],
)
def test_nul_in_another_form_field_is_a_4xx(portal, path, data):
    response = portal.post(path, data={**data, "csrf_token": csrf_of(portal)})
    assert 400 <= response.status_code < 500


def test_an_overlong_file_name_and_type_are_cut_and_the_ticket_is_opened(portal, sessions):
    login(portal, "client@demo.spravka", "demo-client-pass")
    upload = ("attachments", ("x" * 300 + ".log", b"spooler error", "text/" + "x" * 150))
    response = _ask(portal, files=[upload])
    assert response.status_code == 303, response.text
    with sessions() as s:
        attachment = s.scalar(select(TicketAttachment))
    assert len(attachment.filename) <= 255 and attachment.filename.endswith(".log")
    assert attachment.content_type == "application/octet-stream"
