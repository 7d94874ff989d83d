"""Deciding inbox reservations: confirm to the operator, save to the books, or reject.

Every decision goes through ``decide``. Its guards refuse what would be wrong and say what to do
next; the user may override the two that are judgment calls (stop sale, overbooking) and must
choose between linking and creating when a possible duplicate exists, so a second hotel
reservation for one voucher can never appear silently.

Concurrency: a decision is taken only if nothing changed since the user looked: the inbox row's
``version`` (operator versions) and ``decision_seq`` (decisions) must be what the user saw. The
check is a conditional UPDATE at the start of the write transaction, so of two processes
deciding the same reservation at once exactly one succeeds and the other is told it changed.
Two processes deciding *different* reservations may compete for the last room, or be the same
booking twice: the guards that read other reservations (``booking_guards``) run again inside
the write transaction, after the hotel's booking lock (``db.hold_lock``), so the second to save
sees the first one's booking and is refused with the guard's message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, or_, select

from hotelops.core import auditlog
from hotelops.core.config import LoadedConfig
from hotelops.core.db import BOOKINGS_LOCK, Database, hold_lock
from hotelops.core.errors import HotelopsError, InputError, NotFound
from hotelops.core.mapping import Resolved
from hotelops.core.models import (
    ACTIVE_STATUSES,
    Agency,
    Board,
    Content,
    Hotel,
    HotelReservation,
    InboxDecision,
    InboxGuest,
    InboxReservation,
    InboxStatus,
    InboxVersion,
    Market,
    Operator,
    ReservationGuest,
    ReservationNight,
    ReservationStatus,
    RoomType,
    Segment,
    Source,
    StopSale,
)
from hotelops.core.pricing.service import UNPRICED, InboxPrice, PriceContext, price_row
from hotelops.core.sqltypes import utcnow
from hotelops.core.text import fold

CONFIRM = "confirm"
SAVE = "save"
CONFIRM_SAVE = "confirm+save"
REJECT = "reject"


class Changed(HotelopsError):
    """Someone (or the operator) changed the reservation since the user looked at it."""

    exit_code = 1


class Refused(HotelopsError):
    """A guard refused the decision; ``problems`` holds one line per guard with what to do."""

    exit_code = 1


@dataclass
class Overrides:
    """What the user decided against a guard (all logged)."""

    ignore_stop_sale: bool = False
    allow_overbooking: bool = False
    link: int | None = None  # link to this hotel reservation instead of creating one
    create_new: bool = False  # create one although possible duplicates exist

    def as_dict(self) -> dict[str, Any]:
        """The overrides that were used."""
        data: dict[str, Any] = {}
        if self.ignore_stop_sale:
            data["ignore_stop_sale"] = True
        if self.allow_overbooking:
            data["allow_overbooking"] = True
        if self.link is not None:
            data["link"] = self.link
        if self.create_new:
            data["create_new"] = True
        return data


@dataclass
class Duplicate:
    """A hotel reservation that may be the same booking (Olası Rezervasyonlar)."""

    id: int
    voucher: str
    guest_names: str
    arrival: date
    departure: date
    room_type: str
    status: str
    why: str  # "same voucher" | "same dates and surname"


@dataclass
class NightAvailability:
    """One night of the stay: rooms of the type, already sold, left (Oda Tipi Müsaitlik)."""

    night: date
    rooms: int
    sold: int
    hotel_rooms: int
    hotel_sold: int

    @property
    def left(self) -> int:
        """Rooms of the type still free that night."""
        return self.rooms - self.sold

    @property
    def occupancy(self) -> float:
        """Hotel-wide occupancy that night, 0-100 (Forecast)."""
        return 100.0 * self.hotel_sold / self.hotel_rooms if self.hotel_rooms else 0.0


@dataclass
class Check:
    """What the guards say about one action on one reservation."""

    inbox_id: int
    action: str
    problems: list[str] = field(default_factory=list)  # refusals, each with what to do next
    warnings: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    availability: list[NightAvailability] = field(default_factory=list)
    price: InboxPrice | None = None
    resolved: Resolved | None = None

    @property
    def ok(self) -> bool:
        """True when nothing refuses the action."""
        return not self.problems


@dataclass
class Outcome:
    """What a decision did."""

    inbox_id: int
    voucher: str
    action: str
    status: str
    hotel_reservation_id: int | None = None
    channel: str = ""
    channel_result: str = ""
    effect: str = ""  # created | updated | linked | cancelled | nothing to cancel | ""
    warnings: list[str] = field(default_factory=list)

    def summary(self, *, status: bool = False) -> str:
        """One line: what was done, the hotel reservation, how the operator was told.

        ``status`` adds where the inbox reservation stands now (``→ approved``).
        """
        effect = f" {self.effect}" if self.effect else ""
        books = (
            f" → hotel reservation #{self.hotel_reservation_id}"
            if self.hotel_reservation_id
            else ""
        )
        now = f" → {self.status}" if status else ""
        told = f"; operator: {self.channel} ({self.channel_result})" if self.channel else ""
        return f"#{self.inbox_id} {self.voucher}: {self.action}{effect}{books}{now}{told}"


@dataclass
class PreviewItem:
    """One reservation in a bulk preview: ready, or blocked with the guards' problems."""

    inbox_id: int
    voucher: str
    content: str
    ready: bool
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """Why it is blocked, or (when ready) what to know."""
        return self.problems or self.warnings


