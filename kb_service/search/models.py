"""Search events: what people looked for, how much they found and what they opened."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb_service.db import Base, UTCDateTime, utcnow


class SearchEvent(Base):
    __tablename__ = "search_event"

    # Random, made by kb_service.activity when the search is queued (not by the database).
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    # Groups the searches and views of one portal visit (the ask-form trail, KCS measures).
    visit_id: Mapped[str | None] = mapped_column(String(64), index=True)
    viewer_kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    query: Mapped[str] = mapped_column(String(500), index=True)
    result_count: Mapped[int] = mapped_column(Integer)
    clicked_article_id: Mapped[str | None] = mapped_column(
        ForeignKey("article.id", ondelete="SET NULL")
    )
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


# How many groups migration 0014 seeds (ids 1 to this): what a fresh installation has.
SEEDED_SYNONYM_GROUPS = 14


class SearchSynonym(Base):
    """One group of equivalent search terms, edited in the staff console (/console/synonyms).

    Applied when searching, never when indexing, so a change needs no reindex.
    """

    __tablename__ = "search_synonym"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The terms, one a line: words or phrases ("вайфай", "беспроводная сеть", "wi-fi").
    terms: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
