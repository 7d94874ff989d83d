"""``hotelops init``: a config file and a database, ready to import a hotel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from hotelops.cli.common import err, out, print_json, state, wants_json
from hotelops.core.config import database_target, load_config
from hotelops.core.db import open_database
from hotelops.core.setup import write_initial_config


def init_command(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Option("--path", help="Where to write the config file.", dir_okay=False)
    ] = Path("config/hotelops.toml"),
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="Database path or URL to write into the new config "
            "(default: hotelops.db beside it).",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create the config file (a commented example) and the database with all its tables."""
    app_state = state(ctx)
    created = write_initial_config(path, database=database)
    config = load_config(path)
    target = database_target(config, app_state.db_override)
    db = open_database(target, busy_timeout_ms=config.settings.database.busy_timeout_ms)
    url = db.url
    db.dispose()
    result = {"config": str(path.resolve()), "config_created": created, "database": url}
    if wants_json(ctx, json_out):
        print_json(result)
        return
    verb = "created" if created else "kept the existing"
    out.print(f"[green]✓[/] {verb} config [bold]{escape(str(path))}[/]")
    out.print(f"[green]✓[/] database ready: [bold]{escape(url)}[/]")
    err.print(
        "next: [bold]hotelops hotel import FILE[/] (see fixtures/demo/kivima.toml), "
        "or [bold]hotelops demo[/]"
    )
