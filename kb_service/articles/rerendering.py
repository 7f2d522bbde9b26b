"""Render the stored HTML of current article bodies again, after the renderer changed.

Bodies are rendered once, on save (rendering.py), so a fix to the renderer (a list's own
start number after a code block, kept since `ol start` is allowed) reaches an article only
when it is saved again. `spravka rerender` brings every current body up to the renderer at
once. The stored HTML is a cache of the Markdown through the renderer, so writing it again
changes no text an author wrote and makes no new version; bodies of older versions only
(shown in no page) are left as they are.
"""

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kb_service.articles.models import Article, ArticleBody
from kb_service.articles.rendering import render_markdown

BATCH = 500


def rerender_bodies(session: Session, progress: Callable[[int], None] = lambda n: None) -> int:
    """Store fresh HTML for each current body whose stored HTML the renderer now differs
    from; returns how many changed."""
    # Ids first, then the texts a batch at a time: 100,000 bodies at once would not fit.
    body_ids = list(session.scalars(select(Article.body_id).distinct().order_by(Article.body_id)))
    changed = 0
    for start in range(0, len(body_ids), BATCH):
        batch = body_ids[start : start + BATCH]
        rows = session.execute(
            select(ArticleBody.id, ArticleBody.body_md, ArticleBody.body_html).where(
                ArticleBody.id.in_(batch)
            )
        )
        for body_id, markdown, stored in rows.all():
            html = render_markdown(markdown)
            if html != stored:
                session.execute(
                    update(ArticleBody).where(ArticleBody.id == body_id).values(body_html=html)
                )
                changed += 1
        progress(len(batch))
    return changed