# -- reading -------------------------------------------------------------------------------


def _row(session: Session, hotel: Hotel, inbox_id: int) -> InboxReservation:
    row = session.get(InboxReservation, inbox_id)
    if row is None or row.hotel_id != hotel.id:
        raise NotFound(f"no inbox reservation #{inbox_id} (see `hotelops inbox list`)")
    return row


def linked_reservation(session: Session, inbox_id: int) -> HotelReservation | None:
    """The hotel reservation an inbox reservation was saved as (or linked to)."""
    return session.exec(
        select(HotelReservation).where(HotelReservation.inbox_reservation_id == inbox_id)
    ).first()


def possible_duplicates(
    session: Session, hotel_id: int, row: InboxReservation, *, exclude: int | None = None
) -> list[Duplicate]:
    """Hotel reservations with the same voucher, then those with the same dates and surname."""
    room_codes = dict(
        session.exec(select(RoomType.id, RoomType.code).where(RoomType.hotel_id == hotel_id)).all()
    )
    found: dict[int, Duplicate] = {}
    same_voucher = session.exec(
        select(HotelReservation).where(
            HotelReservation.hotel_id == hotel_id,
            HotelReservation.voucher == row.voucher,
            HotelReservation.voucher != "",
        )
    ).all()
    for r in same_voucher:
        found[r.id or 0] = _dup(r, room_codes, "same voucher")
    surnames = {fold(g.strip().split(" ")[-1]) for g in row.guest_names.split(" / ") if g.strip()}
    if surnames:
        same_dates = session.exec(
            select(HotelReservation).where(
                HotelReservation.hotel_id == hotel_id,
                HotelReservation.arrival == row.check_in,
                HotelReservation.departure == row.check_out,
            )
        ).all()
        for r in same_dates:
            names = set(r.guest_names_folded.replace("/", " ").split())
            if r.id not in found and surnames & names:
                found[r.id or 0] = _dup(r, room_codes, "same dates and surname")
    return [d for key, d in found.items() if key != exclude]


def _dup(r: HotelReservation, rooms: dict[Any, str], why: str) -> Duplicate:
    return Duplicate(
        r.id or 0,
        r.voucher,
        r.guest_names,
        r.arrival,
        r.departure,
        rooms.get(r.room_type_id, ""),
        str(r.status),
        why,
    )


def availability(
    session: Session,
    hotel_id: int,
    room_type_code: str,
    arrival: date,
    departure: date,
    *,
    exclude: int | None = None,
) -> list[NightAvailability]:
    """Per night of the stay: rooms of the type, sold (reserved or in house), hotel-wide too."""
    rooms = {
        rt.id: rt for rt in session.exec(select(RoomType).where(RoomType.hotel_id == hotel_id))
    }
    target = next((rt for rt in rooms.values() if rt.code == room_type_code), None)
    hotel_rooms = sum(rt.room_count for rt in rooms.values())
    overlapping = session.exec(
        select(HotelReservation).where(
            HotelReservation.hotel_id == hotel_id,
            col(HotelReservation.status).in_([s.value for s in ACTIVE_STATUSES]),
            col(HotelReservation.arrival) < departure,
            col(HotelReservation.departure) > arrival,
        )
    ).all()
    nights: list[NightAvailability] = []
    night = arrival
    while night < departure:
        sold = hotel_sold = 0
        for r in overlapping:
            if r.id == exclude or not (r.arrival <= night < r.departure):
                continue
            hotel_sold += r.room_count
            if target is not None and r.room_type_id == target.id:
                sold += r.room_count
        nights.append(
            NightAvailability(
                night, target.room_count if target else 0, sold, hotel_rooms, hotel_sold
            )
        )
        night += timedelta(days=1)
    return nights


def stop_sales(
    session: Session, hotel_id: int, resolved: Resolved, arrival: date, departure: date
) -> list[StopSale]:
    """Stop sales closing any night of the stay for this room type, agency and market."""
    last_night = departure - timedelta(days=1)
    return list(
        session.exec(
            select(StopSale).where(
                StopSale.hotel_id == hotel_id,
                col(StopSale.date_from) <= last_night,
                col(StopSale.date_to) >= arrival,
                or_(StopSale.room_type == "", StopSale.room_type == resolved.room_type),
                or_(StopSale.agency == "", StopSale.agency == resolved.agency),
                or_(StopSale.market == "", StopSale.market == resolved.market),
            )
        ).all()
    )


