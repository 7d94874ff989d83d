"""Import a hotel definition file: the hotel, its code tables, operators, guests and bookings.

The file is TOML (``docs/hotel-file.md``; ``fixtures/demo/kivima.toml`` is a full example). It is
read in two passes, as beancount does: every problem in the file is collected (unknown key, bad
date, a code that points nowhere, a room over capacity), and if there is any, nothing is written.
Otherwise everything is written in one transaction, through the same models the rest of hotelops
uses, and the import is logged.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
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
from hotelops.core.validation import ExactDecimal, IsoDate, problems_from, unknown_key


class _Spec(BaseModel):
    """A record of the file. Like a beancount entry it remembers where it was written.

    While the file is checked, a record that failed its type check is kept with the keys that
    passed (``parsed``), so that the codes it names are checked with everyone else's.
    """

    model_config = ConfigDict(extra="forbid")
    #: The key whose value names the record in a problem (``code``, ``voucher``), if it has one.
    label_key: ClassVar[str] = ""
    _where: str = PrivateAttr(default="")
    _label: str = PrivateAttr(default="")
    _failed: frozenset[str] = PrivateAttr(default=frozenset())

    @property
    def where(self) -> str:
        """Its table and index in the file: ``reservations[3]``."""
        return self._where

    @property
    def label(self) -> str:
        """Its own code, to show with ``where``: ``voucher 78856480``."""
        return self._label

    def parsed(self, *keys: str) -> bool:
        """Whether these keys passed their type check (always so in a file that was accepted)."""
        return self._failed.isdisjoint(keys)


_SpecT = TypeVar("_SpecT", bound=_Spec)


class HotelSpec(_Spec):
    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    timezone: str = "Europe/Istanbul"
    business_date: IsoDate
    city: str = ""
    country: str = ""


class RoomTypeSpec(_Spec):
    label_key = "code"

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    room_count: int = Field(ge=0)
    std_adults: int = Field(default=2, ge=1)
    max_adults: int = Field(default=2, ge=1)
    max_children: int = Field(default=0, ge=0, le=3)
    group: str = ""


class CodeSpec(_Spec):
    label_key = "code"

    code: str = Field(min_length=1)
    name: str = ""


class AgencySpec(_Spec):
    label_key = "code"

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    market: str = ""
    segment: str = ""
    source: str = ""
    price_code: str = ""
    country: str = ""


class UserSpec(_Spec):
    label_key = "username"

    username: str = Field(min_length=1)
    name: str = Field(min_length=1)
    email: str = ""


class OperatorSpec(_Spec):
    label_key = "code"

    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    kind: OperatorKind
    format: Literal["ota", "alpinebits", "json", "mail"] = "ota"
    agency: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)


class SenderRuleSpec(_Spec):
    label_key = "pattern"

    pattern: str = Field(min_length=2)
    operator: str


class MappingSpec(_Spec):
    label_key = "operator_code"

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
    label_key = "voucher"

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
        # Nothing past a syntax error can be read; tomllib's message ends "(at line L, column C)".
        problem = Problem(source, "", f"not valid TOML: {exc}")
        raise InputError(str(problem), [problem]) from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror}") from None
    spec, problems = parse_hotel_data(raw, source)
    problems += check_references(spec, source)
    if problems:
        raise refused(source, sorted(problems, key=_place_in_file))
    return spec


def _place_in_file(problem: Problem) -> tuple[int, int]:
    """Tables in the order of the docs, records by index: a record's problems come together."""
    match = re.match(r"(\w+)(?:\[(\d+)\])?", problem.field)
    tables = list(HotelFile.model_fields)
    if match is None or match[1] not in tables:
        return (-1, -1)
    return (tables.index(match[1]), int(match[2] or -1))


#: The file's arrays of tables, each with the model of its records.
_TABLES: dict[str, type[_Spec]] = {
    name: get_args(info.annotation)[0]
    for name, info in HotelFile.model_fields.items()
    if name != "hotel"
}


def parse_hotel_data(raw: dict[str, Any], source: str) -> tuple[HotelFile, list[Problem]]:
    """Type-check every record of a parsed file on its own; return them with every type problem.

    With no problem the ``HotelFile`` is whole. Otherwise it is a draft for ``check_references``:
    a record that failed holds the keys that passed, and answers ``parsed(key)`` for the others.
    """
    problems = [
        unknown_key(source, key, HotelFile.model_fields)
        for key in raw
        if key not in HotelFile.model_fields
    ]
    hotel = _parse_record(HotelSpec, raw.get("hotel"), "hotel", "[hotel]", source, problems)
    tables: dict[str, Any] = {}
    for name, model in _TABLES.items():
        rows = raw.get(name, [])
        if not isinstance(rows, list):
            problems.append(
                Problem(
                    source,
                    name,
                    f"is {_toml_kind(rows)}, not an array of tables",
                    f"start each record with [[{name}]]",
                )
            )
            rows = []
        tables[name] = [
            _parse_record(model, row, f"{name}[{index}]", f"[[{name}]]", source, problems)
            for index, row in enumerate(rows)
        ]
    return HotelFile.model_construct(hotel=hotel, **tables), problems


