"""Exchange rates (Döviz kurları): imported from a CSV file, one rate per currency and day.

A rate says what one unit of a currency is worth in the hotel's currency on a day (the
hotel's own currency is always 1). ``convert`` is the one way an amount changes currency:
from A to B it is ``amount × rate(A) ÷ rate(B)``, rounded half up to B's minor unit. A day
without a rate is ``MissingRate`` unless the caller allows looking back a few days (a price
quote may take Friday's rate on Sunday; the night audit may not).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, col, select

from hotelops.core import auditlog
from hotelops.core.db import Database
from hotelops.core.errors import InputError, Problem, refused
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import parse_filter_date
from hotelops.core.models import ExchangeRate
from hotelops.core.money import round_money, to_decimal
from hotelops.core.sqltypes import RATE_PLACES, utcnow

COLUMNS = ("currency", "date", "rate")
#: The most rows one file may hold (ten years of thirty currencies).
MAX_ROWS = 200_000


class MissingRate(InputError):
    """No exchange rate for a currency on a day (import one: ``hotelops rate import``)."""

    def __init__(self, currency: str, on_date: date, look_back_days: int = 0) -> None:
        since = f" or in the {look_back_days} day(s) before" if look_back_days else ""
        super().__init__(
            f"no exchange rate for {currency} on {on_date.isoformat()}{since} "
            "(import it: hotelops rate import FILE.csv)"
        )
        self.currency = currency
        self.on_date = on_date


@dataclass(frozen=True)
class RateLine:
    """One row of a rate file."""

    currency: str
    on_date: date
    rate: Decimal


@dataclass
class RateImport:
    """What an import did: rows added, changed (with the rate they had) and unchanged."""

    added: int = 0
    changed: list[tuple[str, date, Decimal, Decimal]] = field(default_factory=list)
    unchanged: int = 0
    currencies: list[str] = field(default_factory=list)
    first: date | None = None
    last: date | None = None


def read_rates(text: str, source: str, hotel_currency: str) -> list[RateLine]:
    """The rows of a rate file (``currency,date,rate``), every problem of it at once."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise refused(
            source, [Problem(source, "", "the file is empty", "first line: currency,date,rate")]
        )
    names = [h.strip().lower() for h in header]
    problems: list[Problem] = []
    unknown = [h for h in names if h not in COLUMNS]
    missing = [c for c in COLUMNS if c not in names]
    if unknown or missing:
        what = "; ".join(
            part
            for part in (
                f"unknown column(s) {', '.join(repr(u) for u in unknown)}" if unknown else "",
                f"missing column(s) {', '.join(missing)}" if missing else "",
            )
            if part
        )
        raise refused(source, [Problem(source, "line 1", what, "the header is currency,date,rate")])
    index = {name: names.index(name) for name in COLUMNS}
    lines: list[RateLine] = []
    seen: dict[tuple[str, date], int] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(lines) >= MAX_ROWS:
            problems.append(
                Problem(source, f"line {number}", f"more than {MAX_ROWS:,} rows", "split the file")
            )
            break
        where = f"line {number}"
        if len(row) != len(names):
            problems.append(
                Problem(
                    source,
                    where,
                    f"{len(row)} value(s), expected {len(names)}",
                    "currency,date,rate",
                )
            )
            continue
        currency = row[index["currency"]].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            problems.append(
                Problem(
                    source,
                    f"{where}: currency",
                    f"{currency!r} is not a currency code",
                    "ISO 4217, e.g. GBP",
                )
            )
            continue
        try:
            on_date = parse_filter_date(row[index["date"]], "date")
        except InputError:
            problems.append(
                Problem(
                    source,
                    f"{where}: date",
                    f"{row[index['date']]!r} is not a date",
                    "YYYY-MM-DD or DD.MM.YYYY",
                )
            )
            continue
        if on_date is None:
            problems.append(Problem(source, f"{where}: date", "empty", "YYYY-MM-DD or DD.MM.YYYY"))
            continue
        try:
            rate = to_decimal(row[index["rate"]], what="rate")
        except ValueError as exc:
            problems.append(Problem(source, f"{where}: rate", str(exc)))
            continue
        if rate <= 0:
            problems.append(
                Problem(
                    source,
                    f"{where}: rate",
                    f"{rate} is not above zero",
                    "hotel-currency units for one unit of the currency",
                )
            )
            continue
        if -rate.as_tuple().exponent > RATE_PLACES:  # type: ignore[operator]
            problems.append(
                Problem(
                    source, f"{where}: rate", f"{rate} has more than {RATE_PLACES} decimal places"
                )
            )
            continue
        if currency == hotel_currency and rate != 1:
            problems.append(
                Problem(
                    source,
                    f"{where}: rate",
                    f"the hotel's own currency {currency} is always 1, not {rate}",
                    "leave it out",
                )
            )
            continue
        key = (currency, on_date)
        if key in seen:
            problems.append(
                Problem(
                    source,
                    where,
                    f"{currency} on {on_date} again (first on line {seen[key]})",
                    "keep one",
                )
            )
            continue
        seen[key] = number
        lines.append(RateLine(currency, on_date, rate))
    if problems:
        raise refused(source, problems)
    return lines


