"""Column types that keep money exact and instants in UTC on both SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Amounts are stored as whole ten-thousandths of the currency unit. SQLite has no exact decimal
# type (NUMERIC columns hold floats there), and integers compare and sum exactly in SQL on both
# databases. Four places cover every ISO 4217 currency (at most 3 minor digits) with one spare.
MONEY_SCALE = 4
_FACTOR = Decimal(10) ** MONEY_SCALE


class Money(TypeDecorator[Decimal]):
    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, Decimal | int):  # ints are exact; floats are not
            raise TypeError(f"money must be a Decimal, not {type(value).__name__}")
        scaled = value * _FACTOR
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {MONEY_SCALE} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / _FACTOR).quantize(Decimal(1).scaleb(-MONEY_SCALE))


class UTCDateTime(TypeDecorator[datetime]):
    """Accepts only aware datetimes; stores UTC; always returns aware UTC datetimes.

    SQLite keeps no offset, so values are written there as naive UTC and re-labelled on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
