"""The scanner status screen (seed 000's "Operatör Tarama Programı").

Each operator's latest scan figures, each drop folder or mailbox whose latest read failed
(named by the source, with what failed), their totals, whether the latest scan is still running
or was interrupted, the newest scan-log lines, and a timer that scans every ``interval`` seconds
while the screen is open. Reading the database and scanning run in thread workers, so the
terminal never waits on either; the figures come from ``hotelops.core.scan.runner``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, RichLog, Static

from hotelops.core.config import LoadedConfig
from hotelops.core.db import Database
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import OperatorCount, operator_counts
from hotelops.core.models import ScanLogLine, ScanRun, ScanState
from hotelops.core.scan.journal import ScanSummary, describe
from hotelops.core.scan.runner import (
    ScanReport,
    ScanRequest,
    is_source_row,
    log_subject,
    run_label,
    run_scan,
    scan_log,
    scan_status,
)
from hotelops.tui.literal import TextTable

LOG_LIMIT = 200
#: How often the screen rereads the figures and the log, so that scans made elsewhere (``hotelops
#: scan --watch``, cron, a colleague's dashboard) show up while it is open.
LIVE_SECONDS = 5.0
TOTAL_KEY = "__total__"
UNMATCHED_KEY = "__unmatched__"
COLUMNS = (
    ("Operator", "operator"),
    ("Total", "total"),
    ("New", "new"),
    ("Changed", "changed"),
    ("Errors", "errors"),
    ("Last scan", "last_scan"),
    ("Unchanged", "unchanged"),
    ("Name", "name"),  # last: an 80-column terminal shows the seed's columns first
)
NEVER = "not scanned yet"
LEVEL_STYLE = {"error": "bold red", "warning": "yellow"}
STATE_STYLE = {ScanState.RUNNING: "cyan", ScanState.INTERRUPTED: "bold yellow"}


def row_key(operator_code: str) -> str:
    """The table's row key of an operator (mail nobody claims has an empty code)."""
    return operator_code or UNMATCHED_KEY


def run_key(run: ScanRun) -> str:
    """The table's row key of a stored row: the operator's, or a failed source's label."""
    return run.source if is_source_row(run) else row_key(run.operator_code)


@dataclass
class Figures:
    """What the screen shows, read in one go."""

    hotel_code: str
    runs: list[ScanRun]
    operators: list[OperatorCount]
    lines: list[ScanLogLine]
    problems: dict[str, str]  # failed source → what failed
    states: dict[str, ScanState]  # run id → state (a run not listed is done)
    latest: ScanSummary | None  # the most recent scan


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def when_range(started: datetime | None, ended: datetime | None) -> str:
    """A scan's start and end like the seed's "Son Tarama Zamanı" (``… 08:51:12–08:51:40``)."""
    if started is None or ended is None:
        return _when(ended or started)
    start, end = started.astimezone(), ended.astimezone()
    if start.date() == end.date():
        return f"{_when(start)}–{end.strftime('%H:%M:%S')}"
    return f"{_when(start)}–{_when(end)}"


def _figure(value: int, style: str) -> Text:
    return Text(str(value), style=style if value else "", justify="right")


def log_text(line: ScanLogLine) -> Text:
    """One log line, coloured by its level."""
    text = Text(f"{_when(line.at)} ")
    text.append(f"{line.level:<7} ", style=LEVEL_STYLE.get(line.level, "dim"))
    text.append(f"{log_subject(line):<6} ", style="bold")
    text.append(line.message, style=LEVEL_STYLE.get(line.level, ""))
    return text


