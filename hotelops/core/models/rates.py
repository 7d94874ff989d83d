"""Exchange rates (Döviz kurları): what one unit of a currency is worth in the hotel's currency."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from hotelops.core.models.base import hotel_fk, timestamp
from hotelops.core.sqltypes import Rate


class ExchangeRate(SQLModel, table=True):
    """The rate of ``currency`` on ``on_date``: hotel-currency units for one unit of it."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        UniqueConstraint("hotel_id", "currency", "on_date", name="uq_exchange_rates_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    currency: str = Field(max_length=3)
    on_date: date = Field(index=True)
    rate: Decimal = Field(sa_type=Rate)
    source: str = Field(default="", max_length=200)
    imported_at: datetime = timestamp()
