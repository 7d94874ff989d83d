"""Column types that behave the same on SQLite and PostgreSQL.

* ``Money``: a ``Decimal`` stored exactly as an integer of ten-thousandths (``BigInteger``), so
  SQL ``SUM`` is exact on both engines. SQLAlchemy's ``Numeric`` becomes REAL on SQLite and goes
  through float (PITFALLS.md); this type never does.
* ``Rate``: an exchange rate, a ``Decimal`` of up to ten places stored as an integer of
  10^-10 units, exact on both engines for the same reason.
* ``UTCDateTime``: timestamps are UTC-aware in Python on both engines. SQLite keeps no offset, so
  the value is converted to UTC before it is stored and UTC is attached on load.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from hotelops.core.money import STORAGE_PLACES, to_decimal

_SCALE = 10**STORAGE_PLACES
_CENT = Decimal("0.01")
_STORAGE_QUANTUM = Decimal(1).scaleb(-STORAGE_PLACES)


class Money(TypeDecorator[Decimal]):
    """Exact Decimal with four places, stored as a 64-bit integer (max ±922 trillion)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        amount = to_decimal(value)
        scaled = amount.scaleb(STORAGE_PLACES)
        if scaled != scaled.to_integral_value():
            raise ValueError(
                f"{amount} has more than {STORAGE_PLACES} decimal places; round it first "
                "(hotelops.core.money.round_money)"
            )
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        # SUM() over BIGINT comes back as NUMERIC (a Decimal) on PostgreSQL: still exact.
        amount = Decimal(int(value)) / _SCALE
        # Two places when that is exact (1456.70, not 1456.7000); more only when needed.
        cents = amount.quantize(_CENT)
        return cents if cents == amount else amount.quantize(_STORAGE_QUANTUM)

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


#: Decimal places an exchange rate keeps (a central bank publishes four to six).
RATE_PLACES = 10
_RATE_SCALE = 10**RATE_PLACES


class Rate(TypeDecorator[Decimal]):
    """An exchange rate: exact Decimal with up to ten places, stored as a 64-bit integer."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        rate = to_decimal(value, what="rate")
        scaled = rate.scaleb(RATE_PLACES)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"rate {rate} has more than {RATE_PLACES} decimal places")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / _RATE_SCALE).normalize()

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC ``datetime``; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: attach a time zone (UTC)")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @property
    def python_type(self) -> type[datetime]:
        return datetime


def utcnow() -> datetime:
    """The current time, UTC-aware (the one default for created/received timestamps)."""
    return datetime.now(UTC)
