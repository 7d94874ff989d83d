"""The dashboard in an 80×24 terminal (both themes) and in a wide one (200×50)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.color import Color
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, RichLog
from textual.widgets._footer import FooterKey

from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.tui.app import DARK_THEME, LIGHT_THEME, HotelopsApp
from hotelops.tui.screens.detail import DetailScreen
from hotelops.tui.screens.grid import PageTable, ReviewGrid
from hotelops.tui.screens.scanner import ScannerScreen

pytestmark = pytest.mark.anyio

SMALL = (80, 24)
WIDE = (200, 50)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("small") / "demo.db"
    build_demo(path)
    return path


@pytest.fixture
def db(demo_path: Path) -> Iterator[Database]:
    database = open_database(sqlite_url(demo_path))
    yield database
    database.dispose()


async def idle(pilot: Pilot[None]) -> None:
    """Until no worker runs (one worker may start another)."""
    await pilot.pause()
    for _ in range(20):
        if not any(w.is_running for w in pilot.app.workers):
            break
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.pause()


def visible_footer_keys(pilot: Pilot[None]) -> set[str]:
    """The descriptions of the footer keys a user can read (not cut off at the right edge)."""
    keys = list(pilot.app.screen.query(FooterKey))
    palette = [key for key in keys if key.has_class("-command-palette")]
    limit = palette[0].region.x if palette else pilot.app.size.width
    shown = {key.description for key in keys if key.region.width and key.region.right <= limit}
    shown.update(key.description for key in palette if key.region.width)
    return shown


def on_screen(widget: Widget, pilot: Pilot[None]) -> bool:
    region = widget.region
    height = pilot.app.size.height
    return region.width > 0 and region.height > 0 and region.bottom <= height - 1


def contrast(widget: Widget) -> float:
    """How far apart the widget's text and background brightness are (0 to 1)."""
    style = widget.rich_style
    assert style.color is not None and style.bgcolor is not None
    text = Color.from_rich_color(style.color)
    background = Color.from_rich_color(style.bgcolor)
    return abs(text.brightness - background.brightness)


@pytest.mark.parametrize("theme", [DARK_THEME, LIGHT_THEME])
async def test_grid_at_80x24_shows_rows_and_the_main_keys(db: Database, theme: str) -> None:
    app = HotelopsApp(db, "KIV", theme=theme)
    async with app.run_test(size=SMALL) as pilot:
        await idle(pilot)
        assert app.theme == theme
        grid = app.screen
        assert isinstance(grid, ReviewGrid)
        table = grid.query_one(PageTable)
        assert on_screen(table, pilot)
        # a one-line search box leaves the room to the rows: the header line and 14 of them
        assert grid.query_one("#search").region.height == 1
        assert table.region.height >= 15
        assert table.row_count >= 14
        assert str(table.get_row_at(0)[1]).strip() != ""
        keys = visible_footer_keys(pilot)
        # F2 Scanner and s Sort are in the palette: 80 columns hold no more.
        assert {
            "Open",
            "Select",
            "Search",
            "Filter",
            "Price",
            "Confirm+save",
            "Quit",
            "palette",
        } <= keys, keys
        assert contrast(table) > 0.4


@pytest.mark.parametrize("theme", [DARK_THEME, LIGHT_THEME])
async def test_scanner_at_80x24_shows_its_table_log_and_keys(db: Database, theme: str) -> None:
    app = HotelopsApp(db, "KIV", theme=theme)
    async with app.run_test(size=SMALL) as pilot:
        await idle(pilot)
        await pilot.press("f2")
        await idle(pilot)
        screen = app.screen
        assert isinstance(screen, ScannerScreen)
        table = screen.query_one("#scanner-table", DataTable)
        log = screen.query_one("#scanner-log", RichLog)
        assert on_screen(table, pilot) and on_screen(log, pilot)
        assert table.region.height >= 6 and log.region.height >= 5
        assert table.row_count > 1
        # the seed's columns (operator, total, new, changed, errors, last scan) are in view
        last_scan = table.columns["last_scan"]
        assert sum(c.get_render_width(table) for c in table.ordered_columns[:6]) <= 80
        assert last_scan.label.plain == "Last scan"
        assert any("NOVA" in strip.text for strip in log.lines)
        keys = visible_footer_keys(pilot)
        assert {"Scan now", "Timer", "Back", "Quit", "Scanner", "Theme", "palette"} <= keys, keys
        assert contrast(table) > 0.4


async def test_ctrl_t_switches_theme_and_both_stay_legible(db: Database) -> None:
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=SMALL) as pilot:
        await idle(pilot)
        table = app.screen.query_one(PageTable)
        dark_background = Color.from_rich_color(table.rich_style.bgcolor).brightness
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == LIGHT_THEME
        light_background = Color.from_rich_color(table.rich_style.bgcolor).brightness
        assert light_background > 0.5 > dark_background
        assert contrast(table) > 0.4


def columns_in_view(table: DataTable[object]) -> list[str]:
    """The keys of the columns shown whole, left to right, before any horizontal scrolling."""
    shown, right = [], 0
    for column in table.ordered_columns:
        right += column.get_render_width(table)
        if right > table.size.width:
            break
        shown.append(str(column.key.value))
    return shown


async def test_a_wide_terminal_shows_more_of_the_grid(db: Database) -> None:
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=SMALL) as pilot:
        await idle(pilot)
        small = app.screen.query_one(PageTable)
        small_columns = columns_in_view(small)
        small_rows = small.region.height
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=WIDE) as pilot:
        await idle(pilot)
        table = app.screen.query_one(PageTable)
        assert table.region.width >= 195
        wide_columns = columns_in_view(table)
        # guest names, voucher and the stay's dates come into view; more rows too
        assert {"guests", "voucher", "check_in", "check_out"} <= set(wide_columns)
        assert len(wide_columns) > len(small_columns)
        assert table.region.height >= small_rows + 20
        assert app.screen.query_one("#search").region.height == 3  # the full search box
        keys = visible_footer_keys(pilot)
        assert {"Open", "Search", "Quit", "Scanner", "Theme"} <= keys, keys


@pytest.mark.parametrize("theme", [DARK_THEME, LIGHT_THEME])
async def test_detail_at_80x24_shows_its_header_tabs_and_actions(db: Database, theme: str) -> None:
    app = HotelopsApp(db, "KIV", theme=theme)
    async with app.run_test(size=SMALL) as pilot:
        await idle(pilot)
        table = app.screen.query_one(PageTable)
        voucher = str(table.get_row_at(0)[table.get_column_index("voucher")])
        await pilot.press("enter")
        await idle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        header = screen.query_one("#detail-header")
        assert on_screen(header, pilot)
        assert f"voucher {voucher}" in str(header.render())
        tabs = screen.query_one("#detail-tabs")
        actions = screen.query_one("#action-bar")
        assert on_screen(tabs, pilot) and tabs.region.height >= 5
        assert on_screen(actions, pilot)
        assert {"Back", "Confirm+save", "palette"} <= visible_footer_keys(pilot)
