"""Import a hotel definition file: the hotel, its code tables, operators, guests and bookings.

The file is TOML (``docs/hotel-file.md``; ``fixtures/demo/kivima.toml`` is a full example). It is
read in two passes, as beancount does: every problem in the file is collected (unknown key, bad
date, a code that points nowhere, a room over capacity), and if there is any, nothing is written.
Otherwise everything is written in one transaction, through the same models the rest of hotelops
uses, and the import is logged.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, select

from hotelops.core import auditlog
from hotelops.core.db import Database
from hotelops.core.errors import InputError, Problem, refused
from hotelops.core.models import (
    Agency,
    Board,
    Folio,
    GuestProfile,
    Hotel,
    HotelReservation,
    Mapping,
    MappingKind,
    Market,
    Operator,
    OperatorKind,
    ReservationGuest,
    ReservationNight,
    ReservationStatus,
    RoomType,
    Segment,
    SenderRule,
    Source,
    User,
)
from hotelops.core.money import round_money
from hotelops.core.text import fold
from hotelops.core.validation import ExactDecimal, IsoDate, problems_from


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HotelSpec(_Spec):
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    timezone: str = "Europe/Istanbul"
    business_date: IsoDate
    city: str = ""
    country: str = ""


class RoomTypeSpec(_Spec):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    room_count: int = Field(ge=0)
    std_adults: int = Field(default=2, ge=1)
    max_adults: int = Field(default=2, ge=1)
    max_children: int = Field(default=0, ge=0, le=3)
    group: str = ""


class CodeSpec(_Spec):
    code: str = Field(min_length=1)
    name: str = ""


class AgencySpec(_Spec):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    market: str = ""
    segment: str = ""
    source: str = ""
    price_code: str = ""
    country: str = ""


class UserSpec(_Spec):
    username: str = Field(min_length=1)
    name: str = Field(min_length=1)
    email: str = ""


class OperatorSpec(_Spec):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: OperatorKind
    format: Literal["ota", "alpinebits", "json", "mail"] = "ota"
    agency: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)


class SenderRuleSpec(_Spec):
    pattern: str = Field(min_length=2)
    operator: str


class MappingSpec(_Spec):
    operator: str
    kind: MappingKind
    operator_code: str = Field(min_length=1)
    hotel_code: str = Field(min_length=1)
    occupancy: str = ""


class GuestSpec(_Spec):
    title: str = ""
    first_name: str = Field(min_length=1)
    last_name: str = Field(min_length=1)
    birth_date: IsoDate | None = None
    passport: str = ""
    nationality: str = ""
    vip: str = ""
    repeat: int = Field(default=0, ge=0)
    gray_list: bool = False
    problem: bool = False
    note: str = ""


class StayGuestSpec(_Spec):
    title: str = ""
    first_name: str = ""
    last_name: str = Field(min_length=1)
    age: int | None = Field(default=None, ge=0, le=120)


class ReservationSpec(_Spec):
    voucher: str = ""
    agency: str = ""
    room_type: str
    board: str = ""
    market: str = ""
    price_code: str = ""
    arrival: IsoDate
    departure: IsoDate
    adults: int = Field(default=2, ge=1)
    children: int = Field(default=0, ge=0)
    child_ages: list[int] = Field(default_factory=list)
    infants: int = Field(default=0, ge=0)
    rooms: int = Field(default=1, ge=1)
    status: ReservationStatus = ReservationStatus.RESERVED
    rate: ExactDecimal
    nationality: str = ""
    guests: list[StayGuestSpec] = Field(default_factory=list)
    note: str = ""


class HotelFile(_Spec):
    hotel: HotelSpec
    room_types: list[RoomTypeSpec] = Field(default_factory=list)
    boards: list[CodeSpec] = Field(default_factory=list)
    markets: list[CodeSpec] = Field(default_factory=list)
    segments: list[CodeSpec] = Field(default_factory=list)
    sources: list[CodeSpec] = Field(default_factory=list)
    agencies: list[AgencySpec] = Field(default_factory=list)
    users: list[UserSpec] = Field(default_factory=list)
    operators: list[OperatorSpec] = Field(default_factory=list)
    sender_rules: list[SenderRuleSpec] = Field(default_factory=list)
    mappings: list[MappingSpec] = Field(default_factory=list)
    guests: list[GuestSpec] = Field(default_factory=list)
    reservations: list[ReservationSpec] = Field(default_factory=list)


@dataclass
class ImportResult:
    """What an import wrote, table by table."""

    hotel_code: str
    hotel_id: int
    counts: dict[str, int] = field(default_factory=dict)


def read_hotel_file(path: Path) -> HotelFile:
    """Parse and check a hotel file; raise ``InputError`` with every problem found."""
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror}") from None
    try:
        spec = HotelFile.model_validate(raw)
    except ValidationError as exc:
        problems = problems_from(exc, source, HotelFile)
        raise refused(source, problems) from None
    problems = check_references(spec, source)
    if problems:
        raise refused(source, problems)
    return spec


def check_references(spec: HotelFile, source: str) -> list[Problem]:
    """Cross-record checks: duplicates, codes that point nowhere, capacity, stay dates."""
    problems: list[Problem] = []

    def codes(table: str, items: list[Any], attr: str = "code") -> set[str]:
        seen = Counter(getattr(item, attr) for item in items)
        for index, item in enumerate(items):
            if seen[getattr(item, attr)] > 1:
                problems.append(
                    Problem(
                        source,
                        f"{table}[{index}].{attr}",
                        f"{getattr(item, attr)!r} is defined more than once",
                        "keep one",
                    )
                )
        return set(seen)

    def known(table: str, index: int, key: str, value: str, valid: set[str], where: str) -> None:
        if value and value not in valid:
            problems.append(
                Problem(
                    source,
                    f"{table}[{index}].{key}",
                    f"unknown {where} {value!r}",
                    f"define it under [[{where_table[where]}]] or fix the code",
                )
            )

    where_table = {
        "room type": "room_types",
        "board": "boards",
        "market": "markets",
        "segment": "segments",
        "source": "sources",
        "agency": "agencies",
        "operator": "operators",
    }
    room_types = {rt.code: rt for rt in spec.room_types}
    codes("room_types", spec.room_types)
    boards = codes("boards", spec.boards)
    markets = codes("markets", spec.markets)
    segments = codes("segments", spec.segments)
    sources = codes("sources", spec.sources)
    agencies = codes("agencies", spec.agencies)
    operators = {op.code: op for op in spec.operators}
    codes("operators", spec.operators)
    codes("users", spec.users, "username")
    codes("sender_rules", spec.sender_rules, "pattern")

    for index, rt in enumerate(spec.room_types):
        if rt.max_adults < rt.std_adults:
            problems.append(
                Problem(
                    source,
                    f"room_types[{index}].max_adults",
                    f"{rt.max_adults} is below std_adults {rt.std_adults}",
                    "max_adults counts the standard beds plus extra beds",
                )
            )
    for index, agency in enumerate(spec.agencies):
        known("agencies", index, "market", agency.market, markets, "market")
        known("agencies", index, "segment", agency.segment, segments, "segment")
        known("agencies", index, "source", agency.source, sources, "source")
    for index, op in enumerate(spec.operators):
        known("operators", index, "agency", op.agency, agencies, "agency")
        for key in op.settings:
            if key.lower() in {"password", "secret", "api_key", "token"}:
                problems.append(
                    Problem(
                        source,
                        f"operators[{index}].settings.{key}",
                        "secrets do not belong in the file",
                        "name an environment variable in secret_env",
                    )
                )
    for index, rule in enumerate(spec.sender_rules):
        target = operators.get(rule.operator)
        if target is None:
            known("sender_rules", index, "operator", rule.operator, set(), "operator")
        elif target.kind != OperatorKind.MAIL:
            problems.append(
                Problem(
                    source,
                    f"sender_rules[{index}].operator",
                    f"{rule.operator!r} is a {target.kind.value} operator",
                    "sender rules route mail to mail operators",
                )
            )
        if "@" not in rule.pattern:
            problems.append(
                Problem(
                    source,
                    f"sender_rules[{index}].pattern",
                    f"{rule.pattern!r} is neither an address nor @domain",
                    "write user@domain.com or @domain.com",
                )
            )
    targets = {
        MappingKind.AGENCY: (agencies, "agency"),
        MappingKind.BOARD: (boards, "board"),
        MappingKind.MARKET: (markets, "market"),
        MappingKind.ROOM_TYPE: (set(room_types), "room type"),
    }
    seen_mappings: set[tuple[str, str, str]] = set()
    for index, mapping in enumerate(spec.mappings):
        known("mappings", index, "operator", mapping.operator, set(operators), "operator")
        if mapping.kind in targets:
            valid, where = targets[mapping.kind]
            known("mappings", index, "hotel_code", mapping.hotel_code, valid, where)
        identity = (mapping.operator, mapping.kind.value, mapping.operator_code)
        if identity in seen_mappings:
            problems.append(
                Problem(
                    source,
                    f"mappings[{index}].operator_code",
                    f"{mapping.operator_code!r} is mapped twice for "
                    f"{mapping.operator} {mapping.kind.value}",
                    "keep one",
                )
            )
        seen_mappings.add(identity)
    business_date = spec.hotel.business_date
    for index, res in enumerate(spec.reservations):
        here = f"reservations[{index}]"
        known("reservations", index, "agency", res.agency, agencies, "agency")
        known("reservations", index, "board", res.board, boards, "board")
        known("reservations", index, "market", res.market, markets, "market")
        room = room_types.get(res.room_type)
        if room is None:
            known("reservations", index, "room_type", res.room_type, set(), "room type")
        elif res.adults > room.max_adults or res.children > room.max_children:
            problems.append(
                Problem(
                    source,
                    here,
                    f"{res.adults} adults + {res.children} children exceed "
                    f"{room.code} (max {room.max_adults} adults, "
                    f"{room.max_children} children)",
                    "pick a larger room type",
                )
            )
        if res.departure <= res.arrival:
            problems.append(
                Problem(
                    source,
                    f"{here}.departure",
                    f"{res.departure} is not after arrival {res.arrival}",
                    "a stay has at least one night",
                )
            )
        if len(res.child_ages) != res.children:
            problems.append(
                Problem(
                    source,
                    f"{here}.child_ages",
                    f"{len(res.child_ages)} ages for {res.children} children",
                    "give one age per child",
                )
            )
        if res.rate < 0:
            problems.append(Problem(source, f"{here}.rate", "a nightly rate cannot be negative"))
        status_problem = _status_problem(res, business_date)
        if status_problem:
            problems.append(Problem(source, f"{here}.status", status_problem))
    return problems


def _status_problem(res: ReservationSpec, business_date: date) -> str:
    if res.status == ReservationStatus.IN_HOUSE and not (
        res.arrival <= business_date < res.departure
    ):
        return f"in_house, but the stay {res.arrival}..{res.departure} excludes {business_date}"
    if res.status == ReservationStatus.CHECKED_OUT and res.departure > business_date:
        return f"checked_out, but departure {res.departure} is after {business_date}"
    if res.status == ReservationStatus.RESERVED and res.arrival < business_date:
        return (
            f"reserved, but arrival {res.arrival} is before the business date "
            f"{business_date} (in_house, checked_out or no_show?)"
        )
    return ""


def import_hotel(db: Database, path: Path, *, user: str) -> ImportResult:
    """Read, check and write a hotel file in one transaction; refuse it whole on any problem."""
    spec = read_hotel_file(path)
    with db.write() as session:
        existing = session.exec(select(Hotel).where(Hotel.code == spec.hotel.code)).first()
        if existing is not None:
            raise InputError(
                f"{path}: hotel {spec.hotel.code} already exists in this database "
                "(import into a new database, or change hotel.code)"
            )
        result = _write(session, spec, user)
        auditlog.record(
            session,
            hotel_id=result.hotel_id,
            user=user,
            action="hotel.import",
            entity="hotel",
            entity_id=result.hotel_id,
            after=result.counts,
            note=f"imported from {path.name}",
        )
    return result


def _write(session: Session, spec: HotelFile, user: str) -> ImportResult:
    h = spec.hotel
    hotel = Hotel(
        code=h.code,
        name=h.name,
        currency=h.currency,
        timezone=h.timezone,
        business_date=h.business_date,
        city=h.city,
        country=h.country,
    )
    session.add(hotel)
    session.flush()
    assert hotel.id is not None
    hid = hotel.id
    counts: Counter[str] = Counter()

    def add_all(rows: list[Any], table: str) -> dict[str, Any]:
        session.add_all(rows)
        counts[table] += len(rows)
        return {
            str(getattr(row, "code", None) or getattr(row, "username", "")): row for row in rows
        }

    room_types = add_all(
        [
            RoomType(
                hotel_id=hid,
                code=rt.code,
                name=rt.name,
                room_count=rt.room_count,
                std_adults=rt.std_adults,
                max_adults=rt.max_adults,
                max_children=rt.max_children,
                group_code=rt.group,
                sort_order=i,
            )
            for i, rt in enumerate(spec.room_types)
        ],
        "room_types",
    )
    boards = add_all([Board(hotel_id=hid, code=b.code, name=b.name) for b in spec.boards], "boards")
    markets = add_all(
        [Market(hotel_id=hid, code=m.code, name=m.name) for m in spec.markets], "markets"
    )
    segments = add_all(
        [Segment(hotel_id=hid, code=s.code, name=s.name) for s in spec.segments], "segments"
    )
    sources = add_all(
        [Source(hotel_id=hid, code=s.code, name=s.name) for s in spec.sources], "sources"
    )
    add_all(
        [User(hotel_id=hid, username=u.username, name=u.name, email=u.email) for u in spec.users],
        "users",
    )
    session.flush()

    def id_of(table: dict[str, Any], code: str) -> int | None:
        return table[code].id if code else None

    agencies = add_all(
        [
            Agency(
                hotel_id=hid,
                code=a.code,
                name=a.name,
                name_folded=fold(a.name),
                market_id=id_of(markets, a.market),
                segment_id=id_of(segments, a.segment),
                source_id=id_of(sources, a.source),
                price_code=a.price_code,
                country=a.country,
            )
            for a in spec.agencies
        ],
        "agencies",
    )
    session.flush()
    operators = add_all(
        [
            Operator(
                hotel_id=hid,
                code=o.code,
                name=o.name,
                kind=o.kind,
                format=o.format,
                default_agency_id=id_of(agencies, o.agency),
                settings=o.settings,
            )
            for o in spec.operators
        ],
        "operators",
    )
    session.flush()
    add_all(
        [
            SenderRule(
                hotel_id=hid, pattern=r.pattern.lower(), operator_id=operators[r.operator].id
            )
            for r in spec.sender_rules
        ],
        "sender_rules",
    )
    add_all(
        [
            Mapping(
                hotel_id=hid,
                operator_id=operators[m.operator].id,
                kind=m.kind,
                operator_code=m.operator_code,
                hotel_code=m.hotel_code,
                occupancy=m.occupancy,
                created_by=user,
            )
            for m in spec.mappings
        ],
        "mappings",
    )
    profiles = [
        GuestProfile(
            hotel_id=hid,
            title=g.title,
            first_name=g.first_name,
            last_name=g.last_name,
            name_folded=fold(f"{g.first_name} {g.last_name}"),
            birth_date=g.birth_date,
            passport=g.passport,
            nationality=g.nationality,
            vip_level=g.vip,
            repeat_count=g.repeat,
            gray_list=g.gray_list,
            problem_guest=g.problem,
            note=g.note,
        )
        for g in spec.guests
    ]
    add_all(profiles, "guest_profiles")
    session.flush()
    by_name: dict[str, list[GuestProfile]] = {}
    for profile in profiles:
        by_name.setdefault(profile.name_folded, []).append(profile)

    for res in spec.reservations:
        _add_reservation(
            session, hotel, res, room_types, boards, markets, agencies, by_name, counts
        )
    session.flush()
    return ImportResult(hotel_code=hotel.code, hotel_id=hid, counts=dict(counts))


def _add_reservation(
    session: Session,
    hotel: Hotel,
    res: ReservationSpec,
    room_types: dict[str, Any],
    boards: dict[str, Any],
    markets: dict[str, Any],
    agencies: dict[str, Any],
    by_name: dict[str, list[GuestProfile]],
    counts: Counter[str],
) -> None:
    assert hotel.id is not None
    agency = agencies.get(res.agency)
    names = [f"{g.first_name} {g.last_name}".strip() for g in res.guests]
    booking = HotelReservation(
        hotel_id=hotel.id,
        voucher=res.voucher,
        agency_id=agency.id if agency else None,
        room_type_id=room_types[res.room_type].id,
        board_id=boards[res.board].id if res.board else None,
        market_id=markets[res.market].id if res.market else None,
        segment_id=agency.segment_id if agency else None,
        source_id=agency.source_id if agency else None,
        price_code=res.price_code or (agency.price_code if agency else ""),
        arrival=res.arrival,
        departure=res.departure,
        adults=res.adults,
        children=res.children,
        child_ages=list(res.child_ages),
        infants=res.infants,
        room_count=res.rooms,
        status=res.status,
        nationality=res.nationality,
        guest_names=" / ".join(names),
        guest_names_folded=fold(" / ".join(names)),
        currency=hotel.currency,
        note=res.note,
        cancellation_date=hotel.business_date
        if res.status == ReservationStatus.CANCELLED
        else None,
    )
    session.add(booking)
    session.flush()
    assert booking.id is not None
    rate = round_money(res.rate, hotel.currency)
    night = res.arrival
    while night < res.departure:
        session.add(
            ReservationNight(
                hotel_id=hotel.id,
                hotel_reservation_id=booking.id,
                night=night,
                contract_price=rate,
                price=rate,
                currency=hotel.currency,
            )
        )
        counts["reservation_nights"] += 1
        night += timedelta(days=1)
    for seq, guest in enumerate(res.guests):
        matches = by_name.get(fold(f"{guest.first_name} {guest.last_name}"), [])
        session.add(
            ReservationGuest(
                hotel_id=hotel.id,
                hotel_reservation_id=booking.id,
                guest_profile_id=matches[0].id if len(matches) == 1 else None,
                seq=seq,
                title=guest.title,
                first_name=guest.first_name,
                last_name=guest.last_name,
                age=guest.age,
            )
        )
        counts["reservation_guests"] += 1
    if res.status in (ReservationStatus.IN_HOUSE, ReservationStatus.CHECKED_OUT):
        session.add(
            Folio(
                hotel_id=hotel.id,
                hotel_reservation_id=booking.id,
                number=1,
                name="Room",
                currency=hotel.currency,
            )
        )
        counts["folios"] += 1
    counts["hotel_reservations"] += 1
