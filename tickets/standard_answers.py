"""Standard answers: articles marked `standard_answer` offered as replies in one click.

Canned responses and the knowledge base are one thing: a standard answer is an ordinary
article (public or internal), found and read under the same access rules, whose Markdown is
inserted into the reply with the ticket's fields filled in.

Placeholders are a closed list written `{{name}}` (spaces inside the braces allowed):
`{{client_name}}`, `{{ticket_number}}`, `{{ticket_subject}}`, `{{product}}`,
`{{organisation}}`, `{{engineer_name}}`. Filling them is plain string replacement of these
names only: the article's text is never evaluated as a template, and any other `{{...}}`
stays as written.

Offering one records nothing; a reply sent from it links the article "used" (handling.py),
since reuse is what the knowledge measures count.
"""

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.access import Viewer, article_filter
from kb_service.articles import service as articles
from kb_service.articles.models import Article
from kb_service.errors import NotFound
from kb_service.search.service import SearchService
from tickets import linking
from tickets.models import Ticket

OFFERED = 8
# Matching articles looked at to rank the standard answers that match the ticket first.
MATCHED = 30
PLACEHOLDERS = (
    "client_name",
    "ticket_number",
    "ticket_subject",
    "product",
    "organisation",
    "engineer_name",
)
_PLACEHOLDER = re.compile(r"\{\{\s*(" + "|".join(PLACEHOLDERS) + r")\s*\}\}")


def offered(
    session: Session, search: SearchService, viewer: Viewer, ticket: Ticket
) -> list[Article]:
    """The standard answers the viewer may read, those matching the ticket first."""
    answers = list(
        session.scalars(
            select(Article)
            .where(
                article_filter(viewer),
                Article.standard_answer.is_(True),
                Article.status == "published",
            )
            .order_by(Article.title, Article.id)
        )
    )
    if not answers:
        return []
    hits = search.similar(viewer, linking.ticket_query(ticket), limit=MATCHED)
    rank = {hit.id: i for i, hit in enumerate(hits)}
    answers.sort(key=lambda a: rank.get(a.id, len(rank)))
    return answers[:OFFERED]


def answer_for(
    session: Session, viewer: Viewer, ticket: Ticket, article_id: str, engineer_name: str
) -> tuple[Article, str]:
    """A standard answer the viewer may read, with the ticket's fields filled in."""
    article = articles.get_article(session, viewer, article_id)
    if not article.standard_answer or article.status != "published":
        raise NotFound(f"article {article_id!r} is not a standard answer")
    return article, fill(article.body_md, values_of(ticket, engineer_name))


def values_of(ticket: Ticket, engineer_name: str) -> dict[str, str]:
    """The placeholders' values for `ticket` (loaded as `desk.get` loads it)."""
    requester = ticket.requester
    return {
        "client_name": ticket.requester_name or (requester.name if requester else ""),
        "ticket_number": ticket.number,
        "ticket_subject": ticket.subject,
        "product": ticket.product.name if ticket.product else "",
        "organisation": ticket.organisation.name if ticket.organisation else "",
        "engineer_name": engineer_name,
    }


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each known placeholder replaced by its value; nothing else is touched."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
