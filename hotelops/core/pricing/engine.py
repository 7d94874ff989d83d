"""The pricing engine: one stay, one contract, its promotions → a price per night, with reasons.

Pure functions, no database: the inbox, the CLI, the dashboard and the benchmark all call
``price_stay``. A contract is compiled once into lookups (date → period letter, (letter, room,
occupancy, children) → row) and the compiled form is cached for as long as the spec object lives,
so pricing thousands of stays does not revalidate or rescan anything.

Decisions (DOMAIN.md leaves them open; they belong in ``docs/DOMAIN.md`` too):

* **Guests.** A child's age falls in the first band whose ``max_age`` is at or above it. An age
  below the first band's ``min_age`` is an infant: free, not counted. An age in a gap between two
  bands counts in the higher band. An age above the last band's ``max_age`` is an adult. With no
  bands on the contract every child is priced as an adult.
* **Occupancy.** Forced by ``stay.occupancy`` (an operator mapping), else chosen by the adult
  count: the occupancy whose ``std_adults`` equals the adults (no extra bed), else the smallest
  (by standard, then maximum adults) whose ``std_adults..max_adults`` holds them; in both cases it
  must allow the children. Fewer adults than any fitting occupancy (one adult with a child,
  where the single takes no children) pay the smallest occupancy above them that takes the
  children; its extra-bed count is then zero.
* **Night price.** The period's row; the weekend columns on the contract's weekend days (falling
  back to the weekday column when a weekend column is empty); one extra-bed price per adult above
  ``std_adults``; then the markup (percent, or an amount per night); then rounding: whole units
  (.50 up) when the contract says ``rounding = true``, else the currency's minor unit, half up.
  A night outside the contract, or without an active row, has no price (``None``), never zero.
* **Promotions.** Ordered by (priority, code), so input order never matters. Each is first judged
  eligible or not (filters, then the kind's own condition); an eligible exclusive one (the first
  by order) applies alone; at a priority where an eligible one has ``wins_level``, only it
  applies. The chosen ones apply in order: ``net`` percentages on the price after the earlier
  promotions, ``gross`` ones on the contract (or manual) price. Discounts are rounded half-up to
  the currency's minor unit and never take a night below zero.
* **Date basis "stay"** means check-in on or after ``from`` and check-out on or before ``to``.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from hotelops.core.money import minor_units, round_whole
from hotelops.core.pricing.contracts import ContractSpec, Occupancy
from hotelops.core.pricing.promotions import PERCENT_KINDS, PromotionSpec

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_TWO = Decimal(2)
_WEEKDAY = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class StayRequest:
    """What to price: one room for ``nights`` nights from ``arrival``."""

    arrival: date
    nights: int
    room_type: str
    adults: int
    child_ages: tuple[int, ...] = ()
    agency: str = ""
    market: str = ""
    sale_date: date | None = None
    occupancy: str = ""  # occupancy name forced by a mapping, else chosen by adult count

    @property
    def departure(self) -> date:
        """The check-out date."""
        return self.arrival + timedelta(days=self.nights)


@dataclass(frozen=True)
class PriceOptions:
    """The office's choices: discounts on/off, promotions skipped or chosen, manual prices."""

    discounts_active: bool = True
    skipped: frozenset[str] = frozenset()
    manual: frozenset[str] = frozenset()
    manual_prices: Mapping[date, Decimal] | None = None
    explain: bool = True


@dataclass
class AppliedPromotion:
    """A promotion's discount on one night."""

    code: str
    amount: Decimal


@dataclass
class NightPrice:
    """One night: the contract price, what promotions took off, and what is left."""

    night: date
    letter: str | None
    contract_price: Decimal | None
    discount: Decimal
    price: Decimal | None
    promotions: list[AppliedPromotion]
    note: str = ""


