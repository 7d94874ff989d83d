"""Reading the inbox: filtered, paged listings and one reservation in full.

Scripts (``hotelops inbox list --json``) and the dashboard both read through here. Listings
are paged and sorted in SQL, never loaded whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from hotelops.core.errors import InputError, NotFound
from hotelops.core.models import (
    Content,
    HotelReservation,
    InboxDocument,
    InboxGuest,
    InboxReservation,
    InboxStatus,
    InboxVersion,
    Mapping,
    MappingKind,
    Operator,
    RawMessage,
)
from hotelops.core.text import fold_pattern

#: Inbox column holding the operator code of each mapping kind.
MAPPED_COLUMNS = {
    MappingKind.AGENCY: "operator_agency",
    MappingKind.ROOM_TYPE: "operator_room_type",
    MappingKind.BOARD: "operator_board",
    MappingKind.MARKET: "operator_market",
    MappingKind.RATE_TYPE: "operator_rate_type",
}
SORTABLE = {"received", "check_in", "sale_date", "voucher", "operator", "id"}


@dataclass
class InboxFilter:
    """Which inbox reservations to list (all conditions must hold)."""

    status: InboxStatus | None = None
    content: Content | None = None
    operator: str | None = None
    arrival_from: date | None = None
    arrival_to: date | None = None
    sale_from: date | None = None
    sale_to: date | None = None
    missing_mappings: bool = False
    search: str = ""  # guest name or voucher


@dataclass(frozen=True)
class InboxRow:
    """One line of the review grid."""

    id: int
    status: str
    content: str
    operator: str
    operator_name: str
    agency: str
    guest_names: str
    voucher: str
    operator_res_id: str
    check_in: date
    check_out: date
    nights: int
    sale_date: date | None
    received_at: datetime
    adults: int
    children: int
    infants: int
    nationality: str
    room_type: str
    board: str
    market: str
    room_count: int
    price: Decimal | None
    currency: str
    sender: str
    version: int

    @property
    def pax(self) -> str:
        """Adults+children+infants, as the seed's grid shows them (2+1+0)."""
        return f"{self.adults}+{self.children}+{self.infants}"


@dataclass
class InboxPage:
    """A page of the grid and how many rows match in all."""

    rows: list[InboxRow]
    total: int
    offset: int
    limit: int


def _missing_condition(kind: MappingKind) -> ColumnElement[bool]:
    column = getattr(InboxReservation, MAPPED_COLUMNS[kind])
    mapped = exists().where(
        col(Mapping.operator_id) == col(InboxReservation.operator_id),
        col(Mapping.kind) == kind.value,
        col(Mapping.operator_code) == column,
    )
    return and_(column != "", ~mapped)


def _conditions(hotel_id: int, f: InboxFilter) -> list[Any]:
    where: list[Any] = [InboxReservation.hotel_id == hotel_id]
    if f.status:
        where.append(InboxReservation.status == str(f.status))
    if f.content:
        where.append(InboxReservation.content == str(f.content))
    if f.operator:
        where.append(func.upper(Operator.code) == f.operator.upper())
    if f.arrival_from:
        where.append(col(InboxReservation.check_in) >= f.arrival_from)
    if f.arrival_to:
        where.append(col(InboxReservation.check_in) <= f.arrival_to)
    if f.sale_from:
        where.append(col(InboxReservation.sale_date) >= f.sale_from)
    if f.sale_to:
        where.append(col(InboxReservation.sale_date) <= f.sale_to)
    if f.missing_mappings:
        where.append(or_(*(_missing_condition(kind) for kind in MappingKind)))
    if f.search:
        pattern = fold_pattern(f.search)
        where.append(
            or_(
                col(InboxReservation.guest_names_folded).like(pattern, escape="\\"),
                col(InboxReservation.voucher).like(f"%{f.search.strip()}%"),
            )
        )
    return where


def list_inbox(
    session: Session,
    hotel_id: int,
    f: InboxFilter | None = None,
    *,
    limit: int = 100,
    offset: int = 0,
    sort: str = "received",
    descending: bool = True,
) -> InboxPage:
    """A page of inbox reservations, sorted and filtered in SQL."""
    f = f or InboxFilter()
    if sort not in SORTABLE:
        raise InputError(f"cannot sort by {sort!r} (choose one of {', '.join(sorted(SORTABLE))})")
    where = _conditions(hotel_id, f)
    order_column = {
        "received": InboxReservation.received_at,
        "check_in": InboxReservation.check_in,
        "sale_date": InboxReservation.sale_date,
        "voucher": InboxReservation.voucher,
        "operator": Operator.code,
        "id": InboxReservation.id,
    }[sort]
    ordering = [
        col(order_column).desc() if descending else col(order_column).asc(),
        col(InboxReservation.id).desc() if descending else col(InboxReservation.id),
    ]
    query = (
        select(InboxReservation, Operator.code, Operator.name)
        .join(Operator, col(Operator.id) == InboxReservation.operator_id)
        .where(*where)
        .order_by(*ordering)
        .limit(limit)
        .offset(offset)
    )
    count_query = (
        select(func.count())
        .select_from(InboxReservation)
        .join(Operator, col(Operator.id) == InboxReservation.operator_id)
        .where(*where)
    )
    rows = [_row(r, code, name) for r, code, name in session.exec(query)]
    return InboxPage(
        rows=rows, total=int(session.exec(count_query).one()), offset=offset, limit=limit
    )


