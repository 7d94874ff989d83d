"""The hotelops JSON reservation feed, for operators that offer JSON instead of OpenTravel XML.

The schema is documented in ``docs/json-feed.md``. Reading is strict, because a feed nobody
checks drifts: every problem is reported with its JSON path (``reservations[2].check_in:
'2026-13-01' is not a date``), all of them at once, and the whole feed is refused if any is
found. Money is a string ("1899.00"): a JSON number is refused, because most JSON libraries
turn it into a float, which is not exact. Keys starting with ``x_`` are the operator's own and
are ignored; any other unknown key is an error (it is usually a typo).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final, TypeVar

from hotelops.core.models import Content
from hotelops.core.scan.formats.ota import country_alpha3, is_country_code
from hotelops.core.scan.limits import DEFAULT_LIMITS, ScanLimits, check_json, check_room_stays
from hotelops.core.scan.model import ParsedGuest, ParsedReservation, ParseError

__all__ = ["FEED_VERSION", "parse"]

FEED_VERSION: Final = 1
_MAX_PROBLEMS = 20

_TOP_KEYS = {"version", "operator", "hotel", "generated_at", "reservations"}
_RESERVATION_KEYS = {
    "id",
    "voucher",
    "room_id",
    "status",
    "check_in",
    "check_out",
    "room_type",
    "board",
    "market",
    "rate_type",
    "agency",
    "rooms",
    "adults",
    "children",
    "infants",
    "nationality",
    "price",
    "currency",
    "sale_date",
    "notes",
    "option_date",
    "cancellation_date",
    "cancellation_note",
    "flights",
    "guests",
}
_GUEST_KEYS = {
    "title",
    "first_name",
    "last_name",
    "age",
    "gender",
    "birth_date",
    "passport",
    "nationality",
    "kind",
}
_FLIGHT_KEYS = {"flight", "route", "time"}
_STATUSES = {content.value: content for content in Content}
_KINDS = ("adult", "child", "infant")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_AMOUNT = re.compile(r"\d+(\.\d+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")

T = TypeVar("T")


class _Number:
    """A JSON number with a fraction (or NaN/Infinity), kept as written so it can be refused."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.lines.append(f"{path}: {message}")


