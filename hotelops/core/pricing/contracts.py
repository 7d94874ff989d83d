"""Contracts (Kontrat): the agreed price tables, read from TOML, checked, stored, exported.

A contract file (the shape in FORMATS.md) is read in two passes, like a hotel file: the
shape is checked by pydantic, then the cross-checks run (periods contiguous and inside the
validity range, price rows that point at a known letter, room and occupancy, child combinations
that fit, no duplicates, a zero price only when confirmed). Every problem is collected; if there is
one, nothing is written. The stored record keeps the whole normalized spec as JSON (money as
strings), so export gives back an equal spec.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from sqlmodel import Session, col, select

from hotelops.core import auditlog
from hotelops.core.db import Database
from hotelops.core.errors import InputError, Problem, refused
from hotelops.core.hotels import get_hotel
from hotelops.core.models import Board, Contract, Market, RoomType
from hotelops.core.money import to_decimal
from hotelops.core.sqltypes import utcnow
from hotelops.core.validation import ExactDecimal, IsoDate, problems_from

MAX_PERIODS = 30
MAX_CHILD_BANDS = 3
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _number(value: Any) -> Any:
    # Ages and percentages are not money: a TOML float such as 6.99 or 12.5 is accepted, read
    # through its shortest text so 6.99 stays exactly 6.99.
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str | int) and not isinstance(value, bool):
        return to_decimal(value, what="number")
    return value


#: An age or a percentage: a TOML number (float allowed) or a string, read as an exact Decimal.
Number = Annotated[Decimal, BeforeValidator(_number)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ChildBand(_Spec):
    """A child age band (min..max age, inclusive; 0-6.99, 7-12.99)."""

    min_age: Number = Field(ge=0)
    max_age: Number = Field(ge=0)


class Period(_Spec):
    """A date slice of the contract; periods with the same letter share one price table."""

    letter: str = Field(pattern=r"^[A-Z][A-Z0-9]?$")
    from_: IsoDate = Field(alias="from")
    to: IsoDate


class Occupancy(_Spec):
    """Konaklama tipi: standard adults, maximum adults (the difference is extra beds), children."""

    name: str = Field(min_length=1, max_length=16)
    std_adults: int = Field(ge=1, le=12)
    max_adults: int = Field(ge=1, le=12)
    max_children: int = Field(default=0, ge=0, le=3)


class ContractRoom(_Spec):
    """A room type on the contract with the occupancies it is sold in."""

    room_type: str = Field(min_length=1)
    occupancies: list[Occupancy] = Field(min_length=1)


class PriceRow(_Spec):
    """One price row: (letter, room type, occupancy, child combination) → the four columns."""

    letter: str
    room_type: str
    occupancy: str
    children: list[int] = Field(default_factory=list)
    base: ExactDecimal
    extra_bed: ExactDecimal | None = None
    weekend: ExactDecimal | None = None
    weekend_extra_bed: ExactDecimal | None = None
    commission: Number = Field(default=Decimal(0), ge=0, le=100)
    vat: Number = Field(default=Decimal(0), ge=0, le=100)
    active: bool = True
    confirm_zero: bool = False


class ContractSpec(_Spec):
    """The whole contract as written in its file (the ``[contract]`` table)."""

    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=120)
    hotel: str = Field(min_length=1)
    contract_date: IsoDate | None = None
    valid_from: IsoDate
    valid_to: IsoDate
    markets: list[str] = Field(default_factory=list)
    board: str = Field(min_length=1)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    agency: str = ""
    weekend_days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=list
    )
    rounding: bool = False
    type: Literal["individual", "group"] = "individual"
    min_units: int | None = Field(default=None, ge=1)
    promotional: bool = False
    promo_note: str = ""
    active: bool = True
    notes: str = ""
    markup_percent: Number | None = Field(default=None, ge=0)
    markup_amount: ExactDecimal | None = Field(default=None, ge=0)
    child_bands: list[ChildBand] = Field(default_factory=list)
    periods: list[Period] = Field(min_length=1)
    rooms: list[ContractRoom] = Field(min_length=1)
    prices: list[PriceRow] = Field(default_factory=list)

    def children_key(self, children: list[int] | tuple[int, ...]) -> tuple[int, ...]:
        """A child combination padded with zeros to one count per band."""
        counts = tuple(children)
        return counts + (0,) * (len(self.child_bands) - len(counts))


class ContractFile(_Spec):
    """A contract file: one ``[contract]`` table."""

    contract: ContractSpec


@dataclass(frozen=True)
class ContractSummary:
    """One line of ``contract list``."""

    code: str
    name: str
    valid_from: date
    valid_to: date
    currency: str
    board: str
    markets: list[str]
    agency: str
    periods: int
    letters: str
    rooms: int
    prices: int
    active: bool
    imported_at: datetime
    source: str


# ---------------------------------------------------------------------------- reading


def read_contract_file(path: Path) -> ContractSpec:
    """Parse and check a contract file; raise ``InputError`` with every problem found."""
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror}") from None
    return contract_from_data(raw, source)


def contract_from_data(raw: dict[str, Any], source: str) -> ContractSpec:
    """Validate a parsed contract file (``{"contract": {...}}``); raise on any problem."""
    try:
        spec = ContractFile.model_validate(raw).contract
    except ValidationError as exc:
        raise refused(source, problems_from(exc, source, ContractFile)) from None
    problems = check_contract(spec, source)
    if problems:
        raise refused(source, problems)
    return spec


def check_contract(spec: ContractSpec, source: str) -> list[Problem]:
    """Cross-checks of one contract: periods, bands, rooms, price rows, markup."""
    problems: list[Problem] = []

    def add(key: str, message: str, hint: str = "") -> None:
        problems.append(Problem(source, f"contract.{key}" if key else "contract", message, hint))

    if spec.valid_to < spec.valid_from:
        add("valid_to", f"{spec.valid_to} is before valid_from {spec.valid_from}")
    if spec.type == "group" and spec.min_units is None:
        add("min_units", "a group contract needs min_units", "add min_units = 10")
    if spec.type == "individual" and spec.min_units is not None:
        add("min_units", 'min_units is only for type = "group"', "remove it")
    if spec.markup_percent is not None and spec.markup_amount is not None:
        add("markup_amount", "give markup_percent or markup_amount, not both")
    if spec.promo_note and not spec.promotional:
        add("promo_note", "a promotion note needs promotional = true")
    if len(set(spec.markets)) != len(spec.markets):
        add("markets", "a market is listed twice")
    if len(set(spec.weekend_days)) != len(spec.weekend_days):
        add("weekend_days", "a day is listed twice")
    _check_periods(spec, add)
    _check_bands(spec, add)
    occupancies = _check_rooms(spec, add)
    _check_prices(spec, occupancies, add)
    return problems


def _check_periods(spec: ContractSpec, add: Any) -> None:
    if len(spec.periods) > MAX_PERIODS:
        add("periods", f"{len(spec.periods)} periods, at most {MAX_PERIODS} allowed")
    for index, period in enumerate(spec.periods):
        if period.to < period.from_:
            add(f"periods[{index}].to", f"{period.to} is before its start {period.from_}")
        if period.from_ < spec.valid_from or period.to > spec.valid_to:
            add(
                f"periods[{index}]",
                f"{period.from_}..{period.to} is outside the contract "
                f"{spec.valid_from}..{spec.valid_to}",
            )
    # Contiguity is judged in date order, whatever order the file lists them in.
    ordered = sorted(enumerate(spec.periods), key=lambda item: (item[1].from_, item[1].to))
    first_index, first = ordered[0]
    if first.from_ > spec.valid_from:
        add(
            f"periods[{first_index}].from",
            f"gap: the contract starts {spec.valid_from}, the first period {first.from_}",
            "periods cover the whole validity range without gaps",
        )
    for (_, previous), (index, period) in pairwise(ordered):
        expected = previous.to + timedelta(days=1)
        if period.from_ > expected:
            add(
                f"periods[{index}].from",
                f"gap: {expected}..{period.from_ - timedelta(days=1)} is in no period",
                f"start it on {expected}",
            )
        elif period.from_ < expected:
            add(
                f"periods[{index}].from",
                f"overlap: {period.from_} is already in the period ending {previous.to}",
                f"start it on {expected}",
            )
    last_index, last = max(enumerate(spec.periods), key=lambda item: item[1].to)
    if last.to < spec.valid_to:
        add(
            f"periods[{last_index}].to",
            f"gap: the contract ends {spec.valid_to}, the last period {last.to}",
            "periods cover the whole validity range without gaps",
        )


def _check_bands(spec: ContractSpec, add: Any) -> None:
    if len(spec.child_bands) > MAX_CHILD_BANDS:
        add("child_bands", f"{len(spec.child_bands)} bands, at most {MAX_CHILD_BANDS} allowed")
    for index, band in enumerate(spec.child_bands):
        if band.max_age < band.min_age:
            add(f"child_bands[{index}].max_age", f"{band.max_age} is below min_age")
        if index and band.min_age <= spec.child_bands[index - 1].max_age:
            add(
                f"child_bands[{index}].min_age",
                f"{band.min_age} overlaps the band before (up to "
                f"{spec.child_bands[index - 1].max_age})",
                "list bands from the youngest, without overlap",
            )


def _check_rooms(spec: ContractSpec, add: Any) -> dict[tuple[str, str], Occupancy]:
    occupancies: dict[tuple[str, str], Occupancy] = {}
    seen = Counter(room.room_type for room in spec.rooms)
    for index, room in enumerate(spec.rooms):
        if seen[room.room_type] > 1:
            add(f"rooms[{index}].room_type", f"{room.room_type!r} is listed twice", "keep one")
        names = Counter(occ.name for occ in room.occupancies)
        for o_index, occ in enumerate(room.occupancies):
            key = f"rooms[{index}].occupancies[{o_index}]"
            if names[occ.name] > 1:
                add(f"{key}.name", f"{occ.name!r} is listed twice in {room.room_type}")
            if occ.max_adults < occ.std_adults:
                add(
                    f"{key}.max_adults",
                    f"{occ.max_adults} is below std_adults {occ.std_adults}",
                    "max_adults counts the standard beds plus extra beds",
                )
            if occ.max_children and not spec.child_bands:
                add(f"{key}.max_children", "children allowed, but no child_bands defined")
            occupancies.setdefault((room.room_type, occ.name), occ)
    return occupancies


def _check_prices(
    spec: ContractSpec, occupancies: dict[tuple[str, str], Occupancy], add: Any
) -> None:
    letters = {period.letter for period in spec.periods}
    rooms = {room.room_type for room in spec.rooms}
    bands = len(spec.child_bands)
    seen: dict[tuple[str, str, str, tuple[int, ...]], int] = {}
    for index, row in enumerate(spec.prices):
        key = f"prices[{index}]"
        if row.letter not in letters:
            add(
                f"{key}.letter",
                f"no period has letter {row.letter!r}",
                f"letters here: {', '.join(sorted(letters))}",
            )
        occ = occupancies.get((row.room_type, row.occupancy))
        if row.room_type not in rooms:
            add(
                f"{key}.room_type",
                f"{row.room_type!r} is not in contract.rooms",
                "add it under [[contract.rooms]]",
            )
        elif occ is None:
            known = [name for (room, name) in occupancies if room == row.room_type]
            add(
                f"{key}.occupancy",
                f"{row.occupancy!r} is not an occupancy of {row.room_type}",
                f"occupancies here: {', '.join(known)}",
            )
        if len(row.children) > bands:
            add(
                f"{key}.children",
                f"{len(row.children)} child counts, but the contract has {bands} child band(s)",
                "give one count per band",
            )
        if any(count < 0 for count in row.children):
            add(f"{key}.children", "a child count cannot be negative")
        if occ is not None and sum(row.children) > occ.max_children:
            add(
                f"{key}.children",
                f"{sum(row.children)} children exceed {row.room_type} {row.occupancy} "
                f"(max_children {occ.max_children})",
            )
        if occ is not None and occ.max_adults == occ.std_adults and row.extra_bed is not None:
            add(f"{key}.extra_bed", f"{row.room_type} {row.occupancy} has no extra bed")
        identity = (row.letter, row.room_type, row.occupancy, spec.children_key(row.children))
        if identity in seen:
            add(
                f"{key}",
                f"duplicate row: the same letter, room, occupancy and children as "
                f"prices[{seen[identity]}]",
                "keep one",
            )
        else:
            seen[identity] = index
        for column in ("base", "extra_bed", "weekend", "weekend_extra_bed"):
            value: Decimal | None = getattr(row, column)
            if value is None:
                continue
            if value < 0:
                add(f"{key}.{column}", f"a price cannot be negative, got {value}")
            elif value == 0 and row.active and not row.confirm_zero:
                add(
                    f"{key}.{column}",
                    "a price of 0 needs confirmation",
                    "add confirm_zero = true to the row, or switch it off with active = false",
                )


def check_against_hotel(
    spec: ContractSpec,
    room_types: set[str],
    markets: set[str],
    boards: set[str],
    *,
    source: str = "",
) -> list[Problem]:
    """Codes in the contract that the hotel does not have (room types, markets, board)."""
    problems: list[Problem] = []
    where = source or spec.code
    for index, room in enumerate(spec.rooms):
        if room.room_type not in room_types:
            problems.append(
                Problem(
                    where,
                    f"contract.rooms[{index}].room_type",
                    f"the hotel has no room type {room.room_type!r}",
                    f"room types: {', '.join(sorted(room_types))}",
                )
            )
    for index, market in enumerate(spec.markets):
        if market not in markets:
            problems.append(
                Problem(
                    where,
                    f"contract.markets[{index}]",
                    f"the hotel has no market {market!r}",
                    f"markets: {', '.join(sorted(markets))}",
                )
            )
    if spec.board not in boards:
        problems.append(
            Problem(
                where,
                "contract.board",
                f"the hotel has no board {spec.board!r}",
                f"boards: {', '.join(sorted(boards))}",
            )
        )
    return problems


# ---------------------------------------------------------------------------- writing


def contract_data(spec: ContractSpec) -> dict[str, Any]:
    """The spec as JSON-safe data (money and ages as strings, dates ISO), keys as in the file."""
    return spec.model_dump(mode="json", by_alias=True, exclude_none=True)


def contract_to_toml(spec: ContractSpec) -> str:
    """The contract as a TOML file that imports back to an equal spec (money as strings)."""
    data = spec.model_dump(mode="python", by_alias=True, exclude_none=True)
    return tomli_w.dumps({"contract": _tomlable(data, "")})


#: Keys whose Decimal is a number, not money: written as TOML numbers.
_NUMBER_KEYS = {"min_age", "max_age", "commission", "vat", "markup_percent"}


def _tomlable(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return {k: _tomlable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_tomlable(item, key) for item in value]
    if isinstance(value, Decimal):
        if key in _NUMBER_KEYS:
            if value == value.to_integral_value():
                return int(value)
            # A short decimal (6.99, 12.5) survives float → repr → Decimal unchanged.
            as_float = float(value)
            return as_float if Decimal(repr(as_float)) == value else str(value)
        return str(value)
    return value


def import_contract(db: Database, hotel_code: str | None, path: Path, *, user: str) -> ContractSpec:
    """Read, check against the hotel and store a contract in one transaction.

    A contract with the same code is replaced (the old spec goes to the audit log).
    """
    spec = read_contract_file(path)
    source = str(path)
    with db.write() as session:
        hotel = get_hotel(session, hotel_code or spec.hotel)
        assert hotel.id is not None
        problems: list[Problem] = []
        if spec.hotel.upper() != hotel.code.upper():
            problems.append(
                Problem(
                    source,
                    "contract.hotel",
                    f"the file is for hotel {spec.hotel!r}, importing into {hotel.code!r}",
                )
            )
        problems += check_against_hotel(
            spec,
            set(_codes(session, RoomType, hotel.id)),
            set(_codes(session, Market, hotel.id)),
            set(_codes(session, Board, hotel.id)),
            source=source,
        )
        if problems:
            raise refused(source, problems)
        existing = session.exec(
            select(Contract).where(Contract.hotel_id == hotel.id, Contract.code == spec.code)
        ).first()
        before = None
        if existing is None:
            record = Contract(
                hotel_id=hotel.id,
                code=spec.code,
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
                currency=spec.currency,
            )
        else:
            record = existing
            before = dict(existing.data)
        record.name = spec.name
        record.valid_from = spec.valid_from
        record.valid_to = spec.valid_to
        record.currency = spec.currency
        record.active = spec.active
        record.data = contract_data(spec)
        record.imported_at = utcnow()
        record.source = path.name
        session.add(record)
        session.flush()
        auditlog.record(
            session,
            hotel_id=hotel.id,
            user=user,
            action="contract.replace" if existing is not None else "contract.import",
            entity="contract",
            entity_id=record.id,
            before=before,
            after=record.data,
            note=f"imported from {path.name}",
        )
    return spec


def _codes(session: Session, model: Any, hotel_id: int) -> list[str]:
    return list(session.exec(select(model.code).where(model.hotel_id == hotel_id)).all())


def load_contract(session: Session, hotel_id: int, code: str) -> ContractSpec | None:
    """The stored contract with this code (case-insensitive), or None."""
    record = _record(session, hotel_id, code)
    return None if record is None else ContractSpec.model_validate(record.data)


def _record(session: Session, hotel_id: int, code: str) -> Contract | None:
    rows = session.exec(select(Contract).where(Contract.hotel_id == hotel_id)).all()
    for row in rows:
        if row.code == code:
            return row
    for row in rows:
        if row.code.upper() == code.upper():
            return row
    return None


def list_contracts(session: Session, hotel_id: int) -> list[ContractSummary]:
    """Every contract of the hotel, by code."""
    rows = session.exec(
        select(Contract).where(Contract.hotel_id == hotel_id).order_by(col(Contract.code))
    ).all()
    result = []
    for row in rows:
        data = row.data
        letters = sorted({str(p["letter"]) for p in data.get("periods", [])})
        result.append(
            ContractSummary(
                code=row.code,
                name=row.name,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
                currency=row.currency,
                board=str(data.get("board", "")),
                markets=list(data.get("markets", [])),
                agency=str(data.get("agency", "")),
                periods=len(data.get("periods", [])),
                letters="".join(letters),
                rooms=len(data.get("rooms", [])),
                prices=len(data.get("prices", [])),
                active=row.active,
                imported_at=row.imported_at,
                source=row.source,
            )
        )
    return result
