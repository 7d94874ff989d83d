"""Contracts (Kontrat, price codes) and promotions (Aksiyon ve İndirimler).

Both are kept as the whole normalized spec in a JSON column (money as strings), plus the columns
the lists filter and sort on. The spec is the unit users edit, import and export; the engine
prices from the spec, never from scattered rows, so what was imported is exactly what prices.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Field, SQLModel

from hotelops.core.models.base import hotel_fk, json_dict, timestamp, unique_per_hotel


class Contract(SQLModel, table=True):
    """A contract: its code is the price code agencies and reservations name."""

    __tablename__ = "contracts"
    __table_args__ = (unique_per_hotel("contracts", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    code: str = Field(max_length=32)
    name: str = Field(default="", max_length=120)
    valid_from: date
    valid_to: date
    currency: str = Field(max_length=3)
    active: bool = True
    data: dict[str, Any] = json_dict()
    imported_at: datetime = timestamp()
    source: str = Field(default="", max_length=255)


class Promotion(SQLModel, table=True):
    """A promotion (stay/pay, percent, early booking ...); ``data`` is its whole spec."""

    __tablename__ = "promotions"
    __table_args__ = (unique_per_hotel("promotions", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    code: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    priority: int = 0
    auto_apply: bool = True
    active: bool = True
    data: dict[str, Any] = json_dict()
    imported_at: datetime = timestamp()
    source: str = Field(default="", max_length=255)