def load(data: bytes, *, limits: ScanLimits = DEFAULT_LIMITS) -> Any:
    """The JSON document in ``data``, its depth checked before ``json`` (which recurses) reads
    it; ``ParseError`` when it is not JSON, ``LimitError`` when it nests too deep."""
    check_json(data, limits)
    try:
        return json.loads(data, parse_float=_Number, parse_constant=_Number)
    except json.JSONDecodeError as exc:
        raise ParseError(
            f"JSON is not valid at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParseError(f"JSON cannot be decoded: {exc}") from None


def parse(data: bytes, *, limits: ScanLimits = DEFAULT_LIMITS) -> list[ParsedReservation]:
    """Every reservation in a JSON feed; ``ParseError`` listing every problem with its path,
    ``LimitError`` when it nests too deep or holds too many reservations."""
    document = load(data, limits=limits)
    if isinstance(document, dict) and isinstance(document.get("reservations"), list):
        check_room_stays(len(document["reservations"]), limits)  # one entry is one room
    problems = _Problems()
    reservations = _feed(document, problems)
    if problems.lines:
        shown = problems.lines[:_MAX_PROBLEMS]
        more = len(problems.lines) - len(shown)
        if more:
            shown.append(f"... and {more} more problems")
        raise ParseError("\n".join(shown))
    return reservations


def _feed(document: Any, problems: _Problems) -> list[ParsedReservation]:
    if not isinstance(document, dict):
        problems.add(
            "$", f"expected an object with operator, hotel and reservations, got {_kind(document)}"
        )
        return []
    _unknown_keys(document, _TOP_KEYS, "$", problems)
    version = document.get("version", FEED_VERSION)
    if version != FEED_VERSION or isinstance(version, bool):
        problems.add("version", f"{version!r} is not a supported feed version (use {FEED_VERSION})")
    operator = _text(document, "operator", "", problems, required=True)
    hotel = _text(document, "hotel", "", problems, required=True)
    if "generated_at" in document:
        _datetime(document, "generated_at", "", problems)
    items = document.get("reservations")
    if not isinstance(items, list):
        problems.add("reservations", f"expected a list, got {_kind(items)}")
        return []
    reservations = []
    for index, item in enumerate(items):
        parsed = _reservation(item, f"reservations[{index}]", operator, hotel, problems)
        if parsed is not None:
            reservations.append(parsed)
    return reservations


def _reservation(
    item: Any, path: str, operator: str, hotel: str, problems: _Problems
) -> ParsedReservation | None:
    if not isinstance(item, dict):
        problems.add(path, f"expected an object, got {_kind(item)}")
        return None
    before = len(problems.lines)
    _unknown_keys(item, _RESERVATION_KEYS, path, problems)
    voucher = _text(item, "voucher", path, problems, required=True)
    check_in = _date(item, "check_in", path, problems, required=True)
    check_out = _date(item, "check_out", path, problems, required=True)
    if check_in and check_out and check_out <= check_in:
        problems.add(f"{path}.check_out", f"{check_out} is not after check_in {check_in}")
    status = _text(item, "status", path, problems)
    content = _STATUSES.get(status)
    if status and content is None:
        problems.add(f"{path}.status", f"{status!r} is not one of new, modification, cancellation")
    adults = _count(item, "adults", path, problems, required=True, minimum=1)
    children = _list(item, "children", path, problems)
    child_ages = [
        age
        for index, value in enumerate(children)
        if (age := _age(value, f"{path}.children[{index}]", problems, maximum=17)) is not None
    ]
    price = _price(item, path, problems)
    currency = _text(item, "currency", path, problems)
    if currency and not _CURRENCY.fullmatch(currency):
        problems.add(f"{path}.currency", f'{currency!r} is not an ISO 4217 code (e.g. "EUR")')
    if price is not None and not currency:
        problems.add(f"{path}.currency", "required when price is given")
    nationality = _nationality(item, "nationality", path, problems)
    guests = [
        guest
        for index, value in enumerate(_list(item, "guests", path, problems))
        if (guest := _guest(value, f"{path}.guests[{index}]", problems)) is not None
    ]
    reservation = ParsedReservation(
        voucher=voucher,
        check_in=check_in or date.min,
        check_out=check_out or date.min,
        content=content,
        operator_status=status,
        operator_code=operator,
        hotel_code=hotel,
        operator_res_id=_text(item, "room_id", path, problems),
        operator_agency=_text(item, "agency", path, problems),
        sale_date=_date(item, "sale_date", path, problems),
        adults=adults or 0,
        children=len(children),
        child_ages=child_ages,
        infants=_count(item, "infants", path, problems) or 0,
        nationality=nationality or next((g.nationality for g in guests if g.nationality), ""),
        room_type=_text(item, "room_type", path, problems),
        board=_text(item, "board", path, problems),
        market=_text(item, "market", path, problems),
        rate_type=_text(item, "rate_type", path, problems),
        room_count=_count(item, "rooms", path, problems, minimum=1) or 1,
        price=price,
        currency=currency,
        agency_note=_text(item, "notes", path, problems, strip=False).strip(),
        option_date=_datetime(item, "option_date", path, problems),
        cancellation_date=_date(item, "cancellation_date", path, problems),
        cancellation_note=_text(item, "cancellation_note", path, problems),
        guests=guests,
    )
    reservation.ack_id = _text(item, "id", path, problems) or voucher
    _flights(item, reservation, path, problems)
    return reservation if len(problems.lines) == before else None


def _guest(value: Any, path: str, problems: _Problems) -> ParsedGuest | None:
    if not isinstance(value, dict):
        problems.add(path, f"expected an object, got {_kind(value)}")
        return None
    _unknown_keys(value, _GUEST_KEYS, path, problems)
    first = _text(value, "first_name", path, problems)
    last = _text(value, "last_name", path, problems, required=not first)
    gender = _text(value, "gender", path, problems).upper()
    if gender not in ("", "M", "F"):
        problems.add(f"{path}.gender", f"{gender!r} is not M, F or empty")
        gender = ""
    kind = _text(value, "kind", path, problems) or "adult"
    if kind not in _KINDS:
        problems.add(f"{path}.kind", f"{kind!r} is not one of {', '.join(_KINDS)}")
    age = value.get("age")
    return ParsedGuest(
        first_name=first,
        last_name=last,
        title=_text(value, "title", path, problems),
        age=_age(age, f"{path}.age", problems, maximum=120) if age is not None else None,
        gender=gender,
        birth_date=_date(value, "birth_date", path, problems),
        passport=_text(value, "passport", path, problems),
        nationality=_nationality(value, "nationality", path, problems),
        kind=kind,
    )


def _flights(
    item: dict[str, Any], reservation: ParsedReservation, path: str, problems: _Problems
) -> None:
    flights = item.get("flights")
    if flights is None:
        return
    if not isinstance(flights, dict):
        problems.add(f"{path}.flights", f"expected an object, got {_kind(flights)}")
        return
    _unknown_keys(flights, {"arrival", "departure"}, f"{path}.flights", problems)
    for direction in ("arrival", "departure"):
        leg = flights.get(direction)
        if leg is None:
            continue
        here = f"{path}.flights.{direction}"
        if not isinstance(leg, dict):
            problems.add(here, f"expected an object, got {_kind(leg)}")
            continue
        _unknown_keys(leg, _FLIGHT_KEYS, here, problems)
        clock = _text(leg, "time", here, problems)
        if clock and not _CLOCK.fullmatch(clock):
            problems.add(f"{here}.time", f'{clock!r} is not a time of day (e.g. "14:30")')
        setattr(reservation, f"{direction}_flight", _text(leg, "flight", here, problems))
        setattr(reservation, f"{direction}_route", _text(leg, "route", here, problems))
        setattr(reservation, f"{direction}_flight_time", clock)


# ------------------------------------------------------------------------------ field readers


def _kind(value: Any) -> str:
    if isinstance(value, _Number):
        return f"the number {value.text}"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "a list", str: "a string", int: "a number"}.get(
        type(value), type(value).__name__
    )


