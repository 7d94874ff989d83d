"""Tur Operatörü Ayarları: each operator's card, what it still lacks, its mappings and senders.

Read functions for the dashboard's operators screen (and anything else that wants the same
overview), plus ``accept_best``: map an unmapped code to its best suggestion, but only when the
suggestion is as sure as ``hotelops map suggest --yes`` demands.

Decisions:

* An operator's "missing" figure counts distinct unmapped codes of its pending reservations
  (as ``hotelops map missing`` lists them), not reservations.
* ``accept_best`` accepts the best candidate only when its score is over ``AUTO_ACCEPT`` (0.75),
  the rule of ``map suggest --yes``; a room type keeps the occupancy the candidate read from the
  operator's text (``DOUBLE ...`` → DBL).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from hotelops.core.db import Database
from hotelops.core.errors import InputError, NotFound
from hotelops.core.hotels import get_hotel
from hotelops.core.mapping import (
    AUTO_ACCEPT,
    Candidate,
    SetResult,
    candidates_for,
    missing,
    set_mapping,
    suggest,
)
from hotelops.core.models import (
    Agency,
    InboxReservation,
    InboxStatus,
    Mapping,
    MappingKind,
    Operator,
    SenderRule,
)


@dataclass(frozen=True)
class OperatorSummary:
    """One operator's card (the seed's "Temel Ayarlar") with its figures."""

    code: str
    name: str
    kind: str  # api, mail or folder
    format: str
    active: bool
    default_agency: str  # the agency card's code, "" when none
    pending: int  # pending inbox reservations
    missing: int  # distinct unmapped codes among them
    mappings: int
    sender_rules: int


def _count_by_operator(
    session: Session, model: type[Mapping] | type[SenderRule], hid: int
) -> dict[int, int]:
    return dict(
        session.exec(
            select(model.operator_id, func.count())
            .where(model.hotel_id == hid)
            .group_by(col(model.operator_id))
        ).all()
    )


def operator_summaries(session: Session, hotel_id: int) -> list[OperatorSummary]:
    """The hotel's operators by code, each with its pending, missing and mapping figures."""
    operators = session.exec(
        select(Operator).where(Operator.hotel_id == hotel_id).order_by(col(Operator.code))
    ).all()
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
    agencies = dict(
        session.exec(select(Agency.id, Agency.code).where(Agency.hotel_id == hotel_id)).all()
    )
    gaps = missing(session, hotel_id)
    missing_count = Counter(gap.operator for gap in gaps)
    mappings = _count_by_operator(session, Mapping, hotel_id)
    rules = _count_by_operator(session, SenderRule, hotel_id)
    return [
        OperatorSummary(
            code=op.code,
            name=op.name,
            kind=str(op.kind),
            format=op.format,
            active=op.active,
            default_agency=agencies.get(op.default_agency_id, "") if op.default_agency_id else "",
            pending=int(pending.get(op.id or 0, 0)),
            missing=missing_count.get(op.code, 0),
            mappings=int(mappings.get(op.id or 0, 0)),
            sender_rules=int(rules.get(op.id or 0, 0)),
        )
        for op in operators
    ]


@dataclass(frozen=True)
class MissingRow:
    """An unmapped code of one operator, with its best suggestion (None when there is none)."""

    operator: str
    kind: str
    operator_value: str
    blocked: int
    message: str
    best: Candidate | None

    @property
    def acceptable(self) -> bool:
        """True when ``accept_best`` would take the best suggestion without asking."""
        return self.best is not None and self.best.score > AUTO_ACCEPT


def missing_with_suggestions(
    session: Session, hotel_id: int, operator: str | None = None
) -> list[MissingRow]:
    """``missing`` (same rows, same order) with each code's best suggestion from ``suggest``."""
    best = {
        (s.operator, s.kind, s.operator_value): s.best for s in suggest(session, hotel_id, operator)
    }
    return [
        MissingRow(
            operator=gap.operator,
            kind=gap.kind,
            operator_value=gap.operator_value,
            blocked=gap.blocked,
            message=gap.message,
            best=best.get((gap.operator, gap.kind, gap.operator_value)),
        )
        for gap in missing(session, hotel_id, operator)
    ]


@dataclass(frozen=True)
class SenderRuleRow:
    """Mail from ``pattern`` (an address, or ``@domain``) belongs to ``operator``."""

    pattern: str
    operator: str
    operator_name: str


def sender_rules(
    session: Session, hotel_id: int, operator: str | None = None
) -> list[SenderRuleRow]:
    """The hotel's sender rules (the seed's "Mail Ayarları"), by operator then pattern."""
    query = (
        select(SenderRule.pattern, Operator.code, Operator.name)
        .join(Operator, col(Operator.id) == SenderRule.operator_id)
        .where(SenderRule.hotel_id == hotel_id)
        .order_by(col(Operator.code), col(SenderRule.pattern))
    )
    if operator:
        query = query.where(func.upper(Operator.code) == operator.strip().upper())
    return [SenderRuleRow(p, c, n) for p, c, n in session.exec(query).all()]


def accept_best(
    db: Database,
    hotel_code: str | None,
    operator_code: str,
    kind: MappingKind | str,
    operator_value: str,
    *,
    user: str,
) -> tuple[Candidate, SetResult]:
    """Map one unmapped code to its best suggestion when it scores over ``AUTO_ACCEPT``.

    Raises ``InputError`` (nothing written) when there is no candidate or its score is too low,
    naming the score and the way to map the code by hand.
    """
    kind_value = str(kind.value if isinstance(kind, MappingKind) else kind)
    with db.read() as session:
        hotel = get_hotel(session, hotel_code)
        hid = hotel.id or 0
        known = session.exec(
            select(Operator.code).where(
                Operator.hotel_id == hid,
                func.upper(Operator.code) == operator_code.strip().upper(),
            )
        ).first()
        if known is None:
            raise NotFound(f"no operator {operator_code!r} in this hotel")
        found = candidates_for(session, hid, kind_value, operator_value) if operator_value else []
    label = kind_value.replace("_", " ")
    if not operator_value:
        raise InputError(
            f"{operator_code} {label}: the operator sent no code, so there is no suggestion; "
            f"pick what it means by hand (Enter here, or hotelops map set {operator_code} "
            f"{kind_value} '' HOTEL_CODE)"
        )
    if not found:
        raise InputError(
            f"{operator_code} {label} {operator_value!r}: no suggestion to accept "
            "(pick the hotel code by hand)"
        )
    best = found[0]
    if best.score <= AUTO_ACCEPT:
        raise InputError(
            f"{operator_code} {label} {operator_value!r}: the best suggestion {best.hotel_code} "
            f"scores {best.score:.2f}, not over {AUTO_ACCEPT:.2f} "
            "(pick the hotel code by hand)"
        )
    occupancy = best.occupancy if kind_value == MappingKind.ROOM_TYPE.value else ""
    result = set_mapping(
        db,
        hotel_code,
        operator_code,
        kind_value,
        operator_value,
        best.hotel_code,
        occupancy=occupancy,
        user=user,
    )
    return best, result
