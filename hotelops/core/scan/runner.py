"""A scan: read every source once, ingest in batches, keep per-operator figures and a log.

One operator's failure (its API down, a broken message) is logged and counted in its error
column; the other operators are still read. A drop folder or a mailbox that cannot be read
(missing, login refused, server down, no password) is a row of its own, named by the source
(``folder:/srv/drop``, ``imap:reservations``), and the other sources are still read. A source's
saved position (IMAP UIDs) moves only after what it returned was stored, and API operators are
acknowledged only for what was stored.

Every message is isolated: whatever goes wrong while reading one (a limit of
``hotelops.core.scan.limits``, a parser's exception) is that message's error, archived with it;
a message the database refuses (a value too long for a column) is archived with that error
without its reservations. The scan goes on either way.

The scan's log and figures are written as it goes (``hotelops.core.scan.journal``): each
batch's messages, log lines and figures are committed together, so a scan that is killed
leaves behind exactly what it stored, and shows as interrupted.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, col, select

from hotelops.core.config import LoadedConfig
from hotelops.core.db import Database
from hotelops.core.documents import documents_root
from hotelops.core.errors import InputError
from hotelops.core.hotels import get_hotel
from hotelops.core.models import Operator, ScanLogLine, ScanRun, ScanState, SourceState
from hotelops.core.scan import journal
from hotelops.core.scan.formats.mail import load_templates
from hotelops.core.scan.ingest import Ingestor, IngestOutcome, PreparedBatch
from hotelops.core.scan.limits import MB, ScanLimits
from hotelops.core.scan.masking import mask_text
from hotelops.core.scan.sources.base import RawItem, Source, SourceError, UnreadableSource
from hotelops.core.scan.sources.folder import FolderSource
from hotelops.core.scan.sources.imap import ImapSource

BATCH = 500
#: A batch also ends once it holds this many bytes, so a batch of big messages stays small in
#: memory (a message larger than this is a batch of its own).
BATCH_BYTES = 4 * MB
UNMATCHED = ""  # the operator column of mail nobody claims
UNMATCHED_LABEL = "(unmatched)"
SCAN_RUN_TABLE: Table = ScanRun.__table__  # type: ignore[attr-defined]


@dataclass
class OperatorStats:
    """One operator's figures in a scan (the scanner screen's row).

    A source that could not be read has a row of its own: ``failed_source`` names it (its
    label), ``problem`` says what failed and the fix, and ``errors`` is 1.
    """

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
    failed_source: str = ""
    problem: str = ""

    @property
    def label(self) -> str:
        """What the row is called: the operator code, the failed source, or "(unmatched)"."""
        return self.failed_source or self.operator_code or UNMATCHED_LABEL


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
    #: Drop folders and mailboxes read without a failure (their labels): stored, so that a
    #: failure shown by ``last_runs`` goes away once the source reads again.
    sources_read: list[str] = field(default_factory=list)

    @property
    def unmatched(self) -> int:
        """Messages no operator claims (unknown sender)."""
        return sum(
            s.total for s in self.operators if s.operator_code == UNMATCHED and not s.failed_source
        )

    @property
    def errors(self) -> int:
        """Messages or sources that failed."""
        return sum(s.errors for s in self.operators)

    @property
    def failed_sources(self) -> list[OperatorStats]:
        """The rows of sources that could not be read."""
        return [s for s in self.operators if s.failed_source]

    @property
    def has_problems(self) -> bool:
        """True when an operator or a source had an error or mail went unmatched (exit 1)."""
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
    settings = config.settings.scan
    limits = ScanLimits.from_settings(settings)
    max_bytes = limits.max_message_bytes
    if request.folders:
        return [
            FolderSource(
                request.folders,
                operator_code=request.folder_operator,
                recursive=request.recursive,
                max_bytes=max_bytes,
                fix="check --folder",
            )
        ]
    kinds = request.kinds or {"folder", "imap", "http"}
    sources: list[Source] = []
    if "folder" in kinds and settings.folder:
        fix = (
            f"create it or fix scan.folder in {config.path}"
            if config.path
            else "create it, or set scan.folder in a config file (hotelops init writes one)"
        )
        # resolve(): the row and the message name /srv/var/inbox, not /srv/config/../var/inbox
        folder = config.resolve(settings.folder).resolve()
        sources.append(
            FolderSource(
                [folder], operator_code=request.folder_operator, max_bytes=max_bytes, fix=fix
            )
        )
    if "imap" in kinds:
        sources.extend(
            ImapSource(account, env=env, max_bytes=max_bytes)
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
            try:
                sources.append(HttpOperatorSource(endpoint, hotel_code, env=env, limits=limits))
            except SourceError as exc:  # a bad base_url: that operator's error
                sources.append(
                    UnreadableSource(
                        f"http:{endpoint.operator}", str(exc), own_operator=endpoint.operator
                    )
                )
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
        max_attachment_bytes=config.settings.scan.max_attachment_mb * MB,
        limits=ScanLimits.from_settings(config.settings.scan),
        now=clock,
    )
    report = ScanReport(
        run_id=uuid.uuid4().hex[:16], started_at=clock(), ended_at=clock(), operators=[], log=[]
    )
    tally = _Tally(report, operators, clock, hotel.id or 0)
    journal.start(db, tally.hotel_id, report.run_id, report.started_at)
    try:
        for source in chosen:
            _scan_source(db, source, ingestor, request, tally, progress)
    except BaseException as exc:  # Ctrl-C too: the run says it stopped, then the error goes on
        problem = (
            "stopped by Ctrl-C"
            if isinstance(exc, KeyboardInterrupt)
            else mask_text(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        )
        with suppress(Exception):
            journal.finish(db, report.run_id, ScanState.INTERRUPTED, at=clock(), problem=problem)
        raise
    report.ended_at = clock()
    report.operators = tally.rows()
    journal.finish(db, report.run_id, ScanState.DONE, at=report.ended_at)
    return report


@dataclass
class _Mark:
    """The tally at one moment: what the database holds after a commit."""

    lines: int
    stats: dict[str, OperatorStats]
    failed: dict[str, OperatorStats]
    row_ids: dict[tuple[str, str], int]


class _Tally:
    """The rows and the log of one scan as it goes, and how much of them is stored."""

    def __init__(
        self,
        report: ScanReport,
        operators: dict[str, Operator],
        clock: Callable[[], datetime],
        hotel_id: int,
    ) -> None:
        self.report = report
        self.operators = operators
        self.clock = clock
        self.hotel_id = hotel_id
        self.stats: dict[str, OperatorStats] = {}
        self.failed: dict[str, OperatorStats] = {}
        #: The ``ScanRun`` row of each operator (("op", code)) or failed source (("src", label)).
        self.row_ids: dict[tuple[str, str], int] = {}
        self.saved = self._mark()

    def _mark(self) -> _Mark:
        return _Mark(
            len(self.report.log),
            copy.deepcopy(self.stats),
            copy.deepcopy(self.failed),
            dict(self.row_ids),
        )

    def committed(self) -> None:
        """What ``write`` wrote is committed."""
        self.saved = self._mark()

    def rollback(self) -> None:
        """What ``write`` wrote was rolled back: back to what is stored."""
        del self.report.log[self.saved.lines :]
        self.stats = copy.deepcopy(self.saved.stats)
        self.failed = copy.deepcopy(self.saved.failed)
        self.row_ids = dict(self.saved.row_ids)

    def write(self, session: Session) -> None:
        """In a write transaction: the log lines and the figures not stored yet."""
        lines = self.report.log[self.saved.lines :]
        if lines:
            # Core executemany: a first scan of a big folder logs thousands of lines.
            session.execute(
                insert(ScanLogLine.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "hotel_id": self.hotel_id,
                        "run_id": self.report.run_id,
                        "at": line.at,
                        "level": line.level,
                        "operator_code": line.operator_code,
                        "source": line.source[:200],
                        "message": line.message,
                        "raw_message_id": line.raw_message_id,
                    }
                    for line in lines
                ],
            )
        rows = [
            (("op", code), stats, self.saved.stats.get(code)) for code, stats in self.stats.items()
        ]
        rows += [
            (("src", label), stats, self.saved.failed.get(label))
            for label, stats in self.failed.items()
        ]
        for key, stats, before in rows:
            if key in self.row_ids and stats == before:
                continue
            values = self._row_values(stats)
            if key in self.row_ids:
                session.execute(
                    update(SCAN_RUN_TABLE)
                    .where(SCAN_RUN_TABLE.c.id == self.row_ids[key])
                    .values(values)
                )
            else:
                inserted = insert(SCAN_RUN_TABLE).values(values).returning(SCAN_RUN_TABLE.c.id)
                self.row_ids[key] = int(session.execute(inserted).scalar_one())

    def _row_values(self, stats: OperatorStats) -> dict[str, Any]:
        return {
            "hotel_id": self.hotel_id,
            "run_id": self.report.run_id,
            "operator_code": stats.operator_code,
            "source": (stats.failed_source or ",".join(sorted(stats.sources)))[:200],
            "started_at": stats.started_at or self.report.started_at,
            "ended_at": stats.ended_at or self.clock(),
            "total": stats.total,
            "new": stats.new,
            "changed": stats.changed,
            "unchanged": stats.unchanged,
            "errors": stats.errors,
        }

    def stat(self, code: str, source: str) -> OperatorStats:
        """The row of an operator ("" for mail nobody claims), made on first use."""
        if code not in self.stats:
            op = self.operators.get(code)
            self.stats[code] = OperatorStats(
                code, op.name if op else UNMATCHED_LABEL, started_at=self.clock()
            )
        entry = self.stats[code]
        entry.sources.add(source)
        entry.ended_at = self.clock()
        return entry

    def log(
        self, level: str, code: str, message: str, source: str = "", raw_id: int | None = None
    ) -> None:
        """A line of the scan log (card numbers masked)."""
        self.report.log.append(
            LogLine(self.clock(), level, code, mask_text(message), source, raw_id)
        )

    def source_failed(self, source: Source, message: str, started: datetime) -> None:
        """An operator's API counts against that operator; a folder or a mailbox gets a row."""
        if source.own_operator:
            self.stat(source.own_operator, source.name).errors += 1
            self.log("error", source.own_operator, message, source.label)
            return
        row = self.failed.setdefault(
            source.label,
            OperatorStats(
                UNMATCHED,
                failed_source=source.label,
                problem=mask_text(message),
                started_at=started,
                sources={source.label},
            ),
        )
        row.errors += 1
        row.ended_at = self.clock()
        self.log("error", UNMATCHED, message, source.label)

    def rows(self) -> list[OperatorStats]:
        """Operators by code, then mail nobody claims, then the sources that failed."""
        return sorted(
            [*self.stats.values(), *self.failed.values()],
            key=lambda s: _row_order(s.operator_code, s.failed_source),
        )


