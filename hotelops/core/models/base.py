"""Shared column helpers for the SQLModel tables.

Each helper returns a fresh ``Field`` (no shared ``Column`` objects), so it can be used in base
classes that several tables inherit from.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field

from hotelops.core.sqltypes import Money, UTCDateTime, utcnow


def hotel_fk() -> Any:
    """``hotel_id``: every hotel-owned row says whose it is (hotel groups share a database)."""
    return Field(foreign_key="hotels.id", ondelete="CASCADE", index=True)


def fk(target: str, *, nullable: bool = False, cascade: bool = False) -> Any:
    """A foreign key to ``target`` (``"table.id"``); optional ones are cleared on delete."""
    if nullable:
        return Field(default=None, foreign_key=target, ondelete="SET NULL", index=True)
    return Field(foreign_key=target, ondelete="CASCADE" if cascade else "RESTRICT", index=True)


def money(default: Decimal | None = None, *, nullable: bool = True) -> Any:
    """An exact money column (``Decimal``, see ``sqltypes.Money``)."""
    return Field(default=default, sa_type=Money, nullable=nullable)


def timestamp(*, now: bool = True, index: bool = False) -> Any:
    """A UTC-aware timestamp; ``now`` gives it the current time by default."""
    if now:
        return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=index)
    return Field(default=None, sa_type=UTCDateTime, nullable=True, index=index)


def choice(enum: type[StrEnum], default: StrEnum, *, index: bool = False) -> Any:
    """A ``StrEnum`` stored as text (no database enum types: they differ between engines)."""
    width = max(8, *(len(member.value) for member in enum))
    return Field(default=default, sa_type=String(width), nullable=False, index=index)


def json_list() -> Any:
    """A JSON list column."""
    return Field(default_factory=list, sa_type=JSON, nullable=False)


def json_dict(*, nullable: bool = False) -> Any:
    """A JSON object column."""
    if nullable:
        return Field(default=None, sa_type=JSON, nullable=True)
    return Field(default_factory=dict, sa_type=JSON, nullable=False)


def unique_per_hotel(table: str, *columns: str) -> UniqueConstraint:
    """A code is unique within one hotel."""
    return UniqueConstraint("hotel_id", *columns, name=f"uq_{table}_{'_'.join(columns)}")
