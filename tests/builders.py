"""Plain functions that build test data through the services, as a user of them would."""

import itertools

from sqlalchemy.orm import Session

from kb_service.access import BUILTIN_GROUPS, Viewer
from kb_service.accounts import service as accounts
from kb_service.accounts.service import viewer_for
from kb_service.articles import service as articles
from kb_service.articles.schemas import ArticleImport
from kb_service.catalogue.service import save_product
from tickets.models import Ticket

_numbers = itertools.count(1)


def make_user(session: Session, roles=("client",), organisation=None, **overrides):
    number = next(_numbers)
    fields = {"email": f"user{number}@example.test", "name": f"User {number}"}
    fields.update(overrides)
    fields.setdefault("password", "correct horse")
    return accounts.create_user(session, roles=list(roles), organisation=organisation, **fields)


def make_viewer(session: Session, roles=("client",), organisation=None) -> Viewer:
    return viewer_for(session, make_user(session, roles, organisation))


def make_token(session: Session, roles=("client",), organisation=None, **overrides) -> str:
    """A bearer token of a new user; without a password, since hashing one is slow."""
    user = make_user(session, roles, organisation, **{"password": None, **overrides})
    return accounts.create_token(session, user)


def make_product(session: Session, code: str = "LP-2040", parent: str | None = None, **overrides):
    return save_product(
        session, code=code, name=overrides.pop("name", code), parent=parent, **overrides
    )


def make_article(session: Session, **overrides):
    """An article saved as the importer saves it (published, public unless told)."""
    number = next(_numbers)
    fields = {
        "id": f"kb-{number:04d}",
        "title": f"Article {number}",
        "body": f"Body of article {number}.",
        "language": "en",
    }
    fields.update(overrides)
    # Named groups are test data; the built-in ones must come from the migrations.
    for name in set(fields.get("groups") or []) - set(BUILTIN_GROUPS):
        accounts.get_or_create_group(session, name)
    record = ArticleImport(**fields)
    articles.save_imported(session, record)
    session.flush()
    return articles.get_article(
        session, Viewer(kind="staff", roles=frozenset({"admin"}), groups=None), record.id
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_ticket(session, requester=None, email=None, **fields) -> Ticket:
    """A ticket as the desk keeps it, numbered like the service numbers them."""
    ticket = Ticket(
        number=f"pending-{next(_numbers)}",
        subject=fields.pop("subject", "Printer jams"),
        body=fields.pop("body", "It jams on every page."),
        requester_id=requester.id if requester else None,
        requester_email=requester.email if requester else email,
        **fields,
    )
    session.add(ticket)
    session.flush()
    ticket.number = str(10000 + ticket.id)
    session.flush()
    return ticket


def open_ask(session: Session, viewer, visit_id: str, article_id: str | None = None):
    """An ask-form visit as the portal saves it: opened, then claimed by its first post."""
    from tickets import asking

    opened = asking.start_ask(session, viewer, visit_id, article_id)
    return asking.claim_ask(session, viewer, opened.token, visit_id, opened.article_id)
