"""The inbox: raw messages as received, and the operator reservations parsed from them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from hotelops.core.models.base import (
    choice,
    fk,
    hotel_fk,
    json_dict,
    json_list,
    money,
    timestamp,
    unique_per_hotel,
)


class Content(StrEnum):
    """İçerik: what an operator message does."""

    NEW = "new"
    MODIFICATION = "modification"
    CANCELLATION = "cancellation"


class InboxStatus(StrEnum):
    """Durum: the office's decision on an inbox reservation."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RawMessage(SQLModel, table=True):
    """A message exactly as received (mail, XML, JSON), kept whether or not it parsed."""

    __tablename__ = "raw_messages"
    __table_args__ = (unique_per_hotel("raw_messages", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    operator_id: int | None = fk("operators.id", nullable=True)
    source: str = Field(max_length=200)
    source_ref: str = Field(default="", max_length=300)
    message_id: str = Field(default="", max_length=300, index=True)
    sender: str = Field(default="", max_length=254)
    content: bytes = Field(sa_type=LargeBinary)
    size: int = 0
    sha256: str = Field(max_length=64)
    received_at: datetime = timestamp()
    parse_error: str | None = None


class InboxReservation(SQLModel, table=True):
    """Operatör Rezervasyonu: one operator reservation awaiting (or past) the office's decision.

    Identity is ``(operator, voucher)``; when an operator sends several rooms under one voucher,
    each with its own reservation id, that id is part of the key (``operator_res_id``).
    ``version`` counts versions and is the optimistic-lock token for decisions.
    """

    __tablename__ = "inbox_reservations"
    __table_args__ = (
        UniqueConstraint(
            "hotel_id", "operator_id", "voucher", "operator_res_id", name="uq_inbox_identity"
        ),
        # The review grid pages by keyset on (sort value, id) within a hotel and status.
        Index("ix_inbox_grid", "hotel_id", "status", "received_at", "id"),
        Index("ix_inbox_grid_check_in", "hotel_id", "status", "check_in", "id"),
        Index("ix_inbox_grid_sale", "hotel_id", "status", "sale_date", "id"),
        Index("ix_inbox_grid_voucher", "hotel_id", "status", "voucher", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    operator_id: int = fk("operators.id")
    operator_agency: str = Field(default="", max_length=120)
    operator_res_id: str = Field(default="", max_length=64)
    voucher: str = Field(max_length=64, index=True)
    content: Content = choice(Content, Content.NEW, index=True)
    status: InboxStatus = choice(InboxStatus, InboxStatus.PENDING, index=True)
    operator_status: str = Field(default="", max_length=32)
    check_in: date = Field(index=True)
    check_out: date
    nights: int
    sale_date: date | None = None
    received_at: datetime = timestamp(index=True)
    adults: int = 0
    children: int = 0
    child_ages: list[int] = json_list()
    infants: int = 0
    nationality: str = Field(default="", max_length=3)
    operator_room_type: str = Field(default="", max_length=120)
    operator_board: str = Field(default="", max_length=120)
    operator_market: str = Field(default="", max_length=120)
    operator_rate_type: str = Field(default="", max_length=120)
    room_count: int = 1
    operator_price: Decimal | None = money()
    operator_currency: str = Field(default="", max_length=3)
    agency_note: str = ""
    hotel_note: str = ""
    option_date: datetime | None = timestamp(now=False)
    cancellation_date: date | None = None
    cancellation_note: str = ""
    arrival_flight: str = Field(default="", max_length=16)
    arrival_route: str = Field(default="", max_length=32)
    arrival_flight_time: str = Field(default="", max_length=16)
    departure_flight: str = Field(default="", max_length=16)
    departure_route: str = Field(default="", max_length=32)
    departure_flight_time: str = Field(default="", max_length=16)
    sender: str = Field(default="", max_length=254)
    guest_names: str = ""
    guest_names_folded: str = Field(default="", index=True)
    price_code: str = Field(default="", max_length=32)
    source_code: str = Field(default="", max_length=32)
    segment_code: str = Field(default="", max_length=32)
    version: int = 1
    #: Counts decisions; a decision is taken only if nobody decided since the user looked.
    decision_seq: int = 0
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class InboxGuest(SQLModel, table=True):
    """A guest named in an inbox reservation, matched (or not) to a guest profile."""

    __tablename__ = "inbox_guests"

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    inbox_reservation_id: int = fk("inbox_reservations.id", cascade=True)
    seq: int = 0
    title: str = Field(default="", max_length=16)
    first_name: str = Field(default="", max_length=80)
    last_name: str = Field(default="", max_length=80)
    name_folded: str = Field(default="", max_length=170, index=True)
    age: int | None = None
    gender: str = Field(default="", max_length=8)
    birth_date: date | None = None
    passport: str = Field(default="", max_length=32)
    nationality: str = Field(default="", max_length=3)
    guest_profile_id: int | None = fk("guest_profiles.id", nullable=True)


class InboxDocument(SQLModel, table=True):
    """A file that came with a reservation (voucher PDF ...), stored under its content hash."""

    __tablename__ = "inbox_documents"

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    inbox_reservation_id: int = fk("inbox_reservations.id", cascade=True)
    raw_message_id: int | None = fk("raw_messages.id", nullable=True)
    file_name: str = Field(max_length=255)
    size: int = 0
    stored_path: str = Field(max_length=500)
    content_type: str = Field(default="application/octet-stream", max_length=120)
    sha256: str = Field(default="", max_length=64)
    created_at: datetime = timestamp()


class InboxVersion(SQLModel, table=True):
    """One version of an inbox reservation: its parsed data, its diff, and its raw message."""

    __tablename__ = "inbox_versions"
    __table_args__ = (
        UniqueConstraint("inbox_reservation_id", "version_no", name="uq_inbox_versions_no"),
    )

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    inbox_reservation_id: int = fk("inbox_reservations.id", cascade=True)
    version_no: int
    content: Content = choice(Content, Content.NEW)
    raw_message_id: int | None = fk("raw_messages.id", nullable=True)
    received_at: datetime = timestamp()
    data: dict[str, Any] = json_dict()
    diff: dict[str, Any] = json_dict()


class InboxPriceSettings(SQLModel, table=True):
    """What the office set for pricing one inbox reservation (the prices panel's toggles).

    ``manual_prices`` maps ISO dates to amounts (strings) and is used when ``manual_active``;
    ``skipped`` are promotion codes not to apply (Atlanan İndirimler); ``manual`` are promotions
    without auto-apply chosen by hand (Manuel İndirim).
    """

    __tablename__ = "inbox_price_settings"

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    inbox_reservation_id: int = Field(
        foreign_key="inbox_reservations.id", ondelete="CASCADE", unique=True
    )
    manual_active: bool = False
    manual_prices: dict[str, Any] = json_dict()
    discounts_active: bool = True
    skipped: list[str] = json_list()
    manual: list[str] = json_list()
    updated_at: datetime = timestamp()
    updated_by: str = Field(default="", max_length=64)
