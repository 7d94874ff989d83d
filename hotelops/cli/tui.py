"""``hotelops tui``: the Textual dashboard (review grid, detail screen, scanner status)."""

from __future__ import annotations

from typing import Annotated

import typer

from hotelops.cli.common import state


def tui_command(
    ctx: typer.Context,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
) -> None:
    """The dashboard: review grid, Enter for a reservation's detail, F2 the scanner (q quits)."""
    from hotelops.tui.app import run

    app_state = state(ctx)
    db = app_state.database()
    run(
        db,
        app_state.hotel_code(hotel),
        config=app_state.config,
        user=app_state.user(),
    )
