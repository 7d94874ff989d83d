"""The sales details of an inbox reservation the office edits: price code, source, segment,
option date and the hotel note (the detail screen's sales panel, ``hotelops inbox edit``).

Rules (docs/sales-and-documents.md):

* Only a **pending** reservation is edited; an approved or rejected one is the books' business.
* A price code must be an **active contract** of the hotel; a source or segment a code of the
  hotel's Source / Segment tables (matched case-blind, stored as the hotel spells it). A refusal
  lists the codes that exist.
* ``None`` leaves a field as it is, ``""`` clears it (price code, source and segment then come
  from the agency card again when the reservation is priced and saved).
* The option date (Opsiyon Tarihi) is a date or a date and time **in the hotel's time zone**
  (stored in UTC like every timestamp, shown in the hotel's zone); a date alone is 00:00 there
  and means that whole day. It may not be before the hotel's **business date** (the hotel's own
  trading day, not the computer's clock, which runs ahead of it until the night audit) and not
  after the check-in date (an option past arrival is meaningless).
* Every change is one audit entry ``inbox.sales`` with the changed fields before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session, col, select

from hotelops.core import auditlog
from hotelops.core.db import Database
from hotelops.core.errors import InputError, NotFound
from hotelops.core.hotels import get_hotel
from hotelops.core.models import (
    Contract,
    InboxPriceSettings,
    InboxReservation,
    InboxStatus,
    Segment,
    Source,
    User,
)
from hotelops.core.sqltypes import utcnow

#: The longest hotel note kept (a note is a line or two for the front desk, not a letter).
MAX_NOTE = 2000

_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class CodeChoice:
    """A code the user may pick, with its name."""

    code: str
    name: str


@dataclass(frozen=True)
class SalesOptions:
    """What the sales fields accept for a hotel (the modal's lists, the refusals' hints)."""

    price_codes: list[CodeChoice]
    sources: list[CodeChoice]
    segments: list[CodeChoice]


@dataclass
class SalesChange:
    """What ``set_sales`` changed: field → (before, after); empty when nothing changed."""

    inbox_id: int
    voucher: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """True when at least one field changed."""
        return bool(self.changes)


def sales_options(session: Session, hotel_id: int) -> SalesOptions:
    """The price codes (active contracts), sources and segments of a hotel, by code."""
    contracts = session.exec(
        select(Contract.code, Contract.name)
        .where(Contract.hotel_id == hotel_id, col(Contract.active))
        .order_by(col(Contract.code))
    )
    sources = session.exec(
        select(Source.code, Source.name).where(Source.hotel_id == hotel_id).order_by(col(Source.id))
    )
    segments = session.exec(
        select(Segment.code, Segment.name)
        .where(Segment.hotel_id == hotel_id)
        .order_by(col(Segment.id))
    )
    return SalesOptions(
        price_codes=[CodeChoice(c, n) for c, n in contracts],
        sources=[CodeChoice(c, n) for c, n in sources],
        segments=[CodeChoice(c, n) for c, n in segments],
    )


def parse_option_date(text: str) -> datetime | None:
    """An option date typed by a user: ``YYYY-MM-DD`` or ``DD.MM.YYYY``, optionally followed by
    ``HH:MM``; empty means none. Raises ``InputError`` naming the field and the forms."""
    text = " ".join(text.split())
    if not text:
        return None
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.combine(datetime.strptime(text, fmt).date(), time())
        except ValueError:
            pass
    raise InputError(
        f"option date: {text!r} is not a date (use YYYY-MM-DD or DD.MM.YYYY, optionally with "
        "HH:MM, e.g. 2026-06-01 18:00)"
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"hotel time zone {name!r} is unknown: fix the hotel file (e.g. Europe/Istanbul)"
        ) from None


def _option(value: datetime | date | str, zone: ZoneInfo) -> datetime | None:
    """The option date in the hotel's zone (aware); naive values are read in that zone."""
    if isinstance(value, str):
        parsed = parse_option_date(value)
        if parsed is None:
            return None
        value = parsed
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    value = value.replace(second=0, microsecond=0)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone)
    return value.astimezone(zone)


def option_date_text(value: datetime | None, timezone: str) -> str:
    """An option date as the office types it, in the hotel's zone: ``YYYY-MM-DD[ HH:MM]``."""
    if value is None:
        return ""
    local = value.astimezone(_zone(timezone)) if value.tzinfo else value
    if local.hour == 0 and local.minute == 0:
        return f"{local:%Y-%m-%d}"
    return f"{local:%Y-%m-%d %H:%M}"