@dataclass
class PromotionTrace:
    """Why a promotion applied (and how much) or did not (``reason`` is a short code)."""

    code: str
    applied: bool
    amount: Decimal
    reason: str
    detail: str = ""


@dataclass
class PriceResult:
    """The priced stay: nights, totals, the promotion trace and any problem."""

    contract_code: str
    currency: str
    nights: list[NightPrice]
    total_contract: Decimal
    total_discount: Decimal
    total: Decimal
    trace: list[PromotionTrace] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def priced(self) -> bool:
        """Every night has a price."""
        return bool(self.nights) and all(night.price is not None for night in self.nights)


# ---------------------------------------------------------------------- compiled contract


@dataclass(frozen=True, slots=True)
class _Row:
    base: Decimal
    extra_bed: Decimal | None
    weekend: Decimal | None
    weekend_extra_bed: Decimal | None
    active: bool


@dataclass(slots=True)
class _Compiled:
    code: str
    currency: str
    quantum: Decimal
    rounding: bool
    valid_from: date
    valid_to: date
    letters: dict[date, str]
    weekend: frozenset[int]
    bands: tuple[tuple[Decimal, Decimal], ...]
    occupancies: dict[str, tuple[Occupancy, ...]]
    rows: dict[tuple[str, str, str, tuple[int, ...]], _Row]
    markup_factor: Decimal | None
    markup_amount: Decimal | None


_CACHE: dict[int, tuple[weakref.ref[ContractSpec], _Compiled]] = {}


def compile_contract(spec: ContractSpec) -> _Compiled:
    """The contract's lookups, built once per spec object (specs are frozen models)."""
    key = id(spec)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is spec:
        return hit[1]
    letters: dict[date, str] = {}
    for period in spec.periods:
        day = period.from_
        while day <= period.to:
            letters[day] = period.letter
            day += timedelta(days=1)
    occupancies = {
        room.room_type: tuple(
            sorted(room.occupancies, key=lambda o: (o.std_adults, o.max_adults, o.name))
        )
        for room in spec.rooms
    }
    rows = {
        (row.letter, row.room_type, row.occupancy, spec.children_key(row.children)): _Row(
            row.base, row.extra_bed, row.weekend, row.weekend_extra_bed, row.active
        )
        for row in spec.prices
    }
    compiled = _Compiled(
        code=spec.code,
        currency=spec.currency,
        quantum=Decimal(1).scaleb(-minor_units(spec.currency)),
        rounding=spec.rounding,
        valid_from=spec.valid_from,
        valid_to=spec.valid_to,
        letters=letters,
        weekend=frozenset(_WEEKDAY[day] for day in spec.weekend_days),
        bands=tuple((band.min_age, band.max_age) for band in spec.child_bands),
        occupancies=occupancies,
        rows=rows,
        markup_factor=(_HUNDRED + spec.markup_percent) / _HUNDRED if spec.markup_percent else None,
        markup_amount=spec.markup_amount or None,
    )

    def _forget(_ref: object, key: int = key) -> None:
        _CACHE.pop(key, None)

    _CACHE[key] = (weakref.ref(spec, _forget), compiled)
    return compiled


def guests_by_band(
    bands: Sequence[tuple[Decimal, Decimal]], adults: int, child_ages: Sequence[int]
) -> tuple[int, tuple[int, ...], int]:
    """(adults, count per band, infants) for the ages, by the rules in the module docstring."""
    counts = [0] * len(bands)
    infants = 0
    if not bands:
        return adults + len(child_ages), (), 0
    for age in child_ages:
        for index, (low, high) in enumerate(bands):
            if age <= high:
                if index == 0 and age < low:
                    infants += 1
                else:
                    counts[index] += 1
                break
        else:
            adults += 1
    return adults, tuple(counts), infants


