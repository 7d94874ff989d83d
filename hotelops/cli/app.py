"""``hotelops``: the root command, its global options, and how errors become exit codes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text
from typer.core import TyperGroup

import hotelops
from hotelops.cli import (
    approve,
    config_cmd,
    contract,
    demo,
    guests,
    hotel,
    inbox,
    init,
    log,
    price,
    promo,
    rate,
    scan,
    tui,
)
from hotelops.cli import map as map_cmd
from hotelops.cli.common import AppState, err, state
from hotelops.cli.helpfmt import polish
from hotelops.core.config import refuse_credentials_on_command_line
from hotelops.core.errors import HotelopsError


class HotelopsGroup(TyperGroup):
    """Turns a core error into its message on stderr and its exit code (ARCHITECTURE.md)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        polish(self)
        return super().main(*args, **kwargs)

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HotelopsError as exc:
            # The message quotes files, codes and names as written: never read it as markup.
            err.print(Text.assemble(("error:", "bold red"), " ", str(exc)), soft_wrap=True)
            ctx.exit(exc.exit_code)
        finally:
            if isinstance(ctx.obj, AppState):
                ctx.obj.close()


app = typer.Typer(
    cls=HotelopsGroup,
    help="hotelops: the reservation office of a resort hotel, at the terminal.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hotelops {hotelops.__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Config file (else $HOTELOPS_CONFIG, ./config/hotelops.toml, "
            "~/.config/hotelops/hotelops.toml).",
            dir_okay=False,
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database: an SQLite file or a postgresql:// URL "
            "(else $HOTELOPS_DATABASE_URL, else the config).",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="JSON output for scripts.")] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output (-vv for debug).")
    ] = 0,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Global options apply to every command."""
    if db:
        refuse_credentials_on_command_line(db, "--db")
    ctx.obj = AppState(config_path=config, db_override=db, json=json_out, verbose=verbose)
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # httpx logs each URL at INFO, and httpcore each answer's headers at DEBUG: an API key in a
    # query string, or a credential an operator echoes back, must never reach a log.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    state(ctx)


app.command("init")(init.init_command)
app.command("demo")(demo.demo_command)
app.add_typer(hotel.app, name="hotel")
app.add_typer(scan.app, name="scan")
app.add_typer(inbox.app, name="inbox")
app.add_typer(map_cmd.app, name="map")
app.add_typer(contract.app, name="contract")
app.add_typer(promo.app, name="promo")
app.add_typer(price.app, name="price")
app.add_typer(approve.app, name="approve")
app.add_typer(guests.app, name="guests")
app.add_typer(rate.app, name="rate")
app.command("log")(log.log_command)
app.command("tui")(tui.tui_command)
app.add_typer(config_cmd.app, name="config")


def main() -> None:
    """Console-script entry point."""
    app()