def _row_order(operator_code: str, failed_source: str) -> tuple[int, str]:
    if failed_source:
        return (2, failed_source)
    return (1, "") if operator_code == UNMATCHED else (0, operator_code)


def _scan_source(
    db: Database,
    source: Source,
    ingestor: Ingestor,
    request: ScanRequest,
    tally: _Tally,
    progress: Progress | None,
) -> None:
    owner = source.own_operator
    started = tally.clock()
    if hasattr(source, "state"):
        source.state = _load_state(db, tally.hotel_id, source.name)
    handled = 0
    acks: list[str] = []
    failed = False
    try:
        items: Iterator[RawItem] = iter(source.fetch())
        for batch in _batches(_fresh(items, ingestor, tally.report)):
            # Parse outside the write transaction, then write the batch in one.
            handled += _store(ingestor, batch, request, tally, acks)
            if progress:
                progress(source.label, handled)
    except SourceError as exc:
        failed = True
        tally.source_failed(source, str(exc), started)
    for line in source.logs():
        tally.log(line.level, line.operator_code or owner, line.message, source.label)
    if acks:
        try:
            source.acknowledge(acks)
        except SourceError as exc:
            failed = True
            tally.source_failed(source, f"acknowledgement failed: {exc}", started)
        else:
            for line in source.logs():
                tally.log(line.level, line.operator_code or owner, line.message, source.label)
    read = not failed and not owner
    if read:
        tally.report.sources_read.append(source.label)
    with db.write() as session:
        tally.write(session)
        if read:
            # A row with no operator that read nothing is a source's row (``is_source_row``);
            # with no error it clears an earlier failure from ``last_runs``.
            session.add(
                ScanRun(
                    hotel_id=tally.hotel_id,
                    run_id=tally.report.run_id,
                    source=source.label[:200],
                    started_at=started,
                    ended_at=tally.clock(),
                )
            )
    tally.committed()
    if hasattr(source, "state") and source.state:
        _save_state(db, tally.hotel_id, source.name, source.state)


