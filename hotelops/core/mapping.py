"""Eşleştirme (mapping): operator codes → hotel codes, and what is still unmapped.

One way in: ``MappingTable.resolve`` turns an inbox reservation's operator codes into hotel
codes, with the agency card's defaults (market, segment, source, price code). The inbox detail,
the approve guards, pricing and ``hotelops map`` all ask it.

Decisions:

* Operator codes match exactly (case and spaces included), as the inbox's ``missing_mappings``
  filter does in SQL, so both always agree on what is missing.
* An operator code that is sent but not mapped is missing, whatever its kind.
* A mapping whose operator code is ``""`` says what the operator means when it sends nothing
  for a kind (its default for that kind): ``map set BAH agency '' KIVI`` maps every BAH
  reservation without an agency to KIVI.
* An empty agency falls back to the operator card's default agency, else to the ``""`` agency
  mapping; an empty room type or board falls back to the ``""`` mapping. When there is none, an
  empty agency, room type or board is missing (a reservation needs all three), reported with
  the value ``""``. An empty market or rate type is never missing (a ``""`` mapping still fills
  it).
* Market: a market mapping wins; else the agency card's default market.
* Price code, segment and source: the inbox reservation's own when set, else the agency card's.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hotelops.core import auditlog
from hotelops.core.db import Database
from hotelops.core.errors import InputError, NotFound, Problem
from hotelops.core.hotels import get_hotel, operator_named
from hotelops.core.inbox import MAPPED_COLUMNS, REQUIRED_KINDS
from hotelops.core.models import (
    Agency,
    Board,
    InboxReservation,
    InboxStatus,
    Mapping,
    MappingKind,
    Market,
    Operator,
    RoomType,
    Segment,
    Source,
)
from hotelops.core.sqltypes import utcnow
from hotelops.core.text import close_matches, fold

#: Kinds a reservation cannot do without, even when the operator sends nothing for them.
REQUIRED = REQUIRED_KINDS
CSV_COLUMNS = ("operator", "kind", "operator_code", "hotel_code", "occupancy")
#: ``map suggest --yes`` accepts the best candidate only above this score.
AUTO_ACCEPT = 0.75


class MappedRow(Protocol):
    """Anything carrying an inbox reservation's operator codes (a model, a row, a dataclass)."""

    @property
    def operator_agency(self) -> str: ...
    @property
    def operator_room_type(self) -> str: ...
    @property
    def operator_board(self) -> str: ...
    @property
    def operator_market(self) -> str: ...
    @property
    def operator_rate_type(self) -> str: ...


@dataclass(frozen=True)
class Resolved:
    """An inbox reservation's operator codes in hotel terms ("" where unknown).

    ``missing`` is kind → the operator code that has no mapping ("" when the operator sent
    nothing for a kind a reservation needs); ``messages`` says, per missing kind, what to do.
    """

    agency: str = ""
    room_type: str = ""
    board: str = ""
    market: str = ""
    rate_type: str = ""
    occupancy: str = ""
    price_code: str = ""
    segment: str = ""
    source: str = ""
    missing: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every code resolved (nothing blocks saving)."""
        return not self.missing


@dataclass(frozen=True)
class AgencyDefaults:
    """What an agency card fills in: market, segment, source and price code (hotel codes)."""

    market: str
    segment: str
    source: str
    price_code: str


class MappingTable:
    """Every mapping and agency default of one hotel, in memory: ``resolve`` runs no query."""

    def __init__(
        self,
        codes: dict[tuple[int, str, str], tuple[str, str]],
        agencies: dict[str, AgencyDefaults],
        default_agency: dict[int, str],
        operator_codes: dict[int, str],
    ) -> None:
        self._codes = codes
        self._agencies = agencies
        self._default_agency = default_agency
        self._operator_codes = operator_codes

    @classmethod
    def load(cls, session: Session, hotel_id: int) -> MappingTable:
        """Read the hotel's mappings, agency cards and operators once."""
        codes = {
            (operator_id, str(kind), operator_code): (hotel_code, occupancy)
            for operator_id, kind, operator_code, hotel_code, occupancy in session.execute(
                sa_select(
                    col(Mapping.operator_id),
                    col(Mapping.kind),
                    col(Mapping.operator_code),
                    col(Mapping.hotel_code),
                    col(Mapping.occupancy),
                ).where(col(Mapping.hotel_id) == hotel_id)
            )
        }
        markets = _code_by_id(session, Market, hotel_id)
        segments = _code_by_id(session, Segment, hotel_id)
        sources = _code_by_id(session, Source, hotel_id)
        agencies: dict[str, AgencyDefaults] = {}
        agency_codes: dict[int, str] = {}
        for agency in session.exec(select(Agency).where(Agency.hotel_id == hotel_id)):
            assert agency.id is not None
            agency_codes[agency.id] = agency.code
            agencies[agency.code] = AgencyDefaults(
                market=markets.get(agency.market_id or 0, ""),
                segment=segments.get(agency.segment_id or 0, ""),
                source=sources.get(agency.source_id or 0, ""),
                price_code=agency.price_code,
            )
        default_agency: dict[int, str] = {}
        operator_codes: dict[int, str] = {}
        for operator in session.exec(select(Operator).where(Operator.hotel_id == hotel_id)):
            assert operator.id is not None
            operator_codes[operator.id] = operator.code
            if operator.default_agency_id in agency_codes:
                default_agency[operator.id] = agency_codes[operator.default_agency_id or 0]
        return cls(codes, agencies, default_agency, operator_codes)

    def lookup(self, operator_id: int, kind: MappingKind, operator_code: str) -> str | None:
        """The hotel code an operator code maps to, or None."""
        hit = self._codes.get((operator_id, kind.value, operator_code))
        return hit[0] if hit else None

    def agency_defaults(self, agency_code: str) -> AgencyDefaults | None:
        """The agency card's defaults, or None for an unknown agency."""
        return self._agencies.get(agency_code)

    def resolve(self, operator_id: int, row: MappedRow) -> Resolved:
        """The hotel codes of one inbox reservation (see the module docstring for the rules)."""
        codes = self._codes
        missing: dict[str, str] = {}
        messages: dict[str, str] = {}
        found: dict[str, str] = {}
        occupancy = ""
        operator = self._operator_codes.get(operator_id, f"#{operator_id}")
        for kind, column in MAPPED_COLUMNS.items():
            value: str = getattr(row, column)
            if not value:
                if kind is MappingKind.AGENCY and operator_id in self._default_agency:
                    found[kind.value] = self._default_agency[operator_id]
                    continue
                default = codes.get((operator_id, kind.value, ""))
                if default is not None:  # what this operator's "sent nothing" means
                    found[kind.value] = default[0]
                    if kind is MappingKind.ROOM_TYPE:
                        occupancy = default[1]
                elif kind in REQUIRED:
                    missing[kind.value] = ""
                    messages[kind.value] = _empty_message(operator, kind)
                continue
            hit = codes.get((operator_id, kind.value, value))
            if hit is None:
                missing[kind.value] = value
                messages[kind.value] = (
                    f"{operator} {_label(kind)} {value!r} is not mapped "
                    f"(hotelops map set {operator} {kind.value} {_quote(value)} HOTEL_CODE)"
                )
                continue
            found[kind.value] = hit[0]
            if kind is MappingKind.ROOM_TYPE:
                occupancy = hit[1]
        agency = found.get("agency", "")
        card = self._agencies.get(agency)
        return Resolved(
            agency=agency,
            room_type=found.get("room_type", ""),
            board=found.get("board", ""),
            market=found.get("market") or (card.market if card else ""),
            rate_type=found.get("rate_type", ""),
            occupancy=occupancy,
            price_code=getattr(row, "price_code", "") or (card.price_code if card else ""),
            segment=getattr(row, "segment_code", "") or (card.segment if card else ""),
            source=getattr(row, "source_code", "") or (card.source if card else ""),
            missing=missing,
            messages=messages,
        )