# -- guards --------------------------------------------------------------------------------


def check(
    session: Session,
    hotel: Hotel,
    config: LoadedConfig,
    inbox_id: int,
    action: str,
    overrides: Overrides | None = None,
    *,
    context: PriceContext | None = None,
) -> Check:
    """Run the guards of an action without deciding anything (the preview).

    ``context`` is a price context loaded once on this same session for many checks (a bulk
    preview); without it one is loaded for this call.
    """
    overrides = overrides or Overrides()
    row = _row(session, hotel, inbox_id)
    assert hotel.id is not None and row.id is not None
    result = Check(inbox_id, action)
    if action == REJECT:
        return result
    cancelling = row.content == Content.CANCELLATION
    linked = linked_reservation(session, row.id)
    ctx = context if context is not None else PriceContext(session, hotel, config.settings.price)
    resolved = ctx.mappings.resolve(row.operator_id, row)
    result.resolved = resolved
    if cancelling:
        if action in (SAVE,) and linked is None and overrides.link is None:
            result.warnings.append(
                "nothing in the books to cancel: the cancellation is "
                "recorded only (or --link RES_ID to cancel one)"
            )
        return result
    needs_books = action == SAVE
    if needs_books and resolved.missing:
        for kind, value in resolved.missing.items():
            result.problems.append(
                resolved.messages.get(kind)
                or f"{kind} {value!r} is not mapped (hotelops map missing)"
            )
    if needs_books and not resolved.missing:
        price = price_row(ctx, row, _settings(session, row.id))
        result.price = price
        if price.status == UNPRICED:
            result.problems.append(
                f"no price: {price.reason} (or set a manual price: "
                f"hotelops price set {row.id} --manual --night DATE=AMOUNT)"
            )
        elif price.status == "differs":
            result.warnings.append(price.reason)
    booking_guards(session, hotel, row, resolved, action, overrides, into=result)
    return result


def booking_guards(
    session: Session,
    hotel: Hotel,
    row: InboxReservation,
    resolved: Resolved,
    action: str,
    overrides: Overrides,
    *,
    into: Check | None = None,
) -> Check:
    """The guards whose answer depends on what others write: stop sale, availability,
    possible duplicates, internal approval.

    ``check`` runs them for the preview; ``decide`` runs them again on its write session, after
    taking the hotel's booking lock, so that a reservation saved meanwhile by another process
    counts (two processes saving at once cannot both take the last room). A cancellation takes
    no room and passes. The answers are added to ``into`` (else to a new ``Check``).
    """
    from hotelops.core.internal_approval import is_blocking, status

    assert hotel.id is not None and row.id is not None
    result = into if into is not None else Check(row.id, action, resolved=resolved)
    if action == REJECT or row.content == Content.CANCELLATION:
        return result
    needs_books = action == SAVE
    linked = linked_reservation(session, row.id)
    if resolved.room_type:
        closed = stop_sales(session, hotel.id, resolved, row.check_in, row.check_out)
        if closed and not overrides.ignore_stop_sale:
            first = closed[0]
            result.problems.append(
                f"stop sale {first.date_from}..{first.date_to} for "
                f"{first.room_type or 'every room type'}"
                f"{' / ' + first.agency if first.agency else ''}"
                f"{' / ' + first.market if first.market else ''} closes this stay "
                "(--ignore-stop-sale to save anyway; it is logged)"
            )
        elif closed:
            result.warnings.append("stop sale ignored by the user")
        exclude = linked.id if linked else overrides.link
        nights = availability(
            session, hotel.id, resolved.room_type, row.check_in, row.check_out, exclude=exclude
        )
        result.availability = nights
        short = [n for n in nights if n.left < row.room_count]
        if short and needs_books and not overrides.allow_overbooking:
            result.problems.append(
                f"overbooking: {resolved.room_type} has {short[0].left} room(s) left on "
                f"{short[0].night} for {row.room_count} (--allow-overbooking to save anyway)"
            )
        elif short and needs_books:
            result.warnings.append("overbooking allowed by the user")
    if needs_books and linked is None:
        duplicates = possible_duplicates(session, hotel.id, row)
        result.duplicates = duplicates
        if overrides.link is not None:
            if (
                overrides.link not in {d.id for d in duplicates}
                and session.get(HotelReservation, overrides.link) is None
            ):
                result.problems.append(f"no hotel reservation #{overrides.link} to link to")
        elif duplicates and not overrides.create_new:
            listed = ", ".join(
                f"#{d.id} {d.voucher} {d.guest_names} ({d.why}, {d.status})" for d in duplicates
            )
            result.problems.append(
                f"possible duplicates: {listed} (--link RES_ID to use one, or --create-new)"
            )
    if needs_books:
        blocking = is_blocking(status(session, hotel.id, row.id))
        if blocking:
            result.problems.append(blocking)
    return result