def _batches(items: Iterable[RawItem]) -> Iterator[list[RawItem]]:
    """Items in batches of ``BATCH`` messages, or fewer once they hold ``BATCH_BYTES``."""
    batch: list[RawItem] = []
    size = 0
    for item in items:
        batch.append(item)
        size += len(item.data)
        if len(batch) >= BATCH or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _store(
    ingestor: Ingestor,
    items: list[RawItem],
    request: ScanRequest,
    tally: _Tally,
    acks: list[str],
    problem: str | None = None,
    attempt: int = 0,
) -> int:
    """Parse and store a batch with its log lines and figures, in one transaction.

    Another scan storing the same new reservation at the same moment (PostgreSQL: a unique
    violation on the inbox identity) is a race, not bad data: the batch is stored again, and
    now finds that reservation and adds its own version. When the database refuses the
    batch's data (a value too long for a column ...), each message is stored on its own, and
    one it still refuses is archived with that error and without its reservations; any other
    database error stops the scan.
    """
    prepared = ingestor.prepare(items)
    if problem is not None:
        parsed = prepared.parsed
        prepared = PreparedBatch(
            prepared.work, lambda: [replace(m, reservations=[], error=problem) for m in parsed()]
        )

    def record(session: Session, outcomes: list[IngestOutcome]) -> None:
        archived = 0
        for outcome in outcomes:
            _count(outcome, request, tally.stat, tally.log)
            archived += outcome.raw_id is not None
        tally.write(session)
        journal.stored(session, tally.report.run_id, messages=archived, at=tally.clock())

    try:
        outcomes = ingestor.store(prepared, record=record)
    except (DataError, IntegrityError) as exc:
        tally.rollback()
        ingestor.release(items)
        if problem is not None:
            raise
        if _raced(exc) and attempt < RACE_RETRIES:
            return _store(ingestor, items, request, tally, acks, attempt=attempt + 1)
        if len(items) > 1:
            return sum(_store(ingestor, [item], request, tally, acks) for item in items)
        refused = mask_text(str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc))
        why = f"the database refused it ({refused}): archived without its reservations"
        return _store(ingestor, items, request, tally, acks, problem=why)
    except BaseException:
        tally.rollback()
        raise
    tally.committed()
    for outcome in outcomes:
        acks.extend(outcome.ack_ids)
    return len(outcomes)


