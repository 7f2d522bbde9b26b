"""The search trail of a portal visit: what the client looked for before asking.

Assembled from search events, article views and ask-form suggestions of one visit, and
attached to the ticket so the support team starts where the client left off.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.articles.models import Article
from kb_service.feedback.models import ArticleView
from kb_service.search.models import SearchEvent
from tickets.asking import suggestions_of
from tickets.models import AskVisit

# Older steps of a long-lived visit say little about today's problem.
LOOKBACK = timedelta(hours=24)
MAX_STEPS = 50


def visit_trail(session: Session, ask: AskVisit, now: datetime) -> dict:
    """Queries, articles viewed and suggestions of the visit, oldest first, as plain JSON."""
    since = now - LOOKBACK
    searches = session.scalars(
        select(SearchEvent)
        .where(SearchEvent.visit_id == ask.visit_id, SearchEvent.created_at >= since)
        .order_by(SearchEvent.created_at, SearchEvent.id)
        .limit(MAX_STEPS)
    ).all()
    views = session.execute(
        select(ArticleView.article_id, Article.title, ArticleView.created_at)
        .join(Article, Article.id == ArticleView.article_id)
        .where(ArticleView.visit_id == ask.visit_id, ArticleView.created_at >= since)
        .order_by(ArticleView.id)
        .limit(MAX_STEPS)
    ).all()
    return {
        "visit_id": ask.visit_id,
        "from_article": ask.article_id,
        "searches": [
            {
                "query": s.query,
                "results": s.result_count,
                "clicked": s.clicked_article_id,
                "at": s.created_at.isoformat(),
            }
            for s in searches
        ],
        "viewed": [
            {"article_id": article_id, "title": title, "at": at.isoformat()}
            for article_id, title, at in views
        ],
        "suggested": [
            {
                "article_id": s.article_id,
                "title": s.article.title,
                "query": s.query,
                "shown_at": s.shown_at.isoformat(),
                "clicked_at": s.clicked_at.isoformat() if s.clicked_at else None,
            }
            for s in suggestions_of(session, ask.id)
        ],
    }


@dataclass(frozen=True)
class Search:
    """One query of the trail, however often it was repeated, with the articles it led to."""

    query: str
    times: int
    results: int
    clicked: list[tuple[str, str]]  # (article id, title)


@dataclass(frozen=True)
class Trail:
    searches: list[Search]
    viewed: list[tuple[str, str]]
    suggested: list[tuple[str, str, bool]]  # (article id, title, opened)

    def __bool__(self) -> bool:
        return bool(self.searches or self.viewed or self.suggested)


def summary(session: Session, trail: dict) -> Trail:
    """The trail as the desk reads it: each query once with its count, articles by title."""
    titles = {v["article_id"]: v["title"] for v in trail.get("viewed", [])}
    titles |= {s["article_id"]: s["title"] for s in trail.get("suggested", [])}
    unknown = {s["clicked"] for s in trail.get("searches", []) if s.get("clicked")} - set(titles)
    if unknown:
        query = select(Article.id, Article.title).where(Article.id.in_(sorted(unknown)))
        titles |= dict(session.execute(query).all())
    return Trail(
        searches=_searches(trail.get("searches", []), titles),
        viewed=list(
            _once((v["article_id"], titles[v["article_id"]]) for v in trail.get("viewed", []))
        ),
        suggested=[
            (s["article_id"], s["title"], bool(s.get("clicked_at")))
            for s in trail.get("suggested", [])
        ],
    )


def _searches(steps: list[dict], titles: dict[str, str]) -> list[Search]:
    by_query: dict[str, dict] = {}
    for step in steps:
        key = " ".join(step["query"].lower().split())
        seen = by_query.setdefault(key, {"query": step["query"], "times": 0, "clicked": {}})
        seen["times"] += 1
        seen["results"] = step.get("results") or 0
        if step.get("clicked"):
            seen["clicked"][step["clicked"]] = titles.get(step["clicked"], step["clicked"])
    return [
        Search(s["query"], s["times"], s["results"], list(s["clicked"].items()))
        for s in by_query.values()
    ]


def _once(items):
    seen = set()
    for item in items:
        if item not in seen:
            seen.add(item)
            yield item