def _label(kind: MappingKind) -> str:
    return kind.value.replace("_", " ")


def _quote(value: str) -> str:
    return f'"{value}"' if (" " in value or not value) else value


def _empty_message(operator: str, kind: MappingKind) -> str:
    how = (
        f"map what {operator} sends as no {_label(kind)}: m on the detail screen, "
        f"or hotelops map set {operator} {kind.value} '' HOTEL_CODE"
    )
    if kind is MappingKind.AGENCY:
        return (
            f"{operator} sent no agency and {operator} has no default agency ({how}; "
            f"or hotelops map default-agency {operator} AGENCY)"
        )
    return f"{operator} sent no {_label(kind)} ({how})"


def _code_by_id(session: Session, model: type[Market | Segment | Source], hotel_id: int) -> dict:
    return {
        row_id: code
        for row_id, code in session.exec(
            select(model.id, model.code).where(model.hotel_id == hotel_id)
        )
    }


# ------------------------------------------------------------------------- missing codes


@dataclass(frozen=True)
class MissingCode:
    """An operator code without a mapping and the pending inbox reservations it blocks."""

    operator: str
    operator_name: str
    kind: str
    operator_value: str
    blocked: int
    example_id: int
    message: str


def _pending_groups(
    session: Session, hotel_id: int, operator_ids: Iterable[int] | None = None
) -> list[tuple[InboxKey, int, int]]:
    """Pending reservations grouped by their operator codes: (key, count, smallest id).

    Distinct code combinations are few, so resolving per group is cheap even for a big inbox.
    """
    columns = [getattr(InboxReservation, c) for c in MAPPED_COLUMNS.values()]
    query = (
        sa_select(
            col(InboxReservation.operator_id),
            *columns,
            func.count(),
            func.min(InboxReservation.id),
        )
        .where(
            col(InboxReservation.hotel_id) == hotel_id,
            col(InboxReservation.status) == InboxStatus.PENDING.value,
        )
        .group_by(col(InboxReservation.operator_id), *columns)
    )
    if operator_ids is not None:
        query = query.where(col(InboxReservation.operator_id).in_(list(operator_ids)))
    return [
        (InboxKey(row[0], *row[1:6]), int(row[6]), int(row[7])) for row in session.execute(query)
    ]


@dataclass(frozen=True)
class InboxKey:
    """The mapped codes of an inbox reservation (a ``MappedRow`` without the rest)."""

    operator_id: int
    operator_agency: str
    operator_room_type: str
    operator_board: str
    operator_market: str
    operator_rate_type: str