def choose_occupancy(
    candidates: Sequence[Occupancy], adults: int, children: int, forced: str = ""
) -> Occupancy | None:
    """The occupancy for the guests (see the module docstring); None when none fits."""
    if forced:
        for occ in candidates:
            if occ.name.upper() == forced.upper():
                return occ
        return None
    fitting = [
        occ
        for occ in candidates
        if occ.std_adults <= adults <= occ.max_adults and children <= occ.max_children
    ]
    for occ in fitting:
        if occ.std_adults == adults:
            return occ
    if fitting:
        return fitting[0]
    # Fewer adults than any occupancy that takes the children (one parent with a child in a
    # room whose single takes no children): they pay the smallest such occupancy's price.
    for occ in candidates:
        if adults < occ.std_adults and children <= occ.max_children:
            return occ
    return None


def _round(amount: Decimal, quantum: Decimal) -> Decimal:
    return amount.quantize(quantum, rounding="ROUND_HALF_UP")


def _night_price(c: _Compiled, row: _Row, weekend: bool, extras: int) -> tuple[Decimal | None, str]:
    base = row.weekend if weekend and row.weekend is not None else row.base
    amount = base
    if extras > 0:
        bed = row.weekend_extra_bed if weekend and row.weekend_extra_bed is not None else None
        bed = bed if bed is not None else row.extra_bed
        if bed is None:
            return None, "no price: the row has no extra-bed price"
        amount += bed * extras
    if c.markup_factor is not None:
        amount *= c.markup_factor
    if c.markup_amount is not None:
        amount += c.markup_amount
    return (round_whole(amount) if c.rounding else _round(amount, c.quantum)), ""


# ---------------------------------------------------------------------- pricing


def price_stay(
    contract: ContractSpec,
    promotions: Sequence[PromotionSpec],
    stay: StayRequest,
    options: PriceOptions = PriceOptions(),
) -> PriceResult:
    """Price a stay night by night from the contract, then apply the promotions."""
    c = compile_contract(contract)
    problems: list[str] = []
    adults, children, _infants = guests_by_band(c.bands, stay.adults, stay.child_ages)
    candidates = c.occupancies.get(stay.room_type)
    occ: Occupancy | None = None
    why_none = ""
    if candidates is None:
        why_none = f"no price: room type {stay.room_type} is not on contract {c.code}"
    else:
        occ = choose_occupancy(candidates, adults, sum(children), stay.occupancy)
        if occ is None:
            who = f"{adults} adult(s) + {sum(children)} child(ren)"
            why_none = (
                f"no price: no occupancy {stay.occupancy!r} on {stay.room_type}"
                if stay.occupancy
                else f"no price: no occupancy on {stay.room_type} for {who}"
            )
        elif adults > occ.max_adults or sum(children) > occ.max_children:
            why_none = (
                f"no price: {adults} adult(s) + {sum(children)} child(ren) exceed "
                f"{stay.room_type} {occ.name}"
            )
            occ = None
    if why_none:
        problems.append(why_none.removeprefix("no price: "))
    extras = adults - occ.std_adults if occ is not None else 0

    manual = options.manual_prices or {}
    nights: list[NightPrice] = []
    gross: list[Decimal | None] = []
    is_manual: list[bool] = []
    per_letter: dict[tuple[str, bool], tuple[Decimal | None, str]] = {}
    day = stay.arrival
    one = timedelta(days=1)
    for _ in range(max(stay.nights, 0)):
        letter = c.letters.get(day)
        price: Decimal | None = None
        note = ""
        manual_price = manual.get(day)
        if manual_price is not None:
            price, note = _round(manual_price, c.quantum), "manual price"
        elif occ is None:
            note = why_none
        elif letter is None:
            note = f"no price: outside the contract ({c.valid_from}..{c.valid_to})"
        else:
            weekend = day.weekday() in c.weekend
            cached = per_letter.get((letter, weekend))
            if cached is None:
                row = c.rows.get((letter, stay.room_type, occ.name, children))
                if row is None:
                    cached = (
                        None,
                        f"no price: no row {letter} {stay.room_type} {occ.name} "
                        f"children {list(children)}",
                    )
                elif not row.active:
                    cached = (None, f"no price: row {letter} {stay.room_type} {occ.name} is off")
                else:
                    cached = _night_price(c, row, weekend, extras)
                per_letter[(letter, weekend)] = cached
            price, note = cached
        nights.append(NightPrice(day, letter, price, _ZERO, price, [], note))
        gross.append(price)
        is_manual.append(manual_price is not None)
        if price is None and occ is not None:
            problems.append(f"{day}: {note.removeprefix('no price: ')}")
        day += one
    if stay.nights <= 0:
        problems.append(f"a stay has at least one night, got {stay.nights}")

    ctx = _Context(c, contract, stay, options, adults, children, occ, gross, is_manual)
    trace = _apply_promotions(ctx, promotions, nights)

    total_contract = sum((g for g in gross if g is not None), _ZERO)
    total_discount = sum((n.discount for n in nights), _ZERO)
    total = sum((n.price for n in nights if n.price is not None), _ZERO)
    return PriceResult(
        contract_code=c.code,
        currency=c.currency,
        nights=nights,
        total_contract=total_contract,
        total_discount=total_discount,
        total=total,
        trace=trace if options.explain else [],
        problems=problems,
    )


