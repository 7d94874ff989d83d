"""Ingest: archive every raw message, then store each reservation it holds as a version.

Per batch of messages, in one short write transaction:

1. the raw bytes are archived (card numbers masked), with source, reference, hash and time,
   whether or not they parsed — a broken message is kept with its error, never dropped;
2. each reservation is identified by ``(operator, voucher, operator_res_id)``; an unknown one is
   new; a known one whose content differs becomes the next version with its diff (a
   modification, or a cancellation when the operator says so); one whose content is the same is
   a resend and creates nothing;
3. a change to an approved or rejected reservation sends it back to pending;
4. a row already held is updated only if it is still as the scan read it (its ``version`` and
   ``decision_seq``): a decision or another scan that landed in between makes the scan read the
   row again and decide on what is there now, so a modification arriving during a decision
   always ends pending at the new version, the decision kept in the history;
5. attachments are stored as documents under their content hash (the sender's file name is
   kept as data only, so it can never choose a path).

Parsing happens before the transaction, so the CPU work never holds SQLite's write lock.
Scanning the same message again (same bytes, or same IMAP Message-ID) creates nothing.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, insert, tuple_, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from hotelops.core.db import Database
from hotelops.core.errors import HotelopsError
from hotelops.core.models import (
    Content,
    Hotel,
    InboxDocument,
    InboxGuest,
    InboxReservation,
    InboxStatus,
    InboxVersion,
    Operator,
    RawMessage,
    SenderRule,
)
from hotelops.core.scan.formats.mail import MailTemplate
from hotelops.core.scan.formats.ota import STAY_NOT_SENT
from hotelops.core.scan.limits import DEFAULT_LIMITS, ScanLimits
from hotelops.core.scan.model import ParsedAttachment, ParsedGuest, ParsedReservation
from hotelops.core.scan.parse import ParsedMessage, parse_message
from hotelops.core.scan.senders import SenderRules
from hotelops.core.scan.sources.base import RawItem
from hotelops.core.text import fold

#: Reservation fields compared between versions (what makes a change a change).
COMPARED = (
    "content",
    "operator_agency",
    "check_in",
    "check_out",
    "sale_date",
    "adults",
    "children",
    "child_ages",
    "infants",
    "nationality",
    "room_type",
    "board",
    "market",
    "rate_type",
    "room_count",
    "price",
    "currency",
    "agency_note",
    "option_date",
    "cancellation_date",
    "cancellation_note",
    "arrival_flight",
    "arrival_route",
    "arrival_flight_time",
    "departure_flight",
    "departure_route",
    "departure_flight_time",
    "guests",
)

#: ParsedReservation field → InboxReservation column, where the names differ.
_COLUMN = {
    "room_type": "operator_room_type",
    "board": "operator_board",
    "market": "operator_market",
    "rate_type": "operator_rate_type",
    "price": "operator_price",
    "currency": "operator_currency",
}
#: What a version writes onto the inbox row: the compared fields that are columns, and the
#: operator's own status text.
_ROW_FIELDS = (*(f for f in COMPARED if f not in ("content", "guests")), "operator_status")


#: How often a scan reads an inbox row again that changed between its read and its write. The
#: row is locked when read again, so on PostgreSQL the second try holds; on SQLite the scan's
#: write transaction holds the database's lock from its read on, so the first one does.
WRITE_ATTEMPTS = 5


class ScanConflict(HotelopsError):
    """An inbox row kept changing while a scan tried to store a new version of it."""


@dataclass
class StoredReservation:
    """What became of one parsed reservation."""

    inbox_id: int | None
    voucher: str
    outcome: str  # new | modification | cancellation | unchanged
    diff: dict[str, Any] = field(default_factory=dict)


@dataclass
class IngestOutcome:
    """What became of one raw message."""

    item: RawItem
    operator_code: str = ""
    raw_id: int | None = None
    duplicate: bool = False
    unmatched: bool = False
    error: str | None = None
    stored: list[StoredReservation] = field(default_factory=list)
    ack_ids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Pending:
    """A reservation decided in memory, written when the batch flushes."""

    row: _Row
    parsed: ParsedReservation
    snapshot: dict[str, Any]
    version_no: int
    content: Content
    diff: dict[str, Any]
    raw: _Raw
    guests_changed: bool
    result: StoredReservation
    previous_status: str = ""
    outcome: IngestOutcome | None = None


class Ingestor:
    """Stores raw messages for one hotel. Build one per scan; it caches rules and hashes."""

    def __init__(
        self,
        db: Database,
        hotel_code: str,
        *,
        templates: dict[str, MailTemplate],
        documents_dir: Path,
        max_attachment_bytes: int = 20 * 1024 * 1024,
        limits: ScanLimits = DEFAULT_LIMITS,
        now: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.limits = limits
        self.templates = templates
        self.documents_dir = documents_dir
        self.max_attachment_bytes = max_attachment_bytes
        self.now = now
        with db.read() as session:
            hotel = session.exec(select(Hotel).where(Hotel.code == hotel_code)).one()
            assert hotel.id is not None
            self.hotel_id: int = hotel.id
            operators = session.exec(select(Operator).where(Operator.hotel_id == hotel.id)).all()
            self.operator_ids = {op.code: op.id for op in operators if op.id is not None}
            by_id = {op.id: op.code for op in operators}
            pairs = session.exec(
                select(SenderRule.pattern, SenderRule.operator_id).where(
                    SenderRule.hotel_id == hotel.id
                )
            ).all()
            self.rules = SenderRules.from_pairs([(p, by_id[o]) for p, o in pairs if o in by_id])
            self._claimed: set[str] = set()
            self.known_hashes: set[str] = set(
                session.exec(select(RawMessage.sha256).where(RawMessage.hotel_id == hotel.id)).all()
            )

    def parse(self, item: RawItem) -> ParsedMessage:
        """Parse one item (no database work)."""
        return parse_message(
            item,
            rules=self.rules,
            templates=self.templates,
            operator_codes=set(self.operator_ids),
            limits=self.limits,
        )

    def is_known(self, item: RawItem) -> bool:
        """True when this exact message was archived before."""
        return item.digest() in self.known_hashes

    def ingest(self, items: Iterable[RawItem]) -> list[IngestOutcome]:
        """Archive, parse and store a batch of messages in one transaction."""
        return self.store(self.prepare(list(items)))

    def prepare(self, items: list[RawItem]) -> PreparedBatch:
        """Claim the batch's new messages and parse them (no database work).

        Claiming happens here, in order, so a message seen twice is archived once.
        """
        work: list[tuple[IngestOutcome, ParsedMessage | None, str]] = []
        to_parse: list[RawItem] = []
        for item in items:
            digest = item.digest()
            outcome = IngestOutcome(item=item, operator_code=item.operator_code)
            if digest in self.known_hashes or digest in self._claimed:
                outcome.duplicate = True
                work.append((outcome, None, digest))
                continue
            self._claimed.add(digest)
            work.append((outcome, None, digest))
            to_parse.append(item)
        parsed = [self.parse(item) for item in to_parse]
        return PreparedBatch(work, lambda: parsed)

    def release(self, items: Iterable[RawItem]) -> None:
        """Forget the claims of prepared messages that were not stored, to prepare them again."""
        for item in items:
            self._claimed.discard(item.digest())

    def store(
        self,
        batch: PreparedBatch,
        *,
        record: Callable[[Session, list[IngestOutcome]], None] | None = None,
    ) -> list[IngestOutcome]:
        """Write a prepared batch in one transaction; returns what became of each message.

        ``record`` runs in the same transaction, after the messages are written: what it writes
        (the scan's log and figures) is committed with them, or not at all.
        """
        parsed = iter(batch.parsed())
        work: list[tuple[IngestOutcome, ParsedMessage | None, str]] = []
        for outcome, _none, digest in batch.work:
            if outcome.duplicate:
                work.append((outcome, None, digest))
                continue
            message = next(parsed)
            outcome.operator_code = message.operator_code
            outcome.unmatched = message.unmatched
            outcome.error = message.error
            outcome.warnings.extend(message.warnings)
            work.append((outcome, message, digest))
        with self.db.write() as session:
            self._store(session, work)
            if record is not None:
                record(session, [outcome for outcome, _, _ in work])
        for outcome, _message, digest in work:
            if not outcome.duplicate:
                self.known_hashes.add(digest)
        return [outcome for outcome, _, _ in work]

    # -- the transaction -------------------------------------------------------------------
    # The hot path writes with Core executemany (INSERT ... RETURNING for ids): building one
    # SQLModel object per row costs more than the database does. Existing rows that change are
    # few; each is one conditional UPDATE (compare and set).

    def _store(
        self, session: Session, work: list[tuple[IngestOutcome, ParsedMessage | None, str]]
    ) -> None:
        message_ids = {
            p.message_id for o, p, _d in work if p is not None and p.message_id and _from_imap(o)
        }
        known_ids: set[str] = set()
        if message_ids:
            known_ids = set(
                session.exec(
                    select(RawMessage.message_id).where(
                        RawMessage.hotel_id == self.hotel_id,
                        col(RawMessage.message_id).in_(message_ids),
                    )
                ).all()
            )
        raws: list[tuple[IngestOutcome, ParsedMessage, _Raw]] = []
        params: list[dict[str, Any]] = []
        for outcome, parsed, digest in work:
            if parsed is None:
                continue
            if parsed.message_id and parsed.message_id in known_ids and _from_imap(outcome):
                # The same mail seen again under a new UIDVALIDITY: already archived.
                outcome.duplicate = True
                continue
            item = outcome.item
            raw = _Raw(sender=parsed.sender[:254], received_at=item.received_at)
            params.append(
                {
                    "hotel_id": self.hotel_id,
                    "operator_id": self.operator_ids.get(parsed.operator_code),
                    "source": item.source[:200],
                    "source_ref": item.source_ref[:300],
                    "message_id": parsed.message_id[:300],
                    "sender": raw.sender,
                    "content": parsed.archive_bytes,
                    "size": item.full_size,
                    "sha256": digest,
                    "received_at": item.received_at,
                    "parse_error": parsed.error,
                }
            )
            raws.append((outcome, parsed, raw))
            if parsed.message_id:
                known_ids.add(parsed.message_id)
        for (outcome, _parsed, raw), new_id in zip(
            raws, _insert_returning_ids(session, RAW_TABLE, params), strict=True
        ):
            raw.id = outcome.raw_id = new_id

        stored = [(o, p, r) for o, p, r in raws if p.error is None and p.reservations]
        rows = self._existing(session, stored)
        latest = self._latest_versions(session, rows.values())
        pendings: list[_Pending] = []
        for outcome, parsed, raw in stored:
            operator_id = self.operator_ids[parsed.operator_code]
            for reservation in parsed.reservations:
                if not reservation.voucher:
                    outcome.warnings.append("a reservation without a voucher was skipped")
                    continue
                key = (operator_id, reservation.voucher, reservation.operator_res_id)
                pending = self._decide(rows.get(key), latest, reservation, raw, operator_id)
                if pending is None and key not in rows:
                    outcome.warnings.append(
                        f"cancellation of {reservation.voucher}, which is not in the inbox and "
                        "names no stay: kept in the archive only"
                    )
                    if reservation.ack_id:
                        outcome.ack_ids.append(reservation.ack_id)
                    continue
                outcome.stored.append(
                    pending.result
                    if pending
                    else StoredReservation(rows[key].id, reservation.voucher, "unchanged")
                )
                if reservation.ack_id:
                    outcome.ack_ids.append(reservation.ack_id)
                if pending is None:
                    continue
                pending.outcome = outcome
                rows[key] = pending.row
                latest[id(pending.row)] = pending.snapshot
                pendings.append(pending)
        self._write(session, pendings)

    def _write(self, session: Session, pendings: list[_Pending]) -> None:
        """New rows inserted (ids returned), changed ones compared and set, then their children."""
        # A reservation new in this batch and changed again later in it is one row.
        unique_new = list({id(p.row): p.row for p in pendings if p.row.read is None}.values())
        ids = _insert_returning_ids(session, INBOX_TABLE, [r.values() for r in unique_new])
        for row, new_id in zip(unique_new, ids, strict=True):
            row.id = new_id
        pendings = self._update_held(session, pendings)
        versions: list[dict[str, Any]] = []
        guests: dict[int, list[dict[str, Any]]] = {}
        replaced: set[int] = set()
        for pending in pendings:
            row = pending.row
            assert row.id is not None
            pending.result.inbox_id = row.id
            data = dict(pending.snapshot)
            if pending.previous_status and pending.previous_status != "pending":
                data["previous_status"] = pending.previous_status
            versions.append(
                {
                    "hotel_id": self.hotel_id,
                    "inbox_reservation_id": row.id,
                    "version_no": pending.version_no,
                    "content": str(pending.content),
                    "raw_message_id": pending.raw.id,
                    "received_at": pending.raw.received_at,
                    "data": data,
                    "diff": pending.diff,
                }
            )
            if pending.guests_changed:
                if row.read is not None:
                    replaced.add(row.id)
                # Only the latest guest list counts when a row changed twice in one batch.
                guests[row.id] = self._guest_rows(row.id, pending.parsed)
            for attachment in pending.parsed.attachments:
                self._attach(session, attachment, row.id, pending)
        if replaced:
            session.execute(
                delete(InboxGuest).where(col(InboxGuest.inbox_reservation_id).in_(replaced))
            )
        if versions:
            session.execute(insert(VERSION_TABLE), versions)
        guest_rows = [g for group in guests.values() for g in group]
        if guest_rows:
            session.execute(insert(GUEST_TABLE), guest_rows)
        # Rows created and changed again in this batch: write their final state.
        for row in unique_new:
            if row.version > 1:
                session.execute(
                    update(INBOX_TABLE).where(INBOX_TABLE.c.id == row.id).values(row.values())
                )
        session.flush()

    def _update_held(self, session: Session, pendings: list[_Pending]) -> list[_Pending]:
        """Write every changed row the inbox already held, if it is still as read.

        A row that changed since (a decision, another scan) is read again, locked, and its
        reservations of this batch are decided again on what is there now: an approval that
        landed in between is then the status the new version sends back to pending. Returns
        the pendings to write versions for (a reservation may have become a resend).
        """
        held: dict[int, list[_Pending]] = {}
        kept: list[_Pending] = []
        for pending in pendings:
            if pending.row.read is None:
                kept.append(pending)
            else:
                assert pending.row.id is not None
                held.setdefault(pending.row.id, []).append(pending)
        for row_id, group in held.items():
            for attempt in range(1, WRITE_ATTEMPTS + 1):
                if not group or _compare_and_set(session, group[0].row):
                    break
                if attempt == WRITE_ATTEMPTS:
                    raise ScanConflict(
                        f"inbox #{row_id} ({group[0].result.voucher}) kept changing while the "
                        f"scan stored its new version ({attempt} tries): scan again"
                    )
                group = self._decide_again(session, row_id, group)
            kept.extend(group)
        return kept

    def _decide_again(self, session: Session, row_id: int, group: list[_Pending]) -> list[_Pending]:
        """A held row's reservations of this batch, decided again on the row as it is now."""
        fresh = self._read_rows(session, INBOX_TABLE.c.id == row_id, lock=True)
        if not fresh:
            raise ScanConflict(
                f"inbox #{row_id} ({group[0].result.voucher}) was removed while the scan stored "
                "its new version: scan again"
            )
        row = fresh[0]
        latest = self._latest_versions(session, [row])
        again: list[_Pending] = []
        for pending in group:
            redone = self._decide(row, latest, pending.parsed, pending.raw, row.operator_id)
            result = pending.result
            if redone is None:
                # Someone stored the same content meanwhile: now a resend.
                result.outcome, result.diff = "unchanged", {}
                continue
            result.outcome, result.diff = redone.result.outcome, redone.result.diff
            redone.result, redone.outcome = result, pending.outcome
            latest[id(row)] = redone.snapshot
            again.append(redone)
        return again

    def _guest_rows(self, inbox_id: int, parsed: ParsedReservation) -> list[dict[str, Any]]:
        return [
            {
                "hotel_id": self.hotel_id,
                "inbox_reservation_id": inbox_id,
                "seq": seq,
                "title": guest.title[:16],
                "first_name": guest.first_name[:80],
                "last_name": guest.last_name[:80],
                "name_folded": fold(f"{guest.first_name} {guest.last_name}")[:170],
                "age": guest.age,
                "gender": guest.gender[:8],
                "birth_date": guest.birth_date,
                "passport": guest.passport[:32],
                "nationality": guest.nationality[:3],
                "guest_profile_id": None,
            }
            for seq, guest in enumerate(parsed.guests)
        ]

    def _existing(
        self, session: Session, stored: list[tuple[IngestOutcome, ParsedMessage, _Raw]]
    ) -> dict[tuple[int, str, str], _Row]:
        keys = {
            (self.operator_ids[p.operator_code], r.voucher)
            for _, p, _ in stored
            for r in p.reservations
            if r.voucher
        }
        found: dict[tuple[int, str, str], _Row] = {}
        key_list = sorted(keys)
        table = INBOX_TABLE.c
        for start in range(0, len(key_list), 500):
            chunk = key_list[start : start + 500]
            where = tuple_(table.operator_id, table.voucher).in_(chunk)
            for row in self._read_rows(session, where):
                found[(row.operator_id, row.voucher, row.operator_res_id)] = row
        return found

    def _read_rows(self, session: Session, where: Any, *, lock: bool = False) -> list[_Row]:
        """Inbox rows of the hotel as they are now, each remembering what was read."""
        query = core_select(INBOX_TABLE).where(INBOX_TABLE.c.hotel_id == self.hotel_id, where)
        if lock:
            query = query.with_for_update()
        return [_Row.held(dict(row._mapping)) for row in session.execute(query)]

    def _latest_versions(self, session: Session, rows: Iterable[_Row]) -> dict[int, dict[str, Any]]:
        listed = list(rows)
        pairs = [(row.id, row.version) for row in listed if row.id is not None]
        latest: dict[int, dict[str, Any]] = {}
        by_row_id = {row.id: row for row in listed}
        for start in range(0, len(pairs), 500):
            chunk = pairs[start : start + 500]
            query = select(InboxVersion.inbox_reservation_id, InboxVersion.data).where(
                tuple_(col(InboxVersion.inbox_reservation_id), col(InboxVersion.version_no)).in_(
                    chunk
                )
            )
            for row_id, data in session.exec(query):
                latest[id(by_row_id[row_id])] = dict(data)
        return latest

    def _decide(
        self,
        row: _Row | None,
        latest: dict[int, dict[str, Any]],
        reservation: ParsedReservation,
        raw: _Raw,
        operator_id: int,
    ) -> _Pending | None:
        now = self.now()
        if row is None and reservation.check_in == STAY_NOT_SENT:
            # Nothing to cancel and no stay to show: the message stays in the archive.
            return None
        if row is None:
            content = reservation.content or Content.NEW
            snapshot = snapshot_of(reservation, content)
            row = _Row.create(
                hotel_id=self.hotel_id,
                operator_id=operator_id,
                voucher=reservation.voucher,
                operator_res_id=reservation.operator_res_id,
                received_at=raw.received_at,
                created_at=now,
                updated_at=now,
                sender=raw.sender,
                check_in=reservation.check_in,
                check_out=reservation.check_out,
            )
            _apply(row, reservation, content)
            result = StoredReservation(None, reservation.voucher, content.value)
            return _Pending(row, reservation, snapshot, 1, content, {}, raw, True, result)
        previous = latest.get(id(row), {})
        requested = reservation.content
        if requested in (None, Content.NEW):
            # A resend of "new" for a known reservation is a modification if anything changed.
            requested = Content.MODIFICATION
        snapshot = snapshot_of(reservation, requested)
        # A cancellation often carries only the voucher and dates: what it leaves out is kept.
        compared = [k for k in COMPARED if k != "content"]
        if requested == Content.CANCELLATION:
            compared = [k for k in compared if _present(snapshot.get(k))]
        diff = {
            k: [previous.get(k), snapshot.get(k)]
            for k in compared
            if previous.get(k) != snapshot.get(k)
        }
        old_content = previous.get("content")
        if (old_content == "cancellation") != (requested == Content.CANCELLATION):
            diff["content"] = [old_content, requested.value]
        if not diff:
            return None
        merged = {**previous, **{k: snapshot.get(k) for k in compared}, "content": requested.value}
        previous_status = str(row.status)
        _apply(
            row,
            reservation,
            requested,
            only=None if requested != Content.CANCELLATION else set(compared),
        )
        row.version += 1
        row.received_at = raw.received_at
        row.sender = raw.sender or row.sender
        row.updated_at = now
        if row.status != InboxStatus.PENDING:
            row.status = InboxStatus.PENDING
        result = StoredReservation(row.id, reservation.voucher, requested.value, diff)
        return _Pending(
            row,
            reservation,
            merged,
            row.version,
            requested,
            diff,
            raw,
            "guests" in diff,
            result,
            previous_status,
        )

    def _attach(
        self, session: Session, attachment: ParsedAttachment, inbox_id: int, pending: _Pending
    ) -> None:
        document = self._store_document(attachment, inbox_id, pending.raw, pending.outcome)
        if document is None:
            return
        exists = session.exec(
            select(InboxDocument.id).where(
                InboxDocument.inbox_reservation_id == inbox_id,
                InboxDocument.sha256 == document.sha256,
            )
        ).first()
        if exists is None:
            session.add(document)

    def _store_document(
        self,
        attachment: ParsedAttachment,
        inbox_id: int,
        raw: _Raw,
        outcome: IngestOutcome | None,
    ) -> InboxDocument | None:
        size = len(attachment.data)
        name = safe_file_name(attachment.file_name)
        if size > self.max_attachment_bytes:
            if outcome is not None:
                outcome.warnings.append(
                    f"attachment {name} ({size / 1_048_576:.1f} MB) is over the "
                    f"{self.max_attachment_bytes // 1_048_576} MB cap: kept in the archived "
                    "message, not stored as a document"
                )
            return None
        digest = hashlib.sha256(attachment.data).hexdigest()
        extension = _extension(name, attachment.content_type)
        relative = Path(digest[:2]) / f"{digest}{extension}"
        target = self.documents_dir / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(target.suffix + ".tmp")
            tmp.write_bytes(attachment.data)
            tmp.replace(target)
        return InboxDocument(
            hotel_id=self.hotel_id,
            inbox_reservation_id=inbox_id,
            raw_message_id=raw.id,
            file_name=name,
            size=size,
            stored_path=str(relative),
            sha256=digest,
            content_type=attachment.content_type[:120] or "application/octet-stream",
        )


@dataclass
class PreparedBatch:
    """A batch whose new messages are parsed; ``parsed()`` gives them in order."""

    work: list[tuple[IngestOutcome, ParsedMessage | None, str]]
    parsed: Callable[[], list[ParsedMessage]]


RAW_TABLE: Table = RawMessage.__table__  # type: ignore[attr-defined]
INBOX_TABLE: Table = InboxReservation.__table__  # type: ignore[attr-defined]
VERSION_TABLE: Table = InboxVersion.__table__  # type: ignore[attr-defined]
GUEST_TABLE: Table = InboxGuest.__table__  # type: ignore[attr-defined]
_INBOX_COLUMNS = [c.name for c in INBOX_TABLE.columns if c.name != "id"]


def _insert_returning_ids(
    session: Session, table: Table, params: list[dict[str, Any]]
) -> list[int]:
    """Insert many rows in one statement batch; their ids in the order given."""
    if not params:
        return []
    result = session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), params
    )
    return [int(row_id) for row_id in result.scalars()]


