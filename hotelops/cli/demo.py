"""``hotelops demo``: the demo hotel in a local SQLite file, its operator messages scanned."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hotelops.cli.common import err, out, print_json, state, wants_json
from hotelops.cli.render import hotel_card, summary_json
from hotelops.core.demo import DEFAULT_DEMO_DB, build_demo


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
) -> None:
    """Build the demo hotel (Kivima Hotel, KIV), scan its operators' messages, show it."""
    if state(ctx).verbose or not wants_json(ctx, json_out):
        err.print(f"building the demo hotel in [bold]{path}[/] ...")
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
    out.print(f"[green]✓[/] demo database: [bold]{result.path}[/]")
    err.print(
        f"look around: [bold]hotelops --db {result.path} inbox list[/], "
        f"[bold]hotelops --db {result.path} scan log[/]"
    )