def preview(
    session: Session,
    hotel: Hotel,
    config: LoadedConfig,
    inbox_ids: list[int],
    action: str,
    overrides: Overrides | None = None,
) -> list[PreviewItem]:
    """The guards of one action on many reservations (one price context for them all).

    A reservation that is no longer pending is blocked as "already approved/rejected".
    """
    context = PriceContext(session, hotel, config.settings.price)
    items: list[PreviewItem] = []
    for inbox_id in inbox_ids:
        row = _row(session, hotel, inbox_id)
        if row.status != InboxStatus.PENDING:
            items.append(
                PreviewItem(
                    inbox_id, row.voucher, str(row.content), False, [f"already {row.status}"]
                )
            )
            continue
        result = check(session, hotel, config, inbox_id, action, overrides, context=context)
        items.append(
            PreviewItem(
                inbox_id,
                row.voucher,
                str(row.content),
                result.ok,
                list(result.problems),
                list(result.warnings),
            )
        )
    return items


def _settings(session: Session, inbox_id: int) -> Any:
    from hotelops.core.models import InboxPriceSettings

    return session.exec(
        select(InboxPriceSettings).where(InboxPriceSettings.inbox_reservation_id == inbox_id)
    ).first()


# -- deciding ------------------------------------------------------------------------------


def decide(
    db: Database,
    hotel: Hotel,
    config: LoadedConfig,
    inbox_id: int,
    *,
    confirm: bool,
    save: bool,
    user: str,
    seen: tuple[int, int] | None = None,
    overrides: Overrides | None = None,
    notify: Callable[[InboxReservation, Operator], tuple[str, str]] | None = None,
    now: Callable[[], datetime] = utcnow,
) -> Outcome:
    """Confirm to the operator and/or save to the books, after the guards.

    ``seen`` is ``(version, decision_seq)`` as the user saw the reservation; without it, the
    row as read at the start of this call. ``notify`` tells the operator (returns channel and
    result); without it the confirmation is recorded as manual.
    """
    if not (confirm or save):
        raise InputError("nothing to do: confirm, save, or both")
    overrides = overrides or Overrides()
    with db.read() as session:
        row = _row(session, hotel, inbox_id)
        _still_as_seen(row, seen)
        seen = seen or (row.version, row.decision_seq)
        confirm, save, skipped = _still_to_do(row, already_done(session, row), confirm, save)
        action = SAVE if save else CONFIRM
        guards = check(session, hotel, config, inbox_id, action, overrides)
        guards.warnings[:0] = skipped
        if confirm and save is False:
            guards.problems = [p for p in guards.problems if p.startswith("stop sale")]
    if not guards.ok:
        # Under READ COMMITTED another decision may have landed between the guards' queries:
        # then the truthful answer is "it changed", not the guard's.
        with db.read() as session:
            _still_as_seen(_row(session, hotel, inbox_id), seen)
        raise Refused(f"#{inbox_id} {row.voucher}: " + "; ".join(guards.problems), [])
    with db.write() as session:
        # One decision at a time per hotel, so the guards below see every booking saved before.
        hold_lock(session, BOOKINGS_LOCK, hotel.id or 0)
        _claim(session, inbox_id, seen, new_status=InboxStatus.APPROVED if confirm else None)
        row = _row(session, hotel, inbox_id)
        assert guards.resolved is not None
        again = booking_guards(session, hotel, row, guards.resolved, action, overrides)
        if not again.ok:  # written by another since the first pass; this rolls back
            raise Refused(f"#{inbox_id} {row.voucher}: " + "; ".join(again.problems), [])
        warnings = guards.warnings + [w for w in again.warnings if w not in guards.warnings]
        label = "confirm+save" if confirm and save else action
        outcome = Outcome(inbox_id, row.voucher, label, str(row.status), warnings=warnings)
        if save:
            _save(session, hotel, row, guards, overrides, user, outcome)
        decision = InboxDecision(
            hotel_id=row.hotel_id,
            inbox_reservation_id=inbox_id,
            version=row.version,
            action="confirm+save" if confirm and save else action,
            channel=outcome.channel,
            channel_result=outcome.channel_result,
            hotel_reservation_id=outcome.hotel_reservation_id,
            overrides=overrides.as_dict(),
            user=user,
            at=now(),
        )
        session.add(decision)
        session.flush()
        decision_id = decision.id
        auditlog.record(
            session,
            hotel_id=row.hotel_id,
            user=user,
            action=f"approve.{'confirm+save' if confirm and save else action}",
            entity="inbox_reservation",
            entity_id=inbox_id,
            after={
                "status": str(row.status),
                "effect": outcome.effect,
                "hotel_reservation_id": outcome.hotel_reservation_id,
                "channel": outcome.channel,
                **overrides.as_dict(),
            },
            note="; ".join(outcome.warnings),
        )
        outcome.status = str(row.status)
        operator = session.get(Operator, row.operator_id)
        assert operator is not None
        row_snapshot = InboxReservation.model_validate(row.model_dump(warnings=False))
    if confirm:
        # Outside the transaction: a network call must not hold the database's write lock.
        try:
            outcome.channel, outcome.channel_result = (
                notify(row_snapshot, operator)
                if notify
                else ("manual", "recorded; tell the operator yourself")
            )
        except HotelopsError as exc:
            outcome.channel, outcome.channel_result = "failed", str(exc)
            outcome.warnings.append(f"the operator was not told: {exc} (tell them by hand)")
        with db.write() as session:
            stored = session.get(InboxDecision, decision_id)
            if stored is not None:
                stored.channel, stored.channel_result = outcome.channel, outcome.channel_result
                session.add(stored)
    return outcome