def _row(r: InboxReservation, code: str, name: str) -> InboxRow:
    assert r.id is not None
    return InboxRow(
        id=r.id,
        status=str(r.status),
        content=str(r.content),
        operator=code,
        operator_name=name,
        agency=r.operator_agency,
        guest_names=r.guest_names,
        voucher=r.voucher,
        operator_res_id=r.operator_res_id,
        check_in=r.check_in,
        check_out=r.check_out,
        nights=r.nights,
        sale_date=r.sale_date,
        received_at=r.received_at,
        adults=r.adults,
        children=r.children,
        infants=r.infants,
        nationality=r.nationality,
        room_type=r.operator_room_type,
        board=r.operator_board,
        market=r.operator_market,
        room_count=r.room_count,
        price=r.operator_price,
        currency=r.operator_currency,
        sender=r.sender,
        version=r.version,
    )


@dataclass
class VersionInfo:
    """One version of an inbox reservation."""

    version_no: int
    content: str
    received_at: datetime
    diff: dict[str, Any]
    source: str
    source_ref: str
    raw_message_id: int | None
    previous_status: str = ""


@dataclass
class InboxDetail:
    """Everything about one inbox reservation (the detail screen)."""

    reservation: InboxReservation
    operator_code: str
    operator_name: str
    guests: list[InboxGuest]
    documents: list[InboxDocument]
    versions: list[VersionInfo]
    missing_mappings: dict[str, str] = field(default_factory=dict)
    hotel_reservation_id: int | None = None
    hotel_reservation_status: str = ""

    @property
    def status_line(self) -> str:
        """The seed's line: the operator's last status, and where the booking stands now."""
        books = (
            f"{self.hotel_reservation_status} (#{self.hotel_reservation_id})"
            if self.hotel_reservation_id
            else "not in the books"
        )
        operator = self.reservation.operator_status or str(self.reservation.content)
        return f"previous operator status {operator}; current reservation status {books}"


def inbox_detail(session: Session, hotel_id: int, inbox_id: int) -> InboxDetail:
    """One inbox reservation with its guests, documents, versions and missing mappings."""
    row = session.get(InboxReservation, inbox_id)
    if row is None or row.hotel_id != hotel_id:
        raise NotFound(f"no inbox reservation #{inbox_id} (see `hotelops inbox list`)")
    operator = session.get(Operator, row.operator_id)
    assert operator is not None
    guests = session.exec(
        select(InboxGuest)
        .where(InboxGuest.inbox_reservation_id == inbox_id)
        .order_by(col(InboxGuest.seq))
    ).all()
    documents = session.exec(
        select(InboxDocument)
        .where(InboxDocument.inbox_reservation_id == inbox_id)
        .order_by(col(InboxDocument.id))
    ).all()
    versions = session.exec(
        select(InboxVersion, RawMessage.source, RawMessage.source_ref)
        .join(RawMessage, col(RawMessage.id) == InboxVersion.raw_message_id, isouter=True)
        .where(InboxVersion.inbox_reservation_id == inbox_id)
        .order_by(col(InboxVersion.version_no))
    ).all()
    mapped = {
        (m.kind, m.operator_code)
        for m in session.exec(select(Mapping).where(Mapping.operator_id == row.operator_id))
    }
    missing = {
        kind.value: getattr(row, column)
        for kind, column in MAPPED_COLUMNS.items()
        if getattr(row, column) and (kind.value, getattr(row, column)) not in mapped
    }
    linked = session.exec(
        select(HotelReservation).where(HotelReservation.inbox_reservation_id == inbox_id)
    ).first()
    return InboxDetail(
        reservation=row,
        operator_code=operator.code,
        operator_name=operator.name,
        guests=list(guests),
        documents=list(documents),
        versions=[
            VersionInfo(
                v.version_no,
                str(v.content),
                v.received_at,
                v.diff,
                source or "",
                ref or "",
                v.raw_message_id,
                str(v.data.get("previous_status", "")),
            )
            for v, source, ref in versions
        ],
        missing_mappings=missing,
        hotel_reservation_id=linked.id if linked else None,
        hotel_reservation_status=str(linked.status) if linked else "",
    )
