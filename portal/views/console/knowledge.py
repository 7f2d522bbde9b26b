"""What the ticket page shows of the knowledge base: articles matching the ticket, a search
of the KB pre-filled with the subject, the ticket's links, whether a draft article may be
written from it, and the standard answers offered in the reply form (kb_actions.py acts).
"""

from dataclasses import dataclass, field

from kb_service.access import Viewer
from kb_service.accounts.models import User
from kb_service.articles.models import Article
from kb_service.search.service import Hit
from portal.deps import Page
from tickets import conversion, linking, standard_answers
from tickets.models import Ticket


@dataclass(frozen=True)
class Knowledge:
    """What the panel and the reply form show about the knowledge base."""

    query: str  # the search box, the subject unless the engineer typed something
    searched: bool  # True: `hits` answer what was typed; False: they match the ticket
    hits: list[Hit]
    links: list[linking.Link]
    can_create: bool  # the "Create article from this ticket" button
    answers: list[Article]  # standard answers offered in the reply form
    reply: str = ""  # the reply text filled from a standard answer
    answer_id: str = ""
    used: frozenset[str] = field(default_factory=frozenset)


def knowledge(
    page: Page, ticket: Ticket, query: str | None = None, answer_id: str | None = None
) -> Knowledge:
    """The panel for `ticket` as the signed-in staff member may see it."""
    viewer = page.viewer
    typed = (query or "").strip()
    hits = (
        linking.find(page.db, page.search, viewer, typed)
        if typed
        else linking.suggest(page.search, viewer, ticket)
    )
    links = linking.links(page.db, viewer, ticket)
    reply = ""
    if answer_id:
        _, reply = standard_answers.answer_for(
            page.db, viewer, ticket, answer_id, _name(page, viewer)
        )
    return Knowledge(
        query=typed or ticket.subject,
        searched=bool(typed),
        hits=hits,
        links=links,
        can_create=viewer.has_any(conversion.CONVERTERS) and ticket.status in conversion.SOLVED,
        answers=standard_answers.offered(page.db, page.search, viewer, ticket),
        reply=reply,
        answer_id=answer_id or "",
        used=frozenset(link.article.id for link in links if link.relation == linking.USED),
    )


def _name(page: Page, viewer: Viewer) -> str:
    user = page.db.get(User, viewer.user_id) if viewer.user_id else None
    return user.name if user else ""
