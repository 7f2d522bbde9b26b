"""What the accounts API accepts and returns."""

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kb_service.access import PRODUCT_GROUP_PREFIX
from kb_service.accounts.models import ROLES
from kb_service.catalogue.schemas import CODE
from kb_service.hostile_input import NulFree

NAMED_GROUP = re.compile(r"[a-z0-9][a-z0-9:_-]{0,99}")
# Owners of a product get `product:` + its code (kb_service.access); codes keep their case.
PRODUCT_GROUP = re.compile(PRODUCT_GROUP_PREFIX + CODE.removeprefix("^").removesuffix("$"))


class GroupIn(NulFree):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str
    description: str = ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        pattern = PRODUCT_GROUP if value.startswith(PRODUCT_GROUP_PREFIX) else NAMED_GROUP
        if not pattern.fullmatch(value):
            raise ValueError(
                "a group is lower-case letters, digits and : _ - (at most 100), "
                "or product: followed by a product code such as product:LP-2040"
            )
        return value


class GroupOut(BaseModel):
    # Not GroupIn: groups made by imports or older releases must still be listed.
    model_config = ConfigDict(from_attributes=True)
    name: str
    description: str


class UserIn(NulFree):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: str = Field(max_length=254)
    name: str = Field("", max_length=200)
    password: str | None = Field(None, min_length=8, max_length=200)
    roles: list[str] = Field(default_factory=lambda: ["client"], description=", ".join(ROLES))
    organisation: str | None = None
    locale: str = Field("ru", pattern="^(ru|en)$")


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(None, max_length=200)
    roles: list[str] | None = Field(None, min_length=1, description=", ".join(ROLES))
    is_active: bool | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current: str = Field(max_length=1000)
    new: str = Field(min_length=8, max_length=200)


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    roles: list[str]
    organisation: str | None
    locale: str
    is_active: bool
    created_at: datetime


class TokenIn(NulFree):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=100, description="What the token is for.")


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    user_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The bearer token; shown this once, never again.")
