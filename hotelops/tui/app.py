"""The Textual application: a thin shell over the review grid, detail and scanner screens.

Screens live in ``hotelops.tui.screens``; rules live in ``hotelops.core``.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from hotelops.core.config import LoadedConfig, Settings
from hotelops.core.db import Database
from hotelops.tui.screens.detail import DetailScreen
from hotelops.tui.screens.grid import DEFAULT_PAGE_SIZE, ReviewGrid
from hotelops.tui.screens.scanner import ScannerScreen


class HotelopsApp(App[None]):
    """The reservation office's dashboard."""

    # Absolute, so that subclasses defined elsewhere (tests) still find it.
    CSS_PATH = Path(__file__).parent / "hotelops.tcss"
    TITLE = "hotelops"
    SUB_TITLE = "review grid"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+t", "toggle_theme", "Theme"),
        Binding("f2", "scanner", "Scanner"),
    ]

    def __init__(
        self,
        db: Database,
        hotel_code: str | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        config: LoadedConfig | None = None,
        user: str = "office",
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.page_size = page_size
        self.config = config or LoadedConfig(Settings(), None)
        self.user = user

    def on_mount(self) -> None:
        self.push_screen(ReviewGrid(self.db, self.hotel_code, page_size=self.page_size))

    def action_toggle_theme(self) -> None:
        """Switch between the dark and the light theme."""
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_scanner(self) -> None:
        """The scanner status screen (Operatör Tarama Programı)."""
        self.push_screen(ScannerScreen(self.db, self.hotel_code, self.config))

    def on_review_grid_open_reservation(self, message: ReviewGrid.OpenReservation) -> None:
        self.push_screen(
            DetailScreen(self.db, self.hotel_code, message.inbox_id, self.config, self.user)
        )


def run(
    db: Database,
    hotel_code: str | None = None,
    *,
    config: LoadedConfig | None = None,
    user: str = "office",
) -> None:
    """Run the dashboard in this terminal until the user quits."""
    HotelopsApp(db, hotel_code, config=config, user=user).run()