def missing(session: Session, hotel_id: int, operator: str | None = None) -> list[MissingCode]:
    """Unmapped operator codes of pending inbox reservations, the most blocking first."""
    operators = _operators(session, hotel_id)
    ids = None
    if operator:
        ids = [operator_named(operators, operator).id or 0]
    table = MappingTable.load(session, hotel_id)
    blocked: Counter[tuple[int, str, str]] = Counter()
    example: dict[tuple[int, str, str], int] = {}
    message: dict[tuple[int, str, str], str] = {}
    for key, count, first_id in _pending_groups(session, hotel_id, ids):
        resolved = table.resolve(key.operator_id, key)
        for kind, value in resolved.missing.items():
            ident = (key.operator_id, kind, value)
            blocked[ident] += count
            example[ident] = min(example.get(ident, first_id), first_id)
            message[ident] = resolved.messages[kind]
    by_id = {o.id: o for o in operators}
    result = [
        MissingCode(
            operator=by_id[op_id].code,
            operator_name=by_id[op_id].name,
            kind=kind,
            operator_value=value,
            blocked=count,
            example_id=example[(op_id, kind, value)],
            message=message[(op_id, kind, value)],
        )
        for (op_id, kind, value), count in blocked.items()
    ]
    result.sort(key=lambda m: (-m.blocked, m.operator, m.kind, m.operator_value))
    return result


# ------------------------------------------------------------------------- hotel codes


@dataclass(frozen=True)
class HotelCode:
    """A code the hotel knows for one kind, with its name (for suggestions and messages)."""

    code: str
    name: str


def hotel_codes(session: Session, hotel_id: int) -> dict[MappingKind, list[HotelCode]]:
    """The hotel codes a mapping may point to, per kind.

    Rate types have no table of their own: the ones already used by a mapping are known.
    """
    result: dict[MappingKind, list[HotelCode]] = {}
    rts = session.exec(
        select(RoomType.code, RoomType.name)
        .where(RoomType.hotel_id == hotel_id)
        .order_by(col(RoomType.sort_order), col(RoomType.code))
    )
    result[MappingKind.ROOM_TYPE] = [HotelCode(c, n) for c, n in rts]
    for kind, model in ((MappingKind.BOARD, Board), (MappingKind.MARKET, Market)):
        rows = session.exec(
            select(model.code, model.name).where(model.hotel_id == hotel_id).order_by(col(model.id))
        )
        result[kind] = [HotelCode(c, n) for c, n in rows]
    agencies = session.exec(
        select(Agency.code, Agency.name)
        .where(Agency.hotel_id == hotel_id, col(Agency.active))
        .order_by(col(Agency.code))
    )
    result[MappingKind.AGENCY] = [HotelCode(c, n) for c, n in agencies]
    rates = session.exec(
        select(Mapping.hotel_code)
        .where(Mapping.hotel_id == hotel_id, Mapping.kind == MappingKind.RATE_TYPE.value)
        .distinct()
        .order_by(col(Mapping.hotel_code))
    )
    result[MappingKind.RATE_TYPE] = [HotelCode(c, "") for c in rates]
    return result


def _operators(session: Session, hotel_id: int) -> list[Operator]:
    return list(
        session.exec(
            select(Operator).where(Operator.hotel_id == hotel_id).order_by(col(Operator.code))
        )
    )


def _kind(kind: MappingKind | str) -> MappingKind:
    try:
        return MappingKind(str(kind).strip().lower().replace("-", "_").replace(" ", "_"))
    except ValueError:
        kinds = ", ".join(k.value for k in MappingKind)
        raise InputError(f"unknown mapping kind {kind!r} (choose one of {kinds})") from None


@dataclass(frozen=True)
class _Checked:
    operator: Operator
    kind: MappingKind
    operator_code: str
    hotel_code: str
    occupancy: str


class _Checker:
    """Checks one mapping against the hotel's operators and code tables (loaded once)."""

    def __init__(self, session: Session, hotel_id: int) -> None:
        self.operators = _operators(session, hotel_id)
        self.codes = hotel_codes(session, hotel_id)

    def check(
        self,
        operator: str,
        kind: MappingKind | str,
        operator_code: str,
        hotel_code: str,
        occupancy: str,
        source: str,
    ) -> _Checked | list[Problem]:
        problems: list[Problem] = []
        op: Operator | None = None
        try:
            op = operator_named(self.operators, operator)
        except NotFound as exc:
            problems.append(Problem(source, "operator", str(exc)))
        try:
            mkind: MappingKind | None = _kind(kind)
        except InputError as exc:
            problems.append(Problem(source, "kind", str(exc)))
            mkind = None
        # An empty operator code is allowed: it maps what the operator means by sending nothing.
        operator_code = operator_code.strip()
        if len(operator_code) > 120:
            problems.append(Problem(source, "operator_code", "is longer than 120 characters"))
        hotel_code = hotel_code.strip()
        occupancy = occupancy.strip().upper()
        if mkind is not None:
            canonical = self._hotel_code(mkind, hotel_code, source, problems)
            hotel_code = canonical or hotel_code
            if occupancy and mkind is not MappingKind.ROOM_TYPE:
                problems.append(
                    Problem(
                        source,
                        "occupancy",
                        f"only a room type mapping takes an occupancy, not {mkind.value}",
                        "leave the occupancy empty",
                    )
                )
        if len(occupancy) > 16:
            problems.append(Problem(source, "occupancy", "is longer than 16 characters"))
        if problems:
            return problems
        assert op is not None and mkind is not None
        return _Checked(op, mkind, operator_code, hotel_code, occupancy)

    def _hotel_code(
        self, kind: MappingKind, code: str, source: str, problems: list[Problem]
    ) -> str | None:
        if not code:
            problems.append(Problem(source, "hotel_code", "is empty", "name a hotel code"))
            return None
        if kind is MappingKind.RATE_TYPE:
            # No rate-type table exists: any code is accepted, as the hotel file does.
            if len(code) > 32:
                problems.append(Problem(source, "hotel_code", "is longer than 32 characters"))
            return code.upper() if code.upper() in {c.code for c in self.codes[kind]} else code
        known = self.codes[kind]
        for item in known:
            if item.code.upper() == code.upper():
                return item.code
        near = close_matches(code, [c.code for c in known])
        by_name = [c.code for c in known if fold(code) and fold(code) in fold(c.name)]
        near = list(dict.fromkeys(by_name + near))[:5]
        hint = (
            f"close matches: {', '.join(near)}"
            if near
            else f"known: {', '.join(c.code for c in known[:12])}"
        )
        problems.append(
            Problem(source, "hotel_code", f"the hotel has no {_label(kind)} {code!r}", hint)
        )
        return None


