"""Reading the inbox: filtered, paged listings and one reservation in full.

Scripts (``hotelops inbox list --json``) and the dashboard both read through here. Listings
are paged and sorted in SQL, never loaded whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, and_, exists, func, inspect, literal, or_, tuple_
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from hotelops.core.db import Database
from hotelops.core.errors import InputError, NotFound
from hotelops.core.hotels import find_operator
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
#: Kinds a reservation cannot do without: sending nothing for one of them is missing unless the
#: operator has a default for it (a ``""`` mapping, or for the agency the operator's default
#: agency). ``hotelops.core.mapping.REQUIRED`` is this.
REQUIRED_KINDS = (MappingKind.AGENCY, MappingKind.ROOM_TYPE, MappingKind.BOARD)
SORTABLE = {"received", "check_in", "sale_date", "voucher", "operator", "id"}


@dataclass
class InboxFilter:
    """Which inbox reservations to list (all conditions must hold)."""

    status: InboxStatus | None = None
    content: Content | None = None
    operator: str | None = None  # one operator code (the CLI's --operator)
    operators: tuple[str, ...] = ()  # any of these operator codes (the dashboard)
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
    rate_type: str
    room_count: int
    price: Decimal | None
    currency: str
    sender: str
    version: int
    #: The hotel reservation this one was saved as or linked to (HotelReservation.id).
    hotel_reservation_id: int | None = None
    #: Mapping kinds whose operator code has no mapping (agency, room_type, board ...).
    missing: tuple[str, ...] = ()

    @property
    def pax(self) -> str:
        """Adults+children+infants, as the seed's grid shows them (2+1+0)."""
        return f"{self.adults}+{self.children}+{self.infants}"


@dataclass
class InboxPage:
    """A page of the grid and how many rows match in all (``-1`` when not counted)."""

    rows: list[InboxRow]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class PageKey:
    """Where a page starts or ends: one row's sort value and id (keyset paging)."""

    value: Any
    id: int


def page_key(row: InboxRow, sort: str) -> PageKey:
    """The keyset position of a row under a sort key (see ``list_inbox``'s ``after``)."""
    value = {
        "received": row.received_at,
        "check_in": row.check_in,
        "sale_date": row.sale_date,
        "voucher": row.voucher,
        "operator": row.operator,
        "id": row.id,
    }[sort]
    return PageKey(value, row.id)


@dataclass(frozen=True)
class OperatorCount:
    """An operator of the hotel and how many of its reservations are pending."""

    code: str
    name: str
    pending: int


def _missing_condition(kind: MappingKind) -> ColumnElement[bool]:
    """SQL: the row's code of this kind has no mapping (as ``MappingTable.resolve`` says).

    An empty code is looked up as the ``""`` mapping (the operator's default for the kind), so
    one EXISTS serves both; only required kinds count an empty code, and an empty agency is
    also covered by the operator's default agency.
    """
    column = getattr(InboxReservation, MAPPED_COLUMNS[kind])
    mapped = exists().where(
        col(Mapping.operator_id) == col(InboxReservation.operator_id),
        col(Mapping.kind) == kind.value,
        col(Mapping.operator_code) == column,
    )
    if kind not in REQUIRED_KINDS:
        return and_(column != "", ~mapped)
    if kind is MappingKind.AGENCY:
        card = aliased(Operator)  # the listing may join Operator itself: never correlate
        has_default = exists().where(
            col(card.id) == col(InboxReservation.operator_id),
            col(card.default_agency_id).is_not(None),
        )
        return and_(~mapped, or_(column != "", ~has_default))
    return ~mapped


def _conditions(hotel_id: int, f: InboxFilter) -> list[Any]:
    where: list[Any] = [InboxReservation.hotel_id == hotel_id]
    if f.status:
        where.append(InboxReservation.status == str(f.status))
    if f.content:
        where.append(InboxReservation.content == str(f.content))
    codes = sorted({code.upper() for code in (*f.operators, f.operator or "") if code})
    if f.operator and f.operators:
        # Both given: the single code must also be one of the several.
        codes = [f.operator.upper()] if f.operator.upper() in codes else []
    if f.operator or f.operators:
        where.append(
            col(InboxReservation.operator_id).in_(
                select(Operator.id).where(
                    Operator.hotel_id == hotel_id, func.upper(Operator.code).in_(codes)
                )
            )
        )
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


def _order_column(sort: str) -> Any:
    """The column a sort key orders by (``operator`` needs the operator join)."""
    return {
        "received": InboxReservation.received_at,
        "check_in": InboxReservation.check_in,
        "sale_date": InboxReservation.sale_date,
        "voucher": InboxReservation.voucher,
        "operator": Operator.code,
        "id": InboxReservation.id,
    }[sort]


