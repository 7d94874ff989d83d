"""``hotelops demo``: the demo hotel in a local SQLite file."""

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
    """Build the demo hotel (Kivima Hotel, KIV) and show what it holds."""
    if state(ctx).verbose or not wants_json(ctx, json_out):
        err.print(f"building the demo hotel in [bold]{path}[/] ...")
    result = build_demo(path)
    if wants_json(ctx, json_out):
        print_json(
            {
                "database": str(result.path),
                "imported": result.imported.counts,
                "hotel": summary_json(result.summary),
            }
        )
        return
    out.print(hotel_card(result.summary))
    out.print(f"\n[green]✓[/] demo database: [bold]{result.path}[/]")
    err.print(f"look around: [bold]hotelops --db {result.path} hotel show[/]")
