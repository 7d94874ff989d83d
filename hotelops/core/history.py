"""Read-only looks around one inbox reservation, for the detail screen's tools.

- ``stay_forecast``: the mapped room type's availability and the hotel's occupancy per night of
  the stay (Forecast / Oda Tipi Müsaitlik), the same numbers as ``hotelops approve forecast``.
- ``operator_history``: every version of this voucher from this operator and the operator's
  latest inbox reservations (Operatör Geçmişi).
- ``hotel_reservation_card``: the hotel reservation the inbox reservation was saved as or linked
  to, with its nights, prices and guests (Rezervasyonu Aç).
- ``voucher_document``: which of the reservation's documents is its voucher (Voucher).

Nothing here writes, prints or knows about a screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from hotelops.core.approval import NightAvailability, availability, linked_reservation
from hotelops.core.errors import NotFound
from hotelops.core.mapping import MappingTable
from hotelops.core.models import (
    Agency,
    Board,
    HotelReservation,
    InboxDocument,
    InboxReservation,
    InboxVersion,
    Market,
    Operator,
    ReservationGuest,
    ReservationNight,
    RoomType,
    Segment,
    Source,
)

#: How many of the operator's latest inbox reservations the history lists.
HISTORY_LIMIT = 50


def _inbox_row(session: Session, hotel_id: int, inbox_id: int) -> InboxReservation:
    row = session.get(InboxReservation, inbox_id)
    if row is None or row.hotel_id != hotel_id:
        raise NotFound(f"no inbox reservation #{inbox_id} (see `hotelops inbox list`)")
    return row


# -- forecast -----------------------------------------------------------------------------------


@dataclass
class StayForecast:
    """Availability per night of one inbox reservation's stay.

    ``room_type`` is the hotel room type the operator's code maps to, "" when it is not mapped
    (then ``nights`` is empty and ``unmapped`` says what to do).
    """

    inbox_id: int
    voucher: str
    operator_room_type: str
    room_type: str
    room_count: int
    nights: list[NightAvailability] = field(default_factory=list)
    unmapped: str = ""

    @property
    def short(self) -> list[NightAvailability]:
        """The nights without enough rooms of the type left for this reservation."""
        return [n for n in self.nights if n.left < self.room_count]


def stay_forecast(session: Session, hotel_id: int, inbox_id: int) -> StayForecast:
    """Per night of the stay: the mapped room type's rooms, sold, left and hotel occupancy."""
    row = _inbox_row(session, hotel_id, inbox_id)
    resolved = MappingTable.load(session, hotel_id).resolve(row.operator_id, row)
    forecast = StayForecast(
        inbox_id, row.voucher, row.operator_room_type, resolved.room_type, row.room_count
    )
    if not resolved.room_type:
        forecast.unmapped = (
            f"room type {row.operator_room_type!r} is not mapped: map it first "
            "(m on the detail screen, or `hotelops map missing`)"
        )
        return forecast
    forecast.nights = availability(
        session, hotel_id, resolved.room_type, row.check_in, row.check_out
    )
    return forecast


# -- operator history ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One field an operator changed between two versions."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class VoucherVersion:
    """One version of the voucher as the operator sent it."""

    inbox_id: int
    version_no: int
    content: str
    received_at: datetime
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class OperatorReservation:
    """One of the operator's inbox reservations (a row of the history's second table)."""

    id: int
    voucher: str
    content: str
    status: str
    check_in: date
    check_out: date
    guest_names: str
    received_at: datetime
    version: int


@dataclass
class OperatorHistory:
    """What an operator sent before: this voucher's versions, then its latest reservations."""

    inbox_id: int
    operator_code: str
    operator_name: str
    voucher: str
    versions: list[VoucherVersion]
    reservations: list[OperatorReservation]
    total: int  # how many inbox reservations the operator has sent in all


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _changes(diff: dict[str, Any]) -> tuple[Change, ...]:
    changes: list[Change] = []
    for name in sorted(diff):
        value = diff[name]
        if isinstance(value, (list, tuple)) and len(value) == 2:
            changes.append(Change(name, _text(value[0]), _text(value[1])))
        else:
            changes.append(Change(name, "", _text(value)))
    return tuple(changes)


def operator_history(
    session: Session, hotel_id: int, inbox_id: int, *, limit: int = HISTORY_LIMIT
) -> OperatorHistory:
    """Every version of this voucher from this operator, and its latest ``limit`` reservations.

    The versions come from every inbox reservation of the operator with the same voucher (an
    operator may send one voucher twice), oldest first; the reservations newest first.
    """
    row = _inbox_row(session, hotel_id, inbox_id)
    operator = session.get(Operator, row.operator_id)
    assert operator is not None
    versions = session.exec(
        select(InboxVersion, InboxReservation.id)
        .join(InboxReservation, col(InboxReservation.id) == InboxVersion.inbox_reservation_id)
        .where(
            InboxReservation.hotel_id == hotel_id,
            InboxReservation.operator_id == row.operator_id,
            InboxReservation.voucher == row.voucher,
        )
        .order_by(
            col(InboxVersion.received_at), col(InboxReservation.id), col(InboxVersion.version_no)
        )
    ).all()
    recent = session.exec(
        select(InboxReservation)
        .where(
            InboxReservation.hotel_id == hotel_id,
            InboxReservation.operator_id == row.operator_id,
        )
        .order_by(col(InboxReservation.received_at).desc(), col(InboxReservation.id).desc())
        .limit(limit)
    ).all()
    total = session.exec(
        select(func.count()).where(
            InboxReservation.hotel_id == hotel_id,
            InboxReservation.operator_id == row.operator_id,
        )
    ).one()
    return OperatorHistory(
        inbox_id=inbox_id,
        operator_code=operator.code,
        operator_name=operator.name,
        voucher=row.voucher,
        versions=[
            VoucherVersion(
                owner_id or 0, v.version_no, str(v.content), v.received_at, _changes(v.diff)
            )
            for v, owner_id in versions
        ],
        reservations=[
            OperatorReservation(
                r.id or 0,
                r.voucher,
                str(r.content),
                str(r.status),
                r.check_in,
                r.check_out,
                r.guest_names,
                r.received_at,
                r.version,
            )
            for r in recent
        ],
        total=total,
    )


