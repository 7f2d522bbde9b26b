"""What the ticket services accept from the portal's ask form."""

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kb_service.hostile_input import NulFree

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# The lengths of TicketAttachment's columns.
MAX_FILENAME = 255
MAX_CONTENT_TYPE = 100
MAX_EXTENSION = 16
GENERIC_TYPE = "application/octet-stream"


class TicketDraft(NulFree):
    model_config = ConfigDict(str_strip_whitespace=True)

    subject: str = Field(min_length=3, max_length=300)
    body: str = Field(min_length=10, max_length=50_000)
    product: str | None = Field(None, max_length=64, description="Product code.")
    email: str | None = Field(None, max_length=254, description="Anonymous requester only.")


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
