"""The review grid's columns: narrow terminals, resizing, the "in the books" mark and the sort
sign in the header (Pilot on a demo database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Static

from hotelops.core.approval import decide
from hotelops.core.config import LoadedConfig, Settings
from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.hotels import get_hotel
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.grid import (
    GUESTS_WIDTH,
    GUESTS_WIDTH_WIDE,
    RESIZE_DEBOUNCE_S,
    PageTable,
    ReviewGrid,
)

pytestmark = pytest.mark.anyio

PRICED = "79194577"  # TUI Partners: mapped, priced, ready to confirm and save


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "demo.db"
    build_demo(path)
    database = open_database(sqlite_url(path))
    yield database
    database.dispose()


async def idle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    for _ in range(20):
        if not any(w.is_running for w in pilot.app.workers):
            break
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def grid_of(pilot: Pilot[None]) -> ReviewGrid:
    await idle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReviewGrid)
    return screen


def visible_line(table: PageTable, y: int) -> str:
    """The text of one line of the table as the terminal shows it (header: 0, first row: 1)."""
    return table.render_line(y).text


def headers(table: PageTable) -> list[str]:
    return [column.label.plain for column in table.ordered_columns]


async def test_at_80_columns_the_voucher_and_check_in_of_a_row_are_in_view(
    db: Database,
) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await grid_of(pilot)
        table = grid.query_one(PageTable)
        first = grid.page_rows[0]
        shown = visible_line(table, 1)
        assert first.voucher in shown
        assert first.check_in.isoformat() in shown
        header = visible_line(table, 0)
        assert "Voucher" in header and "Check-in" in header
        # the Pending tab says the status: no Status column; Content is a short word
        assert "status" not in table.columns
        assert "Status" not in header
        contents = {str(table.get_cell(str(row.id), "content")) for row in grid.page_rows}
        assert contents <= {"new", "mod", "cancel"} and "new" in contents
        for row in grid.page_rows:
            assert cell_len(str(table.get_cell(str(row.id), "agency"))) <= 12
            assert cell_len(str(table.get_cell(str(row.id), "guests"))) <= 16
        long = next(row for row in grid.page_rows if len(row.guest_names) > 16)
        assert str(table.get_cell(str(long.id), "guests")) == long.guest_names[:15] + "…"
        # the All tab mixes statuses: its Status column stays
        await pilot.press("4")
        grid = await grid_of(pilot)
        assert "status" in table.columns
        assert "pending" in visible_line(table, 1)


async def test_column_widths_follow_a_resize(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await grid_of(pilot)
        table = grid.query_one(PageTable)
        long = next(row for row in grid.page_rows if len(row.guest_names) > GUESTS_WIDTH_WIDE)
        assert table.columns["guests"].width == GUESTS_WIDTH
        assert str(table.get_cell(str(long.id), "guests")) == long.guest_names[:27] + "…"
        cursor_id = grid.page_ids[5]
        table.move_cursor(row=5, animate=False)
        await pilot.resize_terminal(200, 50)
        await pilot.pause(RESIZE_DEBOUNCE_S + 0.3)
        await idle(pilot)
        assert table.columns["guests"].width == GUESTS_WIDTH_WIDE
        assert str(table.get_cell(str(long.id), "guests")) == long.guest_names[:43] + "…"
        assert grid.page_ids[table.cursor_row] == cursor_id  # the cursor stays on its row
        await pilot.resize_terminal(80, 24)
        await pilot.pause(RESIZE_DEBOUNCE_S + 0.3)
        await idle(pilot)
        assert table.columns["guests"].width == 16
        assert "status" not in table.columns
        assert grid.page_rows[0].voucher in visible_line(table, 1)
        assert grid.page_ids[table.cursor_row] == cursor_id


async def test_a_reservation_in_the_books_is_marked_b_in_green(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        target = next(row.id for row in grid.page_rows if row.voucher == PRICED)
        with db.read() as session:
            hotel = get_hotel(session)
        outcome = decide(
            db,
            hotel,
            LoadedConfig(Settings(), None),
            target,
            confirm=True,
            save=True,
            user="ayse",
        )
        assert outcome.hotel_reservation_id
        await pilot.press("4")  # the All tab, read again
        grid = await grid_of(pilot)
        table = grid.query_one(PageTable)
        mark = table.get_cell(str(target), "marks")
        assert isinstance(mark, Text) and mark.plain == "B"
        assert "green" in str(mark.spans[0].style)
        others = [row.id for row in grid.page_rows if not row.hotel_reservation_id]
        assert all("B" not in str(table.get_cell(str(i), "marks")) for i in others)
        status = str(grid.query_one("#status-line", Static).render())
        assert "M missing mapping · ≠ price differs · B in the books" in status


async def test_the_sorted_column_header_carries_the_direction(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        table = grid.query_one(PageTable)
        labels = headers(table)
        assert "Received ↓" in labels and "Check-in" in labels
        await pilot.press("r")
        grid = await grid_of(pilot)
        assert "Received ↑" in headers(table)
        await pilot.press("s")  # sort by check-in, still ascending
        grid = await grid_of(pilot)
        labels = headers(table)
        assert "Check-in ↑" in labels and "Received" in labels
        assert grid.sort == "check_in"
        assert "Check-in ↑" in visible_line(table, 0)
