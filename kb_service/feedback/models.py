"""Article views and feedback votes, each tied to the portal visit they happened in."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kb_service.db import Base, UTCDateTime, utcnow


class ArticleView(Base):
    """One opening of an article page (feedback rate, self-service measures, ticket trails)."""

    __tablename__ = "article_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    # The portal visit: groups views with the searches and the ask form of the same visit.
    visit_id: Mapped[str | None] = mapped_column(String(64), index=True)
    viewer_kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ArticleDailyViews(Base):
    """Views of an article on one UTC day, added to by each batch of views.

    The home page's most read articles sum at most 30 of these per article instead of every
    view of 30 days (0.07 s, growing to 0.5 s at 300,000 views, on every home page).
    """

    __tablename__ = "article_daily_view"

    article_id: Mapped[str] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    views: Mapped[int] = mapped_column(Integer)


class ArticleFeedback(Base):
    """A "did this help?" vote; one per article and visit, a second vote replaces the first."""

    __tablename__ = "article_feedback"
    __table_args__ = (UniqueConstraint("article_id", "visit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    visit_id: Mapped[str] = mapped_column(String(64))
    viewer_kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The editors' feedback queue: set when an editor has dealt with the reader's words.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