def import_rates(db: Database, hotel_code: str | None, path: Path, *, user: str) -> RateImport:
    """Store every rate of a file (a day already there gets the file's rate), or none."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read it ({exc})") from None
    with db.write() as session:
        hotel = get_hotel(session, hotel_code)
        hid = hotel.id or 0
        lines = read_rates(text, str(path), hotel.currency.upper())
        existing = {
            (r.currency, r.on_date): r
            for r in session.exec(
                select(ExchangeRate).where(
                    ExchangeRate.hotel_id == hid,
                    col(ExchangeRate.currency).in_({line.currency for line in lines}),
                )
            )
        }
        result = RateImport(currencies=sorted({line.currency for line in lines}))
        for line in lines:
            row = existing.get((line.currency, line.on_date))
            if row is None:
                session.add(
                    ExchangeRate(
                        hotel_id=hid,
                        currency=line.currency,
                        on_date=line.on_date,
                        rate=line.rate,
                        source=path.name,
                    )
                )
                result.added += 1
            elif row.rate != line.rate:
                result.changed.append((line.currency, line.on_date, row.rate, line.rate))
                row.rate, row.source, row.imported_at = line.rate, path.name, utcnow()
                session.add(row)
            else:
                result.unchanged += 1
        if lines:
            result.first = min(line.on_date for line in lines)
            result.last = max(line.on_date for line in lines)
        if result.added or result.changed:
            auditlog.record(
                session,
                hotel_id=hid,
                user=user,
                action="rates.import",
                entity="exchange_rate",
                before={f"{c} {d}": old for c, d, old, _ in result.changed[:200]} or None,
                after={f"{c} {d}": new for c, d, _, new in result.changed[:200]} or None,
                note=f"{path.name}: {result.added} added, {len(result.changed)} changed",
            )
    return result


def list_rates(
    session: Session,
    hotel_id: int,
    *,
    currency: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[ExchangeRate]:
    """The hotel's rates, by currency then date."""
    query = select(ExchangeRate).where(ExchangeRate.hotel_id == hotel_id)
    if currency:
        query = query.where(ExchangeRate.currency == currency.upper())
    if date_from:
        query = query.where(col(ExchangeRate.on_date) >= date_from)
    if date_to:
        query = query.where(col(ExchangeRate.on_date) <= date_to)
    return list(session.exec(query.order_by(col(ExchangeRate.currency), col(ExchangeRate.on_date))))


def rate_on(
    session: Session, hotel_id: int, currency: str, on_date: date, *, look_back_days: int = 0
) -> tuple[Decimal, date]:
    """The rate of ``currency`` on ``on_date`` (or the latest in the days before, when allowed)
    and the day it is from; the hotel's own currency is 1."""
    currency = currency.upper()
    hotel_currency = _hotel_currency(session, hotel_id)
    if currency == hotel_currency:
        return Decimal(1), on_date
    row = session.exec(
        select(ExchangeRate)
        .where(
            ExchangeRate.hotel_id == hotel_id,
            ExchangeRate.currency == currency,
            col(ExchangeRate.on_date) <= on_date,
            col(ExchangeRate.on_date) >= on_date - timedelta(days=look_back_days),
        )
        .order_by(col(ExchangeRate.on_date).desc())
    ).first()
    if row is None:
        raise MissingRate(currency, on_date, look_back_days)
    return row.rate, row.on_date


def convert(
    session: Session,
    hotel_id: int,
    amount: Decimal,
    currency: str,
    to_currency: str,
    on_date: date,
    *,
    look_back_days: int = 0,
) -> Decimal:
    """``amount`` in ``currency`` as ``to_currency`` on ``on_date``, rounded half up to its
    minor unit: ``amount × rate(currency) ÷ rate(to_currency)``."""
    if currency.upper() == to_currency.upper():
        return amount
    source, _ = rate_on(session, hotel_id, currency, on_date, look_back_days=look_back_days)
    target, _ = rate_on(session, hotel_id, to_currency, on_date, look_back_days=look_back_days)
    return round_money(amount * source / target, to_currency)


def missing_rates(
    session: Session, hotel_id: int, currencies: Iterable[str], days: Iterable[date]
) -> list[tuple[str, date]]:
    """The (currency, day) pairs with no rate: what a night audit must have before it posts."""
    hotel_currency = _hotel_currency(session, hotel_id)
    wanted = {c.upper() for c in currencies} - {hotel_currency}
    ordered = sorted(set(days))
    if not wanted or not ordered:
        return []
    have = set(
        session.exec(
            select(col(ExchangeRate.currency), col(ExchangeRate.on_date)).where(
                ExchangeRate.hotel_id == hotel_id,
                col(ExchangeRate.currency).in_(wanted),
                col(ExchangeRate.on_date) >= ordered[0],
                col(ExchangeRate.on_date) <= ordered[-1],
            )
        ).all()
    )
    return [(c, d) for c in sorted(wanted) for d in ordered if (c, d) not in have]


def _hotel_currency(session: Session, hotel_id: int) -> str:
    from hotelops.core.models import Hotel

    hotel = session.get(Hotel, hotel_id)
    if hotel is None:
        raise InputError(f"no hotel #{hotel_id}")
    return hotel.currency.upper()
