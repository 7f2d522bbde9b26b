"""What the planning API accepts and returns."""

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from kb_service.hostile_input import DB_INT_MAX, NulFree

Kind = Literal["visit", "task", "absence"]


class PlannedWorkIn(NulFree):
    """Planned work as a whole: what a new item needs, and what an edited one must still be."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    engineer_id: int = Field(ge=1, le=DB_INT_MAX)
    kind: Kind
    title: str = Field(min_length=1, max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    # The number of the ticket a visit serves ("10042"); None for standalone work.
    ticket: str | None = Field(None, max_length=32)
    location: str = Field("", max_length=300)
    notes: str = Field("", max_length=5000)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @field_validator("ticket")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class PlannedWorkPatch(NulFree):
    """The fields to change; the others keep their values."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    engineer_id: int | None = Field(None, ge=1, le=DB_INT_MAX)
    kind: Kind | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    ticket: str | None = Field(None, max_length=32)
    location: str | None = Field(None, max_length=300)
    notes: str | None = Field(None, max_length=5000)


class PlannedWorkOut(BaseModel):
    id: int
    engineer_id: int
    engineer: str
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    ticket: str | None
    location: str
    notes: str
    created_by_id: int | None
    created_at: datetime
    version: int
