"""Request bodies. Strict: unknown fields and wrong types are a 422 with the reason."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    return False


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _storable(cls, v: Any) -> Any:
        """NUL and lone surrogates cannot be stored (PostgreSQL text, UTF-8): refuse them here with
        a 422 rather than fail in the database with a misleading 503."""
        if _unstorable(v):
            raise ValueError("text contains a NUL or an unpaired surrogate character")
        return v


class AccountIn(_Strict):
    borrower_name: str | None = Field(default=None, max_length=200)
    creditor: str = Field(min_length=1, max_length=200)
    balance: Decimal = Field(ge=0, le=Decimal("1000000000"), max_digits=14, decimal_places=2)
    currency: str = Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")
    days_past_due: int = Field(default=0, ge=0, le=36500)
    jurisdiction: Literal["US", "UK", "CN"]
    language: Literal["en", "zh"]
    timezone: str | None = Field(default=None, max_length=64)
    verification: dict[str, str] = Field(default_factory=dict, max_length=10)

    @field_validator("verification")
    @classmethod
    def _facts(cls, v: dict[str, str]) -> dict[str, str]:
        for name, value in v.items():
            if not (1 <= len(name) <= 40) or len(value) > 100:
                raise ValueError("verification facts: names 1-40 characters, values up to 100")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v


class ConversationIn(_Strict):
    account_id: str = Field(min_length=1, max_length=128)
    identity_verified: bool = False


class MessageIn(_Strict):
    text: str = Field(min_length=1, max_length=100_000)


class StaffLogin(_Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class AssignIn(_Strict):
    assignee: str = Field(min_length=1, max_length=64)


class DemoConversationIn(_Strict):
    account_id: str = Field(default="demo-us", max_length=128)
