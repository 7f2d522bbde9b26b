"""A solved ticket turned into a draft article in one step.

The draft holds the problem (the client's first message) and the solution (the ticket's
last resolution message, the one `desk.resolve` marks), both scrubbed of personal data
(tickets/scrub.py) with what the ticket knows about its people: the requester's and the
organisation's names and addresses, phones, and the serials of the organisation's equipment.

What is carried over:
- the title from the subject; the language from the text (Cyrillic or Latin letters), else
  the ticket's locale (the requester's);
- the ticket's product, as the article's product;
- the category only when the knowledge base has one of the same slug or name: the desk's
  categories (fault, question, ...) sort work, the articles' sort topics, and a draft must
  not invent a topic. Otherwise the draft has no category and its editor chooses one.

The draft is `internal` (staff only) until an editor decides who may read it, so nothing
leaks before a person has read it; the ticket records it as "created" by the actor.
"""

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.access import INTERNAL, WRITER_ROLES, Viewer
from kb_service.articles import service as articles
from kb_service.articles.models import Article, Category
from kb_service.articles.schemas import ArticleCreate
from kb_service.catalogue.models import Equipment
from kb_service.errors import Forbidden, Invalid, InvalidTransition
from tickets import linking
from tickets.models import Ticket
from tickets.scrub import Known, scrub

# Who writes articles from tickets: those who write articles at all (engineers, editors,
# managers, admins); dispatchers sort tickets and do not.
CONVERTERS = WRITER_ROLES
SOLVED = linking.SOLVED
HEADINGS = {
    "ru": ("Проблема", "Решение"),
    "en": ("Problem", "Solution"),
}


def draft_from_ticket(session: Session, viewer: Viewer, ticket: Ticket, now=None) -> Article:
    """A draft article from a solved ticket `ticket` (loaded as `desk.get` loads it)."""
    if not viewer.has_any(CONVERTERS):
        raise Forbidden("your roles do not allow you to write articles")
    if ticket.status not in SOLVED:
        raise InvalidTransition(
            f"only a solved ticket becomes an article; ticket {ticket.number} is {ticket.status}"
        )
    solution = _solution(ticket)
    if solution is None:
        raise Invalid(f"ticket {ticket.number} has no recorded solution")
    language = language_of(f"{ticket.subject} {ticket.body} {solution}", ticket.locale)
    known = known_of(session, ticket)
    problem_heading, solution_heading = HEADINGS[language]
    body = (
        f"## {problem_heading}\n\n{scrub(ticket.body, known, language).strip()}\n\n"
        f"## {solution_heading}\n\n{scrub(solution, known, language).strip()}\n"
    )
    data = ArticleCreate(
        title=scrub(ticket.subject, known, language)[:300].strip() or ticket.number,
        body=body,
        language=language,
        status="draft",
        groups=[INTERNAL],
        products=[ticket.product.code] if ticket.product is not None else [],
        category=_category(session, ticket),
    )
    article = articles.create_article(session, viewer, data)
    linking.record_created(session, viewer, ticket, article, now)
    return article


def known_of(session: Session, ticket: Ticket) -> Known:
    """What the ticket knows about its people, for the scrubber."""
    requester = ticket.requester
    organisation = ticket.organisation
    serials = ()
    if ticket.organisation_id is not None:
        serials = tuple(
            session.scalars(
                select(Equipment.serial).where(
                    Equipment.organisation_id == ticket.organisation_id,
                    Equipment.serial.is_not(None),
                )
            )
        )
    emails = {ticket.requester_email, *(m.author_email for m in ticket.messages)}
    return Known(
        names=tuple(n for n in (ticket.requester_name, requester and requester.name) if n),
        organisations=(organisation.name,) if organisation is not None else (),
        emails=tuple(e for e in (*emails, requester and requester.email) if e),
        phones=(ticket.requester_phone,) if ticket.requester_phone else (),
        serials=serials,
    )


def language_of(text: str, locale: str) -> str:
    """The article's language: the letters of the text decide, else the requester's locale."""
    cyrillic = len(re.findall(r"[а-яё]", text, re.IGNORECASE))
    latin = len(re.findall(r"[a-z]", text, re.IGNORECASE))
    if cyrillic > latin:
        return "ru"
    if latin > cyrillic:
        return "en"
    return "en" if (locale or "").lower().startswith("en") else "ru"


def _solution(ticket: Ticket) -> str | None:
    message = next((m for m in reversed(ticket.messages) if m.is_resolution), None)
    return message.body if message is not None else None


def _category(session: Session, ticket: Ticket) -> str | None:
    """The article category of the ticket category's slug or name, if the KB has one."""
    category = ticket.category
    if category is None:
        return None
    # Compared here, not in SQL: SQLite's lower() folds only ASCII, and names are Russian too.
    names = {category.name_ru.casefold(), category.name_en.casefold()}
    rows = session.execute(select(Category.slug, Category.name).order_by(Category.slug)).all()
    by_slug = next((slug for slug, _ in rows if slug == category.slug), None)
    return by_slug or next((slug for slug, name in rows if name.casefold() in names), None)