#: How often a batch that lost a race with another scan is stored again.
RACE_RETRIES = 3


def _raced(exc: DataError | IntegrityError) -> bool:
    """A unique violation (SQLSTATE 23505): another transaction committed the same key first."""
    return getattr(exc.orig, "sqlstate", None) == "23505"


def _fresh(items: Iterable[RawItem], ingestor: Ingestor, report: ScanReport) -> Iterator[RawItem]:
    """Skip what is archived already without parsing it (the rescan path)."""
    for item in items:
        if ingestor.is_known(item):
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


def scan_log(
    session: Session, hotel_id: int, *, operator: str | None = None, limit: int = 200
) -> list[ScanLogLine]:
    """The newest scan-log lines first, optionally for one operator."""
    query = select(ScanLogLine).where(ScanLogLine.hotel_id == hotel_id)
    if operator is not None:
        query = query.where(ScanLogLine.operator_code == operator)
    return list(session.exec(query.order_by(col(ScanLogLine.id).desc()).limit(limit)))


def log_subject(line: LogLine | ScanLogLine) -> str:
    """Whom a log line is about: its operator; without one, the source for a line about no
    message (a folder or mailbox that failed, a UIDVALIDITY reset), else mail nobody claims."""
    if line.operator_code:
        return line.operator_code
    if line.raw_message_id is None and line.source:
        return line.source
    return UNMATCHED_LABEL