class ScannerScreen(Screen[None]):
    """Operators' scan figures, totals, a live log, and a scan timer."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "scan", "Scan now"),
        Binding("t", "toggle_timer", "Timer"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(
        self,
        db: Database,
        hotel_code: str | None,
        config: LoadedConfig,
        *,
        request: ScanRequest | None = None,
        interval: int | None = None,
        live: float = LIVE_SECONDS,
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.config = config
        self.request = request or ScanRequest(hotel_code=hotel_code)
        if self.request.hotel_code is None:
            self.request.hotel_code = hotel_code
        self.interval = max(1, interval or config.settings.scan.interval_seconds)
        self.remaining = self.interval
        self.timer_on = False
        self.scanning = False
        self.hotel_label = hotel_code or ""
        self.last_log_id = 0
        self.totals = (0, 0, 0, 0, 0)  # total, new, changed, unchanged, errors
        self.operator_count = 0
        self.operator_total = 0
        self.live = live
        self._ticker: Timer | None = None
        self._table_key: tuple[object, ...] | None = None
        self.latest: ScanSummary | None = None  # the latest scan, when it has not finished
        self._noted_run = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="scanner-status", markup=False)
        yield TextTable(id="scanner-table", cursor_type="row", zebra_stripes=True)
        yield RichLog(id="scanner-log", markup=False, wrap=True, max_lines=1000)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "scanner"
        table = self.query_one(DataTable)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        self._ticker = self.set_interval(1, self._tick, pause=True)
        if self.live > 0:
            self.set_interval(self.live, self._live_refresh)
        self._show_status()
        self.load()

    def _live_refresh(self) -> None:
        if not self.scanning:
            self.load()

    # --- reading -----------------------------------------------------------------------------

    def _read(self) -> Figures:
        """The hotel code, each operator's last run, the hotel's operators, and the log lines
        not shown yet, oldest first."""
        with self.db.read() as session:
            hotel = get_hotel(session, self.hotel_code)
            hotel_id = hotel.id or 0
            status = scan_status(session, hotel_id, now=datetime.now(UTC))
            operators = operator_counts(session, hotel_id)
            lines = [
                line
                for line in scan_log(session, hotel_id, limit=LOG_LIMIT)
                if (line.id or 0) > self.last_log_id
            ]
            lines.reverse()
            return Figures(
                hotel.code,
                status.runs,
                operators,
                lines,
                status.problems,
                status.states,
                status.latest,
            )

    @work(thread=True, exclusive=True, group="scanner-load")
    def load(self) -> None:
        """Read the figures and the log in a thread, then show them."""
        try:
            figures = self._read()
        except Exception as exc:  # shown to the user; the screen stays usable
            self.app.call_from_thread(self._failed, f"cannot read the scan figures: {exc}")
            return
        self.app.call_from_thread(self._show, figures)

    def _show(self, figures: Figures) -> None:
        self.hotel_label = figures.hotel_code
        self.operator_total = len(figures.operators)
        self._fill_table(figures.runs, figures.operators, figures.problems, figures.states)
        self._append_log(figures.lines)
        self._note_latest(figures.latest)
        self._show_status()

    def _fill_table(
        self,
        runs: Sequence[ScanRun],
        operators: Sequence[OperatorCount],
        problems: dict[str, str],
        states: dict[str, ScanState],
    ) -> None:
        """One row per scanned operator (and per failed source, with what failed), then the
        hotel's operators never scanned, then TOTAL. A row of a scan still running, or
        interrupted, says so after its time.

        Unchanged figures leave the table alone (the cursor stays where the user put it).
        """
        # A running scan updates its rows in place: their figures are part of the key.
        key = (
            tuple(
                (run.id, run.total, run.new, run.changed, run.errors, run.ended_at) for run in runs
            ),
            tuple(op.code for op in operators),
            tuple(sorted(states.items())),
        )
        if key == self._table_key:
            return
        self._table_key = key
        table = self.query_one(DataTable)
        table.clear()
        names = {op.code: op.name for op in operators}
        totals = [0, 0, 0, 0, 0]
        first: datetime | None = None
        last: datetime | None = None
        for run in runs:
            figures = (run.total, run.new, run.changed, run.unchanged, run.errors)
            totals = [a + b for a, b in zip(totals, figures, strict=True)]
            first = run.started_at if first is None or run.started_at < first else first
            last = run.ended_at if last is None or run.ended_at > last else last
            if is_source_row(run):
                label = Text(run_label(run), style="bold red")
                name: Text | str = Text(problems.get(run.source, "see the log"), style="red")
            else:
                label = Text(run_label(run), style="bold")
                name = names.get(run.operator_code, "mail from an unknown sender")
            when: Text | str = when_range(run.started_at, run.ended_at)
            state = states.get(run.run_id, ScanState.DONE)
            if state != ScanState.DONE:
                when = Text(f"{when} {state}", style=STATE_STYLE[state])
            table.add_row(
                label,
                *self._figures(*figures, when=when),
                name,
                key=run_key(run),
            )
        scanned = {run.operator_code for run in runs}
        for operator in operators:
            if operator.code in scanned:
                continue
            table.add_row(
                Text(operator.code, style="dim"),
                *[""] * 4,
                Text(NEVER, style="dim"),
                "",
                Text(operator.name, style="dim"),
                key=row_key(operator.code),
            )
        table.add_row(
            Text("TOTAL", style="bold reverse"),
            *self._figures(*totals, when=when_range(first, last), bold=True),
            f"{len(operators)} operators",
            key=TOTAL_KEY,
        )
        self.totals = (totals[0], totals[1], totals[2], totals[3], totals[4])
        self.operator_count = sum(1 for run in runs if run.operator_code)

    @staticmethod
    def _figures(
        total: int,
        new: int,
        changed: int,
        unchanged: int,
        errors: int,
        *,
        when: Text | str,
        bold: bool = False,
    ) -> list[Text | str]:
        """The figure cells in the columns' order (the seed's, then "unchanged")."""
        weight = "bold " if bold else ""
        return [
            Text(str(total), style=weight.strip(), justify="right"),
            _figure(new, f"{weight}green"),
            _figure(changed, f"{weight}cyan"),
            _figure(errors, f"{weight}red"),
            when,
            Text(str(unchanged), style=weight.strip(), justify="right"),
        ]

    def _append_log(self, lines: Sequence[ScanLogLine]) -> None:
        log = self.query_one(RichLog)
        for line in lines:
            if (line.id or 0) <= self.last_log_id:
                continue  # two reads overlapped: shown already
            log.write(log_text(line))
            self.last_log_id = line.id or 0

    def _note_latest(self, latest: ScanSummary | None) -> None:
        """The latest scan, when it has not finished: in the status line, and once in the log
        when it was interrupted."""
        self.latest = latest if latest is not None and latest.state != ScanState.DONE else None
        if self.latest is None or self.latest.state != ScanState.INTERRUPTED:
            return
        if self.latest.run_id != self._noted_run:
            self._noted_run = self.latest.run_id
            self.query_one(RichLog).write(
                Text(describe(self.latest, when=_when), style=STATE_STYLE[self.latest.state])
            )

    def _failed(self, message: str) -> None:
        self.query_one(RichLog).write(Text(message, style="bold red"))
        self.notify(message, severity="error", markup=False)

    # --- status line and timer -----------------------------------------------------------------

    def status_text(self) -> str:
        """The header line: the hotel, the totals, the scan state and the countdown."""
        total, new, changed, _unchanged, errors = self.totals
        parts = [
            f"hotel {self.hotel_label}" if self.hotel_label else "scanner",
            f"{self.operator_count} of {self.operator_total} operators scanned",
            f"read {total} · new {new} · changed {changed} · errors {errors}",
        ]
        if self.scanning:
            parts.append("scanning…")
        elif self.latest is not None:
            parts.append(
                f"last scan {self.latest.state} ({self.latest.messages} message(s) stored)"
            )
        if self.timer_on:
            parts.append(f"next scan in {self.remaining}s (every {self.interval}s)")
        else:
            parts.append(f"timer off (t: every {self.interval}s)")
        return " · ".join(parts)

    def _show_status(self) -> None:
        self.query_one("#scanner-status", Static).update(self.status_text())

    def _tick(self) -> None:
        if not self.timer_on or self.scanning:
            return
        self.remaining -= 1
        if self.remaining <= 0:
            self.remaining = self.interval
            self.action_scan()
        self._show_status()

    def action_toggle_timer(self) -> None:
        """Scan every ``interval`` seconds while the screen is open, or stop doing so."""
        self.timer_on = not self.timer_on
        self.remaining = self.interval
        if self._ticker is not None:
            if self.timer_on:
                self._ticker.resume()
            else:
                self._ticker.pause()
        self.notify(f"scan timer {'on' if self.timer_on else 'off'}")
        self._show_status()

    def action_back(self) -> None:
        """Leave the scanner (a scan already running finishes in the background)."""
        if self._ticker is not None:
            self._ticker.stop()
        self.timer_on = False
        self.app.pop_screen()

    # --- scanning ------------------------------------------------------------------------------

    def action_scan(self) -> None:
        """Scan every source of the request now, in a thread."""
        if self.scanning:
            self.notify("a scan is already running", severity="warning")
            return
        self.scanning = True
        self._show_status()
        self.query_one(RichLog).write(Text(f"{_when(datetime.now())} scan started", style="dim"))
        self.scan()

    @work(thread=True, exclusive=True, group="scanner-scan")
    def scan(self) -> None:
        """Run the scan, then read the new figures and log lines."""
        try:
            report = run_scan(self.db, self.config, self.request, progress=self._progress)
        except Exception as exc:  # shown to the user; the screen stays usable
            self.app.call_from_thread(self._scan_done, None, f"scan failed: {exc}")
            return
        try:
            figures = self._read()
        except Exception as exc:
            self.app.call_from_thread(self._scan_done, report, f"cannot read the figures: {exc}")
            return
        self.app.call_from_thread(self._show, figures)
        self.app.call_from_thread(self._scan_done, report, None)

    def _progress(self, source: str, handled: int) -> None:
        self.app.call_from_thread(
            self.query_one(RichLog).write, Text(f"{source}: {handled} handled", style="dim")
        )

    def _scan_done(self, report: ScanReport | None, problem: str | None) -> None:
        self.scanning = False
        self._show_status()
        if problem:
            self._failed(problem)
        if report is None:
            return
        totals = report.totals()
        summary = (
            f"scan done: {totals.total} read, {totals.new} new, {totals.changed} changed, "
            f"{totals.errors} errors"
        )
        if report.skipped:
            summary += f", {report.skipped} already archived"
        if report.unmatched:
            summary += f", {report.unmatched} unmatched"
        failed = report.failed_sources
        if failed:
            summary += f"; not read: {', '.join(row.failed_source for row in failed)}"
        style = "yellow" if report.has_problems else "bold"
        self.query_one(RichLog).write(Text(f"{_when(report.ended_at)} {summary}", style=style))
        self.notify(summary, severity="warning" if report.has_problems else "information")
