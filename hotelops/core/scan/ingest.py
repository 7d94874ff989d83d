"""Ingest: archive every raw message, then store each reservation it holds as a version.

Per batch of messages, in one short write transaction:

1. the raw bytes are archived (card numbers masked), with source, reference, hash and time,
   whether or not they parsed — a broken message is kept with its error, never dropped;
2. each reservation is identified by ``(operator, voucher, operator_res_id)``; an unknown one is
   new; a known one whose content differs becomes the next version with its diff (a
   modification, or a cancellation when the operator says so); one whose content is the same is
   a resend and creates nothing;
3. a change to an approved or rejected reservation sends it back to pending;
4. attachments are stored as documents under their content hash (the sender's file name is
   kept as data only, so it can never choose a path).

Parsing happens before the transaction, so the CPU work never holds SQLite's write lock.
Scanning the same message again (same bytes, or same IMAP Message-ID) creates nothing.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, tuple_
from sqlmodel import Session, col, select

from hotelops.core.auditlog import jsonable
from hotelops.core.db import Database
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
from hotelops.core.scan.model import ParsedAttachment, ParsedReservation
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
_ROW_FIELDS = (
    "operator_agency",
    "operator_status",
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
)


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

    row: InboxReservation
    parsed: ParsedReservation
    snapshot: dict[str, Any]
    version_no: int
    content: Content
    diff: dict[str, Any]
    raw: RawMessage
    guests_changed: bool
    result: StoredReservation
    previous_status: str = ""


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
        now: Callable[[], datetime],
    ) -> None:
        self.db = db
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
            self.known_hashes: set[str] = set(
                session.exec(select(RawMessage.sha256).where(RawMessage.hotel_id == hotel.id)).all()
            )

    def parse(self, item: RawItem) -> ParsedMessage:
        """Parse one item (no database work)."""
        return parse_message(
            item, rules=self.rules, templates=self.templates, operator_codes=set(self.operator_ids)
        )

    def is_known(self, data: bytes) -> bool:
        """True when these exact bytes were archived before."""
        return hashlib.sha256(data).hexdigest() in self.known_hashes

    def ingest(self, items: Iterable[RawItem]) -> list[IngestOutcome]:
        """Archive, parse and store a batch of messages in one transaction."""
        work: list[tuple[IngestOutcome, ParsedMessage | None, str]] = []
        seen_in_batch: set[str] = set()
        for item in items:
            digest = hashlib.sha256(item.data).hexdigest()
            outcome = IngestOutcome(item=item, operator_code=item.operator_code)
            if digest in self.known_hashes or digest in seen_in_batch:
                outcome.duplicate = True
                work.append((outcome, None, digest))
                continue
            seen_in_batch.add(digest)
            parsed = self.parse(item)
            outcome.operator_code = parsed.operator_code
            outcome.unmatched = parsed.unmatched
            outcome.error = parsed.error
            work.append((outcome, parsed, digest))
        with self.db.write() as session:
            self._store(session, work)
        for outcome, _parsed, digest in work:
            if not outcome.duplicate:
                self.known_hashes.add(digest)
        return [outcome for outcome, _, _ in work]

    # -- the transaction -------------------------------------------------------------------

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
        raws: list[tuple[IngestOutcome, ParsedMessage, RawMessage]] = []
        for outcome, parsed, digest in work:
            if parsed is None:
                continue
            if parsed.message_id and parsed.message_id in known_ids and _from_imap(outcome):
                # The same mail seen again under a new UIDVALIDITY: already archived.
                outcome.duplicate = True
                continue
            item = outcome.item
            raw = RawMessage(
                hotel_id=self.hotel_id,
                operator_id=self.operator_ids.get(parsed.operator_code),
                source=item.source[:200],
                source_ref=item.source_ref[:300],
                message_id=parsed.message_id[:300],
                sender=parsed.sender[:254],
                content=parsed.archive_bytes,
                size=len(item.data),
                sha256=digest,
                received_at=item.received_at,
                parse_error=parsed.error,
            )
            session.add(raw)
            raws.append((outcome, parsed, raw))
            if parsed.message_id:
                known_ids.add(parsed.message_id)
        session.flush()
        for outcome, _parsed, raw in raws:
            outcome.raw_id = raw.id

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
                rows[key] = pending.row
                latest[id(pending.row)] = pending.snapshot
                pendings.append(pending)
                session.add(pending.row)
        session.flush()
        for pending in pendings:
            self._write_children(session, pending, outcome_for(pending, stored))
        session.flush()

    def _existing(
        self, session: Session, stored: list[tuple[IngestOutcome, ParsedMessage, RawMessage]]
    ) -> dict[tuple[int, str, str], InboxReservation]:
        keys = {
            (self.operator_ids[p.operator_code], r.voucher)
            for _, p, _ in stored
            for r in p.reservations
            if r.voucher
        }
        found: dict[tuple[int, str, str], InboxReservation] = {}
        key_list = sorted(keys)
        for start in range(0, len(key_list), 500):
            chunk = key_list[start : start + 500]
            query = select(InboxReservation).where(
                InboxReservation.hotel_id == self.hotel_id,
                tuple_(col(InboxReservation.operator_id), col(InboxReservation.voucher)).in_(chunk),
            )
            for row in session.exec(query):
                found[(row.operator_id, row.voucher, row.operator_res_id)] = row
        return found

    def _latest_versions(
        self, session: Session, rows: Iterable[InboxReservation]
    ) -> dict[int, dict[str, Any]]:
        pairs = [(row.id, row.version) for row in rows if row.id is not None]
        latest: dict[int, dict[str, Any]] = {}
        by_row_id = {row.id: row for row in rows}
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
        row: InboxReservation | None,
        latest: dict[int, dict[str, Any]],
        reservation: ParsedReservation,
        raw: RawMessage,
        operator_id: int,
    ) -> _Pending | None:
        now = self.now()
        if row is None and reservation.check_in == STAY_NOT_SENT:
            # Nothing to cancel and no stay to show: the message stays in the archive.
            return None
        if row is None:
            content = reservation.content or Content.NEW
            snapshot = snapshot_of(reservation, content)
            row = InboxReservation(
                hotel_id=self.hotel_id,
                operator_id=operator_id,
                voucher=reservation.voucher,
                operator_res_id=reservation.operator_res_id,
                nights=reservation.nights,
                received_at=raw.received_at,
                created_at=now,
                updated_at=now,
                check_in=reservation.check_in,
                check_out=reservation.check_out,
                sender=raw.sender,
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
        fields = [k for k in COMPARED if k != "content"]
        if requested == Content.CANCELLATION:
            fields = [k for k in fields if _present(snapshot.get(k))]
        diff = {
            k: [previous.get(k), snapshot.get(k)]
            for k in fields
            if previous.get(k) != snapshot.get(k)
        }
        old_content = previous.get("content")
        if (old_content == "cancellation") != (requested == Content.CANCELLATION):
            diff["content"] = [old_content, requested.value]
        if not diff:
            return None
        merged = {**previous, **{k: snapshot.get(k) for k in fields}, "content": requested.value}
        previous_status = str(row.status)
        _apply(
            row,
            reservation,
            requested,
            only=None if requested != Content.CANCELLATION else set(fields),
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

    def _write_children(
        self, session: Session, pending: _Pending, outcome: IngestOutcome | None
    ) -> None:
        row = pending.row
        assert row.id is not None
        pending.result.inbox_id = row.id
        data = dict(pending.snapshot)
        if pending.previous_status and pending.previous_status != "pending":
            data["previous_status"] = pending.previous_status
        session.add(
            InboxVersion(
                hotel_id=self.hotel_id,
                inbox_reservation_id=row.id,
                version_no=pending.version_no,
                content=pending.content,
                raw_message_id=pending.raw.id,
                received_at=row.received_at,
                data=data,
                diff=pending.diff,
            )
        )
        if pending.guests_changed:
            if pending.version_no > 1:
                session.execute(
                    delete(InboxGuest).where(col(InboxGuest.inbox_reservation_id) == row.id)
                )
            for seq, guest in enumerate(pending.parsed.guests):
                session.add(
                    InboxGuest(
                        hotel_id=self.hotel_id,
                        inbox_reservation_id=row.id,
                        seq=seq,
                        title=guest.title[:16],
                        first_name=guest.first_name[:80],
                        last_name=guest.last_name[:80],
                        name_folded=fold(f"{guest.first_name} {guest.last_name}")[:170],
                        age=guest.age,
                        gender=guest.gender[:8],
                        birth_date=guest.birth_date,
                        passport=guest.passport[:32],
                        nationality=guest.nationality[:3],
                    )
                )
        for attachment in pending.parsed.attachments:
            document = self._store_document(attachment, row.id, pending.raw, outcome)
            if document is not None:
                exists = session.exec(
                    select(InboxDocument.id).where(
                        InboxDocument.inbox_reservation_id == row.id,
                        InboxDocument.sha256 == document.sha256,
                    )
                ).first()
                if exists is None:
                    session.add(document)

    def _store_document(
        self,
        attachment: ParsedAttachment,
        inbox_id: int,
        raw: RawMessage,
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


def outcome_for(
    pending: _Pending, stored: list[tuple[IngestOutcome, ParsedMessage, RawMessage]]
) -> IngestOutcome | None:
    """The outcome of the message a pending reservation came from."""
    for outcome, _parsed, raw in stored:
        if raw is pending.raw:
            return outcome
    return None


def _from_imap(outcome_or_none: Any) -> bool:
    item = getattr(outcome_or_none, "item", None)
    return item is not None and item.source.startswith("imap:")


def snapshot_of(reservation: ParsedReservation, content: Content | None) -> dict[str, Any]:
    """The comparable, JSON-safe content of a reservation (stored as the version's data)."""
    data = asdict(reservation)
    data.pop("attachments", None)
    data["content"] = content.value if content else None
    data["nights"] = reservation.nights
    snapshot: dict[str, Any] = jsonable(data)
    return snapshot


def _present(value: Any) -> bool:
    return value not in (None, "", [], {}, 0, STAY_NOT_SENT.isoformat())


def _apply(
    row: InboxReservation,
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