def _code(value: str, choices: list[CodeChoice], label: str, fix: str) -> str:
    """The hotel's spelling of ``value`` among ``choices``; refused naming the codes there are."""
    wanted = value.strip().upper()
    for choice in choices:
        if choice.code.upper() == wanted:
            return choice.code
    known = ", ".join(c.code for c in choices) or "none"
    raise InputError(f"{label}: {value.strip()!r} is not one of the hotel's codes ({known}); {fix}")


def set_sales(
    db: Database,
    hotel_code: str | None,
    inbox_id: int,
    *,
    user: str,
    price_code: str | None = None,
    source_code: str | None = None,
    segment_code: str | None = None,
    option_date: datetime | date | str | None = None,
    hotel_note: str | None = None,
) -> SalesChange:
    """Edit the sales details of a pending inbox reservation (``None`` = unchanged, ``""``
    clears). Every value is checked before anything is written; the change is audited."""
    with db.write() as session:
        hotel = get_hotel(session, hotel_code)
        hotel_id = hotel.id or 0
        row = session.get(InboxReservation, inbox_id)
        if row is None or row.hotel_id != hotel_id:
            raise NotFound(f"no inbox reservation #{inbox_id} (see `hotelops inbox list`)")
        if str(row.status) != InboxStatus.PENDING.value:
            raise InputError(
                f"#{inbox_id} {row.voucher} is {row.status}: only a pending reservation's sales "
                "details can be edited"
            )
        options = sales_options(session, hotel_id)
        wanted: dict[str, Any] = {}
        if price_code is not None:
            wanted["price_code"] = (
                _code(
                    price_code,
                    options.price_codes,
                    "price code",
                    "import the contract first (hotelops contract import FILE)",
                )
                if price_code.strip()
                else ""
            )
        if source_code is not None:
            wanted["source_code"] = (
                _code(source_code, options.sources, "source", "add it to the hotel file")
                if source_code.strip()
                else ""
            )
        if segment_code is not None:
            wanted["segment_code"] = (
                _code(segment_code, options.segments, "segment", "add it to the hotel file")
                if segment_code.strip()
                else ""
            )
        if option_date is not None:
            when = _option(option_date, _zone(hotel.timezone))
            if when is not None:
                if when.date() < hotel.business_date:
                    raise InputError(
                        f"option date {when:%Y-%m-%d} is before the hotel's business date "
                        f"{hotel.business_date:%Y-%m-%d}: give a date from then on"
                    )
                if when.date() > row.check_in:
                    raise InputError(
                        f"option date {when:%Y-%m-%d} is after the check-in "
                        f"{row.check_in:%Y-%m-%d}: give a date up to the arrival"
                    )
            wanted["option_date"] = when
        if hotel_note is not None:
            note = hotel_note.strip()
            if len(note) > MAX_NOTE:
                raise InputError(
                    f"hotel note: {len(note)} characters, at most {MAX_NOTE}: shorten it"
                )
            wanted["hotel_note"] = note
        result = SalesChange(inbox_id, row.voucher)
        for name, value in wanted.items():
            before = getattr(row, name)
            if before != value:
                result.changes[name] = (before, value)
                setattr(row, name, value)
        if not result.changes:
            return result
        row.updated_at = utcnow()
        session.add(row)
        auditlog.record(
            session,
            hotel_id=hotel_id,
            user=user,
            action="inbox.sales",
            entity="inbox_reservation",
            entity_id=inbox_id,
            before={name: old for name, (old, _) in result.changes.items()},
            after={name: new for name, (_, new) in result.changes.items()},
            note=", ".join(sorted(result.changes)),
        )
        return result


# -- what the detail screen's other modals pick from ---------------------------------------------


@dataclass(frozen=True)
class ApproverChoice:
    """A hotel user who can be an internal approver (active, with an e-mail address)."""

    username: str
    name: str
    email: str


def approver_choices(session: Session, hotel_id: int) -> list[ApproverChoice]:
    """The active users of a hotel that have an e-mail address, by username."""
    users = session.exec(
        select(User).where(User.hotel_id == hotel_id, col(User.active)).order_by(col(User.username))
    )
    return [ApproverChoice(u.username, u.name, u.email) for u in users if u.email.strip()]


def current_price_settings(
    session: Session, hotel_id: int, inbox_id: int
) -> InboxPriceSettings | None:
    """What the office set for pricing one reservation (None when nothing was set)."""
    return session.exec(
        select(InboxPriceSettings).where(
            InboxPriceSettings.inbox_reservation_id == inbox_id,
            InboxPriceSettings.hotel_id == hotel_id,
        )
    ).first()
