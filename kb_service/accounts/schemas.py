"""What the accounts API accepts and returns."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kb_service.accounts.models import ROLES


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9:_-]{0,99}$")
    description: str = ""


class GroupOut(GroupIn):
    model_config = ConfigDict(from_attributes=True)


class UserIn(BaseModel):
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
