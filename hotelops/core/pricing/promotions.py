"""Promotions (Aksiyon ve İndirimler): discounts read from TOML, checked, stored.

A promotion file holds one or many ``[[promotion]]`` tables (FORMATS.md). Every problem in the
file is collected and the file is refused whole; otherwise each promotion is stored (replacing one
with the same code) in one transaction. The engine (``pricing.engine``) applies them.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session, col, select

from hotelops.core import auditlog
from hotelops.core.db import Database
from hotelops.core.errors import InputError, Problem, refused
from hotelops.core.hotels import get_hotel
from hotelops.core.models import Agency, Market, Promotion, RoomType
from hotelops.core.pricing.contracts import Number
from hotelops.core.sqltypes import utcnow
from hotelops.core.validation import ExactDecimal, IsoDate, problems_from

Kind = Literal[
    "stay_pay",
    "percent",
    "early_booking",
    "fixed",
    "long_stay",
    "no_single_supplement",
    "person_discount",
]

#: Kinds that take ``percent`` (and ``basis``).
PERCENT_KINDS = frozenset({"percent", "early_booking", "long_stay", "person_discount"})

#: The keys only some kinds use, and which.
_KIND_KEYS: dict[str, frozenset[str]] = {
    "percent": PERCENT_KINDS,
    "stay": frozenset({"stay_pay"}),
    "pay": frozenset({"stay_pay"}),
    "free_nights": frozenset({"stay_pay"}),
    "exact_match": frozenset({"stay_pay"}),
    "days_before": frozenset({"early_booking"}),
    "per_room": frozenset({"fixed"}),
    "per_person": frozenset({"fixed"}),
    "max_nights": frozenset({"fixed"}),
    "min_nights": frozenset({"long_stay"}),
}


class PromotionSpec(BaseModel):
    """One promotion as written in its file."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    code: str = Field(min_length=1, max_length=32)
    description: str = ""
    kind: Kind
    percent: Number | None = Field(default=None, gt=0, le=100)
    basis: Literal["net", "gross"] = "net"
    priority: int = 0
    auto_apply: bool = True
    early_booking: bool = False
    exclusive: bool = False
    wins_level: bool = False
    active: bool = True
    agencies: list[str] = Field(default_factory=list)
    markets: list[str] = Field(default_factory=list)
    room_types: list[str] = Field(default_factory=list)
    contracts: list[str] = Field(default_factory=list)
    min_stay: int = Field(default=0, ge=0)
    date_basis: Literal["stay", "arrival", "booking"] = "stay"
    from_: IsoDate | None = Field(default=None, alias="from")
    to: IsoDate | None = None
    stay_basis: Literal["stay", "arrival", "stayed_nights"] | None = None
    stay_from: IsoDate | None = None
    stay_to: IsoDate | None = None
    # stay_pay
    stay: int | None = Field(default=None, ge=1)
    pay: int | None = Field(default=None, ge=0)
    free_nights: Literal["start", "end", "average"] | None = None
    exact_match: bool | None = None
    # early_booking
    days_before: int | None = Field(default=None, ge=0)
    # fixed
    per_room: ExactDecimal | None = Field(default=None, ge=0)
    per_person: ExactDecimal | None = Field(default=None, ge=0)
    max_nights: int | None = Field(default=None, ge=0)
    # long_stay
    min_nights: int | None = Field(default=None, ge=1)


class PromotionFile(BaseModel):
    """A promotion file: one or many ``[[promotion]]`` tables."""

    model_config = ConfigDict(extra="forbid")

    promotion: list[PromotionSpec] = Field(min_length=1)


@dataclass(frozen=True)
class PromotionSummary:
    """One line of ``promo list``."""

    code: str
    description: str
    kind: str
    priority: int
    auto_apply: bool
    exclusive: bool
    wins_level: bool
    active: bool
    what: str
    agencies: list[str]
    imported_at: datetime
    source: str


