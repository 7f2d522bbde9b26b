"""What the ticket services accept from the portal's ask form."""

from pydantic import BaseModel, ConfigDict, Field

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class TicketDraft(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    subject: str = Field(min_length=3, max_length=300)
    body: str = Field(min_length=10, max_length=50_000)
    product: str | None = Field(None, max_length=64, description="Product code.")
    email: str | None = Field(None, max_length=254, description="Anonymous requester only.")


class Upload(BaseModel):
    """A file as the portal received it."""

    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    content: bytes
