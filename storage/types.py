"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def sealed_length(chars: int) -> int:
    """The longest Fernet token (what :meth:`bot.crypto.Vault.encrypt` stores) of a text of
    ``chars`` characters: every character 4 bytes in UTF-8 (emoji, rare CJK), padded to
    AES blocks, with version, time stamp, IV and HMAC, in URL-safe base64.

    Encrypted columns are sized from this, so no text a form accepts is too long for the
    column on PostgreSQL (SQLite does not enforce a length).
    """
    plain = 4 * chars
    padded = (plain // 16 + 1) * 16
    raw = 1 + 8 + 16 + padded + 32
    return 4 * -(-raw // 3)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so values are stored as
    naive UTC and made aware again on the way out. Naive datetimes are refused on the way
    in, so local wall-clock time can never be stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)