def describe(spec: PromotionSpec) -> str:
    """A short text of what the promotion gives: ``7=6 (end)``, ``10 % net``, ``14+ nights 5 %``."""
    percent = f"{spec.percent.normalize():f} % {spec.basis}" if spec.percent is not None else ""
    if spec.kind == "stay_pay":
        exact = ", exact" if spec.exact_match else ""
        return f"{spec.stay}={spec.pay} ({spec.free_nights or 'start'}{exact})"
    if spec.kind == "early_booking":
        return f"{percent}, {spec.days_before}+ days before arrival"
    if spec.kind == "long_stay":
        return f"{percent}, {spec.min_nights}+ nights"
    if spec.kind == "fixed":
        parts = []
        if spec.per_room:
            parts.append(f"{spec.per_room}/room")
        if spec.per_person:
            parts.append(f"{spec.per_person}/person")
        limit = f", max {spec.max_nights} nights" if spec.max_nights else ""
        return " + ".join(parts) + " per night" + limit
    if spec.kind == "no_single_supplement":
        return "single pays half the double"
    if spec.kind == "person_discount":
        return f"{percent} off one person in a double"
    return percent


# ---------------------------------------------------------------------------- reading


def read_promotion_file(path: Path) -> list[PromotionSpec]:
    """Parse and check a promotion file; raise ``InputError`` with every problem found."""
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read: {exc.strerror}") from None
    return promotions_from_data(raw, source)


def promotions_from_data(raw: dict[str, Any], source: str) -> list[PromotionSpec]:
    """Validate a parsed promotion file (``{"promotion": [...]}``); raise on any problem."""
    try:
        specs = PromotionFile.model_validate(raw).promotion
    except ValidationError as exc:
        raise refused(source, problems_from(exc, source, PromotionFile)) from None
    problems: list[Problem] = []
    codes = Counter(spec.code for spec in specs)
    for index, spec in enumerate(specs):
        if codes[spec.code] > 1:
            problems.append(
                Problem(source, f"promotion[{index}].code", f"{spec.code!r} is used twice")
            )
        problems += check_promotion(spec, source, f"promotion[{index}]")
    if problems:
        raise refused(source, problems)
    return list(specs)


def check_promotion(spec: PromotionSpec, source: str, where: str) -> list[Problem]:
    """The kind's required keys, keys that do not belong to it, and date ranges."""
    problems: list[Problem] = []

    def add(key: str, message: str, hint: str = "") -> None:
        problems.append(Problem(source, f"{where}.{key}", message, hint))

    for key, kinds in _KIND_KEYS.items():
        if spec.kind not in kinds and getattr(spec, key) is not None:
            add(key, f"not used by kind {spec.kind!r}", f"used by: {', '.join(sorted(kinds))}")
    if spec.kind in PERCENT_KINDS and spec.percent is None:
        add("percent", f"kind {spec.kind!r} needs percent", "add percent = 10")
    if spec.kind == "stay_pay":
        if spec.stay is None:
            add("stay", "stay_pay needs stay (the nights stayed)", "add stay = 7")
        if spec.pay is None:
            add("pay", "stay_pay needs pay (the nights paid)", "add pay = 6")
        if spec.stay is not None and spec.pay is not None and spec.pay >= spec.stay:
            add("pay", f"pay {spec.pay} is not below stay {spec.stay}")
    if spec.kind == "early_booking" and spec.days_before is None:
        add("days_before", "early_booking needs days_before", "add days_before = 60")
    if spec.kind == "fixed" and not (spec.per_room or spec.per_person):
        add("per_room", "fixed needs per_room or per_person above 0", 'add per_room = "10.00"')
    if spec.kind == "long_stay" and spec.min_nights is None:
        add("min_nights", "long_stay needs min_nights", "add min_nights = 14")
    if (spec.from_ is None) != (spec.to is None):
        add("to" if spec.to is None else "from", "give both from and to, or neither")
    elif spec.from_ is not None and spec.to is not None and spec.to < spec.from_:
        add("to", f"{spec.to} is before from {spec.from_}")
    if spec.date_basis == "booking" and spec.from_ is None:
        add("from", 'date_basis = "booking" needs the sale date range from/to')
    if spec.stay_basis is not None:
        if spec.date_basis != "booking":
            add("stay_basis", 'stay_basis only goes with date_basis = "booking"')
        if spec.stay_from is None or spec.stay_to is None:
            add("stay_from", "stay_basis needs stay_from and stay_to")
        elif spec.stay_to < spec.stay_from:
            add("stay_to", f"{spec.stay_to} is before stay_from {spec.stay_from}")
    elif spec.stay_from is not None or spec.stay_to is not None:
        add("stay_basis", "stay_from/stay_to need stay_basis (stay, arrival or stayed_nights)")
    for key in ("agencies", "markets", "room_types", "contracts"):
        values = getattr(spec, key)
        if len(set(values)) != len(values):
            add(key, "a code is listed twice")
    return problems