# ------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class MappingRow:
    """A mapping as listed and exported."""

    id: int
    operator: str
    operator_name: str
    kind: str
    operator_code: str
    hotel_code: str
    occupancy: str
    created_by: str


@dataclass(frozen=True)
class Applied:
    """What new mappings did to the pending inbox at once."""

    touched: int = 0  # pending reservations that carry one of the mapped codes
    unblocked: int = 0  # of those, the ones that now have no missing mapping
    filled: int = 0  # the ones whose price code, segment or source came from the agency card


@dataclass(frozen=True)
class SetResult:
    """A mapping set (created or changed) and what it unblocked."""

    mapping: MappingRow
    created: bool
    previous: str  # the hotel code before, "" for a new mapping
    applied: Applied
    outcome: str = "created"  # created, updated or unchanged


def _row(m: Mapping, operator: Operator) -> MappingRow:
    return MappingRow(
        id=m.id or 0,
        operator=operator.code,
        operator_name=operator.name,
        kind=str(m.kind),
        operator_code=m.operator_code,
        hotel_code=m.hotel_code,
        occupancy=m.occupancy,
        created_by=m.created_by,
    )


def _upsert(
    session: Session, hotel_id: int, c: _Checked, user: str, note: str
) -> tuple[Mapping, str, str]:
    """Create or change one mapping and audit it.

    Returns (mapping, what happened: "created", "updated" or "unchanged", previous hotel code).
    """
    existing = session.exec(
        select(Mapping).where(
            Mapping.operator_id == c.operator.id,
            Mapping.kind == c.kind.value,
            Mapping.operator_code == c.operator_code,
        )
    ).first()
    if existing is not None:
        if existing.hotel_code == c.hotel_code and existing.occupancy == c.occupancy:
            return existing, "unchanged", existing.hotel_code
        before = existing.model_copy()
        previous = existing.hotel_code
        existing.hotel_code = c.hotel_code
        existing.occupancy = c.occupancy
        session.add(existing)
        session.flush()
        auditlog.record(
            session,
            hotel_id=hotel_id,
            user=user,
            action="mapping.update",
            entity="mapping",
            entity_id=existing.id,
            before=before,
            after=existing,
            note=note,
        )
        return existing, "updated", previous
    mapping = Mapping(
        hotel_id=hotel_id,
        operator_id=c.operator.id or 0,
        kind=c.kind,
        operator_code=c.operator_code,
        hotel_code=c.hotel_code,
        occupancy=c.occupancy,
        created_by=user,
    )
    session.add(mapping)
    session.flush()
    auditlog.record(
        session,
        hotel_id=hotel_id,
        user=user,
        action="mapping.create",
        entity="mapping",
        entity_id=mapping.id,
        after=mapping,
        note=note,
    )
    return mapping, "created", ""


def _apply(
    session: Session,
    hotel_id: int,
    before: MappingTable,
    changed: set[tuple[int, MappingKind, str]],
    user: str,
) -> Applied:
    """Re-resolve the pending reservations that carry a changed code; fill agency defaults."""
    if not changed:
        return Applied()
    after = MappingTable.load(session, hotel_id)
    operator_ids = sorted({op for op, _, _ in changed})
    rows = session.exec(
        select(InboxReservation).where(
            InboxReservation.hotel_id == hotel_id,
            InboxReservation.status == InboxStatus.PENDING.value,
            col(InboxReservation.operator_id).in_(operator_ids),
        )
    )
    touched = unblocked = filled = 0
    for row in rows:
        hits = [
            kind
            for kind, column in MAPPED_COLUMNS.items()
            if (row.operator_id, kind, getattr(row, column)) in changed
        ]
        if not hits:
            continue
        touched += 1
        was = before.resolve(row.operator_id, row)
        now = after.resolve(row.operator_id, row)
        if was.missing and not now.missing:
            unblocked += 1
        card = after.agency_defaults(now.agency) if MappingKind.AGENCY in hits else None
        if card is None:
            continue
        old = {"price_code": row.price_code, "segment_code": row.segment_code}
        old["source_code"] = row.source_code
        # Only empty fields: a price code the office typed in stays.
        row.price_code = row.price_code or card.price_code
        row.segment_code = row.segment_code or card.segment
        row.source_code = row.source_code or card.source
        new = {"price_code": row.price_code, "segment_code": row.segment_code}
        new["source_code"] = row.source_code
        if new != old:
            filled += 1
            row.updated_at = utcnow()
            session.add(row)
            auditlog.record(
                session,
                hotel_id=hotel_id,
                user=user,
                action="inbox.agency_defaults",
                entity="inbox_reservation",
                entity_id=row.id,
                before=old,
                after=new,
                note=f"from agency card {now.agency}",
            )
    return Applied(touched=touched, unblocked=unblocked, filled=filled)


