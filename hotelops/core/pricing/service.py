"""Pricing inbox reservations: mapping → contract → promotions → the operator's price.

Every price the office sees goes through ``price_inbox``: the detail screen, ``hotelops price
ID``, ``price --pending`` and the approve guards. A reservation that cannot be priced says
precisely why (an unmapped code, no price code, no contract for the dates, no price row for the
guests), and a priced one whose operator price differs from ours beyond the tolerance (config
``[price]``) is a warning with both totals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from hotelops.core import auditlog
from hotelops.core.config import PriceSettings
from hotelops.core.db import Database
from hotelops.core.errors import InputError, NotFound
from hotelops.core.mapping import MappingTable, Resolved
from hotelops.core.models import Hotel, InboxPriceSettings, InboxReservation, InboxStatus, Operator
from hotelops.core.money import format_money, to_decimal
from hotelops.core.pricing.contracts import ContractSpec, load_contract
from hotelops.core.pricing.engine import (
    NightPrice,
    PriceOptions,
    PriceResult,
    StayRequest,
    price_stay,
)
from hotelops.core.pricing.promotions import PromotionSpec, load_promotions
from hotelops.core.sqltypes import utcnow

PRICED = "priced"
DIFFERS = "differs"
UNPRICED = "unpriced"


@dataclass
class InboxPrice:
    """One inbox reservation, priced (or why not), compared with the operator's price."""

    inbox_id: int
    voucher: str
    operator: str
    status: str  # priced | differs | unpriced
    reason: str = ""  # why unpriced, or how it differs
    category: str = ""  # unpriced: unmapped code | no price code | no contract | no price row
    resolved: Resolved | None = None
    contract_code: str = ""
    result: PriceResult | None = None
    operator_price: Decimal | None = None
    operator_currency: str = ""
    difference: Decimal | None = None
    options: PriceOptions = field(default_factory=PriceOptions)


@dataclass
class PendingSummary:
    """``price --pending``: how many were priced, differ, or could not be priced, and why."""

    items: list[InboxPrice]

    def count(self, status: str) -> int:
        """How many items have this status."""
        return sum(1 for item in self.items if item.status == status)

    def reasons(self) -> Counter[str]:
        """Unpriced reservations by category."""
        return Counter(item.category for item in self.items if item.status == UNPRICED)


class PriceContext:
    """What pricing needs for one hotel, loaded once: mappings, contracts, promotions."""

    def __init__(self, session: Session, hotel: Hotel, tolerance: PriceSettings) -> None:
        assert hotel.id is not None
        self.session = session
        self.hotel = hotel
        self.tolerance = tolerance
        self.mappings = MappingTable.load(session, hotel.id)
        self.promotions: list[PromotionSpec] = load_promotions(session, hotel.id)
        self._contracts: dict[str, ContractSpec | None] = {}
        self.operators = {
            op.id: op.code
            for op in session.exec(select(Operator).where(Operator.hotel_id == hotel.id))
        }

    def contract(self, code: str) -> ContractSpec | None:
        """A contract by price code (cached)."""
        if code not in self._contracts:
            assert self.hotel.id is not None
            self._contracts[code] = load_contract(self.session, self.hotel.id, code)
        return self._contracts[code]


def options_of(settings: InboxPriceSettings | None, *, explain: bool = True) -> PriceOptions:
    """The engine options from what the office set for a reservation."""
    if settings is None:
        return PriceOptions(explain=explain)
    manual_prices = None
    if settings.manual_active:
        manual_prices = {
            date.fromisoformat(night): to_decimal(amount)
            for night, amount in settings.manual_prices.items()
        }
    return PriceOptions(
        discounts_active=settings.discounts_active,
        skipped=frozenset(settings.skipped),
        manual=frozenset(settings.manual),
        manual_prices=manual_prices,
        explain=explain,
    )