def check_promotion_against_hotel(
    spec: PromotionSpec,
    agencies: set[str],
    markets: set[str],
    room_types: set[str],
    *,
    source: str,
    where: str,
) -> list[Problem]:
    """Agency, market and room type codes the hotel does not have."""
    problems: list[Problem] = []
    for key, known in (("agencies", agencies), ("markets", markets), ("room_types", room_types)):
        for index, code in enumerate(getattr(spec, key)):
            if code not in known:
                problems.append(
                    Problem(
                        source,
                        f"{where}.{key}[{index}]",
                        f"the hotel has no {key[:-1].replace('_', ' ')} {code!r}"
                        if key != "agencies"
                        else f"the hotel has no agency {code!r}",
                        f"known: {', '.join(sorted(known))}",
                    )
                )
    return problems


def promotion_data(spec: PromotionSpec) -> dict[str, Any]:
    """The spec as JSON-safe data, keys as in the file."""
    return spec.model_dump(mode="json", by_alias=True, exclude_none=True)


# ---------------------------------------------------------------------------- storing


def import_promotions(
    db: Database, hotel_code: str | None, path: Path, *, user: str
) -> list[PromotionSpec]:
    """Read, check against the hotel and store every promotion of a file in one transaction.

    A promotion with the same code is replaced; promotions not in the file are left alone.
    """
    specs = read_promotion_file(path)
    source = str(path)
    with db.write() as session:
        hotel = get_hotel(session, hotel_code)
        assert hotel.id is not None
        hid = hotel.id

        def codes(model: Any) -> set[str]:
            return set(session.exec(select(model.code).where(model.hotel_id == hid)).all())

        agencies, markets, rooms = codes(Agency), codes(Market), codes(RoomType)
        problems: list[Problem] = []
        for index, spec in enumerate(specs):
            problems += check_promotion_against_hotel(
                spec, agencies, markets, rooms, source=source, where=f"promotion[{index}]"
            )
        if problems:
            raise refused(source, problems)
        existing = {
            row.code: row
            for row in session.exec(select(Promotion).where(Promotion.hotel_id == hid)).all()
        }
        for spec in specs:
            record = existing.get(spec.code)
            before = dict(record.data) if record is not None else None
            if record is None:
                record = Promotion(hotel_id=hid, code=spec.code, kind=spec.kind)
            record.kind = spec.kind
            record.priority = spec.priority
            record.auto_apply = spec.auto_apply
            record.active = spec.active
            record.data = promotion_data(spec)
            record.imported_at = utcnow()
            record.source = path.name
            session.add(record)
            session.flush()
            auditlog.record(
                session,
                hotel_id=hid,
                user=user,
                action="promotion.replace" if before is not None else "promotion.import",
                entity="promotion",
                entity_id=record.id,
                before=before,
                after=record.data,
                note=f"imported from {path.name}",
            )
    return specs


def _rows(session: Session, hotel_id: int, *, active_only: bool) -> list[Promotion]:
    query = select(Promotion).where(Promotion.hotel_id == hotel_id)
    if active_only:
        query = query.where(col(Promotion.active).is_(True))
    return list(session.exec(query.order_by(col(Promotion.priority), col(Promotion.code))).all())


def load_promotions(session: Session, hotel_id: int) -> list[PromotionSpec]:
    """The hotel's active promotions, by priority then code, ready for the engine."""
    return [
        PromotionSpec.model_validate(row.data) for row in _rows(session, hotel_id, active_only=True)
    ]


def load_promotion(session: Session, hotel_id: int, code: str) -> PromotionSpec | None:
    """One stored promotion (active or not) by code, case-insensitive; None when unknown."""
    for row in _rows(session, hotel_id, active_only=False):
        if row.code.upper() == code.upper():
            return PromotionSpec.model_validate(row.data)
    return None


def list_promotions(session: Session, hotel_id: int) -> list[PromotionSummary]:
    """Every promotion of the hotel (active or not), by priority then code."""
    result = []
    for row in _rows(session, hotel_id, active_only=False):
        spec = PromotionSpec.model_validate(row.data)
        result.append(
            PromotionSummary(
                code=spec.code,
                description=spec.description,
                kind=spec.kind,
                priority=spec.priority,
                auto_apply=spec.auto_apply,
                exclusive=spec.exclusive,
                wins_level=spec.wins_level,
                active=row.active,
                what=describe(spec),
                agencies=list(spec.agencies),
                imported_at=row.imported_at,
                source=row.source,
            )
        )
    return result
