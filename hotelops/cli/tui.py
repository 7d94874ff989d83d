"""``hotelops tui``: the Textual dashboard (review grid, detail screen, scanner status)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from hotelops.cli.common import state
from hotelops.core.hotels import get_hotel


class Theme(StrEnum):
    """The dashboard's two themes."""

    dark = "dark"
    light = "light"


def tui_command(
    ctx: typer.Context,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    theme: Annotated[
        Theme, typer.Option("--theme", help="Start in the dark or the light theme (ctrl+t).")
    ] = Theme.dark,
) -> None:
    """The dashboard: review grid, Enter for a reservation's detail, F2 the scanner (q quits)."""
    from hotelops.tui.app import run

    app_state = state(ctx)
    db = app_state.database()
    # A database without the hotel is refused here, with the fix, before the screen changes.
    with db.read() as session:
        code = get_hotel(session, app_state.hotel_code(hotel)).code
    run(
        db,
        code,
        config=app_state.config,
        user=app_state.user(),
        theme=theme.value,
    )