def set_mapping(
    db: Database,
    hotel_code: str | None,
    operator_code: str,
    kind: MappingKind | str,
    operator_value: str,
    hotel_code_value: str,
    *,
    occupancy: str = "",
    user: str,
) -> SetResult:
    """Map one operator code to a hotel code and apply it at once to the pending inbox."""
    with db.write() as session:
        hotel = get_hotel(session, hotel_code)
        hid = hotel.id or 0
        where = f"mapping {operator_code} {kind} {operator_value!r}"
        checked = _Checker(session, hid).check(
            operator_code, kind, operator_value, hotel_code_value, occupancy, where
        )
        if isinstance(checked, list):
            raise InputError("; ".join(str(p) for p in checked), checked)
        before = MappingTable.load(session, hid)
        mapping, outcome, previous = _upsert(session, hid, checked, user, "hotelops map set")
        key = (checked.operator.id or 0, checked.kind, checked.operator_code)
        applied = _apply(session, hid, before, {key}, user)
        row = _row(mapping, checked.operator)
        return SetResult(row, outcome == "created", previous, applied, outcome)


@dataclass(frozen=True)
class DefaultAgencyResult:
    """An operator's default agency set, what it was, and what it unblocked."""

    operator: str
    agency: str
    previous: str  # the agency code before, "" when there was none
    applied: Applied


def set_default_agency(
    db: Database, hotel_code: str | None, operator_code: str, agency_code: str, *, user: str
) -> DefaultAgencyResult:
    """Give an operator a default agency (used when it sends none); audited, applied at once.

    An unknown or inactive agency is refused, naming the hotel's agency codes.
    """
    with db.write() as session:
        hotel = get_hotel(session, hotel_code)
        hid = hotel.id or 0
        operator = operator_named(_operators(session, hid), operator_code)
        agencies = list(
            session.exec(select(Agency).where(Agency.hotel_id == hid).order_by(col(Agency.code)))
        )
        wanted = agency_code.strip().upper()
        agency = next((a for a in agencies if a.code.upper() == wanted and a.active), None)
        if agency is None:
            known = [a.code for a in agencies if a.active]
            near = close_matches(agency_code, known)
            hint = f"close matches: {', '.join(near)}" if near else f"known: {', '.join(known)}"
            raise InputError(
                f"agency: the hotel has no agency {agency_code!r} ({hint})",
                [
                    Problem(
                        operator.code, "agency", f"no agency {agency_code!r} in this hotel", hint
                    )
                ],
            )
        by_id = {a.id: a.code for a in agencies}
        previous = by_id.get(operator.default_agency_id, "") if operator.default_agency_id else ""
        if operator.default_agency_id == agency.id:
            return DefaultAgencyResult(operator.code, agency.code, previous, Applied())
        before_table = MappingTable.load(session, hid)
        before = {"default_agency": previous}
        operator.default_agency_id = agency.id
        session.add(operator)
        session.flush()
        auditlog.record(
            session,
            hotel_id=hid,
            user=user,
            action="operator.default_agency",
            entity="operator",
            entity_id=operator.id,
            before=before,
            after={"default_agency": agency.code},
            note="hotelops map default-agency",
        )
        key = (operator.id or 0, MappingKind.AGENCY, "")
        applied = _apply(session, hid, before_table, {key}, user)
        return DefaultAgencyResult(operator.code, agency.code, previous, applied)


@dataclass(frozen=True)
class DeleteResult:
    """A deleted mapping and how many pending reservations it now leaves blocked."""

    mapping: MappingRow
    blocked: int


def delete_mapping(
    db: Database,
    hotel_code: str | None,
    operator_code: str,
    kind: MappingKind | str,
    operator_value: str,
    *,
    user: str,
) -> DeleteResult:
    """Delete one mapping (audited); pending reservations carrying the code block again."""
    mkind = _kind(kind)
    with db.write() as session:
        hotel = get_hotel(session, hotel_code)
        hid = hotel.id or 0
        operator = operator_named(_operators(session, hid), operator_code)
        mapping = session.exec(
            select(Mapping).where(
                Mapping.operator_id == operator.id,
                Mapping.kind == mkind.value,
                Mapping.operator_code == operator_value,
            )
        ).first()
        if mapping is None:
            known = session.exec(
                select(Mapping.operator_code).where(
                    Mapping.operator_id == operator.id, Mapping.kind == mkind.value
                )
            ).all()
            near = close_matches(operator_value, known)
            hint = f"close matches: {', '.join(near)}" if near else "see `hotelops map list`"
            raise NotFound(
                f"{operator.code} has no {_label(mkind)} mapping for {operator_value!r} ({hint})"
            )
        row = _row(mapping, operator)
        auditlog.record(
            session,
            hotel_id=hid,
            user=user,
            action="mapping.delete",
            entity="mapping",
            entity_id=mapping.id,
            before=mapping,
            note="hotelops map delete",
        )
        session.delete(mapping)
        column = getattr(InboxReservation, MAPPED_COLUMNS[mkind])
        blocked = session.exec(
            select(func.count())
            .select_from(InboxReservation)
            .where(
                InboxReservation.hotel_id == hid,
                InboxReservation.status == InboxStatus.PENDING.value,
                InboxReservation.operator_id == operator.id,
                column == operator_value,
            )
        ).one()
        return DeleteResult(row, int(blocked))


