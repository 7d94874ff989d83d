"""A scan: read every source once, ingest in batches, keep per-operator figures and a log.

One operator's failure (server down, a broken message) is logged and counted in its error
column; the other operators are still read. A source's saved position (IMAP UIDs) moves only
after what it returned was stored, and API operators are acknowledged only for what was stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session, col, select

from hotelops.core.config import LoadedConfig
from hotelops.core.db import Database
from hotelops.core.documents import documents_root
from hotelops.core.errors import InputError
from hotelops.core.hotels import get_hotel
from hotelops.core.models import Operator, ScanLogLine, ScanRun, SourceState
from hotelops.core.scan.formats.mail import load_templates
from hotelops.core.scan.ingest import Ingestor, IngestOutcome, PreparedBatch
from hotelops.core.scan.masking import mask_text
from hotelops.core.scan.sources.base import RawItem, Source, SourceError
from hotelops.core.scan.sources.folder import FolderSource
from hotelops.core.scan.sources.imap import ImapSource

BATCH = 500
UNMATCHED = ""  # the operator column of mail nobody claims


@dataclass
class OperatorStats:
    """One operator's figures in a scan (the scanner screen's row)."""

    operator_code: str
    operator_name: str = ""
    total: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None
    sources: set[str] = field(default_factory=set)


@dataclass
class LogLine:
    """A line of the scan log."""

    at: datetime
    level: str
    operator_code: str
    message: str
    source: str = ""
    raw_message_id: int | None = None


@dataclass
class ScanReport:
    """What a scan read and did."""

    run_id: str
    started_at: datetime
    ended_at: datetime
    operators: list[OperatorStats]
    log: list[LogLine]
    skipped: int = 0  # messages already archived (a rescan)

    @property
    def unmatched(self) -> int:
        """Messages no operator claims (unknown sender)."""
        return sum(s.total for s in self.operators if s.operator_code == UNMATCHED)

    @property
    def errors(self) -> int:
        """Messages or sources that failed."""
        return sum(s.errors for s in self.operators)

    @property
    def has_problems(self) -> bool:
        """True when an operator had an error or mail went unmatched (exit code 1)."""
        return self.errors > 0 or self.unmatched > 0

    def totals(self) -> OperatorStats:
        """The sum over every operator."""
        total = OperatorStats("TOTAL")
        for stats in self.operators:
            total.total += stats.total
            total.new += stats.new
            total.changed += stats.changed
            total.unchanged += stats.unchanged
            total.errors += stats.errors
        return total


Progress = Callable[[str, int], None]  # (source name, messages handled so far)


@dataclass
class ScanRequest:
    """What to scan: every configured source, or a subset, or one folder ad hoc."""

    hotel_code: str | None = None
    operator: str | None = None
    kinds: set[str] | None = None  # folder, imap, http
    folders: list[Path] | None = None  # ad hoc: scan these folders only
    folder_operator: str = ""
    recursive: bool = False


def build_sources(
    config: LoadedConfig, request: ScanRequest, hotel_code: str, env: dict[str, str] | None = None
) -> list[Source]:
    """The sources a request names, from the config (or the ad-hoc folders)."""
    if request.folders:
        return [
            FolderSource(
                request.folders, operator_code=request.folder_operator, recursive=request.recursive
            )
        ]
    settings = config.settings.scan
    kinds = request.kinds or {"folder", "imap", "http"}
    sources: list[Source] = []
    if "folder" in kinds:
        folder = config.resolve(settings.folder)
        if folder.is_dir():
            sources.append(FolderSource([folder], operator_code=request.folder_operator))
    if "imap" in kinds:
        sources.extend(
            ImapSource(account, env=env)
            for account in settings.imap
            if account.hotel in ("", hotel_code)
        )
    if "http" in kinds:
        from hotelops.core.scan.sources.http import HttpOperatorSource

        for endpoint in settings.api:
            if endpoint.hotel not in ("", hotel_code):
                continue
            if request.operator and endpoint.operator.upper() != request.operator.upper():
                continue
            sources.append(HttpOperatorSource(endpoint, hotel_code, env=env))
    return sources


def run_scan(
    db: Database,
    config: LoadedConfig,
    request: ScanRequest,
    *,
    sources: list[Source] | None = None,
    now: Callable[[], datetime] | None = None,
    progress: Progress | None = None,
    env: dict[str, str] | None = None,
) -> ScanReport:
    """Read every source of the request once and store what is new."""
    clock = now or (lambda: datetime.now(UTC))
    with db.read() as session:
        hotel = get_hotel(session, request.hotel_code)
        operators = {
            op.code: op
            for op in session.exec(select(Operator).where(Operator.hotel_id == hotel.id))
        }
    if request.operator and request.operator.upper() not in {c.upper() for c in operators}:
        raise InputError(
            f"unknown operator {request.operator!r} (operators: {', '.join(sorted(operators))})"
        )
    if request.folder_operator and request.folder_operator not in operators:
        raise InputError(f"unknown operator {request.folder_operator!r} for --operator")
    chosen = sources if sources is not None else build_sources(config, request, hotel.code, env)
    ingestor = Ingestor(
        db,
        hotel.code,
        templates=load_templates(),
        documents_dir=documents_root(config, db.engine.url),
        max_attachment_bytes=config.settings.scan.max_attachment_mb * 1_048_576,
        now=clock,
    )
    report = ScanReport(
        run_id=uuid.uuid4().hex[:16], started_at=clock(), ended_at=clock(), operators=[], log=[]
    )
    stats: dict[str, OperatorStats] = {}

    def stat(code: str, source: str) -> OperatorStats:
        if code not in stats:
            op = operators.get(code)
            stats[code] = OperatorStats(code, op.name if op else "(unmatched)", started_at=clock())
        entry = stats[code]
        entry.sources.add(source)
        entry.ended_at = clock()
        return entry

    def log(
        level: str, code: str, message: str, source: str = "", raw_id: int | None = None
    ) -> None:
        report.log.append(LogLine(clock(), level, code, mask_text(message), source, raw_id))

    for source in chosen:
        _scan_source(db, hotel.id or 0, source, ingestor, request, stat, log, report, progress)
    report.ended_at = clock()
    report.operators = sorted(
        stats.values(), key=lambda s: (s.operator_code == UNMATCHED, s.operator_code)
    )
    _persist(db, hotel.id or 0, report)
    return report


def _scan_source(
    db: Database,
    hotel_id: int,
    source: Source,
    ingestor: Ingestor,
    request: ScanRequest,
    stat: Callable[[str, str], OperatorStats],
    log: Callable[..., None],
    report: ScanReport,
    progress: Progress | None,
) -> None:
    fallback = getattr(getattr(source, "endpoint", None), "operator", "") or getattr(
        source, "operator_code", ""
    )
    if hasattr(source, "state"):
        source.state = _load_state(db, hotel_id, source.name)
    handled = 0
    acks: list[str] = []
    try:
        items: Iterator[RawItem] = iter(source.fetch())
        fresh = _fresh(items, ingestor, report)
        while batch := list(islice(fresh, BATCH)):
            # Parse outside the write transaction, then write the batch in one.
            handled += _store(ingestor, ingestor.prepare(batch), request, stat, log, acks)
            if progress:
                progress(source.name, handled)
    except SourceError as exc:
        stat(fallback, source.name).errors += 1
        log("error", fallback, str(exc), source.name)
    for line in source.logs():
        log(line.level, line.operator_code or fallback, line.message, source.name)
    if acks:
        try:
            source.acknowledge(acks)
        except SourceError as exc:
            stat(fallback, source.name).errors += 1
            log("error", fallback, f"acknowledgement failed: {exc}", source.name)
        else:
            for line in source.logs():
                log(line.level, line.operator_code or fallback, line.message, source.name)
    if hasattr(source, "state") and source.state:
        _save_state(db, hotel_id, source.name, source.state)


def _store(
    ingestor: Ingestor,
    prepared: PreparedBatch,
    request: ScanRequest,
    stat: Callable[[str, str], OperatorStats],
    log: Callable[..., None],
    acks: list[str],
) -> int:
    outcomes = ingestor.store(prepared)
    for outcome in outcomes:
        _count(outcome, request, stat, log)
        acks.extend(outcome.ack_ids)
    return len(outcomes)


def _fresh(items: Iterable[RawItem], ingestor: Ingestor, report: ScanReport) -> Iterator[RawItem]:
    """Skip what is archived already without parsing it (the rescan path)."""
    for item in items:
        if ingestor.is_known(item.data):
            report.skipped += 1
            continue
        yield item


def _count(
    outcome: IngestOutcome,
    request: ScanRequest,
    stat: Callable[[str, str], OperatorStats],
    log: Callable[..., None],
) -> None:
    item = outcome.item
    if outcome.duplicate:
        return
    code = outcome.operator_code if not outcome.unmatched else UNMATCHED
    entry = stat(code, item.source)
    # Total read counts reservations (a message with three rooms is three), or the message
    # itself when it could not be read.
    entry.total += len(outcome.stored) if outcome.stored and not outcome.error else 1
    where = f"{item.source_ref}"
    if outcome.unmatched:
        log("warning", code, f"{where}: {outcome.error}", item.source, outcome.raw_id)
        return
    if outcome.error:
        entry.errors += 1
        log("error", code, f"{where}: {outcome.error}", item.source, outcome.raw_id)
        return
    for warning in outcome.warnings:
        log("warning", code, f"{where}: {warning}", item.source, outcome.raw_id)
    for stored in outcome.stored:
        if stored.outcome == "new":
            entry.new += 1
            log(
                "info",
                code,
                f"new {stored.voucher} (#{stored.inbox_id}) from {where}",
                item.source,
                outcome.raw_id,
            )
        elif stored.outcome == "unchanged":
            entry.unchanged += 1
        else:
            entry.changed += 1
            fields = ", ".join(sorted(stored.diff)) or "content"
            log(
                "info",
                code,
                f"{stored.outcome} {stored.voucher} (#{stored.inbox_id}): {fields}",
                item.source,
                outcome.raw_id,
            )


def _load_state(db: Database, hotel_id: int, source: str) -> dict[str, str]:
    with db.read() as session:
        rows = session.exec(
            select(SourceState).where(
                SourceState.hotel_id == hotel_id, SourceState.source == source
            )
        ).all()
    return {row.key: row.value for row in rows}


def _save_state(db: Database, hotel_id: int, source: str, state: dict[str, str]) -> None:
    with db.write() as session:
        rows = {
            row.key: row
            for row in session.exec(
                select(SourceState).where(
                    SourceState.hotel_id == hotel_id, SourceState.source == source
                )
            )
        }
        for key, value in state.items():
            row = rows.get(key) or SourceState(hotel_id=hotel_id, source=source, key=key)
            row.value = value
            session.add(row)


def _persist(db: Database, hotel_id: int, report: ScanReport) -> None:
    with db.write() as session:
        for stats in report.operators:
            session.add(
                ScanRun(
                    hotel_id=hotel_id,
                    run_id=report.run_id,
                    operator_code=stats.operator_code,
                    source=",".join(sorted(stats.sources))[:200],
                    started_at=stats.started_at or report.started_at,
                    ended_at=stats.ended_at or report.ended_at,
                    total=stats.total,
                    new=stats.new,
                    changed=stats.changed,
                    unchanged=stats.unchanged,
                    errors=stats.errors,
                )
            )
        if report.log:
            # Core executemany: a first scan of a big folder logs thousands of lines.
            session.execute(
                insert(ScanLogLine.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "hotel_id": hotel_id,
                        "run_id": report.run_id,
                        "at": line.at,
                        "level": line.level,
                        "operator_code": line.operator_code,
                        "source": line.source[:200],
                        "message": line.message,
                        "raw_message_id": line.raw_message_id,
                    }
                    for line in report.log
                ],
            )


def scan_log(
    session: Session, hotel_id: int, *, operator: str | None = None, limit: int = 200
) -> list[ScanLogLine]:
    """The newest scan-log lines first, optionally for one operator."""
    query = select(ScanLogLine).where(ScanLogLine.hotel_id == hotel_id)
    if operator is not None:
        query = query.where(ScanLogLine.operator_code == operator)
    return list(session.exec(query.order_by(col(ScanLogLine.id).desc()).limit(limit)))


def last_runs(session: Session, hotel_id: int) -> list[ScanRun]:
    """Each operator's most recent scan figures (the scanner screen's table)."""
    runs = session.exec(
        select(ScanRun)
        .where(ScanRun.hotel_id == hotel_id)
        .order_by(col(ScanRun.id).desc())
        .limit(2000)
    ).all()
    latest: dict[str, ScanRun] = {}
    for run in runs:
        latest.setdefault(run.operator_code, run)
    return sorted(latest.values(), key=lambda r: (r.operator_code == UNMATCHED, r.operator_code))
