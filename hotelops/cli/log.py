"""``hotelops log ID``: who did what to an inbox reservation, and when (İşlem Kayıtları)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from hotelops.cli.common import literal, out, print_json, state, wants_json
from hotelops.core.auditlog import reservation_log


def log_command(
    ctx: typer.Context,
    inbox_id: Annotated[int, typer.Argument(metavar="ID", help="Inbox reservation id.")],
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The audit log of an inbox reservation and the hotel reservation it became."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_row = app_state.hotel(session, hotel)
        lines = reservation_log(session, hotel_row.id or 0, inbox_id)
    if wants_json(ctx, json_out):
        print_json(
            [
                {
                    "at": e.at,
                    "user": e.user,
                    "action": e.action,
                    "entity": e.entity,
                    "entity_id": e.entity_id,
                    "before": e.before,
                    "after": e.after,
                    "note": e.note,
                }
                for e in lines
            ]
        )
        return
    table = Table(
        "time (UTC)",
        "user",
        "action",
        "record",
        "note",
        title=f"log of #{inbox_id}",
        title_justify="left",
    )
    for e in lines:
        table.add_row(
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            literal(e.user),
            e.action,
            f"{e.entity} #{e.entity_id}",
            literal(e.note),
        )
    out.print(table)