@dataclass(slots=True)
class _Context:
    c: _Compiled
    spec: ContractSpec
    stay: StayRequest
    options: PriceOptions
    adults: int
    children: tuple[int, ...]
    occ: Occupancy | None
    gross: list[Decimal | None]
    is_manual: list[bool]


def _date_mask(p: PromotionSpec, ctx: _Context) -> tuple[str, list[bool] | None]:
    """(detail of the failed date check or "", mask of the nights it may discount or None=all)."""
    stay = ctx.stay
    arrival, departure = stay.arrival, stay.departure
    if p.from_ is not None and p.to is not None:
        if p.date_basis == "stay":
            if not (p.from_ <= arrival and departure <= p.to):
                return f"stay {arrival}..{departure} is not inside {p.from_}..{p.to}", None
        elif p.date_basis == "arrival":
            if not (p.from_ <= arrival <= p.to):
                return f"arrival {arrival} is not inside {p.from_}..{p.to}", None
        elif stay.sale_date is None:
            return "no sale date", None
        elif not (p.from_ <= stay.sale_date <= p.to):
            return f"sale date {stay.sale_date} is not inside {p.from_}..{p.to}", None
    if p.stay_basis is None or p.stay_from is None or p.stay_to is None:
        return "", None
    low, high = p.stay_from, p.stay_to
    if p.stay_basis == "stay":
        if not (low <= arrival and departure <= high):
            return f"stay {arrival}..{departure} is not inside {low}..{high}", None
        return "", None
    if p.stay_basis == "arrival":
        if not (low <= arrival <= high):
            return f"arrival {arrival} is not inside {low}..{high}", None
        return "", None
    mask = [low <= night <= high for night in _dates(arrival, len(ctx.gross))]
    if not any(mask):
        return f"no night inside {low}..{high}", None
    return "", mask


def _dates(arrival: date, count: int) -> list[date]:
    return [arrival + timedelta(days=i) for i in range(count)]


