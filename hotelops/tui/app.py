"""The Textual application: a thin shell that opens the review grid.

Screens live in ``hotelops.tui.screens``; rules live in ``hotelops.core``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from hotelops.core.db import Database
from hotelops.tui.screens.grid import DEFAULT_PAGE_SIZE, ReviewGrid


class HotelopsApp(App[None]):
    """The reservation office's dashboard."""

    # Absolute, so that subclasses defined elsewhere (tests) still find it.
    CSS_PATH = Path(__file__).parent / "hotelops.tcss"
    TITLE = "hotelops"
    SUB_TITLE = "review grid"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+t", "toggle_theme", "Theme"),
    ]

    def __init__(
        self, db: Database, hotel_code: str | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.page_size = page_size

    def on_mount(self) -> None:
        self.push_screen(ReviewGrid(self.db, self.hotel_code, page_size=self.page_size))

    def action_toggle_theme(self) -> None:
        """Switch between the dark and the light theme."""
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def on_review_grid_open_reservation(self, message: ReviewGrid.OpenReservation) -> None:
        # The detail screen comes with a later step of the dashboard issue.
        self.notify(f"inbox #{message.inbox_id}: the detail screen is not built yet")


def run(db: Database, hotel_code: str | None = None) -> None:
    """Run the dashboard in this terminal until the user quits."""
    HotelopsApp(db, hotel_code).run()