# -- the hotel reservation ------------------------------------------------------------------------


@dataclass(frozen=True)
class CardNight:
    """One night of a hotel reservation with its price."""

    night: date
    contract_price: Decimal
    discount: Decimal
    price: Decimal
    currency: str


@dataclass(frozen=True)
class CardGuest:
    """One guest staying on a hotel reservation."""

    seq: int
    title: str
    first_name: str
    last_name: str
    age: int | None
    profile_id: int | None


@dataclass
class HotelReservationCard:
    """The hotel reservation card (Rezervasyon Kartı) of a saved inbox reservation.

    Each code is shown as "CODE name" ("" when the reservation has none).
    """

    id: int
    status: str
    voucher: str
    room_type: str
    board: str
    market: str
    agency: str
    segment: str
    source: str
    price_code: str
    arrival: date
    departure: date
    adults: int
    children: int
    infants: int
    room_count: int
    nationality: str
    currency: str
    note: str
    cancellation: str
    version: int
    nights: list[CardNight]
    guests: list[CardGuest]

    @property
    def total(self) -> Decimal:
        """The stay's price: the sum of its nights."""
        return sum((n.price for n in self.nights), Decimal(0))

    @property
    def total_contract(self) -> Decimal:
        """The stay's contract price before discounts."""
        return sum((n.contract_price for n in self.nights), Decimal(0))

    @property
    def total_discount(self) -> Decimal:
        """The discounts given on the stay."""
        return sum((n.discount for n in self.nights), Decimal(0))


def _code(session: Session, table: Any, record_id: int | None) -> str:
    if record_id is None:
        return ""
    record = session.get(table, record_id)
    if record is None:
        return ""
    return f"{record.code} {record.name}".strip()


def hotel_reservation_card(
    session: Session, hotel_id: int, inbox_id: int
) -> HotelReservationCard | None:
    """The hotel reservation this inbox reservation was saved as or linked to; None if none."""
    _inbox_row(session, hotel_id, inbox_id)
    booking = linked_reservation(session, inbox_id)
    if booking is None or booking.hotel_id != hotel_id:
        return None
    return _card(session, booking)


def _card(session: Session, booking: HotelReservation) -> HotelReservationCard:
    assert booking.id is not None
    nights = session.exec(
        select(ReservationNight)
        .where(ReservationNight.hotel_reservation_id == booking.id)
        .order_by(col(ReservationNight.night))
    ).all()
    guests = session.exec(
        select(ReservationGuest)
        .where(ReservationGuest.hotel_reservation_id == booking.id)
        .order_by(col(ReservationGuest.seq), col(ReservationGuest.id))
    ).all()
    cancellation = ""
    if booking.cancellation_date or booking.cancellation_note:
        when = booking.cancellation_date.isoformat() if booking.cancellation_date else ""
        cancellation = f"{when} {booking.cancellation_note}".strip()
    return HotelReservationCard(
        id=booking.id,
        status=str(booking.status),
        voucher=booking.voucher,
        room_type=_code(session, RoomType, booking.room_type_id),
        board=_code(session, Board, booking.board_id),
        market=_code(session, Market, booking.market_id),
        agency=_code(session, Agency, booking.agency_id),
        segment=_code(session, Segment, booking.segment_id),
        source=_code(session, Source, booking.source_id),
        price_code=booking.price_code,
        arrival=booking.arrival,
        departure=booking.departure,
        adults=booking.adults,
        children=booking.children,
        infants=booking.infants,
        room_count=booking.room_count,
        nationality=booking.nationality,
        currency=booking.currency,
        note=booking.note,
        cancellation=cancellation,
        version=booking.version,
        nights=[
            CardNight(n.night, n.contract_price, n.discount, n.price, n.currency) for n in nights
        ],
        guests=[
            CardGuest(g.seq, g.title, g.first_name, g.last_name, g.age, g.guest_profile_id)
            for g in guests
        ],
    )


# -- the voucher document -------------------------------------------------------------------------


def voucher_document(documents: list[InboxDocument]) -> InboxDocument | None:
    """The document to open as the voucher: the first PDF, else the first document."""
    for doc in documents:
        if doc.content_type == "application/pdf" or doc.file_name.lower().endswith(".pdf"):
            return doc
    return documents[0] if documents else None