def _unknown_keys(value: dict[str, Any], known: set[str], path: str, problems: _Problems) -> None:
    for key in value:
        if key not in known and not key.startswith("x_"):
            where = f"{path}.{key}" if path != "$" else key
            guess = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"did you mean {guess[0]!r}? " if guess else ""
            problems.add(where, f"unknown key ({hint}the operator's own keys start with x_)")


def _field(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _text(
    value: dict[str, Any],
    key: str,
    path: str,
    problems: _Problems,
    *,
    required: bool = False,
    strip: bool = True,
) -> str:
    raw = value.get(key)
    if raw is None:
        if required:
            problems.add(_field(path, key), "required")
        return ""
    if not isinstance(raw, str):
        problems.add(_field(path, key), f"expected a string, got {_kind(raw)}")
        return ""
    text = raw.strip() if strip else raw
    if required and not text:
        problems.add(_field(path, key), "must not be empty")
    return text


def _read(
    value: dict[str, Any],
    key: str,
    path: str,
    problems: _Problems,
    convert: Callable[[str], T],
    expected: str,
    *,
    required: bool = False,
) -> T | None:
    text = _text(value, key, path, problems, required=required)
    if not text:
        return None
    try:
        return convert(text)
    except ValueError:
        problems.add(_field(path, key), f"{text!r} is not {expected}")
        return None


def _to_date(text: str) -> date:
    if not _DATE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def _to_datetime(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if "T" not in text or moment.tzinfo is None:
        raise ValueError(text)
    return moment


def _date(
    value: dict[str, Any], key: str, path: str, problems: _Problems, *, required: bool = False
) -> date | None:
    return _read(value, key, path, problems, _to_date, "a date", required=required)


def _datetime(value: dict[str, Any], key: str, path: str, problems: _Problems) -> datetime | None:
    return _read(
        value,
        key,
        path,
        problems,
        _to_datetime,
        'a date and time with an offset (e.g. "2026-06-01T18:00:00+03:00")',
    )


def _count(
    value: dict[str, Any],
    key: str,
    path: str,
    problems: _Problems,
    *,
    required: bool = False,
    minimum: int = 0,
) -> int | None:
    raw = value.get(key)
    if raw is None:
        if required:
            problems.add(_field(path, key), "required")
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        problems.add(_field(path, key), f"expected a whole number, got {_kind(raw)}")
        return None
    if raw < minimum:
        problems.add(_field(path, key), f"{raw} is less than {minimum}")
        return None
    return raw


def _age(raw: Any, path: str, problems: _Problems, *, maximum: int) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int):
        problems.add(path, f"expected an age in whole years, got {_kind(raw)}")
        return None
    if not 0 <= raw <= maximum:
        problems.add(path, f"{raw} is not an age between 0 and {maximum}")
        return None
    return raw


def _list(value: dict[str, Any], key: str, path: str, problems: _Problems) -> list[Any]:
    raw = value.get(key)
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.add(_field(path, key), f"expected a list, got {_kind(raw)}")
        return []
    return raw


def _price(value: dict[str, Any], path: str, problems: _Problems) -> Decimal | None:
    raw = value.get("price")
    if raw is None:
        return None
    if isinstance(raw, _Number):
        problems.add(
            f"{path}.price", f'{raw.text} is a JSON number; money must be a string ("{raw.text}")'
        )
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        problems.add(
            f"{path}.price", f'{raw} is a JSON number; write money as a string ("{raw}.00")'
        )
        return None
    text = _text(value, "price", path, problems)
    if not text:
        return None
    if not _AMOUNT.fullmatch(text):
        problems.add(f"{path}.price", f'{text!r} is not an amount (write e.g. "1899.00")')
        return None
    return Decimal(text)


def _nationality(value: dict[str, Any], key: str, path: str, problems: _Problems) -> str:
    text = _text(value, key, path, problems)
    if not text:
        return ""
    if not is_country_code(text):
        problems.add(_field(path, key), f'{text!r} is not an ISO 3166 country code (e.g. "DEU")')
        return ""
    return country_alpha3(text)
