"""Articles, their versions, categories and tags."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb_service.accounts.models import AccessGroup, User
from kb_service.catalogue.models import Product
from kb_service.db import Base, UTCDateTime, utcnow

LANGUAGES = ("ru", "en")
STATUSES = ("draft", "in_review", "published", "archived")
# What a review row records: the author asks, a reviewer approves or sends it back, anyone notes.
REVIEW_DECISIONS = ("submitted", "approved", "changes_requested", "comment")

article_product = Table(
    "article_product",
    Base.metadata,
    Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
)

article_group = Table(
    "article_group",
    Base.metadata,
    Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("access_group.id", ondelete="CASCADE"), primary_key=True),
)

article_tag = Table(
    "article_tag",
    Base.metadata,
    Column("article_id", ForeignKey("article.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class ArticleBody(Base):
    """The text of an article at one or more of its versions; never changed once written
    (but for its HTML, which `spravka rerender` may render again from the same Markdown).

    Kept out of the article row so that rows an import switches are small: on SQLite an
    UPDATE rewrites the whole row, and rewriting 20,000 rows with their bodies in place held
    the write lock 2.5 s on an idle machine, against about 0.1 s without them.
    """

    __tablename__ = "article_body"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: an import writes the bodies of new articles before the articles exist.
    article_id: Mapped[str] = mapped_column(String(100))
    body_md: Mapped[str] = mapped_column(Text)
    # Rendered and sanitised once, on save; pages print this and nothing else. Empty for
    # bodies of versions saved before bodies had a table of their own (never shown).
    body_html: Mapped[str] = mapped_column(Text)


class Article(Base):
    __tablename__ = "article"
    # "Newest published first, the first few": walked in index order and stopped early
    # (0.3 ms at 20,000 articles) instead of sorting every published article (100 ms).
    __table_args__ = (Index("ix_article_status_updated_at", "status", "updated_at", "id"),)

    # The import id ("kb-0001"): stable across systems, so it is the key everywhere.
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    # No foreign key (see ArticleBody.article_id): the import switches to bodies it wrote.
    body_id: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Optimistic concurrency: every save bumps it; an edit based on an older one is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When an editor should next check that it still holds (the "due for review" list).
    review_by: Mapped[date | None] = mapped_column(Date, index=True)
    # The same article in its other language carries the same key (the first one's id).
    translation_key: Mapped[str | None] = mapped_column(String(100), index=True)
    # Offered to engineers as a reply to insert in one click (canned response and KB as one).
    standard_answer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    category: Mapped[Category | None] = relationship(lazy="raise")
    author: Mapped[User | None] = relationship(lazy="raise")
    products: Mapped[list[Product]] = relationship(secondary=article_product, lazy="raise")
    groups: Mapped[list[AccessGroup]] = relationship(secondary=article_group, lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=article_tag, lazy="raise")
    # Every reader of an article reads its text: joined into the same query.
    body: Mapped[ArticleBody] = relationship(
        primaryjoin="foreign(Article.body_id) == ArticleBody.id", lazy="joined", innerjoin=True
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def group_names(self) -> list[str]:
        return sorted(group.name for group in self.groups)

    @property
    def body_md(self) -> str:
        return self.body.body_md

    @property
    def body_html(self) -> str:
        return self.body.body_html


class ArticleVersion(Base):
    """A saved state of an article: who saved what, and when."""

    __tablename__ = "article_version"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    # Shared with the article and its other versions while the text stays the same.
    body_id: Mapped[int] = mapped_column(Integer, index=True)
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16))
    # The audience and products at that moment (KCS reports ask who could read it when).
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    editor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[User | None] = relationship(lazy="raise")
    body: Mapped[ArticleBody] = relationship(
        primaryjoin="foreign(ArticleVersion.body_id) == ArticleBody.id",
        lazy="joined",
        innerjoin=True,
    )

    @property
    def body_md(self) -> str:
        return self.body.body_md


class ArticleReview(Base):
    """One step of an article's review: a submission, a decision or a comment, with its words."""

    __tablename__ = "article_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    # The version the step was about, so a thread reads against the history.
    version: Mapped[int] = mapped_column(Integer)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(String(24))  # one of REVIEW_DECISIONS
    # On a submission: the editor asked to review it (None: any editor but the author).
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User | None] = relationship(foreign_keys=[by_id], lazy="raise")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id], lazy="raise")


class ArticleFile(Base):
    """An image or file uploaded for an article; its bytes live in the store by content hash.

    Served only to viewers who may read the article (portal.article_file), so an image of an
    internal article cannot be fetched by guessing its URL.
    """

    __tablename__ = "article_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[str] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ImportBatch(Base):
    """An article import whose rows are being written aside (kb_service.articles.staging).

    Claimed (deleted) by the import's final switch; one left behind is a killed or failed
    import, and its staged rows are discarded by the next import.
    """

    __tablename__ = "article_import_batch"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StagedArticle(Base):
    """An article as an import will leave it, invisible until the import's final switch."""

    __tablename__ = "staged_article"

    # No foreign keys: a staged row outlives nothing it names and must not block deletes.
    batch: Mapped[str] = mapped_column(String(36), primary_key=True)
    article_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    # The version the import read, so a save since then stops the import; None: a new article.
    read_version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    # Written to article_body while staging; nothing refers to it before the switch.
    body_id: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    category: Mapped[str | None] = mapped_column(String(100))  # a slug, resolved at the switch
    groups: Mapped[list[str]] = mapped_column(JSON)
    products: Mapped[list[str]] = mapped_column(JSON)
    payload: Mapped[dict] = mapped_column(JSON)  # the outbox event's


class StagedLink(Base):
    """A product, group or tag of a staged article, by name (ids are resolved at the switch)."""

    __tablename__ = "staged_article_link"

    batch: Mapped[str] = mapped_column(String(36), primary_key=True)
    article_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)  # product, group or tag
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
