"""``hotelops contract``: import, list, show and export contracts (price codes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from hotelops.cli.common import err, literal, out, print_json, state, wants_json
from hotelops.core.errors import NotFound
from hotelops.core.pricing.contracts import (
    ContractSpec,
    contract_data,
    contract_to_toml,
    import_contract,
    list_contracts,
    load_contract,
)

app = typer.Typer(
    help="Contracts: the agreed price tables (import, list, show, export).", no_args_is_help=True
)

HotelOption = Annotated[
    str | None, typer.Option("--hotel", help="Hotel code (default: the config's, or the only one).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _load(ctx: typer.Context, hotel: str | None, code: str) -> ContractSpec:
    with state(ctx).database().read() as session:
        found = state(ctx).hotel(session, hotel)
        assert found.id is not None
        spec = load_contract(session, found.id, code)
    if spec is None:
        raise NotFound(f"no contract {code!r} in hotel {found.code} (hotelops contract list)")
    return spec


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="Contract file (TOML, one [contract] table).", exists=True, dir_okay=False
        ),
    ],
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import a contract: all of it, replacing one with the same code, or nothing."""
    app_state = state(ctx)
    code = app_state.hotel_code(hotel)
    spec = import_contract(app_state.database(), code, file, user=app_state.user())
    summary = {
        "contract": spec.code,
        "periods": len(spec.periods),
        "rooms": len(spec.rooms),
        "prices": len(spec.prices),
    }
    if wants_json(ctx, json_out):
        print_json(summary)
    else:
        err.print(
            Text.assemble(
                "imported contract ",
                (spec.code, "bold"),
                f" ({len(spec.periods)} periods, {len(spec.rooms)} room types, "
                f"{len(spec.prices)} price rows)",
            )
        )


@app.command("list")
def list_command(
    ctx: typer.Context, hotel: HotelOption = None, json_out: JsonOption = False
) -> None:
    """Every contract of the hotel."""
    with state(ctx).database().read() as session:
        found = state(ctx).hotel(session, hotel)
        assert found.id is not None
        rows = list_contracts(session, found.id)
    if wants_json(ctx, json_out):
        print_json(rows)
        return
    table = Table(
        "code",
        "name",
        "valid",
        "board",
        "markets",
        "currency",
        "periods",
        "rooms",
        "prices",
        "active",
        "source",
    )
    for row in rows:
        table.add_row(
            literal(row.code, "bold"),
            literal(row.name),
            f"{row.valid_from}..{row.valid_to}",
            literal(row.board),
            literal(", ".join(row.markets)),
            literal(row.currency),
            literal(f"{row.periods} ({row.letters})"),
            str(row.rooms),
            str(row.prices),
            "yes" if row.active else "no",
            literal(row.source),
        )
    out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Contract code (price code).")],
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """The contract's price table: one table per period letter."""
    spec = _load(ctx, hotel, code)
    if wants_json(ctx, json_out):
        print_json(contract_data(spec))
        return
    bands = ", ".join(f"{b.min_age}-{b.max_age}" for b in spec.child_bands) or "none"
    out.print(
        Text.assemble(
            (spec.code, "bold"),
            f" {spec.name}  {spec.valid_from}..{spec.valid_to}  {spec.board}  {spec.currency}  "
            f"markets {', '.join(spec.markets) or 'all'}  child bands {bands}",
        )
    )
    for letter in dict.fromkeys(p.letter for p in spec.periods):
        ranges = ", ".join(f"{p.from_}..{p.to}" for p in spec.periods if p.letter == letter)
        table = Table(
            "room", "occupancy", "children", "base", "extra bed", "weekend", "weekend extra bed",
            title=f"period {escape(letter)}: {ranges}", title_justify="left",
        )  # fmt: skip
        for row in spec.prices:
            if row.letter != letter:
                continue
            off = "" if row.active else " (off)"
            table.add_row(
                literal(row.room_type),
                literal(row.occupancy + off),
                "-".join(str(n) for n in spec.children_key(row.children)) or "-",
                *(str(v) if v is not None else "" for v in
                  (row.base, row.extra_bed, row.weekend, row.weekend_extra_bed)),
            )  # fmt: skip
        out.print(table)


@app.command("export")
def export_command(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Contract code (price code).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    hotel: HotelOption = None,
) -> None:
    """The contract as a TOML file that imports back unchanged."""
    text = contract_to_toml(_load(ctx, hotel, code))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}", markup=False)