@dataclass(frozen=True)
class Done:
    """What was already decided for the current version of an inbox reservation."""

    version: int
    confirmed: bool = False  # the operator was told (a failed notification does not count)
    saved: bool = False  # this version went to the books (saved, linked or cancelled there)
    saved_as: int | None = None  # the hotel reservation it is in the books as
    rejected: InboxDecision | None = None  # the rejection, when the reservation stands rejected


def already_done(session: Session, row: InboxReservation) -> Done:
    """What was done for the row's current version (decisions are stored per version).

    A new version from the operator starts afresh: nothing is done for it yet.
    """
    done = session.exec(
        select(InboxDecision)
        .where(
            InboxDecision.inbox_reservation_id == row.id,
            InboxDecision.version == row.version,
        )
        .order_by(col(InboxDecision.id))
    ).all()
    confirmed = any(d.action in (CONFIRM, CONFIRM_SAVE) and d.channel != "failed" for d in done)
    saves = [d for d in done if d.action in (SAVE, CONFIRM_SAVE)]
    saved_as = None
    if saves:
        linked = linked_reservation(session, row.id or 0)
        saved_as = linked.id if linked else saves[-1].hotel_reservation_id
    rejected = None
    if row.status == InboxStatus.REJECTED:
        rejected = session.exec(
            select(InboxDecision)
            .where(InboxDecision.inbox_reservation_id == row.id, InboxDecision.action == REJECT)
            .order_by(col(InboxDecision.id).desc())
        ).first()
    return Done(row.version, confirmed, bool(saves), saved_as, rejected)


def _still_to_do(
    row: InboxReservation, done: Done, confirm: bool, save: bool
) -> tuple[bool, bool, list[str]]:
    """(confirm, save, notes): the halves of a decision not done yet for this version.

    A rejected reservation is neither confirmed nor saved; what is done is refused when asked
    alone, and skipped (with a note) when asked with the other half.
    """
    where = f"#{row.id} {row.voucher}"
    if row.status == InboxStatus.REJECTED:
        if done.rejected is not None:
            when = done.rejected.at.date().isoformat()
            by = done.rejected.user or "someone"
            raise Refused(
                f"{where}: rejected on {when} by {by}: a new version from the operator reopens it"
            )
        raise Refused(f"{where}: rejected: a new version from the operator reopens it")
    confirmed = f"already confirmed to the operator (version {done.version})"
    in_books = (
        f"already in the books as #{done.saved_as}"
        if done.saved_as
        else f"already saved (version {done.version})"
    )
    refused = []
    if confirm and done.confirmed:
        refused.append(confirmed)
    if save and done.saved:
        refused.append(in_books)
    if confirm and save and len(refused) == 1:
        if done.confirmed:
            return False, True, [f"{confirmed}: saved only"]
        return True, False, [f"{in_books}: confirmed only"]
    if refused:
        raise Refused(f"{where}: " + "; ".join(refused))
    return confirm, save, []


