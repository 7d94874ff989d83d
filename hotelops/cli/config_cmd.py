"""``hotelops config``: where the settings come from, what they are, and changing one."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from hotelops.cli.common import out, print_json, state, wants_json
from hotelops.core.config import parse_value, set_value, settings_view
from hotelops.core.errors import ConfigError

app = typer.Typer(help="Settings: show them, or change one.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The settings in force and the file they came from (anything credential-like masked)."""
    app_state = state(ctx)
    data = settings_view(app_state.config, app_state.db_override)
    if wants_json(ctx, json_out):
        print_json(data)
        return
    out.print(f"config file: [bold]{escape(data['file'] or '(none: defaults)')}[/]")
    out.print(f"database:    [bold]{escape(data['database'])}[/]")
    out.print_json(data=data["settings"])


@app.command("set")
def set_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="SECTION.KEY, e.g. scan.interval_seconds")],
    value: Annotated[str, typer.Argument(help='The value, as TOML (60, true, "text").')],
) -> None:
    """Change one setting; the file is validated, then rewritten (the old one kept as .bak)."""
    config = state(ctx).config
    if config.path is None:
        raise ConfigError("no config file to change: run `hotelops init` first, or pass --config")
    set_value(config.path, key, parse_value(value))
    out.print(f"[green]✓[/] {escape(f'{key} = {value}  ({config.path})')}")
