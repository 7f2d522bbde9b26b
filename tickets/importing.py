"""`spravka import tickets`: the history of another desk, by the same rules as the other imports
(kb_service/importing.py): every bad line named in one pass, all or nothing, idempotent by id.

Imported tickets are history, not news: they write no outbox events, so nobody is notified
and no deadline is watched; the knowledge loop (mining, reports) reads them like any other.
"""

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, model_validator
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kb_service.accounts.models import Organisation
from kb_service.articles.models import Article
from kb_service.catalogue.models import Product
from kb_service.db import utcnow
from kb_service.hostile_input import NulFree
from kb_service.importing import Importer, ImportReport, LineError, Progress, raise_if
from tickets.desk import FIRST_NUMBER
from tickets.models import Ticket, TicketArticle, TicketMessage


class TicketImport(NulFree):
    """One line of a tickets JSONL file (DESIGN.md)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=100)
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(max_length=50_000)
    resolution: str | None = Field(None, max_length=50_000)
    status: Literal["new", "open", "waiting", "resolved", "closed"] | None = None
    created_at: datetime | None = None
    resolved_at: datetime | None = None
    product: str | None = Field(None, max_length=64)
    organisation: str | None = Field(None, max_length=200)
    articles: list[str] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _dates_in_order(self):
        if self.created_at and self.resolved_at and self.resolved_at < self.created_at:
            raise ValueError("resolved_at is before created_at")
        return self

    @property
    def final_status(self) -> str:
        """As given; otherwise closed when it has a resolution, new when not."""
        return self.status or ("closed" if self.resolution else "new")


def ticket_errors(session: Session, records: list[tuple[int, TicketImport]]) -> list[LineError]:
    """Product codes and article ids that do not exist."""
    products = set(session.scalars(select(Product.code)))
    wanted = {a for _, r in records for a in r.articles}
    articles = set(session.scalars(select(Article.id).where(Article.id.in_(wanted))))
    errors = []
    for n, r in records:
        if r.product and r.product not in products:
            errors.append((n, f"unknown product code {r.product!r}"))
        if missing := sorted(set(r.articles) - articles):
            errors.append((n, f"unknown article id(s) {', '.join(missing)}"))
    return errors


def import_tickets(
    session: Session, records: list[tuple[int, TicketImport]], progress: Progress | None = None
) -> ImportReport:
    """Create or update tickets by their import id."""
    raise_if(ticket_errors(session, records))
    report = ImportReport(read=len(records))
    products = dict(session.execute(select(Product.code, Product.id)).all())
    organisations = _organisations(session, {r.organisation for _, r in records} - {None})
    ids = [r.id for _, r in records]
    existing = {
        t.import_id: t for t in session.scalars(select(Ticket).where(Ticket.import_id.in_(ids)))
    }
    for done, (_, record) in enumerate(records, start=1):
        ticket = existing.get(record.id)
        if ticket is None:
            ticket = _new(session, record)
            report.created += 1
        else:
            report.updated += 1
        _fill(session, ticket, record, products, organisations)
        if progress and done % 500 == 0:
            progress(500)
    session.flush()
    if progress:
        progress(len(records) % 500)
    return report


def _new(session: Session, record: TicketImport) -> Ticket:
    now = record.created_at or utcnow()
    ticket = Ticket(
        number=f"import-{record.id}"[:32],
        import_id=record.id,
        subject=record.subject,
        body=record.body,
        requester_email="",
        source="api",
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    ticket.number = str(FIRST_NUMBER + ticket.id)
    return ticket


def _fill(session, ticket: Ticket, record: TicketImport, products, organisations) -> None:
    status = record.final_status
    ticket.subject, ticket.body, ticket.status = record.subject, record.body, status
    ticket.product_id = products.get(record.product) if record.product else None
    ticket.organisation_id = organisations.get(record.organisation)
    ticket.resolved_at = record.resolved_at or (
        ticket.created_at if status in ("resolved", "closed") and record.resolution else None
    )
    ticket.closed_at = ticket.resolved_at if status == "closed" else None
    session.execute(delete(TicketMessage).where(TicketMessage.ticket_id == ticket.id))
    if record.resolution:
        session.add(
            TicketMessage(
                ticket_id=ticket.id,
                author_kind="staff",
                body=record.resolution,
                is_resolution=True,
                channel="api",
                created_at=ticket.resolved_at or ticket.created_at,
            )
        )
    session.execute(
        delete(TicketArticle).where(
            TicketArticle.ticket_id == ticket.id, TicketArticle.relation == "used"
        )
    )
    for article_id in dict.fromkeys(record.articles):
        session.add(TicketArticle(ticket_id=ticket.id, article_id=article_id, relation="used"))


def _organisations(session: Session, names: set[str]) -> dict[str, int]:
    """Organisations by name; those the file names and the desk does not know are created."""
    known = dict(
        session.execute(
            select(Organisation.name, Organisation.id).where(Organisation.name.in_(names))
        ).all()
    )
    for name in sorted(names - known.keys()):
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
        known[name] = organisation.id
    return known


TICKETS = Importer(model=TicketImport, check=ticket_errors, save=import_tickets)
