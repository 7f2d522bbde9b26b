"""The search trail of a portal visit: what the client looked for before asking.

Assembled from search events, article views and ask-form suggestions of one visit, and
attached to the ticket so the support team starts where the client left off.
"""

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
