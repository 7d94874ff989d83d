"""``hotelops demo``: the demo hotel in a local SQLite file, its operator messages scanned."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hotelops.cli.common import err, out, print_json, state, wants_json
from hotelops.cli.render import hotel_card, summary_json
from hotelops.core.db import open_database, sqlite_url
from hotelops.core.demo import DEFAULT_DEMO_DB, DemoResult, build_demo, demo_config, demo_folders
from hotelops.core.scan.runner import ScanRequest


def on_a_terminal() -> bool:
    """True when a person sits at this terminal: stdin and stdout are both TTYs.

    Under cron, in a pipe or with output redirected, the demo only prints its summary.
    """
    return sys.stdin.isatty() and sys.stdout.isatty()


def demo_command(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Option(
            "--path",
            help="SQLite file to build the demo in (an earlier demo there is replaced).",
            dir_okay=False,
        ),
    ] = DEFAULT_DEMO_DB,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    no_tui: Annotated[
        bool,
        typer.Option("--no-tui", help="Print the summary only; do not open the dashboard."),
    ] = False,
) -> None:
    """Build the demo hotel (Kivima Hotel, KIV), scan its operators' messages, show it.

    On a terminal the dashboard (``hotelops tui``) then opens on the demo; ``q`` quits it. With
    ``--json``, ``--no-tui``, or when stdin or stdout is not a terminal, only the summary is
    printed.
    """
    if state(ctx).verbose or not wants_json(ctx, json_out):
        err.print(f"building the demo hotel in [bold]{escape(str(path))}[/] ...")
    result = build_demo(path)
    totals = result.scan.totals()
    scanned = {
        "operators": len(result.scan.operators),
        "total": totals.total,
        "new": totals.new,
        "changed": totals.changed,
        "errors": totals.errors,
    }
    if wants_json(ctx, json_out):
        print_json(
            {
                "database": str(result.path),
                "imported": result.imported.counts,
                "hotel": summary_json(result.summary),
                "scan": scanned,
            }
        )
        return
    out.print(hotel_card(result.summary))
    out.print(
        f"\n[bold]scanned[/] the demo operators' messages: {scanned['operators']} operators, "
        f"{totals.total} reservations read, [green]{totals.new} new[/], "
        f"[cyan]{totals.changed} changed[/], {totals.errors} error(s)"
    )
    db = escape(str(result.path))
    out.print(f"[green]✓[/] demo database: [bold]{db}[/]")
    if not no_tui and on_a_terminal():
        open_dashboard(ctx, result)
        err.print(f"dashboard closed; open it again: [bold]hotelops --db {db} tui[/]")
        return
    err.print(f"the dashboard: [bold]hotelops --db {db} tui[/]")
    err.print(
        f"look around: [bold]hotelops --db {db} inbox list[/], [bold]hotelops --db {db} scan log[/]"
    )


def open_dashboard(ctx: typer.Context, result: DemoResult) -> None:
    """Run the dashboard on the demo database until the user quits.

    Its scanner ("s") rescans the demo's fixture folders (everything is archived already, so a
    rescan finds nothing new); scanned documents go beside the database, as in the build.
    """
    from hotelops.tui.app import run

    db = open_database(sqlite_url(result.path))
    try:
        run(
            db,
            result.summary.code,
            config=demo_config(result.path),
            user=state(ctx).user(),
            scan_request=ScanRequest(hotel_code=result.summary.code, folders=demo_folders()),
        )
    finally:
        db.dispose()
