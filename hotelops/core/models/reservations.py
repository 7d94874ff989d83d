"""The hotel's own books: reservations, their nights and guests, folios and folio lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hotelops.core.models.base import choice, fk, hotel_fk, json_list, money, timestamp


class ReservationStatus(StrEnum):
    """Where a hotel reservation stands."""

    RESERVED = "reserved"
    IN_HOUSE = "in_house"
    CHECKED_OUT = "checked_out"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


#: Statuses that hold a room (count against availability).
ACTIVE_STATUSES = (ReservationStatus.RESERVED, ReservationStatus.IN_HOUSE)


class HotelReservation(SQLModel, table=True):
    """A reservation in the hotel's books; ``inbox_reservation_id``: the inbox row it came from."""

    __tablename__ = "hotel_reservations"
    __table_args__ = (
        Index("ix_hotel_reservations_hotel_voucher", "hotel_id", "voucher"),
        Index("ix_hotel_reservations_hotel_stay", "hotel_id", "arrival", "departure"),
    )

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    voucher: str = Field(default="", max_length=64)
    agency_id: int | None = fk("agencies.id", nullable=True)
    room_type_id: int = fk("room_types.id")
    board_id: int | None = fk("boards.id", nullable=True)
    market_id: int | None = fk("markets.id", nullable=True)
    segment_id: int | None = fk("segments.id", nullable=True)
    source_id: int | None = fk("sources.id", nullable=True)
    price_code: str = Field(default="", max_length=32)
    arrival: date
    departure: date
    adults: int = 2
    children: int = 0
    child_ages: list[int] = json_list()
    infants: int = 0
    room_count: int = 1
    status: ReservationStatus = choice(ReservationStatus, ReservationStatus.RESERVED, index=True)
    nationality: str = Field(default="", max_length=3)
    guest_names: str = ""
    guest_names_folded: str = Field(default="", index=True)
    currency: str = Field(default="EUR", max_length=3)
    note: str = ""
    cancellation_date: date | None = None
    cancellation_note: str = ""
    inbox_reservation_id: int | None = Field(
        default=None, foreign_key="inbox_reservations.id", ondelete="SET NULL", unique=True
    )
    version: int = 1
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class ReservationNight(SQLModel, table=True):
    """The price of one night of a reservation: contract price, discount, what the guest pays."""

    __tablename__ = "reservation_nights"
    __table_args__ = (
        UniqueConstraint("hotel_reservation_id", "night", name="uq_reservation_nights_night"),
    )

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    hotel_reservation_id: int = fk("hotel_reservations.id", cascade=True)
    night: date
    contract_price: Decimal = money(Decimal(0), nullable=False)
    discount: Decimal = money(Decimal(0), nullable=False)
    price: Decimal = money(Decimal(0), nullable=False)
    currency: str = Field(default="EUR", max_length=3)
    note: str = ""


class ReservationGuest(SQLModel, table=True):
    """A guest staying on a reservation, linked to a guest profile when known."""

    __tablename__ = "reservation_guests"

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    hotel_reservation_id: int = fk("hotel_reservations.id", cascade=True)
    guest_profile_id: int | None = fk("guest_profiles.id", nullable=True)
    seq: int = 0
    title: str = Field(default="", max_length=16)
    first_name: str = Field(default="", max_length=80)
    last_name: str = Field(default="", max_length=80)
    age: int | None = None


class Folio(SQLModel, table=True):
    """A reservation's account; number 1 is the room folio."""

    __tablename__ = "folios"
    __table_args__ = (UniqueConstraint("hotel_reservation_id", "number", name="uq_folios_number"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    hotel_reservation_id: int = fk("hotel_reservations.id", cascade=True)
    number: int = 1
    name: str = Field(default="Room", max_length=60)
    currency: str = Field(default="EUR", max_length=3)
    closed: bool = False
    created_at: datetime = timestamp()


class FolioLine(SQLModel, table=True):
    """A charge on a folio. ``(hotel_reservation_id, business_date, source)`` is unique, so a
    night audit that runs twice for a date posts nothing new."""

    __tablename__ = "folio_lines"
    __table_args__ = (
        UniqueConstraint(
            "hotel_reservation_id", "business_date", "source", name="uq_folio_lines_identity"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    folio_id: int = fk("folios.id", cascade=True)
    hotel_reservation_id: int = fk("hotel_reservations.id", cascade=True)
    business_date: date = Field(index=True)
    department: str = Field(max_length=32)
    revenue_code: str = Field(max_length=32)
    amount: Decimal = money(nullable=False)
    currency: str = Field(default="EUR", max_length=3)
    vat_percent: Decimal = money(Decimal(0), nullable=False)
    vat_amount: Decimal = money(Decimal(0), nullable=False)
    description: str = ""
    source: str = Field(max_length=80)
    posted_at: datetime = timestamp()