def price_row(
    ctx: PriceContext,
    row: InboxReservation,
    settings: InboxPriceSettings | None = None,
    *,
    explain: bool = True,
) -> InboxPrice:
    """Price one inbox reservation with the hotel's contracts and promotions."""
    assert row.id is not None
    options = options_of(settings, explain=explain)
    item = InboxPrice(
        inbox_id=row.id,
        voucher=row.voucher,
        operator=ctx.operators.get(row.operator_id, ""),
        status=UNPRICED,
        operator_price=row.operator_price,
        operator_currency=row.operator_currency,
        options=options,
    )
    resolved = ctx.mappings.resolve(row.operator_id, row)
    item.resolved = resolved
    blocking = {k: v for k, v in resolved.missing.items() if k in ("agency", "room_type")}
    if blocking:
        item.category = "unmapped code"
        item.reason = "; ".join(
            resolved.messages.get(kind)
            or f"unmapped {kind.replace('_', ' ')} {value!r} (hotelops map missing)"
            for kind, value in blocking.items()
        )
        return item
    code = row.price_code or resolved.price_code
    manual = _manual_result(row, options, ctx.hotel.currency)
    if manual is not None and (not code or ctx.contract(code) is None):
        # Manual price active for every night and no contract to apply: the office's prices
        # stand as they are (no promotions: they belong to a contract).
        item.result, item.contract_code = manual, "manual"
        item.status = PRICED
        _compare(item, manual, ctx.tolerance)
        return item
    if not code:
        item.category = "no price code"
        item.reason = f"agency {resolved.agency!r} has no price code and none was set"
        return item
    contract = ctx.contract(code)
    if contract is None:
        item.category = "no contract"
        item.reason = f"no contract {code!r} (hotelops contract import FILE)"
        return item
    item.contract_code = code
    stay = StayRequest(
        arrival=row.check_in,
        nights=row.nights,
        room_type=resolved.room_type,
        adults=row.adults,
        child_ages=tuple(row.child_ages),
        agency=resolved.agency,
        market=resolved.market,
        sale_date=row.sale_date,
        occupancy=resolved.occupancy,
    )
    result = price_stay(contract, ctx.promotions, stay, options)
    item.result = result
    if not result.priced:
        outside = [n for n in result.nights if n.letter is None]
        if outside:
            item.category = "no contract for the dates"
            item.reason = (
                f"{len(outside)} night(s) outside contract {code} "
                f"({contract.valid_from}..{contract.valid_to}): first {outside[0].night}"
            )
        else:
            item.category = "no price row for the guests"
            notes = {n.note for n in result.nights if n.price is None and n.note}
            item.reason = "; ".join(sorted(notes)) or "; ".join(result.problems)
        return item
    item.status = PRICED
    _compare(item, result, ctx.tolerance)
    return item


def _manual_result(
    row: InboxReservation, options: PriceOptions, currency: str
) -> PriceResult | None:
    """The stay priced from manual nightly prices alone, when every night has one."""
    prices = options.manual_prices or {}
    nights = [row.check_in + timedelta(days=i) for i in range(row.nights)]
    if not nights or any(night not in prices for night in nights):
        return None
    lines = [
        NightPrice(night, None, prices[night], Decimal(0), prices[night], [], "manual price")
        for night in nights
    ]
    total = sum((line.contract_price or Decimal(0) for line in lines), Decimal(0))
    return PriceResult("manual", currency, lines, total, Decimal(0), total)


def _compare(item: InboxPrice, result: PriceResult, tolerance: PriceSettings) -> None:
    """A warning when the operator's price is off by more than both tolerances."""
    sent = item.operator_price
    if sent is None or sent == 0:
        return  # the operator sent no price (seed: "Operatör Fiyatı 0,00")
    if item.operator_currency and item.operator_currency != result.currency:
        item.status = DIFFERS
        item.reason = (
            f"operator price {format_money(sent, item.operator_currency)} is in another "
            f"currency than the contract's {format_money(result.total, result.currency)}"
        )
        return
    difference = sent - result.total
    item.difference = difference
    limit_percent = abs(result.total) * tolerance.tolerance_percent / 100
    if abs(difference) > tolerance.tolerance_amount and abs(difference) > limit_percent:
        item.status = DIFFERS
        item.reason = (
            f"operator {format_money(sent)} vs hotel {format_money(result.total, result.currency)}"
            f": {'+' if difference > 0 else ''}{format_money(difference)}"
        )


