"""The review grid driven through Textual's Pilot on the demo hotel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, Tab

from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.models import InboxStatus
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.grid import PageTable, ReviewGrid

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tui") / "demo.db"
    build_demo(path)
    return path


@pytest.fixture
def db(demo_path: Path) -> Iterator[Database]:
    database = open_database(sqlite_url(demo_path))
    yield database
    database.dispose()


def core_ids(db: Database, f: InboxFilter, **kwargs: object) -> tuple[list[int], int]:
    with db.read() as session:
        hotel = get_hotel(session)
        assert hotel.id is not None
        page = list_inbox(session, hotel.id, f, **kwargs)  # type: ignore[arg-type]
    return [row.id for row in page.rows], page.total


async def settle(pilot: Pilot[None]) -> ReviewGrid:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReviewGrid)
    return screen


def status_line(grid: ReviewGrid) -> str:
    return str(grid.query_one("#status-line", Static).render())


async def test_grid_opens_on_pending_with_counts_and_rows(db: Database) -> None:
    pending_ids, pending_total = core_ids(db, InboxFilter(status=InboxStatus.PENDING), limit=50)
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await settle(pilot)
        assert grid.page_ids == pending_ids
        assert grid.query_one(PageTable).row_count == len(pending_ids) > 0
        assert grid.query_one("#pending", Tab).label_text == f"Pending ({pending_total})"
        assert f"rows 1–{len(pending_ids)} of {pending_total}" in status_line(grid)


async def test_all_tab_shows_at_least_the_pending_rows(db: Database) -> None:
    _, all_total = core_ids(db, InboxFilter(), limit=0)
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await settle(pilot)
        pending = grid.total
        await pilot.press("4")
        grid = await settle(pilot)
        assert grid.filter.status is None
        assert grid.total == all_total >= pending
        assert grid.query_one("#all", Tab).label_text == f"All ({all_total})"


async def test_search_by_voucher_filters_to_that_row(db: Database) -> None:
    expected, _ = core_ids(db, InboxFilter(search="79194577"))
    assert len(expected) == 1
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"79194577")
        await pilot.pause(0.5)  # the search is debounced
        grid = await settle(pilot)
        assert grid.page_ids == expected
        assert "rows 1–1 of 1" in status_line(grid)


async def test_space_selects_rows_and_shows_the_count(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await settle(pilot)
        first, second = grid.page_ids[:2]
        await pilot.press("space", "down", "space")
        assert grid.selected == {first, second}
        assert "2 selected" in status_line(grid)
        table = grid.query_one(PageTable)
        assert table.get_cell(str(first), "sel") == "●"
        await pilot.press("space")
        assert grid.selected == {first}
        assert "1 selected" in status_line(grid)


async def test_sort_key_orders_rows_as_the_core_does(db: Database) -> None:
    f = InboxFilter(status=InboxStatus.PENDING)
    by_check_in, _ = core_ids(db, f, limit=50, sort="check_in", descending=True)
    ascending, _ = core_ids(db, f, limit=50, sort="check_in", descending=False)
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await settle(pilot)
        received_order = list(grid.page_ids)
        await pilot.press("s")
        grid = await settle(pilot)
        assert grid.sort == "check_in"
        assert grid.page_ids == by_check_in != received_order
        await pilot.press("r")
        grid = await settle(pilot)
        assert grid.page_ids == ascending
        assert grid.page_ids[0] != by_check_in[0]


async def test_paging_loads_the_next_page_from_the_database(db: Database) -> None:
    f = InboxFilter(status=InboxStatus.PENDING)
    first_page, total = core_ids(db, f, limit=10, offset=0)
    second_page, _ = core_ids(db, f, limit=10, offset=10)
    assert total > 10
    app = HotelopsApp(db, page_size=10)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await settle(pilot)
        assert grid.page_ids == first_page
        await pilot.press("pagedown")
        grid = await settle(pilot)
        assert grid.page_ids == second_page
        assert f"rows 11–20 of {total}" in status_line(grid)
        # Moving up past the first row goes back a page, cursor on its last row.
        await pilot.press("up")
        grid = await settle(pilot)
        assert grid.page_ids == first_page
        assert grid.query_one(PageTable).cursor_row == 9
        # ... and down past the last row goes forward again.
        await pilot.press("down")
        grid = await settle(pilot)
        assert grid.page_ids == second_page


class RecordingApp(HotelopsApp):
    """The app, remembering which reservations the grid asked to open."""

    opened: list[int]

    def on_review_grid_open_reservation(self, message: ReviewGrid.OpenReservation) -> None:
        self.opened = [*getattr(self, "opened", []), message.inbox_id]
        super().on_review_grid_open_reservation(message)


async def test_enter_posts_open_reservation(db: Database) -> None:
    app = RecordingApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await settle(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.opened == [grid.page_ids[1]]


async def test_content_filter_and_theme_toggle(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        grid = await settle(pilot)
        expected, total = core_ids(
            db, InboxFilter(status=InboxStatus.PENDING, content=grid.filter.content), limit=50
        )
        assert str(grid.filter.content) == "new"
        assert grid.page_ids == expected and grid.total == total
        dark = app.current_theme.dark
        await pilot.press("ctrl+t")
        assert app.current_theme.dark != dark
