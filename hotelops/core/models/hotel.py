"""The hotel and its code tables: room types, boards, markets, segments, sources, agencies,
users."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from hotelops.core.models.base import fk, hotel_fk, timestamp, unique_per_hotel


class Hotel(SQLModel, table=True):
    """A property. ``business_date`` is the hotel's trading day, rolled by the night audit."""

    __tablename__ = "hotels"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=120)
    currency: str = Field(max_length=3)
    timezone: str = Field(default="Europe/Istanbul", max_length=64)
    business_date: date
    city: str = Field(default="", max_length=80)
    country: str = Field(default="", max_length=2)
    created_at: datetime = timestamp()


class _CodeTable(SQLModel):
    """A hotel-owned list of codes with names (board, market, segment, source)."""

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    code: str = Field(max_length=32)
    name: str = Field(default="", max_length=120)


class RoomType(SQLModel, table=True):
    """A sellable room type with its capacity (standard/maximum adults, maximum children)."""

    __tablename__ = "room_types"
    __table_args__ = (unique_per_hotel("room_types", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    code: str = Field(max_length=32)
    name: str = Field(max_length=120)
    room_count: int = Field(ge=0)
    std_adults: int = 2
    max_adults: int = 2
    max_children: int = 0
    group_code: str = Field(default="", max_length=32)
    sort_order: int = 0


class Board(_CodeTable, table=True):
    """Pansiyon: RO, BB, HB, FB, AI, UAI ..."""

    __tablename__ = "boards"
    __table_args__ = (unique_per_hotel("boards", "code"),)


class Market(_CodeTable, table=True):
    """A source market (UK, DE, PL ...)."""

    __tablename__ = "markets"
    __table_args__ = (unique_per_hotel("markets", "code"),)


class Segment(_CodeTable, table=True):
    """A market segment for reporting (tour operator, OTA, direct ...)."""

    __tablename__ = "segments"
    __table_args__ = (unique_per_hotel("segments", "code"),)


class Source(_CodeTable, table=True):
    """Where a booking came from (operator API, e-mail, phone ...)."""

    __tablename__ = "sources"
    __table_args__ = (unique_per_hotel("sources", "code"),)


class Agency(SQLModel, table=True):
    """The hotel's agency card; its defaults fill market, segment, source and price code."""

    __tablename__ = "agencies"
    __table_args__ = (unique_per_hotel("agencies", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    code: str = Field(max_length=32)
    name: str = Field(max_length=120)
    name_folded: str = Field(default="", max_length=120, index=True)
    market_id: int | None = fk("markets.id", nullable=True)
    segment_id: int | None = fk("segments.id", nullable=True)
    source_id: int | None = fk("sources.id", nullable=True)
    price_code: str = Field(default="", max_length=32)
    country: str = Field(default="", max_length=2)
    active: bool = True


class User(SQLModel, table=True):
    """An office user: recorded in the audit log, an approver in internal approvals."""

    __tablename__ = "users"
    __table_args__ = (unique_per_hotel("users", "username"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    username: str = Field(max_length=64)
    name: str = Field(max_length=120)
    email: str = Field(default="", max_length=254)
    active: bool = True
