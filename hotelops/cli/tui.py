"""``hotelops tui``: the Textual dashboard (review grid; detail and scanner screens to come)."""

from __future__ import annotations

from typing import Annotated

import typer

from hotelops.cli.common import state


def tui_command(
    ctx: typer.Context,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
) -> None:
    """Open the review grid: tabs, search, filters, sorting, paging, selection (q quits)."""
    from hotelops.tui.app import run

    app_state = state(ctx)
    db = app_state.database()
    run(db, hotel or app_state.config.settings.office.hotel or None)