def reject(
    db: Database,
    hotel: Hotel,
    inbox_id: int,
    reason: str,
    *,
    user: str,
    seen: tuple[int, int] | None = None,
    now: Callable[[], datetime] = utcnow,
) -> Outcome:
    """Reject with a reason (Rezervasyonu Reddet); logged.

    When the reservation was already saved, the hotel reservation created from it is cancelled
    in the same transaction (audited); one it was only linked to, or a guest already in house,
    is left alone with a warning.
    """
    if not reason.strip():
        raise InputError('a rejection needs a reason: --reject "why"')
    with db.read() as session:
        row = _row(session, hotel, inbox_id)
        _still_as_seen(row, seen)
        seen = seen or (row.version, row.decision_seq)
        done = already_done(session, row)
        before_status = str(row.status)
        if done.rejected is not None:
            raise Refused(
                f"#{inbox_id} {row.voucher}: already rejected on "
                f"{done.rejected.at.date().isoformat()} by {done.rejected.user or 'someone'}"
            )
    with db.write() as session:
        _claim(session, inbox_id, seen, new_status=InboxStatus.REJECTED)
        row = _row(session, hotel, inbox_id)
        outcome = Outcome(inbox_id, row.voucher, REJECT, "rejected")
        _cancel_on_reject(session, hotel, row, reason, user, now, outcome)
        session.add(
            InboxDecision(
                hotel_id=row.hotel_id,
                inbox_reservation_id=inbox_id,
                version=row.version,
                action=REJECT,
                reason=reason,
                hotel_reservation_id=outcome.hotel_reservation_id,
                user=user,
                at=now(),
            )
        )
        auditlog.record(
            session,
            hotel_id=row.hotel_id,
            user=user,
            action="approve.reject",
            entity="inbox_reservation",
            entity_id=inbox_id,
            before={"status": before_status},
            after={
                "status": "rejected",
                "effect": outcome.effect,
                "hotel_reservation_id": outcome.hotel_reservation_id,
            },
            note="; ".join([reason, *outcome.warnings]),
        )
    return outcome


def _cancel_on_reject(
    session: Session,
    hotel: Hotel,
    row: InboxReservation,
    reason: str,
    user: str,
    now: Callable[[], datetime],
    outcome: Outcome,
) -> None:
    """Cancel the booking a rejected reservation created; leave a linked one alone."""
    linked = linked_reservation(session, row.id or 0)
    if linked is None or linked.status not in ACTIVE_STATUSES:
        return
    saves = session.exec(
        select(InboxDecision).where(
            InboxDecision.inbox_reservation_id == row.id,
            InboxDecision.hotel_reservation_id == linked.id,
            col(InboxDecision.action).in_([SAVE, CONFIRM_SAVE]),
        )
    ).all()
    created = bool(saves) and not any("link" in (d.overrides or {}) for d in saves)
    if not created:
        outcome.warnings.append(
            f"hotel reservation #{linked.id} was linked, not created from this one: left "
            f"{linked.status} (cancel it in the books if the booking is gone)"
        )
        return
    if linked.status != ReservationStatus.RESERVED:
        outcome.warnings.append(
            f"hotel reservation #{linked.id} is {linked.status}: left as it is "
            "(the guest is in house; settle it at the front desk)"
        )
        return
    before = auditlog.jsonable(linked)
    linked.status = ReservationStatus.CANCELLED
    linked.cancellation_date = now().date()
    linked.cancellation_note = f"inbox #{row.id} rejected: {reason}"
    linked.version += 1
    linked.updated_at = utcnow()
    session.add(linked)
    auditlog.record(
        session,
        hotel_id=hotel.id or 0,
        user=user,
        action="reservation.cancel",
        entity="hotel_reservation",
        entity_id=linked.id,
        before=before,
        after=auditlog.jsonable(linked),
        note=f"inbox #{row.id} rejected: {reason}",
    )
    outcome.effect, outcome.hotel_reservation_id = "cancelled", linked.id
    outcome.warnings.append(f"hotel reservation #{linked.id} cancelled")


def _still_as_seen(row: InboxReservation, seen: tuple[int, int] | None) -> None:
    """Tell the user at once when the reservation changed since they looked (before guards,
    whose answers would be about a reservation they have not seen)."""
    if seen is not None and (row.version, row.decision_seq) != tuple(seen):
        raise Changed(
            f"#{row.id} changed since you looked at it (now version {row.version}, "
            f"{row.status}): look again (hotelops inbox show {row.id}) and decide on "
            "what is there now"
        )


