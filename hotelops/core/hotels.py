"""Finding a hotel and summarising what the database holds for it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, SQLModel, col, select

from hotelops.core.errors import NotFound
from hotelops.core.models import (
    Agency,
    AuditEntry,
    Board,
    FolioLine,
    GuestProfile,
    Hotel,
    HotelReservation,
    InboxReservation,
    Mapping,
    Market,
    Operator,
    RawMessage,
    RoomType,
    Segment,
    SenderRule,
    Source,
    User,
)
from hotelops.core.text import close_matches


def list_hotels(session: Session) -> list[Hotel]:
    """Every hotel in the database, by code."""
    return list(session.exec(select(Hotel).order_by(col(Hotel.code))))


def get_hotel(session: Session, code: str | None = None) -> Hotel:
    """The hotel with this code; without a code, the only hotel in the database."""
    hotels = list_hotels(session)
    if code:
        for hotel in hotels:
            if hotel.code.upper() == code.upper():
                return hotel
        known = ", ".join(h.code for h in hotels) or "none"
        raise NotFound(f"no hotel with code {code!r} (hotels here: {known})")
    if len(hotels) == 1:
        return hotels[0]
    if not hotels:
        raise NotFound(
            "this database holds no hotel yet "
            "(run `hotelops hotel import FILE`, or `hotelops demo`)"
        )
    codes = ", ".join(h.code for h in hotels)
    raise NotFound(f"this database holds several hotels ({codes}): name one with --hotel")


@dataclass(frozen=True)
class RoomTypeLine:
    """A room type as shown in the hotel card."""

    code: str
    name: str
    group: str
    rooms: int
    std_adults: int
    max_adults: int
    max_children: int


@dataclass(frozen=True)
class HotelSummary:
    """What the database holds for one hotel."""

    code: str
    name: str
    currency: str
    timezone: str
    business_date: date
    city: str
    country: str
    total_rooms: int
    room_types: list[RoomTypeLine]
    boards: list[str]
    markets: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    operators_by_kind: dict[str, int] = field(default_factory=dict)
    reservations_by_status: dict[str, int] = field(default_factory=dict)
    guest_flags: dict[str, int] = field(default_factory=dict)
    in_house_tonight: int = 0


def operator_named(operators: Iterable[Operator], code: str) -> Operator:
    """The operator with this code (any case); refused naming close matches when none has it."""
    known = list(operators)
    for operator in known:
        if operator.code.upper() == code.strip().upper():
            return operator
    near = close_matches(code, [o.code for o in known] + [o.name for o in known])
    hint = f"close matches: {', '.join(near)}" if near else "see `hotelops scan status`"
    raise NotFound(f"no operator {code!r} in this hotel ({hint})")


def find_operator(session: Session, hotel_id: int, code: str) -> Operator:
    """The hotel's operator with this code (``operator_named``)."""
    return operator_named(session.exec(select(Operator).where(Operator.hotel_id == hotel_id)), code)


def _count(session: Session, model: type[SQLModel], hotel_id: int) -> int:
    column = model.hotel_id  # type: ignore[attr-defined]
    return int(
        session.exec(select(func.count()).select_from(model).where(column == hotel_id)).one()
    )


def _codes(session: Session, model: type[Board] | type[Market], hotel_id: int) -> list[str]:
    rows: Sequence[str] = session.exec(
        select(model.code).where(model.hotel_id == hotel_id).order_by(col(model.id))
    ).all()
    return list(rows)


def summarize(session: Session, hotel: Hotel) -> HotelSummary:
    """The hotel card: capacity, code tables, and how many of each record exist."""
    assert hotel.id is not None
    hid = hotel.id
    rts = session.exec(
        select(RoomType)
        .where(RoomType.hotel_id == hid)
        .order_by(col(RoomType.sort_order), col(RoomType.code))
    ).all()
    lines = [
        RoomTypeLine(
            rt.code,
            rt.name,
            rt.group_code,
            rt.room_count,
            rt.std_adults,
            rt.max_adults,
            rt.max_children,
        )
        for rt in rts
    ]
    tables: list[tuple[str, type[SQLModel]]] = [
        ("room_types", RoomType),
        ("boards", Board),
        ("markets", Market),
        ("segments", Segment),
        ("sources", Source),
        ("agencies", Agency),
        ("users", User),
        ("operators", Operator),
        ("sender_rules", SenderRule),
        ("mappings", Mapping),
        ("guest_profiles", GuestProfile),
        ("hotel_reservations", HotelReservation),
        ("inbox_reservations", InboxReservation),
        ("raw_messages", RawMessage),
        ("folio_lines", FolioLine),
        ("audit_log", AuditEntry),
    ]
    counts = {name: _count(session, model, hid) for name, model in tables}
    by_kind = dict(
        session.exec(
            select(Operator.kind, func.count())
            .where(Operator.hotel_id == hid)
            .group_by(Operator.kind)
        ).all()
    )
    by_status = dict(
        session.exec(
            select(HotelReservation.status, func.count())
            .where(HotelReservation.hotel_id == hid)
            .group_by(HotelReservation.status)
        ).all()
    )
    profiles = GuestProfile
    flags = {
        "vip": _count_where(session, hid, col(profiles.vip_level) != ""),
        "repeat": _count_where(session, hid, col(profiles.repeat_count) > 0),
        "gray_list": _count_where(session, hid, col(profiles.gray_list).is_(True)),
        "problem": _count_where(session, hid, col(profiles.problem_guest).is_(True)),
    }
    in_house = int(
        session.exec(
            select(func.coalesce(func.sum(HotelReservation.room_count), 0)).where(
                HotelReservation.hotel_id == hid, HotelReservation.status == "in_house"
            )
        ).one()
    )
    return HotelSummary(
        code=hotel.code,
        name=hotel.name,
        currency=hotel.currency,
        timezone=hotel.timezone,
        business_date=hotel.business_date,
        city=hotel.city,
        country=hotel.country,
        total_rooms=sum(line.rooms for line in lines),
        room_types=lines,
        boards=_codes(session, Board, hid),
        markets=_codes(session, Market, hid),
        counts=counts,
        operators_by_kind={str(k): int(v) for k, v in by_kind.items()},
        reservations_by_status={str(k): int(v) for k, v in by_status.items()},
        guest_flags=flags,
        in_house_tonight=in_house,
    )


def _count_where(session: Session, hotel_id: int, condition: ColumnElement[bool]) -> int:
    query = (
        select(func.count())
        .select_from(GuestProfile)
        .where(GuestProfile.hotel_id == hotel_id, condition)
    )
    return int(session.exec(query).one())
