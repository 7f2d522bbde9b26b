"""What the catalogue API and the importer accept and return."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    merged_into: str | None = Field(None, description="The code of the product it merged into.")
    updated_at: datetime


class EquipmentFields(NulFree):
    """What is known of one installed item, in the API and in the import file alike."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    organisation: str = Field(min_length=1, max_length=200)
    product: str = Field(pattern=CODE)
    version: str | None = Field(None, max_length=64)
    serial: str | None = Field(None, max_length=100)
    location: str | None = Field(None, max_length=300)
    installed_on: date | None = None
    warranty_until: date | None = None
    contract: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _warranty_after_installation(self):
        if self.installed_on and self.warranty_until and self.warranty_until < self.installed_on:
            raise ValueError("warranty_until is before installed_on")
        return self


class EquipmentIn(EquipmentFields):
    id: str = Field(min_length=1, max_length=100)


class EquipmentImport(EquipmentIn):
    """One line of an equipment JSONL file (DESIGN.md)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class EquipmentOut(BaseModel):
    id: str
    organisation: str
    product: str
    product_name: str
    version: str | None
    serial: str | None
    location: str | None
    installed_on: date | None
    warranty_until: date | None
    contract: str | None
    created_at: datetime
    updated_at: datetime
