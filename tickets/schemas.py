"""What the ticket services accept: the portal's ask form and the API's bodies and answers."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kb_service.hostile_input import DB_INT_MAX, NulFree

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# The lengths of TicketAttachment's columns.
MAX_FILENAME = 255
MAX_CONTENT_TYPE = 100
MAX_EXTENSION = 16
GENERIC_TYPE = "application/octet-stream"

Priority = Literal["low", "normal", "high", "urgent"]


class TicketDraft(NulFree):
    model_config = ConfigDict(str_strip_whitespace=True)

    subject: str = Field(min_length=3, max_length=300)
    body: str = Field(min_length=10, max_length=50_000)
    product: str | None = Field(None, max_length=64, description="Product code.")
    email: str | None = Field(None, max_length=254, description="Anonymous requester only.")
    equipment_id: str | None = Field(
        None, max_length=100, description="An item of the client's organisation."
    )


class Upload(BaseModel):
    """A file as the portal received it, its name and type cut to what a ticket keeps.

    Both come from the client's machine, not from what the person typed: a name too long is
    cut (keeping its extension) and a type that is no real type becomes the generic one,
    rather than refusing the request.
    """

    filename: str
    content_type: str
    content: bytes

    @field_validator("filename")
    @classmethod
    def _short_name(cls, name: str) -> str:
        name = "".join(c for c in name if c.isprintable()).replace("\\", "/").rsplit("/", 1)[-1]
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension) > MAX_EXTENSION:
            stem, extension = name, ""
        else:
            extension = dot + extension
        return stem[: MAX_FILENAME - len(extension)] + extension

    @field_validator("content_type")
    @classmethod
    def _known_shape(cls, content_type: str) -> str:
        if len(content_type) > MAX_CONTENT_TYPE or not content_type.isprintable():
            return GENERIC_TYPE
        return content_type


# --- The API ------------------------------------------------------------------------------


class TicketIn(NulFree):
    """A new ticket. A client opens it for themself; staff open it on a client's behalf
    (a phone call) by naming the requester."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    subject: str = Field(min_length=3, max_length=300)
    body: str = Field(min_length=1, max_length=50_000)
    product: str | None = Field(None, max_length=64, description="Product code.")
    category: str | None = Field(None, max_length=64, description="Category slug (staff).")
    priority: Priority = "normal"
    channel: Literal["api", "phone"] = Field(
        "api", description="How the request came in; staff entering a call use `phone`."
    )
    requester_email: str | None = Field(None, max_length=254, description="Staff only.")
    requester_name: str = Field("", max_length=200, description="Staff only.")
    requester_phone: str = Field("", max_length=40, description="Staff only.")
    organisation_id: int | None = Field(None, ge=1, le=DB_INT_MAX, description="Staff only.")
    equipment_id: str | None = Field(
        None,
        max_length=100,
        description="An item of the ticket's organisation (a client: their own); its product "
        "becomes the ticket's.",
    )


class ActionIn(NulFree):
    """The fields an action takes; each action reads those it needs (see the action list)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    text: str = Field("", max_length=50_000, description="Message, note, solution or reason.")
    priority: Priority | None = None
    category: str | None = Field(None, max_length=64, description='Slug; "" clears it.')
    product: str | None = Field(None, max_length=64, description='Code; "" clears it.')
    organisation_id: int | None = Field(None, ge=1, le=DB_INT_MAX)
    assignee_id: int | None = Field(None, ge=1, le=DB_INT_MAX)
    group_id: int | None = Field(None, ge=1, le=DB_INT_MAX)
    outside_id: int | None = Field(None, ge=1, le=DB_INT_MAX, description="Outside firm.")
    reference: str = Field("", max_length=200, description="The outside firm's reference.")
    promised_at: datetime | None = Field(None, description="When the outside firm promised.")
    escalation_id: int | None = Field(None, ge=1, le=DB_INT_MAX)
    equipment_id: str | None = Field(
        None,
        max_length=100,
        description='set_equipment: an item of the ticket\'s organisation; "" clears it.',
    )


class MessageOut(BaseModel):
    id: int
    author: str
    author_kind: str
    body: str
    internal: bool
    resolution: bool
    channel: str
    created_at: datetime


class EventOut(BaseModel):
    action: str
    actor: str | None
    changes: dict
    reason: str
    created_at: datetime


class EscalationOut(BaseModel):
    id: int
    kind: str
    to: str | None
    reference: str
    promised_at: datetime | None
    resolved_at: datetime | None
    reason: str
    created_at: datetime


class TicketEquipmentOut(BaseModel):
    """The installed item a ticket is about, with what the desk needs at a glance."""

    id: str
    product: str
    product_name: str
    version: str | None
    serial: str | None
    location: str | None
    installed_on: date | None
    warranty_until: date | None
    warranty: Literal["under_warranty", "expired", "unknown"]
    contract: str | None


class TicketSummary(BaseModel):
    number: str
    subject: str
    status: str
    priority: str
    channel: str
    requester_email: str
    product: str | None
    category: str | None
    assignee_id: int | None
    group_id: int | None
    created_at: datetime
    updated_at: datetime
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    breached: bool
    version: int


class TicketOut(TicketSummary):
    body: str
    requester_name: str
    organisation_id: int | None
    resolved_at: datetime | None
    closed_at: datetime | None
    solution_sent_at: datetime | None
    close_due_at: datetime | None
    equipment: TicketEquipmentOut | None
    messages: list[MessageOut]
    history: list[EventOut]
    escalations: list[EscalationOut]
    actions: list[str] = Field(description="What the caller may do next.")


class TicketPage(BaseModel):
    total: int
    results: list[TicketSummary]


class GroupIn(NulFree):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    tier: int = Field(1, ge=1, le=9)
    email: str = Field("", max_length=254)
    members: list[Annotated[int, Field(ge=1, le=DB_INT_MAX)]] = Field(
        default_factory=list, max_length=500, description="Ids of the engineers in it."
    )


class GroupOut(BaseModel):
    id: int
    name: str
    tier: int
    email: str
    members: list[int]


class OutsideIn(NulFree):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["vendor", "manufacturer", "dealer"] = "vendor"
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)


class OutsideOut(OutsideIn):
    id: int


class CategoryIn(NulFree):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    slug: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name_ru: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)


class CategoryOut(CategoryIn):
    id: int


# --- Tickets and the knowledge base (tickets/linking.py, conversion.py) ----------------------


class ArticleLinkIn(NulFree):
    """Link an article to the ticket: it solved it ("used"), or flag it (wrong, outdated)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    article_id: str = Field(min_length=1, max_length=100)
    relation: Literal["used", "flagged"] = "used"
    reason: Literal["wrong", "outdated"] | None = Field(None, description="Flags only.")
    comment: str = Field("", max_length=2000, description="Flags only: what is wrong.")


class ArticleLinkOut(BaseModel):
    article_id: str
    title: str
    relation: str
    reason: str
    comment: str
    url: str
    created_at: datetime


class ArticleHitOut(BaseModel):
    article_id: str
    title: str
    snippet: str
    url: str


class TicketArticlesOut(BaseModel):
    links: list[ArticleLinkOut]
    suggestions: list[ArticleHitOut] = Field(description="Staff only: matching articles.")


class DraftOut(BaseModel):
    """The draft article written from a solved ticket."""

    article_id: str
    title: str
    language: str
    status: str
    groups: list[str]
    products: list[str]
    category: str | None
    body: str
    url: str


class StandardAnswerOut(BaseModel):
    article_id: str
    title: str
    text: str = Field(description="The article's Markdown with the ticket's fields filled in.")