def _beyond(column: Any, key: PageKey, *, bigger: bool, inclusive: bool) -> ColumnElement[bool]:
    """Rows past ``key`` in the order (sort value, id), towards bigger or smaller values.

    NULL sort values (a missing sale date) count as smaller than any value on both engines, as
    SQLite orders them natively (``list_inbox`` orders PostgreSQL the same way).
    """
    id_column = col(InboxReservation.id)
    id_past = (
        (id_column >= key.id if inclusive else id_column > key.id)
        if bigger
        else (id_column <= key.id if inclusive else id_column < key.id)
    )
    if key.value is None:
        if bigger:
            return or_(and_(column.is_(None), id_past), column.is_not(None))
        return and_(column.is_(None), id_past)
    bound = tuple_(literal(key.value, column.type), literal(key.id, Integer()))
    pair = tuple_(column, id_column)
    if bigger:
        return pair >= bound if inclusive else pair > bound
    condition = pair <= bound if inclusive else pair < bound
    nullable = column is InboxReservation.sale_date
    return or_(condition, column.is_(None)) if nullable else condition


def list_inbox(
    session: Session,
    hotel_id: int,
    f: InboxFilter | None = None,
    *,
    limit: int = 100,
    offset: int = 0,
    sort: str = "received",
    descending: bool = True,
    count: bool = True,
    after: PageKey | None = None,
    before: PageKey | None = None,
    start: PageKey | None = None,
) -> InboxPage:
    """A page of inbox reservations, sorted and filtered in SQL.

    Pages go by ``offset`` (the CLI), or by keyset, which costs the same on page 1 and page
    2,000: ``after`` a row's ``page_key`` (the next page), ``before`` one (the previous page,
    still returned in display order) or from ``start`` on, that row included (the same page
    again). Ties on the sort value are ordered by id. ``count=False`` skips the COUNT
    (``total`` is then -1) for callers that know it already.
    """
    f = f or InboxFilter()
    if sort not in SORTABLE:
        raise InputError(f"cannot sort by {sort!r} (choose one of {', '.join(sorted(SORTABLE))})")
    for code in {c for c in (f.operator, *f.operators) if c}:
        find_operator(session, hotel_id, code)  # an unknown code is a typo, not "no rows"
    if sum(k is not None for k in (after, before, start)) > 1:
        raise InputError("page by one of after, before or start, not several")
    matching = _conditions(hotel_id, f)
    where = list(matching)
    order_column = _order_column(sort)
    # Walking backwards (the previous page) reads the order reversed, then flips the rows.
    backwards = before is not None
    down = descending != backwards
    if after is not None:
        where.append(_beyond(order_column, after, bigger=not descending, inclusive=False))
    elif before is not None:
        where.append(_beyond(order_column, before, bigger=descending, inclusive=False))
    elif start is not None:
        where.append(_beyond(order_column, start, bigger=not descending, inclusive=True))
    first = col(order_column).desc() if down else col(order_column).asc()
    if order_column is InboxReservation.sale_date and session.get_bind().dialect.name != "sqlite":
        # NULL is the smallest sale date everywhere (SQLite's own order).
        first = first.nulls_last() if down else first.nulls_first()
    ordering = [first, col(InboxReservation.id).desc() if down else col(InboxReservation.id)]
    query = select(InboxReservation, Operator.code, Operator.name).join(
        Operator, col(Operator.id) == InboxReservation.operator_id
    )
    query = query.where(*where).order_by(*ordering).limit(limit)
    if offset and not (after or before or start):
        query = query.offset(offset)
    found = list(session.exec(query))
    if backwards:
        found.reverse()
    rows = _with_marks(session, hotel_id, [_row(r, code, name) for r, code, name in found])
    total = -1
    if count:
        count_query = select(func.count()).select_from(InboxReservation).where(*matching)
        total = int(session.exec(count_query).one())
    return InboxPage(rows=rows, total=total, offset=offset, limit=limit)


def operator_counts(session: Session, hotel_id: int) -> list[OperatorCount]:
    """The hotel's operators by code, each with its number of pending reservations."""
    pending = dict(
        session.exec(
            select(InboxReservation.operator_id, func.count())
            .where(
                InboxReservation.hotel_id == hotel_id,
                InboxReservation.status == InboxStatus.PENDING,
            )
            .group_by(col(InboxReservation.operator_id))
        ).all()
    )
    operators = session.exec(
        select(Operator).where(Operator.hotel_id == hotel_id).order_by(col(Operator.code))
    ).all()
    return [OperatorCount(op.code, op.name, int(pending.get(op.id or 0, 0))) for op in operators]


def parse_filter_date(text: str, field_name: str) -> date | None:
    """A filter date typed by a user: YYYY-MM-DD or DD.MM.YYYY; empty means no limit.

    Raises ``InputError`` naming the field and the accepted forms.
    """
    text = text.strip()
    if not text:
        return None
    try:
        if "." in text:
            return datetime.strptime(text, "%d.%m.%Y").date()
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{field_name}: {text!r} is not a date (use YYYY-MM-DD or DD.MM.YYYY)"
        ) from None


