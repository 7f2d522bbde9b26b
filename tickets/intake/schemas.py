"""What the intake's API shows: messages in the quarantine, and what a retry made of one."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class QuarantinedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    subject: str
    sender: str
    # Why it could not be taken ("no sender address ...", the error of a failed filing).
    reason: str
    size: int
    attempts: int
    received_at: datetime
    retried_at: datetime | None


class TakenOut(BaseModel):
    outcome: str
    ticket: str | None
    subject: str