def list_mappings(
    session: Session,
    hotel_id: int,
    operator: str | None = None,
    kind: MappingKind | str | None = None,
) -> list[MappingRow]:
    """The hotel's mappings by operator, kind and operator code, optionally filtered."""
    query = (
        select(Mapping, Operator)
        .join(Operator, col(Operator.id) == Mapping.operator_id)
        .where(Mapping.hotel_id == hotel_id)
        .order_by(col(Operator.code), col(Mapping.kind), col(Mapping.operator_code))
    )
    if operator:
        found = operator_named(_operators(session, hotel_id), operator)
        query = query.where(Mapping.operator_id == found.id)
    if kind:
        query = query.where(Mapping.kind == _kind(kind).value)
    return [_row(m, o) for m, o in session.exec(query)]


# ------------------------------------------------------------------------- CSV


def export_csv(session: Session, hotel_id: int) -> str:
    """Every mapping of the hotel as CSV (header: operator,kind,operator_code,hotel_code,...)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in list_mappings(session, hotel_id):
        writer.writerow([m.operator, m.kind, m.operator_code, m.hotel_code, m.occupancy])
    return buffer.getvalue()


@dataclass(frozen=True)
class ImportResult:
    """What a CSV import changed, and what it unblocked."""

    created: int
    updated: int
    unchanged: int
    applied: Applied


def import_csv(
    db: Database, hotel_code: str | None, text: str, *, user: str, source: str = "file.csv"
) -> ImportResult:
    """Import mappings from CSV in one transaction: all rows, or none with every bad row listed."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    expected = list(CSV_COLUMNS)
    if header is None or [h.strip().lower() for h in header] != expected:
        raise InputError(
            f"{source}:1: the header must be {','.join(expected)}",
            [Problem(f"{source}:1", "header", f"is {header!r}", f"use {','.join(expected)}")],
        )
    with db.write() as session:
        hotel = get_hotel(session, hotel_code)
        hid = hotel.id or 0
        checker = _Checker(session, hid)
        problems: list[Problem] = []
        good: list[_Checked] = []
        seen: dict[tuple[int, MappingKind, str], int] = {}
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            where = f"{source}:{line}"
            if len(values) != len(expected):
                problems.append(
                    Problem(where, "", f"has {len(values)} columns, not {len(expected)}")
                )
                continue
            operator, kind, code, hotel_code_value, occupancy = values
            checked = checker.check(operator, kind, code, hotel_code_value, occupancy, where)
            if isinstance(checked, list):
                problems.extend(checked)
                continue
            key = (checked.operator.id or 0, checked.kind, checked.operator_code)
            if key in seen:
                problems.append(
                    Problem(
                        where,
                        "operator_code",
                        f"{checked.operator_code!r} is mapped twice for "
                        f"{checked.operator.code} {checked.kind.value}",
                        f"first on line {seen[key]}",
                    )
                )
                continue
            seen[key] = line
            good.append(checked)
        if problems:
            lines = "\n".join(f"  {problem}" for problem in problems)
            raise InputError(
                f"{source}: {len(problems)} problem(s), nothing was imported\n{lines}", problems
            )
        before = MappingTable.load(session, hid)
        counts: Counter[str] = Counter()
        changed: set[tuple[int, MappingKind, str]] = set()
        for c in good:
            _, outcome, _previous = _upsert(session, hid, c, user, f"imported from {source}")
            counts[outcome] += 1
            if outcome == "unchanged":
                continue
            changed.add((c.operator.id or 0, c.kind, c.operator_code))
        applied = _apply(session, hid, before, changed, user)
        return ImportResult(counts["created"], counts["updated"], counts["unchanged"], applied)


# ------------------------------------------------------------------------- suggestions


@dataclass(frozen=True)
class Candidate:
    """A hotel code proposed for an operator code, with how sure and why."""

    hotel_code: str
    hotel_name: str
    score: float
    reason: str
    occupancy: str = ""


@dataclass(frozen=True)
class Suggestion:
    """An unmapped operator code and the best candidates for it (at most three)."""

    operator: str
    operator_name: str
    kind: str
    operator_value: str
    blocked: int
    candidates: list[Candidate]

    @property
    def best(self) -> Candidate | None:
        """The highest-scoring candidate, if any."""
        return self.candidates[0] if self.candidates else None