def check_filter(f: InboxFilter) -> None:
    """Refuse a filter whose ranges run backwards (from after to), naming the range."""
    for label, low, high in (
        ("arrival", f.arrival_from, f.arrival_to),
        ("sale date", f.sale_from, f.sale_to),
    ):
        if low and high and low > high:
            raise InputError(f"{label} from {low} is after {label} to {high}: swap them")


def ensure_indexes(db: Database) -> list[str]:
    """Create the inbox's indexes a database made by an older hotelops lacks; their names.

    ``create_all`` makes indexes only with a new table, so the review grid calls this once
    when it opens; on an up-to-date database it only reads the catalogue.
    """
    table = InboxReservation.__table__  # type: ignore[attr-defined]
    with db.read() as session:
        present = {ix["name"] for ix in inspect(session.connection()).get_indexes(table.name)}
    missing = [index for index in table.indexes if index.name not in present]
    if missing:
        with db.write() as session:
            connection = session.connection()
            for index in missing:
                index.create(connection, checkfirst=True)
    return [str(index.name) for index in missing]


def _with_marks(session: Session, hotel_id: int, rows: list[InboxRow]) -> list[InboxRow]:
    """The page's rows with their hotel reservation ids and missing mappings (two queries)."""
    if not rows:
        return rows
    ids = [row.id for row in rows]
    linked = dict(
        session.exec(
            select(HotelReservation.inbox_reservation_id, HotelReservation.id).where(
                col(HotelReservation.inbox_reservation_id).in_(ids)
            )
        ).all()
    )
    mapped = {
        (operator_id, str(kind), code)
        for operator_id, kind, code in session.exec(
            select(Mapping.operator_id, Mapping.kind, Mapping.operator_code).where(
                Mapping.hotel_id == hotel_id
            )
        )
    }
    operators: dict[str, int | None] = {}
    default_agency: set[int | None] = set()
    for code, operator_id, agency_id in session.exec(
        select(Operator.code, Operator.id, Operator.default_agency_id).where(
            Operator.hotel_id == hotel_id
        )
    ):
        operators[code] = operator_id
        if agency_id is not None:
            default_agency.add(operator_id)
    out = []
    for row in rows:
        values = {
            MappingKind.AGENCY: row.agency,
            MappingKind.ROOM_TYPE: row.room_type,
            MappingKind.BOARD: row.board,
            MappingKind.MARKET: row.market,
            MappingKind.RATE_TYPE: row.rate_type,
        }
        operator_id = operators.get(row.operator)
        missing = tuple(
            kind.value
            for kind, value in values.items()
            if _is_missing(kind, value, (operator_id, kind.value, value) in mapped)
            and not (kind is MappingKind.AGENCY and not value and operator_id in default_agency)
        )
        out.append(replace(row, hotel_reservation_id=linked.get(row.id), missing=missing))
    return out


def _is_missing(kind: MappingKind, value: str, mapped: bool) -> bool:
    """A code without a mapping; an empty one only for a required kind (see REQUIRED_KINDS)."""
    return not mapped and (bool(value) or kind in REQUIRED_KINDS)


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
        rate_type=r.operator_rate_type,
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


def get_inbox(session: Session, hotel_id: int, inbox_id: int) -> InboxReservation:
    """The hotel's inbox reservation with this id; ``NotFound`` (exit 2) when there is none."""
    row = session.get(InboxReservation, inbox_id)
    if row is None or row.hotel_id != hotel_id:
        raise NotFound(f"no inbox reservation #{inbox_id} (see `hotelops inbox list`)")
    return row


def inbox_detail(session: Session, hotel_id: int, inbox_id: int) -> InboxDetail:
    """One inbox reservation with its guests, documents, versions and missing mappings."""
    row = get_inbox(session, hotel_id, inbox_id)
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
        if _is_missing(kind, getattr(row, column), (kind.value, getattr(row, column)) in mapped)
        and not (
            kind is MappingKind.AGENCY
            and not getattr(row, column)
            and operator.default_agency_id is not None
        )
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


#: What the poll compares: (rows, last change, last id) of one hotel's inbox.
ChangeStamp = tuple[int, datetime | None, int | None]


def change_stamp(session: Session, hotel_id: int) -> ChangeStamp:
    """One small read telling whether a hotel's inbox changed since the last look.

    A scan adds rows (count, last id) or changes them (``updated_at``); a decision, like a
    new mapping, sets ``updated_at`` on the rows it touches.
    """
    row = session.exec(
        select(
            func.count(InboxReservation.id),  # type: ignore[arg-type]
            func.max(InboxReservation.updated_at),
            func.max(InboxReservation.id),
        ).where(InboxReservation.hotel_id == hotel_id)
    ).one()
    count, updated, last_id = row
    return int(count), updated, last_id