def _parse_record(
    model: type[_SpecT], raw: Any, where: str, header: str, source: str, problems: list[Problem]
) -> _SpecT:
    """One record checked alone, so that its problems hide no other record's."""
    given: dict[str, Any] = raw if isinstance(raw, dict) else {}
    code = given.get(model.label_key) if model.label_key else None
    label = f"{model.label_key} {code}" if isinstance(code, str) and code else ""
    record = cast(_SpecT, model.model_construct())  # the pydantic plugin types it as the base
    failed: set[str] = set()
    if not isinstance(raw, dict):
        what = "required table is missing" if raw is None else f"is {_toml_kind(raw)}, not a table"
        problems.append(Problem(source, where, what, f"write it as {header}"))
        failed = set(model.model_fields)
    else:
        try:
            record = model.model_validate(raw)
        except ValidationError as exc:
            problems += problems_from(exc, source, model, at=where, record=label)
            failed = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
            # Keep what did parse: the codes this record names are checked like any other's.
            for key, value in raw.items():
                if key in model.model_fields and key not in failed:
                    model.__pydantic_validator__.validate_assignment(record, key, value)
    record._where, record._label, record._failed = where, label, frozenset(failed)
    return record


def _toml_kind(value: Any) -> str:
    kinds = {dict: "a table", list: "an array", str: "a string", bool: "a boolean"}
    return kinds.get(type(value), f"a {type(value).__name__}")


#: Where each kind of code is defined, for the hint of an unknown one.
_DEFINED_UNDER = {
    "room type": "room_types",
    "board": "boards",
    "market": "markets",
    "segment": "segments",
    "source": "sources",
    "agency": "agencies",
    "operator": "operators",
}


class _References:
    """The problems of a file's records with each other, collected as the checks go."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def add(self, record: _Spec, key: str, message: str, hint: str = "") -> None:
        """A problem with the record's ``key``, or with the whole record when ``key`` is empty."""
        field = f"{record.where}.{key}" if key else record.where
        self.problems.append(Problem(self.source, field, message, hint, record.label))

    def codes(self, records: list[_SpecT], key: str = "code") -> dict[str, _SpecT]:
        """The records of a table by code, each duplicate reported with the others' places.

        A record that failed its type check still defines its code, so that what refers to it
        is not reported too.
        """
        places: dict[str, list[str]] = {}
        for record in records:
            if record.parsed(key):
                places.setdefault(getattr(record, key), []).append(record.where)
        for record in records:
            if record.parsed(key) and len(places[getattr(record, key)]) > 1:
                others = [p for p in places[getattr(record, key)] if p != record.where]
                self.add(
                    record,
                    key,
                    f"{getattr(record, key)!r} is defined more than once",
                    f"also at {', '.join(others)}; keep one",
                )
        return {getattr(r, key): r for r in records if r.parsed(key)}

    def known(self, record: _Spec, key: str, defined: Container[str], what: str) -> None:
        """Report ``record.key`` when it names a code that is not defined."""
        value = getattr(record, key) if record.parsed(key) else ""
        if value and value not in defined:
            self.add(
                record,
                key,
                f"unknown {what} {value!r}",
                f"define it under [[{_DEFINED_UNDER[what]}]] or fix the code",
            )


