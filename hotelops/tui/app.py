"""The Textual application: a thin shell over the review grid, detail, scanner and mappings
screens.

Screens live in ``hotelops.tui.screens``; rules live in ``hotelops.core``. The shell owns what
is the same on every screen: the theme (light or dark, kept on every screen until the dashboard
closes), the keys that work everywhere (``q``, ``ctrl+t``, ``F2``, ``F3``, ``ctrl+p``) and the
command palette, which offers the shell's commands and the keys of the screen it was opened on.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from hotelops.core.config import LoadedConfig, Settings
from hotelops.core.db import Database
from hotelops.core.scan.runner import ScanRequest
from hotelops.tui.screens.detail import DetailScreen
from hotelops.tui.screens.grid import DEFAULT_PAGE_SIZE, ReviewGrid
from hotelops.tui.screens.mappings import MappingsScreen
from hotelops.tui.screens.scanner import ScannerScreen

DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"
#: ``--theme`` names → Textual themes.
THEMES = {"dark": DARK_THEME, "light": LIGHT_THEME}


class HotelopsApp(App[None]):
    """The reservation office's dashboard."""

    # Absolute, so that subclasses defined elsewhere (tests) still find it.
    CSS_PATH = Path(__file__).parent / "hotelops.tcss"
    TITLE = "hotelops"
    SUB_TITLE = "review grid"
    #: A terminal under 30 lines gives each screen the class ``-short`` (hotelops.tcss then
    #: trims the chrome: a one-line search box), from 30 lines ``-tall``.
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [(0, "-short"), (30, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("f2", "scanner", "Scanner"),
        Binding("ctrl+t", "toggle_theme", "Theme"),
        # Out of the footer (80 columns have no room for it): the palette offers it.
        Binding("f3", "mappings", "Mappings", show=False),
    ]

    def __init__(
        self,
        db: Database,
        hotel_code: str | None = None,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        config: LoadedConfig | None = None,
        user: str = "office",
        theme: str = "dark",
        scan_request: ScanRequest | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.page_size = page_size
        self.config = config or LoadedConfig(Settings(), None)
        self.user = user
        self.scan_request = scan_request
        # The theme belongs to the App, not to a screen: what ctrl+t, the palette or --theme
        # chose holds on every screen until the dashboard is closed.
        self.theme = THEMES.get(theme, theme)

    def on_mount(self) -> None:
        self.push_screen(ReviewGrid(self.db, self.hotel_code, page_size=self.page_size))

    # --- theme --------------------------------------------------------------------------------

    def action_toggle_theme(self) -> None:
        """Switch between the dark and the light theme (kept for the rest of the session)."""
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME

    # --- screens ------------------------------------------------------------------------------

    def action_scanner(self) -> None:
        """The scanner status screen (Operatör Tarama Programı)."""
        if isinstance(self.screen, ScannerScreen):
            return
        self.push_screen(
            ScannerScreen(self.db, self.hotel_code, self.config, request=self.scan_request)
        )

    def action_mappings(self) -> None:
        """Operators and mappings (Tur Operatörü Ayarları): unmapped codes, mappings, senders."""
        if isinstance(self.screen, MappingsScreen):
            return
        self.push_screen(MappingsScreen(self.db, self.hotel_code, self.user))

    def action_review_grid(self) -> None:
        """Back to the review grid, closing whatever screens are open over it."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, ReviewGrid):
            self.pop_screen()

    def on_review_grid_open_reservation(self, message: ReviewGrid.OpenReservation) -> None:
        detail = DetailScreen(self.db, self.hotel_code, message.inbox_id, self.config, self.user)
        detail.sub_title = "reservation detail"
        self.push_screen(detail)

    # --- command palette ----------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette (ctrl+p): the shell's commands, then the keys of the current screen.

        A screen's keys are offered by their footer names, including the ones the footer has
        no room for (the grid's tabs 1-4, content, sort order ...).
        """
        yield SystemCommand(
            "Review grid", "Back to the review grid (Escape from a screen)", self.action_review_grid
        )
        yield SystemCommand(
            "Scanner status",
            "Operators' scan figures, live log, scan now (F2)",
            self.action_scanner,
        )
        yield SystemCommand(
            "Operators and mappings",
            "Unmapped codes, mappings and sender rules per operator (F3)",
            self.action_mappings,
        )
        yield SystemCommand(
            "Toggle light/dark theme",
            "Switch the theme for this session (ctrl+t)",
            self.action_toggle_theme,
        )
        shell = {"quit", "scanner", "mappings", "toggle_theme", "command_palette"}
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or active.node is self:
                continue
            if binding.action in shell or binding.description in seen or not active.enabled:
                continue
            seen.add(binding.description)
            yield SystemCommand(
                binding.description,
                f"key {self.get_key_display(binding)} on this screen",
                partial(self.run_action, binding.action, active.node),
            )
        yield from super().get_system_commands(screen)


def run(
    db: Database,
    hotel_code: str | None = None,
    *,
    config: LoadedConfig | None = None,
    user: str = "office",
    theme: str = "dark",
    scan_request: ScanRequest | None = None,
) -> None:
    """Run the dashboard in this terminal until the user quits."""
    HotelopsApp(
        db, hotel_code, config=config, user=user, theme=theme, scan_request=scan_request
    ).run()
