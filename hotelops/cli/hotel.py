"""``hotelops hotel``: show, list and import hotels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hotelops.cli.common import literal, out, print_json, state, wants_json
from hotelops.cli.render import hotel_card, summary_json
from hotelops.core.hotelfile import import_hotel, read_hotel_file
from hotelops.core.hotels import list_hotels, summarize

app = typer.Typer(
    help="The hotel: its card, its list, importing a hotel file.", no_args_is_help=True
)


@app.command("show")
def show(
    ctx: typer.Context,
    code: Annotated[
        str | None, typer.Argument(help="Hotel code (default: the config's, or the only hotel).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The hotel card: business date, room types, and what the database holds."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        summary = summarize(session, app_state.hotel(session, code))
    if wants_json(ctx, json_out):
        print_json(summary_json(summary))
    else:
        out.print(hotel_card(summary))


@app.command("list")
def list_command(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every hotel in the database."""
    with state(ctx).database().read() as session:
        hotels = list_hotels(session)
    rows = [
        {
            "code": h.code,
            "name": h.name,
            "currency": h.currency,
            "business_date": h.business_date,
            "city": h.city,
        }
        for h in hotels
    ]
    if wants_json(ctx, json_out):
        print_json(rows)
        return
    table = Table("code", "name", "currency", "business date", "city")
    for row in rows:
        table.add_row(
            literal(str(row["code"]), "bold"),
            literal(str(row["name"])),
            literal(str(row["currency"])),
            row["business_date"].isoformat(),
            literal(str(row["city"])),
        )
    out.print(table)


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="Hotel file (TOML; see docs/hotel-file.md).", exists=True, dir_okay=False
        ),
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Import a hotel file: all of it in one transaction, or nothing with every problem listed."""
    app_state = state(ctx)
    spec = read_hotel_file(file)  # a refused file makes no database
    result = import_hotel(app_state.database(create=True), file, user=app_state.user(), spec=spec)
    if wants_json(ctx, json_out):
        print_json({"hotel": result.hotel_code, "imported": result.counts})
        return
    table = Table(
        "table", "rows", title=f"imported hotel {escape(result.hotel_code)}", title_justify="left"
    )
    for name, count in result.counts.items():
        table.add_row(name, str(count))
    out.print(table)