@dataclass
class _Raw:
    """The archived message a version points at."""

    sender: str
    received_at: datetime
    id: int | None = None


class _Row:
    """An inbox reservation as plain attributes, written by Core.

    ``read`` is the row as read from the database (None for one not stored yet): what the
    conditional update compares against, and what it leaves out when unchanged.
    """

    id: int | None
    operator_id: int
    voucher: str
    operator_res_id: str
    status: str
    version: int
    received_at: datetime
    sender: str
    updated_at: datetime
    read: dict[str, Any] | None

    @classmethod
    def create(cls, **values: Any) -> _Row:
        row = cls()
        row.__dict__.update(_new_defaults())
        row.__dict__.update(values)
        row.read = None
        return row

    @classmethod
    def held(cls, values: dict[str, Any]) -> _Row:
        row = cls()
        row.__dict__.update(values)
        row.read = dict(values)
        return row

    def values(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _INBOX_COLUMNS}
        data["content"] = str(data["content"])
        data["status"] = str(data["status"])
        return data


def _compare_and_set(session: Session, row: _Row) -> bool:
    """Update a held row if its version and decision count are still the ones read.

    Only the columns the scan changed are written, so the office's own fields are never
    overwritten with what was read. False when the row changed since (nothing written).
    """
    assert row.read is not None
    changed = {name: value for name, value in row.values().items() if value != row.read[name]}
    table = INBOX_TABLE.c
    result = session.execute(
        update(INBOX_TABLE)
        .where(
            table.id == row.id,
            table.version == row.read["version"],
            table.decision_seq == row.read["decision_seq"],
        )
        .values(changed)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _new_defaults() -> dict[str, Any]:
    return {
        "id": None,
        "operator_agency": "",
        "operator_res_id": "",
        "content": Content.NEW,
        "status": InboxStatus.PENDING,
        "operator_status": "",
        "sale_date": None,
        "adults": 0,
        "children": 0,
        "child_ages": [],
        "infants": 0,
        "nationality": "",
        "operator_room_type": "",
        "operator_board": "",
        "operator_market": "",
        "operator_rate_type": "",
        "room_count": 1,
        "operator_price": None,
        "operator_currency": "",
        "agency_note": "",
        "hotel_note": "",
        "option_date": None,
        "cancellation_date": None,
        "cancellation_note": "",
        "arrival_flight": "",
        "arrival_route": "",
        "arrival_flight_time": "",
        "departure_flight": "",
        "departure_route": "",
        "departure_flight_time": "",
        "sender": "",
        "guest_names": "",
        "guest_names_folded": "",
        "price_code": "",
        "source_code": "",
        "segment_code": "",
        "version": 1,
        "decision_seq": 0,
        "nights": 0,
    }


def _from_imap(outcome_or_none: Any) -> bool:
    item = getattr(outcome_or_none, "item", None)
    return item is not None and item.source.startswith("imap:")


_SNAPSHOT_FIELDS = [
    f.name for f in fields(ParsedReservation) if f.name not in ("attachments", "content")
]
_GUEST_FIELDS = [f.name for f in fields(ParsedGuest)]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return list(value)
    return value


def snapshot_of(reservation: ParsedReservation, content: Content | None) -> dict[str, Any]:
    """The comparable, JSON-safe content of a reservation (stored as the version's data)."""
    data = {name: _plain(getattr(reservation, name)) for name in _SNAPSHOT_FIELDS}
    data["guests"] = [
        {name: _plain(getattr(guest, name)) for name in _GUEST_FIELDS}
        for guest in reservation.guests
    ]
    data["content"] = content.value if content else None
    data["nights"] = reservation.nights
    return data


def _present(value: Any) -> bool:
    return value not in (None, "", [], {}, 0, STAY_NOT_SENT.isoformat())


def _apply(
    row: Any,
    reservation: ParsedReservation,
    content: Content,
    only: set[str] | None = None,
) -> None:
    for name in _ROW_FIELDS:
        if only is not None and name not in only and name != "operator_status":
            continue
        setattr(row, _COLUMN.get(name, name), getattr(reservation, name))
    row.content = content
    row.nights = (row.check_out - row.check_in).days
    if content == Content.CANCELLATION and row.cancellation_date is None:
        row.cancellation_date = row.received_at.date() if row.received_at else None
    if only is None or "guests" in only:
        names = " / ".join(f"{g.first_name} {g.last_name}".strip() for g in reservation.guests)
        row.guest_names = names
        row.guest_names_folded = fold(names)


_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


def safe_file_name(name: str) -> str:
    """A display name from an untrusted file name: no folders, no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    return (base or "attachment")[:200]


def _extension(name: str, content_type: str) -> str:
    suffix = Path(name).suffix.lower()
    if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
        return suffix
    guessed = mimetypes.guess_extension(content_type or "") or ""
    return guessed if re.fullmatch(r"\.[a-z0-9]{1,5}", guessed) else ".bin"
