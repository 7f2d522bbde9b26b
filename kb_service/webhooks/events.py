"""Which outbox events a webhook hears of, and the body it gets.

Bodies are thin on purpose: what happened, to which ticket or article, when, and the link to
it; never a subject, a message, an article's text or a person. A receiver that needs more
asks the API with a token of its own, where access rules apply. So a webhook registered by an
administrator can never carry a client's words, or an internal article, out of the desk.

The desk's outbox topic "ticket" (tickets/events.py, named here by string: this layer cannot
import the desk) has an "event" kind in its payload; "created" and "resolved" are events of
their own and every other kind is a "ticket.changed" that names it. An article's save (topic
"article.saved") is "article.published" only when it makes the article published: the save
before it (its previous version) was not.
"""

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.articles.models import ArticleVersion
from kb_service.articles.service import TOPIC as ARTICLE_TOPIC
from kb_service.config import Settings
from kb_service.outbox import OutboxEvent

TICKET_TOPIC = "ticket"
EVENTS = ("ticket.created", "ticket.changed", "ticket.resolved", "article.published")
# Desk event kinds that are public events of their own; the others are "ticket.changed".
TICKET_EVENTS = {"created": "ticket.created", "resolved": "ticket.resolved"}


def public_event(session: Session, event: OutboxEvent) -> str | None:
    """The public name of an outbox event, or None when no webhook hears of it."""
    if event.topic == TICKET_TOPIC:
        kind = event.payload.get("event")
        return TICKET_EVENTS.get(kind, "ticket.changed") if kind else None
    if event.topic == ARTICLE_TOPIC and event.payload.get("status") == "published":
        return "article.published" if _newly_published(session, event) else None
    return None


def _newly_published(session: Session, event: OutboxEvent) -> bool:
    version = event.payload.get("version")
    if not isinstance(version, int):
        return False
    before = session.scalar(
        select(ArticleVersion.status).where(
            ArticleVersion.article_id == event.key, ArticleVersion.version == version - 1
        )
    )
    return before != "published"


def body(settings: Settings, name: str, event: OutboxEvent) -> str:
    """The JSON text a receiver gets for `event`, told as `name`."""
    base = settings.base_url.rstrip("/")
    if name.startswith("ticket."):
        number = event.payload.get("number")
        subject = {
            "ticket": {
                "number": number,
                "change": event.payload.get("event"),
                "url": f"{base}/tickets/{number}",
            }
        }
    else:
        subject = {
            "article": {
                "id": event.key,
                "version": event.payload.get("version"),
                "url": f"{base}/articles/{event.key}",
            }
        }
    document = {"event": name, "event_id": event.id, "occurred_at": _iso(event.created_at)}
    return json.dumps(document | subject, ensure_ascii=False, separators=(",", ":"))


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