def _eligibility(p: PromotionSpec, ctx: _Context) -> tuple[str, str, list[int]]:
    """(reason, detail, indices of the nights it may discount); reason "" when eligible."""
    stay = ctx.stay
    if not ctx.options.discounts_active:
        return "discounts off", "discounts are switched off for this reservation", []
    if p.code in ctx.options.skipped:
        return "skipped", "skipped by hand", []
    if p.contracts and ctx.c.code not in p.contracts:
        return "contract", f"only for {', '.join(p.contracts)}", []
    if p.agencies and stay.agency not in p.agencies:
        return "agency", f"only for {', '.join(p.agencies)}, not {stay.agency or '(none)'}", []
    if p.markets and stay.market not in p.markets:
        return "market", f"only for {', '.join(p.markets)}, not {stay.market or '(none)'}", []
    if p.room_types and stay.room_type not in p.room_types:
        return "room type", f"only for {', '.join(p.room_types)}", []
    if stay.nights < p.min_stay:
        return "min stay", f"{stay.nights} nights, needs {p.min_stay}", []
    detail, mask = _date_mask(p, ctx)
    if detail:
        return "date basis", f"{p.date_basis}: {detail}", []
    indices = [i for i, g in enumerate(ctx.gross) if g is not None and (mask is None or mask[i])]
    reason, detail = _kind_condition(p, ctx, len(indices))
    if reason:
        return reason, detail, []
    if not indices:
        return "no price", "no priced night to discount", []
    if not p.auto_apply and p.code not in ctx.options.manual:
        return "not auto-applied", "offered; applies when chosen by hand", indices
    return "", "", indices


def _kind_condition(p: PromotionSpec, ctx: _Context, count: int) -> tuple[str, str]:
    stay = ctx.stay
    if p.kind == "stay_pay":
        assert p.stay is not None
        if p.exact_match and count != p.stay:
            return "exact match", f"{p.stay}={p.pay} only for exactly {p.stay} nights"
        if count < p.stay:
            return "min stay", f"{p.stay}={p.pay} needs {p.stay} nights, {count} here"
    elif p.kind == "early_booking":
        if stay.sale_date is None:
            return "days before", "no sale date"
        days = (stay.arrival - stay.sale_date).days
        if p.days_before is not None and days < p.days_before:
            return "days before", f"sold {days} days before arrival, needs {p.days_before}"
    elif p.kind == "long_stay":
        if p.min_nights is not None and stay.nights < p.min_nights:
            return "min stay", f"{stay.nights} nights, long stay from {p.min_nights}"
    elif p.kind == "no_single_supplement":
        if ctx.adults != 1:
            return "occupancy", f"for one adult, here {ctx.adults}"
        if _double(ctx) is None:
            return "occupancy", f"{stay.room_type} has no double occupancy on the contract"
    elif p.kind == "person_discount" and (
        ctx.occ is None or ctx.occ.std_adults != 2 or ctx.adults != 2
    ):
        return "occupancy", "for two adults in a double"
    return "", ""


def _double(ctx: _Context) -> Occupancy | None:
    for occ in ctx.c.occupancies.get(ctx.stay.room_type, ()):
        if occ.std_adults == 2:
            return occ
    return None


def _apply_promotions(
    ctx: _Context, promotions: Sequence[PromotionSpec], nights: list[NightPrice]
) -> list[PromotionTrace]:
    ordered = sorted(promotions, key=lambda p: (p.priority, p.code))
    judged = [(p, *_eligibility(p, ctx)) for p in ordered]
    eligible = [p for p, reason, _, _ in judged if not reason]
    winner = next((p for p in eligible if p.exclusive), None)
    level_winner: dict[int, PromotionSpec] = {}
    for p in eligible:
        if p.wins_level and p.priority not in level_winner:
            level_winner[p.priority] = p
    traces: list[PromotionTrace] = []
    explain = ctx.options.explain
    for p, reason, detail, indices in judged:
        if not reason:
            if winner is not None and p is not winner:
                reason, detail = "exclusive", f"{winner.code} applies alone"
            elif p.priority in level_winner and level_winner[p.priority] is not p:
                reason = "lower at its level"
                detail = f"{level_winner[p.priority].code} wins priority {p.priority}"
        if reason:
            if explain:
                traces.append(PromotionTrace(p.code, False, _ZERO, reason, detail))
            continue
        amounts, how = _amounts(p, ctx, nights, indices)
        total = _ZERO
        for i, amount in amounts.items():
            night = nights[i]
            current = night.price
            assert current is not None
            amount = min(amount, current)
            if amount <= 0:
                continue
            night.price = current - amount
            night.discount += amount
            night.promotions.append(AppliedPromotion(p.code, amount))
            total += amount
        if explain:
            if total > 0:
                traces.append(PromotionTrace(p.code, True, total, how))
            else:
                traces.append(PromotionTrace(p.code, False, _ZERO, "no amount", how))
    return traces