# Phrases (folded, punctuation as spaces) → a concept, per kind. Longest phrases match first,
# so "ultra all inclusive" is UAI and never AI as well.
_BOARD_WORDS: dict[str, list[str]] = {
    "UAI": ["ultra all inclusive", "ultra her sey dahil", "ultra hersey dahil", "uai", "uall"],
    "AI": ["all inclusive", "her sey dahil", "hersey dahil", "todo incluido", "ai", "all inc"],
    "HB": ["half board", "yarim pansiyon", "media pension", "halbpension", "hb"],
    "FB": ["full board", "tam pansiyon", "pension completa", "vollpension", "fb"],
    "BB": ["bed and breakfast", "bed breakfast", "oda kahvalti", "bb", "breakfast"],
    "RO": ["room only", "sadece oda", "only room", "ro"],
}
_OCCUPANCY_WORDS: dict[str, list[str]] = {
    "DBL": ["double", "dbl", "twin", "twn", "tw"],
    "SGL": ["single", "singles", "sgl"],
    "TRP": ["triple", "trp", "tpl"],
}
_ROOM_WORDS: dict[str, list[str]] = {
    "LV": ["land view", "lv", "kara manzarali", "land"],
    "SV": ["sea view", "sv", "deniz manzarali", "deniz", "sea"],
    "PV": ["pool view", "pv", "havuz manzarali"],
    "DLX": ["deluxe", "dlx", "dx", "delux"],
    "FAM": ["family", "fam", "aile", "aile odasi"],
    "SUI": ["suite", "sui", "suit"],
    "STD": ["standard", "standart", "std", "stnd"],
    "KING": ["king", "king bed", "k"],
    "2": ["two", "iki", "2"],
    "1": ["one", "bir", "1"],
}
_CATEGORIES = {"STD", "DLX", "FAM", "SUI"}
_MARKET_WORDS: dict[str, list[str]] = {
    # TUK is TUI UK's own market code.
    "UK": [
        *("united kingdom", "great britain", "britain", "england", "ingiltere"),
        *("uk", "gb", "gbr", "tuk"),
    ],
    "DE": ["germany", "deutschland", "almanya", "de", "deu", "ger"],
    "PL": ["poland", "polska", "polonya", "pl", "pol"],
    "RU": ["russia", "russian federation", "rusya", "ru", "rus"],
    "TR": ["turkey", "turkiye", "tr", "tur"],
    "NL": ["netherlands", "holland", "hollanda", "nl", "nld"],
    "HU": ["hungary", "macaristan", "hu", "hun"],
    "RO": ["romania", "romanya", "ro", "rou"],
    "BG": ["bulgaria", "bulgaristan", "bg", "bgr"],
    "SCA": ["scandinavia", "iskandinavya", "nordic", "nordics", "sca"],
    "SE": ["sweden", "isvec", "se", "swe"],
    "NO": ["norway", "norvec", "no", "nor"],
    "DK": ["denmark", "danimarka", "dk", "dnk"],
    "FI": ["finland", "finlandiya", "fi", "fin"],
    "ES": ["spain", "ispanya", "es", "esp"],
    "FR": ["france", "fransa", "fr", "fra"],
    "IT": ["italy", "italya", "it", "ita"],
    "AT": ["austria", "avusturya", "at", "aut"],
    "CH": ["switzerland", "isvicre", "ch", "che"],
    "BE": ["belgium", "belcika", "be", "bel"],
    "UA": ["ukraine", "ukrayna", "ua", "ukr"],
    "WEU": ["bati avrupa", "western europe", "west europe"],
    "EEU": ["dogu avrupa", "eastern europe", "east europe"],
}
#: A country inside a regional market: a fair guess.
_PART_OF = {"SE": "SCA", "NO": "SCA", "DK": "SCA", "FI": "SCA"}
#: A region sent as a market: any country in it is only a guess, the first the likeliest.
_REGIONS = {"WEU": ["DE", "NL", "UK", "BE", "FR", "AT", "CH"], "EEU": ["PL", "HU", "RO", "BG"]}
_STOP = {"room", "rooms", "oda", "odasi", "bed", "beds", "with", "and", "ve", "the", "of", "view"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _phrases(table: dict[str, list[str]]) -> dict[tuple[str, ...], str]:
    return {tuple(p.split()): concept for concept, ps in table.items() for p in ps}


_VOCABULARY = {
    MappingKind.BOARD: _phrases(_BOARD_WORDS),
    MappingKind.ROOM_TYPE: _phrases(_ROOM_WORDS),
    MappingKind.MARKET: _phrases(_MARKET_WORDS),
    MappingKind.AGENCY: {},
    MappingKind.RATE_TYPE: {},
}
_OCCUPANCY = _phrases(_OCCUPANCY_WORDS)
#: Single-token abbreviations that may be glued together in a code ("STDLV" = STD + LV).
_ABBREVIATIONS = sorted(
    (p[0] for p in _VOCABULARY[MappingKind.ROOM_TYPE] if len(p) == 1 and p[0].isalpha()),
    key=len,
    reverse=True,
)


def normalize(text: str) -> str:
    """Folded, punctuation as spaces: ``"AI - All Inclusive"`` is ``"ai all inclusive"``."""
    return " ".join(_NON_ALNUM.sub(" ", fold(text).replace("&", " and ")).split())


@dataclass(frozen=True)
class _Terms:
    concepts: frozenset[str]  # "@AI", "@LV" ... and leftover words
    occupancy: str
    named: tuple[str, ...]  # the synonyms that matched, for the reason


def _terms(text: str, kind: MappingKind, *, is_code: bool = False) -> _Terms:
    tokens = normalize(text).split()
    if is_code and kind is MappingKind.ROOM_TYPE and len(tokens) == 1:
        tokens = _split_code(tokens[0])
    vocabulary = _VOCABULARY[kind]
    concepts: set[str] = set()
    named: list[str] = []
    occupancy = ""
    i = 0
    while i < len(tokens):
        for size in (4, 3, 2, 1):
            phrase = tuple(tokens[i : i + size])
            if len(phrase) < size:
                continue
            if kind is MappingKind.ROOM_TYPE and phrase in _OCCUPANCY:
                # "2 SINGLE" counts beds, it is not the occupancy.
                if not (i and _is_number(tokens[i - 1])):
                    occupancy = occupancy or _OCCUPANCY[phrase]
                    named.append(f"{' '.join(phrase)} = occupancy {_OCCUPANCY[phrase]}")
                i += size
                break
            if phrase in vocabulary:
                concepts.add("@" + vocabulary[phrase])
                if size > 1 or phrase[0] != vocabulary[phrase].lower():
                    named.append(f"{' '.join(phrase)} = {vocabulary[phrase]}")
                i += size
                break
        else:
            if tokens[i] not in _STOP:
                concepts.add(tokens[i])
            i += 1
    return _Terms(frozenset(concepts), occupancy, tuple(named))


def _is_number(token: str) -> bool:
    return token.isdigit() or token in {"one", "two", "three", "bir", "iki", "uc"}


def _split_code(code: str) -> list[str]:
    """Split a glued room code into known abbreviations: ``stdlv`` → ``std``, ``lv``."""
    parts: list[str] = []
    rest = code
    while rest:
        for abbreviation in _ABBREVIATIONS:
            if len(abbreviation) > 1 and rest.startswith(abbreviation):
                parts.append(abbreviation)
                rest = rest[len(abbreviation) :]
                break
        else:
            # Not made of abbreviations: keep the code whole (it may still match exactly).
            return [code] if not parts else [*parts, rest]
    return parts


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def _score(value: str, kind: MappingKind, item: HotelCode) -> tuple[float, str, str]:
    """(score 0-1, reason, occupancy) of one hotel code for one operator code."""
    norm = normalize(value)
    terms = _terms(value, kind)
    occupancy = terms.occupancy if kind is MappingKind.ROOM_TYPE else ""
    if norm == normalize(item.code):
        return 1.0, "same code", occupancy
    if item.name and norm == normalize(item.name):
        return 0.97, f"same name ({item.name})", occupancy
    concepts = terms.concepts
    assumed = ""
    if kind is MappingKind.ROOM_TYPE and concepts and not (concepts & _at(_CATEGORIES)):
        # An operator that names no category sells the standard room.
        concepts = concepts | {"@STD"}
        assumed = "; standard assumed"
    synonyms = "; ".join(terms.named)
    best = (0.0, "", occupancy)
    for text, is_code in ((item.code, True), (item.name, False)):
        if not text:
            continue
        other = _terms(text, kind, is_code=is_code)
        has_concept = any(c.startswith("@") for c in concepts)
        if concepts and concepts == other.concepts and has_concept:
            score = 0.9 if not assumed else 0.85
            why = f"{synonyms or 'same words'}{assumed}"
            best = max(best, (score, why, occupancy))
            continue
        if kind is MappingKind.MARKET:
            region = _region_score(concepts, item.code)
            if region:
                best = max(best, (*region, ""))
                continue
        dice = _dice(concepts, other.concepts)
        ratio = difflib.SequenceMatcher(None, norm, normalize(text)).ratio()
        score = min(0.8, 0.7 * dice + 0.3 * ratio)
        if score > best[0]:
            shared = sorted(c.lstrip("@") for c in concepts & other.concepts)
            why = f"shares {', '.join(shared)}" if shared else f"looks like {text!r}"
            best = (score, why + (f"; {synonyms}" if synonyms else ""), occupancy)
    return best


def _at(names: set[str]) -> frozenset[str]:
    return frozenset("@" + n for n in names)


def _region_score(concepts: frozenset[str], market: str) -> tuple[float, str] | None:
    for concept in concepts:
        name = concept.lstrip("@")
        if _PART_OF.get(name) == market:
            return 0.7, f"{name} is part of the {market} market"
        members = _REGIONS.get(name, [])
        if market in members:
            score = 0.4 if members.index(market) == 0 else 0.3
            return score, f"a region, not a country: {market} is only a guess"
    return None


def _candidates(items: list[HotelCode], kind: MappingKind, value: str) -> list[Candidate]:
    scored = []
    for item in items:
        score, reason, occupancy = _score(value, kind, item)
        if score >= 0.3:
            scored.append(Candidate(item.code, item.name, round(score, 2), reason, occupancy))
    scored.sort(key=lambda c: -c.score)  # stable: ties keep the hotel's own order
    return scored[:3]


def suggest(session: Session, hotel_id: int, operator: str | None = None) -> list[Suggestion]:
    """Hotel codes proposed for each unmapped operator code, best three first, with reasons."""
    codes = hotel_codes(session, hotel_id)
    return [
        Suggestion(
            gap.operator,
            gap.operator_name,
            gap.kind,
            gap.operator_value,
            gap.blocked,
            _candidates(codes[MappingKind(gap.kind)], MappingKind(gap.kind), gap.operator_value),
        )
        for gap in missing(session, hotel_id, operator)
        if gap.operator_value  # nothing to compare when the operator sent no code
    ]


def candidates_for(
    session: Session, hotel_id: int, kind: MappingKind | str, operator_value: str
) -> list[Candidate]:
    """The best three hotel codes for one operator code (what ``suggest`` computes per code)."""
    mkind = _kind(kind)
    return _candidates(hotel_codes(session, hotel_id)[mkind], mkind, operator_value)