def _settings(session: Session, inbox_id: int) -> InboxPriceSettings | None:
    return session.exec(
        select(InboxPriceSettings).where(InboxPriceSettings.inbox_reservation_id == inbox_id)
    ).first()


def price_inbox(
    session: Session, hotel: Hotel, inbox_id: int, tolerance: PriceSettings, *, explain: bool = True
) -> InboxPrice:
    """Price one inbox reservation by id."""
    row = session.get(InboxReservation, inbox_id)
    if row is None or row.hotel_id != hotel.id:
        raise NotFound(f"no inbox reservation #{inbox_id} (see `hotelops inbox list`)")
    ctx = PriceContext(session, hotel, tolerance)
    return price_row(ctx, row, _settings(session, inbox_id), explain=explain)


def price_pending(
    session: Session,
    hotel: Hotel,
    tolerance: PriceSettings,
    *,
    explain: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PendingSummary:
    """Price every pending inbox reservation (paged, so memory stays flat)."""
    ctx = PriceContext(session, hotel, tolerance)
    settings = {
        s.inbox_reservation_id: s
        for s in session.exec(
            select(InboxPriceSettings).where(InboxPriceSettings.hotel_id == hotel.id)
        )
    }
    base = select(InboxReservation).where(
        InboxReservation.hotel_id == hotel.id, InboxReservation.status == InboxStatus.PENDING
    )
    total = int(
        session.exec(
            select(func.count())
            .select_from(InboxReservation)
            .where(
                InboxReservation.hotel_id == hotel.id,
                InboxReservation.status == InboxStatus.PENDING,
            )
        ).one()
    )
    items: list[InboxPrice] = []
    last_id = 0
    while True:
        page = session.exec(
            base.where(col(InboxReservation.id) > last_id)
            .order_by(col(InboxReservation.id))
            .limit(1000)
        ).all()
        if not page:
            break
        for row in page:
            assert row.id is not None
            items.append(price_row(ctx, row, settings.get(row.id), explain=explain))
            last_id = row.id
        if progress:
            progress(len(items), total)
    return PendingSummary(items)


def price_many(
    session: Session,
    hotel: Hotel,
    inbox_ids: list[int],
    tolerance: PriceSettings,
    *,
    explain: bool = False,
) -> list[InboxPrice]:
    """Price several inbox reservations with one price context, in the order given.

    An id that is not this hotel's reservation comes back unpriced, saying so.
    """
    ctx = PriceContext(session, hotel, tolerance)
    wanted = list(dict.fromkeys(inbox_ids))
    rows = {
        row.id: row
        for row in session.exec(
            select(InboxReservation).where(
                col(InboxReservation.id).in_(wanted), InboxReservation.hotel_id == hotel.id
            )
        )
    }
    settings = {
        s.inbox_reservation_id: s
        for s in session.exec(
            select(InboxPriceSettings).where(
                col(InboxPriceSettings.inbox_reservation_id).in_(wanted)
            )
        )
    }
    items: list[InboxPrice] = []
    for inbox_id in wanted:
        row = rows.get(inbox_id)
        if row is None:
            items.append(
                InboxPrice(
                    inbox_id, "", "", UNPRICED, f"no inbox reservation #{inbox_id}", "not found"
                )
            )
            continue
        items.append(price_row(ctx, row, settings.get(inbox_id), explain=explain))
    return items


def price_statuses(
    session: Session, hotel: Hotel, inbox_ids: list[int], tolerance: PriceSettings
) -> dict[int, str]:
    """Each reservation's price status (priced / differs / unpriced), one price context."""
    return {
        item.inbox_id: item.status
        for item in price_many(session, hotel, inbox_ids, tolerance, explain=False)
    }


@dataclass
class QuoteRequest:
    """``price quote``: a stay that is not in the inbox."""

    contract: str
    room_type: str
    arrival: date
    nights: int
    adults: int
    child_ages: tuple[int, ...] = ()
    agency: str = ""
    market: str = ""
    sale_date: date | None = None
    occupancy: str = ""


def quote(
    session: Session, hotel: Hotel, request: QuoteRequest, *, explain: bool = True
) -> PriceResult:
    """What a stay should cost under a contract, with the hotel's promotions."""
    assert hotel.id is not None
    contract = load_contract(session, hotel.id, request.contract)
    if contract is None:
        raise NotFound(f"no contract {request.contract!r} (see `hotelops contract list`)")
    if request.nights < 1:
        raise InputError("--nights must be at least 1")
    stay = StayRequest(
        arrival=request.arrival,
        nights=request.nights,
        room_type=request.room_type,
        adults=request.adults,
        child_ages=request.child_ages,
        agency=request.agency,
        market=request.market,
        sale_date=request.sale_date,
        occupancy=request.occupancy,
    )
    return price_stay(
        contract, load_promotions(session, hotel.id), stay, PriceOptions(explain=explain)
    )


def set_price_options(
    db: Database,
    hotel: Hotel,
    inbox_id: int,
    *,
    user: str,
    manual_active: bool | None = None,
    manual_prices: dict[date, Decimal] | None = None,
    clear_nights: list[date] | None = None,
    discounts_active: bool | None = None,
    skip: list[str] | None = None,
    unskip: list[str] | None = None,
    use: list[str] | None = None,
    unuse: list[str] | None = None,
) -> InboxPriceSettings:
    """Change what the office set for pricing one reservation; stored and audited.

    ``manual_prices`` adds or replaces nightly manual prices; ``clear_nights`` removes them
    (those nights fall back to the contract while manual price stays on).
    """
    with db.write() as session:
        row = session.get(InboxReservation, inbox_id)
        if row is None or row.hotel_id != hotel.id:
            raise NotFound(f"no inbox reservation #{inbox_id} (see `hotelops inbox list`)")
        settings = _settings(session, inbox_id) or InboxPriceSettings(
            hotel_id=row.hotel_id, inbox_reservation_id=inbox_id
        )
        before = auditlog.jsonable(settings)
        if manual_active is not None:
            settings.manual_active = manual_active
        if manual_prices:
            for night, amount in manual_prices.items():
                if not row.check_in <= night < row.check_out:
                    raise InputError(
                        f"{night} is not a night of #{inbox_id} ({row.check_in}..{row.check_out})"
                    )
                if amount < 0:
                    raise InputError(f"{night}: a night's price cannot be negative")
            merged = dict(settings.manual_prices)
            merged.update({n.isoformat(): str(a) for n, a in manual_prices.items()})
            settings.manual_prices = merged
        if clear_nights:
            overlap = set(clear_nights) & set(manual_prices or {})
            if overlap:
                raise InputError(
                    f"{min(overlap)}: a night cannot be both priced and cleared in one change"
                )
            remaining = dict(settings.manual_prices)
            for night in clear_nights:
                remaining.pop(night.isoformat(), None)
            settings.manual_prices = remaining
        if discounts_active is not None:
            settings.discounts_active = discounts_active
        settings.skipped = _edit(settings.skipped, skip, unskip)
        settings.manual = _edit(settings.manual, use, unuse)
        settings.updated_at = utcnow()
        settings.updated_by = user
        session.add(settings)
        session.flush()
        auditlog.record(
            session,
            hotel_id=row.hotel_id,
            user=user,
            action="price.options",
            entity="inbox_reservation",
            entity_id=inbox_id,
            before=before,
            after=auditlog.jsonable(settings),
        )
        return settings


def _edit(current: list[str], add: list[str] | None, remove: list[str] | None) -> list[str]:
    values = [c for c in current if c not in set(remove or [])]
    for code in add or []:
        if code not in values:
            values.append(code)
    return values
