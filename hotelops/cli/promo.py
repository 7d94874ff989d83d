"""``hotelops promo``: import, list and show promotions (Aksiyon ve İndirimler)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from hotelops.cli.common import err, literal, out, print_json, state, wants_json
from hotelops.core.errors import NotFound
from hotelops.core.pricing.promotions import (
    describe,
    import_promotions,
    list_promotions,
    load_promotion,
    promotion_data,
)

app = typer.Typer(help="Promotions: discounts on contract prices.", no_args_is_help=True)

HotelOption = Annotated[
    str | None, typer.Option("--hotel", help="Hotel code (default: the config's, or the only one).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="Promotion file (TOML; one or many [[promotion]]).", exists=True, dir_okay=False
        ),
    ],
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import promotions: all of the file, replacing those with the same code, or nothing."""
    app_state = state(ctx)
    specs = import_promotions(
        app_state.database(), state(ctx).hotel_code(hotel), file, user=app_state.user()
    )
    if wants_json(ctx, json_out):
        print_json({"imported": [s.code for s in specs]})
    else:
        err.print(
            f"imported {len(specs)} promotion(s): {', '.join(s.code for s in specs)}", markup=False
        )


@app.command("list")
def list_command(
    ctx: typer.Context, hotel: HotelOption = None, json_out: JsonOption = False
) -> None:
    """Every promotion of the hotel, in the order they apply."""
    with state(ctx).database().read() as session:
        found = state(ctx).hotel(session, hotel)
        assert found.id is not None
        rows = list_promotions(session, found.id)
    if wants_json(ctx, json_out):
        print_json(rows)
        return
    table = Table("priority", "code", "kind", "what", "auto", "exclusive", "wins level",
                  "agencies", "active", "description")  # fmt: skip
    for row in rows:
        table.add_row(
            str(row.priority),
            literal(row.code, "bold"),
            row.kind,
            literal(row.what),
            "yes" if row.auto_apply else "by hand",
            "yes" if row.exclusive else "",
            "yes" if row.wins_level else "",
            literal(", ".join(row.agencies) or "all"),
            "yes" if row.active else "no",
            literal(row.description),
        )
    out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Promotion code.")],
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """One promotion, every key."""
    with state(ctx).database().read() as session:
        found = state(ctx).hotel(session, hotel)
        assert found.id is not None
        spec = load_promotion(session, found.id, code)
    if spec is None:
        raise NotFound(f"no promotion {code!r} in hotel {found.code} (hotelops promo list)")
    data = promotion_data(spec)
    if wants_json(ctx, json_out):
        print_json(data)
        return
    title = escape(f"{spec.code}: {describe(spec)}")
    table = Table("key", "value", title=title, title_justify="left")
    for key, value in data.items():
        table.add_row(key, literal(", ".join(value) if isinstance(value, list) else str(value)))
    out.print(table)
