"""Decisions on inbox reservations, and stop sales (dates closed for sale)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Field, SQLModel

from hotelops.core.models.base import fk, hotel_fk, json_dict, timestamp


class InboxDecision(SQLModel, table=True):
    """One decision taken on an inbox reservation: confirm, save, or reject.

    ``channel`` says how the operator was told (ota, alpinebits, json, mail, manual) and
    ``overrides`` which guards the user overrode (ignore_stop_sale, allow_overbooking ...).
    """

    __tablename__ = "inbox_decisions"

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    inbox_reservation_id: int = fk("inbox_reservations.id", cascade=True)
    version: int
    action: str = Field(max_length=16)  # confirm | save | reject
    channel: str = Field(default="", max_length=16)
    channel_result: str = ""
    reason: str = ""
    hotel_reservation_id: int | None = fk("hotel_reservations.id", nullable=True)
    overrides: dict[str, Any] = json_dict()
    user: str = Field(default="", max_length=64)
    at: datetime = timestamp()


class StopSale(SQLModel, table=True):
    """Satış Durdurma: nights closed for sale, for a room type (or all), optionally scoped to
    an agency or a market. Bulk ARI updates (a later issue) write these too."""

    __tablename__ = "stop_sales"

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    room_type: str = Field(default="", max_length=32)  # "" = every room type
    agency: str = Field(default="", max_length=32)  # "" = every agency
    market: str = Field(default="", max_length=32)  # "" = every market
    date_from: date
    date_to: date  # inclusive
    note: str = ""
    created_by: str = Field(default="", max_length=64)
    created_at: datetime = timestamp()