def check_references(spec: HotelFile, source: str) -> list[Problem]:
    """Cross-record checks: duplicates, codes that point nowhere, capacity, stay dates.

    ``spec`` may be a draft from ``parse_hotel_data``: a check skips a record when it needs a key
    that record failed to parse, and runs on the rest.
    """
    check = _References(source)
    room_types = check.codes(spec.room_types)
    boards = check.codes(spec.boards)
    markets = check.codes(spec.markets)
    segments = check.codes(spec.segments)
    sources = check.codes(spec.sources)
    agencies = check.codes(spec.agencies)
    operators = check.codes(spec.operators)
    check.codes(spec.users, "username")
    check.codes(spec.sender_rules, "pattern")

    for rt in spec.room_types:
        if rt.parsed("std_adults", "max_adults") and rt.max_adults < rt.std_adults:
            check.add(
                rt,
                "max_adults",
                f"{rt.max_adults} is below std_adults {rt.std_adults}",
                "max_adults counts the standard beds plus extra beds",
            )
    for agency in spec.agencies:
        check.known(agency, "market", markets, "market")
        check.known(agency, "segment", segments, "segment")
        check.known(agency, "source", sources, "source")
    for op in spec.operators:
        check.known(op, "agency", agencies, "agency")
        for key in op.settings if op.parsed("settings") else ():
            if key.lower() in {"password", "secret", "api_key", "token"}:
                check.add(
                    op,
                    f"settings.{key}",
                    "secrets do not belong in the file",
                    "name an environment variable in secret_env",
                )
    for rule in spec.sender_rules:
        check.known(rule, "operator", operators, "operator")
        target = operators.get(rule.operator) if rule.parsed("operator") else None
        if target is not None and target.parsed("kind") and target.kind != OperatorKind.MAIL:
            check.add(
                rule,
                "operator",
                f"{rule.operator!r} is a {target.kind.value} operator",
                "sender rules route mail to mail operators",
            )
        if rule.parsed("pattern") and "@" not in rule.pattern:
            check.add(
                rule,
                "pattern",
                f"{rule.pattern!r} is neither an address nor @domain",
                "write user@domain.com or @domain.com",
            )
    mapping_targets: dict[MappingKind, tuple[Container[str], str]] = {
        MappingKind.AGENCY: (agencies, "agency"),
        MappingKind.BOARD: (boards, "board"),
        MappingKind.MARKET: (markets, "market"),
        MappingKind.ROOM_TYPE: (room_types, "room type"),
    }
    _check_mappings(check, spec.mappings, operators, mapping_targets)
    for res in spec.reservations:
        check.known(res, "agency", agencies, "agency")
        check.known(res, "board", boards, "board")
        check.known(res, "market", markets, "market")
        check.known(res, "room_type", room_types, "room type")
        room = room_types.get(res.room_type) if res.parsed("room_type") else None
        _check_stay(check, res, room, spec.hotel)
    return check.problems


def _check_mappings(
    check: _References,
    mappings: list[MappingSpec],
    operators: Container[str],
    targets: dict[MappingKind, tuple[Container[str], str]],
) -> None:
    """Each mapping names a known operator and, for the kinds that have one, a known hotel code."""
    seen: set[tuple[str, str, str]] = set()
    for mapping in mappings:
        check.known(mapping, "operator", operators, "operator")
        if mapping.parsed("kind") and mapping.kind in targets:
            defined, what = targets[mapping.kind]
            check.known(mapping, "hotel_code", defined, what)
        if not mapping.parsed("operator", "kind", "operator_code"):
            continue
        identity = (mapping.operator, mapping.kind.value, mapping.operator_code)
        if identity in seen:
            check.add(
                mapping,
                "operator_code",
                f"{mapping.operator_code!r} is mapped twice for "
                f"{mapping.operator} {mapping.kind.value}",
                "keep one",
            )
        seen.add(identity)


def _check_stay(
    check: _References, res: ReservationSpec, room: RoomTypeSpec | None, hotel: HotelSpec
) -> None:
    """A reservation against its room type, its own dates and ages, and the business date."""
    if (
        room is not None
        and room.parsed("max_adults", "max_children")
        and res.parsed("adults", "children")
        and (res.adults > room.max_adults or res.children > room.max_children)
    ):
        check.add(
            res,
            "",
            f"{res.adults} adults + {res.children} children exceed "
            f"{room.code} (max {room.max_adults} adults, {room.max_children} children)",
            "pick a larger room type",
        )
    if res.parsed("arrival", "departure") and res.departure <= res.arrival:
        check.add(
            res,
            "departure",
            f"{res.departure} is not after arrival {res.arrival}",
            "a stay has at least one night",
        )
    if res.parsed("children", "child_ages") and len(res.child_ages) != res.children:
        check.add(
            res,
            "child_ages",
            f"{len(res.child_ages)} ages for {res.children} children",
            "give one age per child",
        )
    if res.parsed("rate") and res.rate < 0:
        check.add(res, "rate", "a nightly rate cannot be negative")
    if hotel.parsed("business_date") and res.parsed("status", "arrival", "departure"):
        status_problem = _status_problem(res, hotel.business_date)
        if status_problem:
            check.add(res, "status", status_problem)


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


def import_hotel(
    db: Database, path: Path, *, user: str, spec: HotelFile | None = None
) -> ImportResult:
    """Read, check and write a hotel file in one transaction; refuse it whole on any problem.

    ``spec`` is the file already read by ``read_hotel_file`` (so a caller can check the file
    before it makes a database for it).
    """
    spec = spec if spec is not None else read_hotel_file(path)
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
