"""``hotelops scan``: read every source once (or keep reading), and the scanner's log."""

from __future__ import annotations

import signal
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from hotelops.cli.common import err, literal, out, print_json, state, wants_json
from hotelops.core.errors import HotelopsError
from hotelops.core.models import ScanState
from hotelops.core.scan.inspect import inspect_file
from hotelops.core.scan.journal import describe
from hotelops.core.scan.limits import ScanLimits
from hotelops.core.scan.runner import (
    LogLine,
    ScanReport,
    ScanRequest,
    is_source_row,
    log_subject,
    run_label,
    run_scan,
    scan_log,
    scan_status,
)

app = typer.Typer(
    help="Scan operator APIs, IMAP mailboxes and the drop folder into the inbox.",
    invoke_without_command=True,
)

LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}
STATE_STYLE = {ScanState.RUNNING: "cyan", ScanState.INTERRUPTED: "bold yellow"}


@app.callback()
def scan(
    ctx: typer.Context,
    operator: Annotated[
        str | None,
        typer.Option(
            "--operator",
            help=(
                "Only this operator (API endpoint); with --folder: the operator of files that do "
                "not name one."
            ),
        ),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source", help="Only these kinds of source: folder, imap, http (repeatable)."
        ),
    ] = None,
    folder: Annotated[
        Path | None,
        typer.Option(
            "--folder",
            help="Scan this folder ad hoc instead of the configured sources.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    recursive: Annotated[
        bool, typer.Option("--recursive", help="With --folder: subfolders too.")
    ] = False,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch", help="Keep scanning; Ctrl-C or SIGTERM stops after the current scan."
        ),
    ] = False,
    interval: Annotated[
        int | None,
        typer.Option(
            "--interval",
            min=1,
            help=("Seconds between scans with --watch (default: scan.interval_seconds)."),
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only problems (for cron).")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Read every source once and print the scanner table (exit 1 when an operator or a source
    failed, or mail went unmatched)."""
    if ctx.invoked_subcommand is not None:
        return
    app_state = state(ctx)
    kinds = set(source) if source else None
    if kinds and not kinds <= {"folder", "imap", "http"}:
        raise typer.BadParameter("choose folder, imap or http", param_hint="--source")
    request = ScanRequest(
        hotel_code=app_state.hotel_code(hotel),
        operator=operator if not folder else None,
        kinds=kinds,
        folders=[folder] if folder else None,
        folder_operator=operator if folder and operator else "",
        recursive=recursive,
    )
    as_json = wants_json(ctx, json_out)
    every = interval or app_state.config.settings.scan.interval_seconds
    stop = threading.Event()
    if watch:
        _install_stop(stop)
    worst = 0
    while True:
        report = _scan_once(app_state, request, show_progress=not (as_json or quiet))
        worst = max(worst, 1 if report.has_problems else 0)
        _show(report, as_json=as_json, quiet=quiet)
        if not watch or stop.is_set():
            break
        if not _countdown(every, stop, show=not (as_json or quiet)):
            break
    raise typer.Exit(worst)


def _scan_once(app_state, request: ScanRequest, *, show_progress: bool) -> ScanReport:  # type: ignore[no-untyped-def]
    db = app_state.database()
    if not (show_progress and err.is_terminal):
        return run_scan(db, app_state.config, request)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),  # names a folder or a mailbox
        TextColumn("[bold]{task.completed}[/] messages"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("scanning", total=None)

        def report(source: str, handled: int) -> None:
            progress.update(task, description=f"scanning {source}", completed=handled)

        return run_scan(db, app_state.config, request, progress=report)


def _install_stop(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()
        err.print("[yellow]stopping after this scan...[/]")

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _countdown(seconds: int, stop: threading.Event, *, show: bool) -> bool:
    """Wait for the next scan; False when asked to stop."""
    deadline = time.monotonic() + seconds
    if show and err.is_terminal:
        with err.status("") as status:
            while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
                status.update(f"next scan in [bold]{int(left) + 1}s[/] (Ctrl-C stops)")
                stop.wait(min(1.0, left))
    else:
        stop.wait(max(0.0, deadline - time.monotonic()))
    return not stop.is_set()


def _show(report: ScanReport, *, as_json: bool, quiet: bool) -> None:
    if as_json:
        print_json(
            {
                "run_id": report.run_id,
                "started_at": report.started_at,
                "ended_at": report.ended_at,
                "skipped": report.skipped,
                "operators": [
                    {k: v for k, v in asdict(s).items() if k != "sources"} for s in report.operators
                ],
                "totals": {
                    k: v
                    for k, v in asdict(report.totals()).items()
                    if k in ("total", "new", "changed", "unchanged", "errors")
                },
                "unmatched": report.unmatched,
                "log": [asdict(line) for line in report.log],
            }
        )
        return
    problems = [line for line in report.log if line.level in ("error", "warning")]
    if quiet:
        _print_problems(problems)
        return
    table = Table(
        title=f"scan {report.started_at:%H:%M:%S}–{report.ended_at:%H:%M:%S}", title_justify="left"
    )
    # A source's name (folder:/srv/var/inbox) folds rather than losing its end.
    table.add_column("operator", overflow="fold")
    for name, justify in [
        ("name", "left"),
        ("total", "right"),
        ("new", "right"),
        ("changed", "right"),
        ("unchanged", "right"),
        ("error", "right"),
        ("last scan", "left"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in report.operators:
        when = (
            f"{s.started_at:%H:%M:%S} - {s.ended_at:%H:%M:%S}"
            if s.started_at and s.ended_at
            else ""
        )
        if s.failed_source:  # what failed is the error line below the table
            label, name = literal(s.label, "bold red"), Text("not read", style="red")
        elif s.operator_code:
            label, name = literal(s.label), literal(s.operator_name)
        else:
            label, name = literal(s.label, "yellow"), literal(s.operator_name)
        table.add_row(
            label,
            name,
            str(s.total),
            _n(s.new, "green"),
            _n(s.changed, "cyan"),
            str(s.unchanged),
            _n(s.errors, "bold red"),
            when,
        )
    totals = report.totals()
    table.add_row(
        "[bold]total[/]",
        "",
        f"[bold]{totals.total}[/]",
        _n(totals.new, "green"),
        _n(totals.changed, "cyan"),
        str(totals.unchanged),
        _n(totals.errors, "bold red"),
        "",
    )
    out.print(table)
    if report.skipped:
        out.print(f"[dim]{report.skipped} message(s) already in the archive were skipped[/]")
    _print_problems(problems)


def _print_problems(lines: list[LogLine]) -> None:
    """Errors and warnings on stderr, each named by its operator or source."""
    for line in lines:
        err.print(_problem(line.level, log_subject(line), line.message), soft_wrap=True)


def _problem(level: str, subject: str, message: str) -> Text:
    """``error JET2: message``, the level coloured, the message as written."""
    return Text.assemble((level, LEVEL_STYLE[level]), f" {subject}: {message}")


def _n(value: int, style: str) -> str:
    return f"[{style}]{value}[/]" if value else "0"


@app.command("log")
def log_command(
    ctx: typer.Context,
    operator: Annotated[
        str | None, typer.Option("--operator", help='Only this operator ("" for unmatched mail).')
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many lines.")] = 50,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The scanner's log, newest first: what was read, what failed and why."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_row = app_state.hotel(session, hotel)
        lines = scan_log(session, hotel_row.id or 0, operator=operator, limit=limit)
    if wants_json(ctx, json_out):
        print_json(
            [
                {
                    "at": line.at,
                    "level": line.level,
                    "operator": line.operator_code,
                    "source": line.source,
                    "message": line.message,
                    "raw_message_id": line.raw_message_id,
                }
                for line in lines
            ]
        )
        return
    table = Table("time", "level", "operator", "message")
    for line in lines:
        table.add_row(
            f"{line.at:%Y-%m-%d %H:%M:%S}",
            f"[{LEVEL_STYLE.get(line.level, '')}]{line.level}[/]",
            literal(log_subject(line)),
            literal(line.message),
        )
    out.print(table)


@app.command("status")
def status_command(
    ctx: typer.Context,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Each operator's latest scan (total, new, changed, errors and when), each drop folder
    or mailbox whose latest read failed, and a scan that is running or was interrupted."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_row = app_state.hotel(session, hotel)
        status = scan_status(session, hotel_row.id or 0, now=datetime.now(UTC))
    runs, problems = status.runs, status.problems
    rows = [
        {
            "operator": r.operator_code,
            "failed_source": r.source if is_source_row(r) else "",
            "problem": problems.get(r.source, "") if is_source_row(r) else "",
            "total": r.total,
            "new": r.new,
            "changed": r.changed,
            "unchanged": r.unchanged,
            "errors": r.errors,
            "started_at": r.started_at,
            "ended_at": r.ended_at,
            "state": str(status.state(r)),
        }
        for r in runs
    ]
    if wants_json(ctx, json_out):
        print_json(rows)
        return
    table = Table("operator", "total", "new", "changed", "error", "last scan")
    for r in runs:
        scan_state = status.state(r)
        when = f"{r.started_at:%Y-%m-%d %H:%M:%S} - {r.ended_at:%H:%M:%S}"
        if scan_state != ScanState.DONE:
            when += f" [{STATE_STYLE[scan_state]}]{scan_state}[/]"
        table.add_row(
            literal(run_label(r)),
            str(r.total),
            _n(r.new, "green"),
            _n(r.changed, "cyan"),
            _n(r.errors, "bold red"),
            when,
        )
    out.print(table)
    for source, problem in problems.items():
        err.print(_problem("error", source, problem), soft_wrap=True)
    latest = status.latest
    if latest is not None and latest.state != ScanState.DONE:
        level = "warning" if latest.state == ScanState.INTERRUPTED else "info"
        err.print(
            Text.assemble((level, STATE_STYLE[latest.state]), " ", describe(latest)),
            soft_wrap=True,
        )


@app.command("parse")
def parse_command(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="An .eml, .xml or .json message.", exists=True, dir_okay=False)
    ],
    operator: Annotated[
        str | None,
        typer.Option(
            "--operator", help="The operator's template to use (default: by sender rule)."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what hotelops reads from one message (for mail: what each template rule found)."""
    app_state = state(ctx)
    result = inspect_file(
        file.read_bytes(),
        file.name,
        operator=operator,
        db=_optional_db(app_state),
        limits=ScanLimits.from_settings(app_state.config.settings.scan),
    )
    if wants_json(ctx, json_out):
        print_json(asdict(result))
        raise typer.Exit(1 if result.error else 0)
    out.print(
        Text.assemble(
            (file.name, "bold"),
            f": format {result.format}, operator ",
            (result.operator_code or "?", "bold"),
            f", sender {result.sender}" if result.sender else "",
        )
    )
    if result.fields:
        table = Table("field", "value", "rule", title="template", title_justify="left")
        for name, value, rule in result.fields:
            table.add_row(
                literal(name), literal(value) if value else "[red]—[/]", literal(rule, "dim")
            )
        out.print(table)
    for index, reservation in enumerate(result.reservations, 1):
        table = Table("field", "value", title=f"reservation {index}", title_justify="left")
        for key, value in reservation.items():
            if value not in (None, "", [], 0) or key in ("voucher", "check_in", "check_out"):
                table.add_row(key, literal(str(value)))
        out.print(table)
    if result.error:
        err.print(Text.assemble(("error:", "bold red"), f" {result.error}"))
        raise typer.Exit(1)


def _optional_db(app_state):  # type: ignore[no-untyped-def]
    try:
        return app_state.database()
    except HotelopsError:  # parsing a file needs no database; the sender rules are a bonus
        return None