def is_source_row(run: ScanRun) -> bool:
    """A row about a drop folder or a mailbox (named by ``source``), not about messages: it has
    no operator and read nothing; a row of mail nobody claims always counts what it read."""
    return run.operator_code == UNMATCHED and run.total == 0


def run_label(run: ScanRun) -> str:
    """What a stored row is called: the operator code, the source, or "(unmatched)"."""
    if is_source_row(run):
        return run.source
    return run.operator_code or UNMATCHED_LABEL


def last_runs(session: Session, hotel_id: int) -> list[ScanRun]:
    """Each operator's most recent scan figures, then each drop folder or mailbox whose latest
    read failed (the scanner screen's table)."""
    runs = session.exec(
        select(ScanRun)
        .where(ScanRun.hotel_id == hotel_id)
        .order_by(col(ScanRun.id).desc())
        .limit(2000)
    ).all()
    latest: dict[tuple[str, str], ScanRun] = {}
    for run in runs:
        latest.setdefault((run.operator_code, run.source if is_source_row(run) else ""), run)
    shown = [run for run in latest.values() if run.errors or not is_source_row(run)]
    return sorted(
        shown,
        key=lambda r: _row_order(r.operator_code, r.source if is_source_row(r) else ""),
    )


def source_problems(session: Session, hotel_id: int, runs: Iterable[ScanRun]) -> dict[str, str]:
    """What failed for each failed source among ``runs`` (source → message), from its log."""
    wanted = {(run.run_id, run.source) for run in runs if is_source_row(run) and run.errors}
    if not wanted:
        return {}
    lines = session.exec(
        select(ScanLogLine)
        .where(
            ScanLogLine.hotel_id == hotel_id,
            col(ScanLogLine.run_id).in_({run_id for run_id, _ in wanted}),
            ScanLogLine.operator_code == UNMATCHED,
            ScanLogLine.level == "error",
            col(ScanLogLine.raw_message_id).is_(None),
        )
        .order_by(col(ScanLogLine.id))
    )
    problems: dict[str, str] = {}
    for line in lines:
        if (line.run_id, line.source) in wanted:
            problems.setdefault(line.source, line.message)
    return problems


@dataclass
class ScanStatus:
    """What ``scan status`` and the scanner screen show: each operator's latest figures (and
    each failed source), what failed, whether each row's scan finished, and the latest scan."""

    runs: list[ScanRun]
    problems: dict[str, str]
    states: dict[str, ScanState]  # run id → done, running or interrupted
    latest: journal.ScanSummary | None

    def state(self, run: ScanRun) -> ScanState:
        """Whether the scan a row belongs to finished (rows older than run records: done)."""
        return self.states.get(run.run_id, ScanState.DONE)


def scan_status(session: Session, hotel_id: int, *, now: datetime) -> ScanStatus:
    """The scanner's status for a hotel (``now`` tells a silent scan on another host)."""
    runs = last_runs(session, hotel_id)
    scans = journal.summaries(session, hotel_id, {run.run_id for run in runs}, now=now)
    return ScanStatus(
        runs=runs,
        problems=source_problems(session, hotel_id, runs),
        states={run_id: summary.state for run_id, summary in scans.items()},
        latest=journal.latest(session, hotel_id, now=now),
    )