def _claim(
    session: Session, inbox_id: int, seen: tuple[int, int], new_status: InboxStatus | None
) -> None:
    values: dict[str, Any] = {
        "decision_seq": InboxReservation.decision_seq + 1,
        "updated_at": utcnow(),
    }
    if new_status is not None:
        values["status"] = new_status.value
    result = session.execute(
        update(InboxReservation)
        .where(
            col(InboxReservation.id) == inbox_id,
            col(InboxReservation.version) == seen[0],
            col(InboxReservation.decision_seq) == seen[1],
        )
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        current = session.get(InboxReservation, inbox_id)
        what = f"now version {current.version}, {current.status}" if current else "gone"
        raise Changed(
            f"#{inbox_id} changed since you looked at it ({what}): look again "
            f"(hotelops inbox show {inbox_id}) and decide on what is there now"
        )
    session.expire_all()


def _save(
    session: Session,
    hotel: Hotel,
    row: InboxReservation,
    guards: Check,
    overrides: Overrides,
    user: str,
    outcome: Outcome,
) -> None:
    assert row.id is not None and hotel.id is not None
    linked = linked_reservation(session, row.id)
    if overrides.link is not None and linked is None:
        linked = session.get(HotelReservation, overrides.link)
        if linked is None or linked.hotel_id != hotel.id:
            raise Refused(f"no hotel reservation #{overrides.link} to link to")
        if linked.inbox_reservation_id not in (None, row.id):
            raise Refused(
                f"hotel reservation #{linked.id} is already linked to inbox "
                f"#{linked.inbox_reservation_id}"
            )
        linked.inbox_reservation_id = row.id
        outcome.effect = "linked"
    if row.content == Content.CANCELLATION:
        if linked is None:
            outcome.effect = "nothing to cancel"
            return
        before = auditlog.jsonable(linked)
        linked.status = ReservationStatus.CANCELLED
        linked.cancellation_date = row.cancellation_date or utcnow().date()
        linked.cancellation_note = row.cancellation_note or f"cancelled by {row.voucher}"
        linked.version += 1
        linked.updated_at = utcnow()
        session.add(linked)
        outcome.effect, outcome.hotel_reservation_id = "cancelled", linked.id
        auditlog.record(
            session,
            hotel_id=hotel.id,
            user=user,
            action="reservation.cancel",
            entity="hotel_reservation",
            entity_id=linked.id,
            before=before,
            after=auditlog.jsonable(linked),
            note=f"inbox #{row.id}",
        )
        return
    resolved = guards.resolved
    assert resolved is not None
    codes = _codes(session, hotel.id)
    agency = codes["agency"].get(resolved.agency)
    values = {
        "voucher": row.voucher,
        "agency_id": agency.id if agency else None,
        "room_type_id": codes["room_type"][resolved.room_type].id,
        "board_id": _id(codes["board"].get(resolved.board)),
        "market_id": _id(codes["market"].get(resolved.market)),
        "segment_id": _id(codes["segment"].get(resolved.segment)),
        "source_id": _id(codes["source"].get(resolved.source)),
        "price_code": row.price_code or resolved.price_code,
        "arrival": row.check_in,
        "departure": row.check_out,
        "adults": row.adults,
        "children": row.children,
        "child_ages": list(row.child_ages),
        "infants": row.infants,
        "room_count": row.room_count,
        "nationality": row.nationality,
        "guest_names": row.guest_names,
        "guest_names_folded": row.guest_names_folded,
        "note": row.agency_note,
    }
    price = guards.price
    currency = price.result.currency if price and price.result else hotel.currency
    if linked is None:
        booking = HotelReservation(
            hotel_id=hotel.id, inbox_reservation_id=row.id, currency=currency, **values
        )
        session.add(booking)
        session.flush()
        outcome.effect = "created"
        before = None
    else:
        booking = linked
        before = auditlog.jsonable(booking)
        for key, value in values.items():
            setattr(booking, key, value)
        if booking.status == ReservationStatus.CANCELLED:
            booking.status = ReservationStatus.RESERVED  # a modification reinstates it
        booking.version += 1
        booking.updated_at = utcnow()
        session.add(booking)
        outcome.effect = outcome.effect or "updated"
    assert booking.id is not None
    outcome.hotel_reservation_id = booking.id
    _write_nights(session, hotel.id, booking, price, currency)
    profile_ids = _write_guests(session, hotel.id, booking, row)
    if outcome.effect == "created" and profile_ids:
        from hotelops.core.guests import count_repeat_stays

        count_repeat_stays(session, profile_ids)
    auditlog.record(
        session,
        hotel_id=hotel.id,
        user=user,
        action=f"reservation.{'create' if before is None else 'update'}",
        entity="hotel_reservation",
        entity_id=booking.id,
        before=before,
        after=auditlog.jsonable(booking),
        note=f"inbox #{row.id} v{row.version}",
    )


def _id(record: Any) -> int | None:
    return None if record is None else int(record.id)


def _codes(session: Session, hotel_id: int) -> dict[str, dict[str, Any]]:
    tables: dict[str, Any] = {
        "agency": Agency,
        "room_type": RoomType,
        "board": Board,
        "market": Market,
        "segment": Segment,
        "source": Source,
    }
    codes: dict[str, dict[str, Any]] = {}
    for kind, model in tables.items():
        rows = session.exec(select(model).where(model.hotel_id == hotel_id)).all()
        codes[kind] = {r.code: r for r in rows}
    return codes


def _write_nights(
    session: Session,
    hotel_id: int,
    booking: HotelReservation,
    price: InboxPrice | None,
    currency: str,
) -> None:
    session.execute(
        delete(ReservationNight).where(col(ReservationNight.hotel_reservation_id) == booking.id)
    )
    if price is None or price.result is None:
        return
    for n in price.result.nights:
        session.add(
            ReservationNight(
                hotel_id=hotel_id,
                hotel_reservation_id=booking.id or 0,
                night=n.night,
                contract_price=n.contract_price or Decimal(0),
                discount=n.discount,
                price=n.price or Decimal(0),
                currency=currency,
                note=", ".join(p.code for p in n.promotions),
            )
        )


def _write_guests(
    session: Session, hotel_id: int, booking: HotelReservation, row: InboxReservation
) -> list[int]:
    session.execute(
        delete(ReservationGuest).where(col(ReservationGuest.hotel_reservation_id) == booking.id)
    )
    guests = session.exec(
        select(InboxGuest)
        .where(InboxGuest.inbox_reservation_id == row.id)
        .order_by(col(InboxGuest.seq))
    ).all()
    for g in guests:
        session.add(
            ReservationGuest(
                hotel_id=hotel_id,
                hotel_reservation_id=booking.id or 0,
                guest_profile_id=g.guest_profile_id,
                seq=g.seq,
                title=g.title,
                first_name=g.first_name,
                last_name=g.last_name,
                age=g.age,
            )
        )
    return [g.guest_profile_id for g in guests if g.guest_profile_id is not None]


def latest_ack_id(session: Session, inbox_id: int) -> str:
    """What the operator's API calls this reservation (to acknowledge it)."""
    data = session.exec(
        select(InboxVersion.data)
        .where(InboxVersion.inbox_reservation_id == inbox_id)
        .order_by(col(InboxVersion.version_no).desc())
    ).first()
    return str((data or {}).get("ack_id") or "")


def decisions(session: Session, inbox_id: int) -> list[InboxDecision]:
    """Every decision on an inbox reservation, oldest first."""
    return list(
        session.exec(
            select(InboxDecision)
            .where(InboxDecision.inbox_reservation_id == inbox_id)
            .order_by(col(InboxDecision.id))
        )
    )


def status_line(session: Session, row: InboxReservation) -> str:
    """'previous operator status X; current reservation status Y (#id)' as the seed shows."""
    linked = linked_reservation(session, row.id or 0)
    current = f"{linked.status} (#{linked.id})" if linked else "not in the books"
    return f"operator status {row.operator_status or str(row.content)}; reservation {current}"


def count_pending(session: Session, hotel_id: int) -> int:
    """Pending inbox reservations."""
    return int(
        session.exec(
            select(func.count())
            .select_from(InboxReservation)
            .where(
                InboxReservation.hotel_id == hotel_id,
                InboxReservation.status == InboxStatus.PENDING,
            )
        ).one()
    )


def operator_notifier(
    db: Database, config: LoadedConfig, hotel: Hotel, env: dict[str, str] | None = None
) -> Callable[[InboxReservation, Operator], tuple[str, str]]:
    """How the operator hears of a confirmation (Operatöre Onay Ver).

    An API operator with an endpoint in the config gets OTA_NotifReportRQ (or the AlpineBits /
    JSON acknowledgement) for the reservation's id; a mail operator gets a confirmation e-mail
    when SMTP is configured; anything else is recorded as manual, for the office to do.
    """
    endpoints = {e.operator.upper(): e for e in config.settings.scan.api}

    def notify(row: InboxReservation, operator: Operator) -> tuple[str, str]:
        from hotelops.core.scan.sources.base import SourceError

        endpoint = endpoints.get(operator.code.upper())
        if endpoint is not None:
            with db.read() as session:
                ack = latest_ack_id(session, row.id or 0)
            if not ack:
                return "manual", "the operator sent no id to acknowledge; tell them yourself"
            from hotelops.core.scan.sources.http import HttpOperatorSource

            source = HttpOperatorSource(endpoint, hotel.code, env=env)
            try:
                source.acknowledge([ack])
            except SourceError as exc:
                raise HotelopsError(str(exc)) from None
            finally:
                source.close()
            return endpoint.format, f"acknowledged {ack}"
        if str(operator.kind) == "mail" and row.sender:
            from hotelops.core.inbox import inbox_detail
            from hotelops.core.internal_approval import confirmation_mail
            from hotelops.core.mailer import Mailer

            mailer = Mailer(config.settings.smtp, env=env)
            if mailer.enabled:
                with db.read() as session:
                    detail = inbox_detail(session, row.hotel_id, row.id or 0)
                mail = confirmation_mail(detail, hotel.name)
                mailer.send(mail)
                return "mail", f"confirmation sent to {', '.join(mail.to)}"
        return "manual", "no channel configured for this operator; tell them yourself"

    return notify