def _amounts(
    p: PromotionSpec, ctx: _Context, nights: list[NightPrice], indices: list[int]
) -> tuple[dict[int, Decimal], str]:
    """The discount per night index (before the never-below-zero cap), and how it was found."""
    q = ctx.c.quantum
    if p.kind in PERCENT_KINDS:
        assert p.percent is not None
        rate = p.percent / _HUNDRED
        if p.kind == "person_discount":
            rate /= _TWO
        pct = f"{p.percent.normalize():f} %"
        result: dict[int, Decimal] = {}
        for i in indices:
            base = nights[i].price if p.basis == "net" else ctx.gross[i]
            assert base is not None
            result[i] = _round(base * rate, q)
        what = "of one person's half" if p.kind == "person_discount" else f"on {p.basis}"
        return result, f"{pct} {what}"
    if p.kind == "stay_pay":
        return _stay_pay(p, nights, indices, q)
    if p.kind == "fixed":
        persons = ctx.adults + sum(ctx.children)
        per_night = (p.per_room or _ZERO) + (p.per_person or _ZERO) * persons
        chosen = indices[: p.max_nights] if p.max_nights else indices
        limit = f" for {len(chosen)} night(s)" if p.max_nights else ""
        return {i: per_night for i in chosen}, f"{per_night} per night{limit}"
    # no_single_supplement: the single pays half of the double row's price that night.
    double = _double(ctx)
    assert double is not None
    result = {}
    for i in indices:
        night = nights[i]
        gross = ctx.gross[i]
        if ctx.is_manual[i] or night.letter is None or gross is None:
            continue
        weekend = night.night.weekday() in ctx.c.weekend
        row = ctx.c.rows.get((night.letter, ctx.stay.room_type, double.name, ctx.children))
        if row is None or not row.active:
            continue
        price, _ = _night_price(ctx.c, row, weekend, 0)
        if price is not None:
            result[i] = gross - _round(price / _TWO, q)
    return result, f"half the {double.name} price"


def _stay_pay(
    p: PromotionSpec, nights: list[NightPrice], indices: list[int], q: Decimal
) -> tuple[dict[int, Decimal], str]:
    assert p.stay is not None and p.pay is not None
    count = len(indices)
    free = p.stay - p.pay if p.exact_match else (count // p.stay) * (p.stay - p.pay)
    mode = p.free_nights or "start"
    how = f"{p.stay}={p.pay}: {free} free night(s), {mode}"
    prices = [nights[i].price or _ZERO for i in indices]
    if mode == "start":
        return {i: prices[k] for k, i in enumerate(indices[:free])}, how
    if mode == "end":
        return {i: prices[count - free + k] for k, i in enumerate(indices[count - free :])}, how
    # average: the stay costs (count - free) / count of its price, shown as one nightly price;
    # the rounding remainder goes to the last night so the total is exact.
    total = sum(prices, _ZERO)
    discount = _round(total * free / count, q)
    average = _round((total - discount) / count, q)
    targets = [average] * count
    targets[-1] = total - discount - average * (count - 1)
    amounts = [price - target for price, target in zip(prices, targets, strict=True)]
    if any(amount < 0 for amount in amounts):
        # A night cheaper than the average (a stay across periods): spread the free nights'
        # value in proportion to each night's price instead, so no night is raised.
        amounts = [_round(price * free / count, q) for price in prices]
        amounts[-1] += discount - sum(amounts, _ZERO)
    return dict(zip(indices, amounts, strict=True)), how
