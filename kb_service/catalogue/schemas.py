"""What the catalogue API and the importer accept and return."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kb_service.hostile_input import NulFree

CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class ProductIn(NulFree):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = None
    versions: list[str] = Field(default_factory=list)
    description: str = ""


class ProductImport(NulFree):
    """One line of a products JSONL file (DESIGN.md)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = None
    versions: list[str] = Field(default_factory=list)
    description: str = ""


class ProductOut(BaseModel):
    code: str
    name: str
    parent: str | None
    versions: list[str]
    description: str
    status: Literal["active", "discontinued"]
    updated_at: datetime
