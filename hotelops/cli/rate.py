"""``hotelops rate``: exchange rates (Döviz kurları), imported from CSV and listed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from hotelops.cli.common import err, literal, out, parse_date, print_json, state, wants_json
from hotelops.core.rates import import_rates, list_rates

app = typer.Typer(
    help="Exchange rates: what one unit of a currency is worth in the hotel's currency, per day.",
    no_args_is_help=True,
)

HotelOption = Annotated[str | None, typer.Option("--hotel", help="Hotel code.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV file with the columns currency,date,rate.", exists=True, dir_okay=False
        ),
    ],
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import a rate file: every row, or none when one is wrong (each problem named).

    A day already known gets the file's rate; importing the same file again changes nothing.
    """
    app_state = state(ctx)
    result = import_rates(
        app_state.database(), app_state.hotel_code(hotel), file, user=app_state.user()
    )
    summary = {
        "added": result.added,
        "changed": [
            {"currency": c, "date": d, "before": old, "after": new}
            for c, d, old, new in result.changed
        ],
        "unchanged": result.unchanged,
        "currencies": result.currencies,
        "from": result.first,
        "to": result.last,
    }
    if wants_json(ctx, json_out):
        print_json(summary)
        return
    span = f" ({result.first} to {result.last})" if result.first else ""
    err.print(
        literal(
            f"{file.name}: {result.added} added, {len(result.changed)} changed, "
            f"{result.unchanged} unchanged; {', '.join(result.currencies) or 'no currency'}"
            f"{span}"
        )
    )
    for currency, day, old, new in result.changed[:20]:
        err.print(literal(f"  {currency} {day}: {old} → {new}", "yellow"))
    if len(result.changed) > 20:
        err.print(literal(f"  ... and {len(result.changed) - 20} more (--json lists all)"))


@app.command("list")
def list_command(
    ctx: typer.Context,
    currency: Annotated[str | None, typer.Option("--currency", help="Only this currency.")] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="From this day.")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="To this day.")
    ] = None,
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """The rates the hotel has, by currency and day."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_row = app_state.hotel(session, hotel)
        rows = list_rates(
            session,
            hotel_row.id or 0,
            currency=currency,
            date_from=parse_date(date_from, "--from"),
            date_to=parse_date(date_to, "--to"),
        )
    if wants_json(ctx, json_out):
        print_json(
            {
                "hotel_currency": hotel_row.currency,
                "rates": [
                    {"currency": r.currency, "date": r.on_date, "rate": str(r.rate)} for r in rows
                ],
            }
        )
        return
    table = Table(
        "currency",
        "date",
        "rate",
        "source",
        title=f"exchange rates: {hotel_row.currency} for one unit",
        title_justify="left",
    )
    for r in rows:
        table.add_row(r.currency, f"{r.on_date:%Y-%m-%d}", str(r.rate), literal(r.source))
    out.print(table)
    if not rows:
        err.print("no rates (import them: hotelops rate import FILE.csv)")
