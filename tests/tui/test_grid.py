"""The review grid driven through Textual's Pilot on the demo hotel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from rich.style import Style
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Select, SelectionList, Static, Tab

from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.models import Content, InboxStatus
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.grid import GUESTS_WIDTH, PageTable, ReviewGrid
from hotelops.tui.screens.grid_modals import FilterModal

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


async def idle(pilot: Pilot[None]) -> None:
    """Until no worker runs (a page's worker starts the price marks' worker)."""
    await pilot.pause()
    for _ in range(20):
        if not any(w.is_running for w in pilot.app.workers):
            break
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def settle(pilot: Pilot[None]) -> ReviewGrid:
    await idle(pilot)
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


async def test_space_selects_and_moves_down_so_four_presses_select_four_rows(
    db: Database,
) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await settle(pilot)
        first_four = grid.page_ids[:4]
        await pilot.press("space", "space", "space", "space")
        assert grid.selected == set(first_four)
        assert "4 selected" in status_line(grid)
        table = grid.query_one(PageTable)
        assert [str(table.get_cell(str(i), "sel")) for i in first_four] == ["●"] * 4
        assert grid.page_ids[table.cursor_row] == grid.page_ids[4]
        # up and space again unselects the fourth (and moves on to the fifth row)
        await pilot.press("up", "space")
        assert grid.selected == set(first_four[:3])
        assert "3 selected" in status_line(grid)
        assert str(table.get_cell(str(first_four[3]), "sel")) == ""
        assert grid.page_ids[table.cursor_row] == grid.page_ids[4]


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


def vouchers(db: Database, ids: list[int]) -> set[str]:
    with db.read() as session:
        hotel = get_hotel(session)
        assert hotel.id is not None
        page = list_inbox(session, hotel.id, InboxFilter(), limit=1000)
    by_id = {row.id: row.voucher for row in page.rows}
    return {by_id[i] for i in ids}


async def open_filters(pilot: Pilot[None]) -> FilterModal:
    await pilot.press("f")
    await idle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, FilterModal)
    return modal


async def test_filter_modal_narrows_by_arrival_range_in_both_date_forms(db: Database) -> None:
    june = InboxFilter(
        status=InboxStatus.PENDING, arrival_from=date(2026, 6, 1), arrival_to=date(2026, 6, 30)
    )
    expected, total = core_ids(db, june)
    assert vouchers(db, expected) == {
        "TUK4492271", "79205560", "PG2620502", "TB-2026-004417", "OTN556311", "OTN558120",
        "J2H8841207",
    }  # fmt: skip
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_filters(pilot)
        await pilot.press(*"2026-06-01", "tab", *"30.06.2026", "enter")
        grid = await settle(pilot)
        assert grid.filter.arrival_from == date(2026, 6, 1)
        assert grid.filter.arrival_to == date(2026, 6, 30)
        assert grid.page_ids == expected and grid.total == total == 7
        assert "arrival 2026-06-01..2026-06-30" in str(
            grid.query_one("#filter-info", Static).render()
        )
        assert grid.query_one("#pending", Tab).label_text == "Pending (7)"
        # F clears every filter.
        await pilot.press("F")
        grid = await settle(pilot)
        assert grid.filter == InboxFilter(status=InboxStatus.PENDING)
        assert grid.total == 30


async def test_filter_modal_picks_several_operators(db: Database) -> None:
    expected, _ = core_ids(db, InboxFilter(status=InboxStatus.PENDING, operators=("TUIP", "PEGS")))
    assert vouchers(db, expected) == {
        "79205560", "79205518", "78862479", "78856480", "79194577", "PG2620502", "PG2620418",
    }  # fmt: skip
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        modal = await open_filters(pilot)
        listing = modal.query_one("#operators", SelectionList)
        labels = [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]
        assert any(label.startswith("TUIP") and "(5 pending)" in label for label in labels)
        listing.focus()
        for code in ("PEGS", "TUIP"):
            index = next(i for i, label in enumerate(labels) if label.startswith(code))
            listing.highlighted = index
            await pilot.press("space")
        await pilot.press("ctrl+s")
        grid = await settle(pilot)
        assert set(grid.filter.operators) == {"TUIP", "PEGS"}
        assert grid.page_ids == expected
        assert {str(grid.query_one(PageTable).get_cell(str(i), "operator")) for i in expected} == {
            "TUIP",
            "PEGS",
        }


async def test_operator_list_space_ticks_the_first_at_once_and_enter_applies(
    db: Database,
) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        modal = await open_filters(pilot)
        assert "Enter applies, from any field or list" in str(
            modal.query_one("#filter-title", Label).render()
        )
        listing = modal.query_one("#operators", SelectionList)
        first = str(listing.get_option_at_index(0).value)
        # Tab from the search field, past the content picker, to the operator list.
        modal.query_one("#filter-search", Input).focus()
        await pilot.press("tab", "tab")
        assert listing.has_focus
        await pilot.press("space")  # no ↓ needed: the first operator is highlighted
        assert listing.selected == [first]
        await pilot.press("enter")  # applies (it does not tick or untick)
        grid = await settle(pilot)
        expected, total = core_ids(db, InboxFilter(status=InboxStatus.PENDING, operators=(first,)))
        assert grid.filter.operators == (first,)
        assert grid.page_ids == expected and grid.total == total


async def test_enter_on_the_missing_checkbox_applies_and_space_ticks_it(db: Database) -> None:
    expected, total = core_ids(db, InboxFilter(status=InboxStatus.PENDING, missing_mappings=True))
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        modal = await open_filters(pilot)
        modal.query_one("#filter-missing").focus()
        await pilot.press("space", "enter")
        grid = await settle(pilot)
        assert grid.filter.missing_mappings is True
        assert grid.page_ids == expected and grid.total == total < 30


async def test_content_picker_opens_with_space_and_enter_applies(db: Database) -> None:
    expected, total = core_ids(db, InboxFilter(status=InboxStatus.PENDING, content=Content.NEW))
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        modal = await open_filters(pilot)
        picker = modal.query_one("#filter-content", Select)
        picker.focus()
        await pilot.press("space")  # opens the choices
        await pilot.pause()
        assert picker.expanded
        await pilot.press("down", "enter")  # in the open list Enter picks "new"
        await pilot.pause()
        assert not picker.expanded and picker.value == Content.NEW
        assert app.screen is modal
        await pilot.press("enter")  # on the closed picker Enter applies
        grid = await settle(pilot)
        assert grid.filter.content == Content.NEW
        assert grid.page_ids == expected and grid.total == total


async def test_a_bad_filter_date_is_refused_naming_the_field(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        modal = await open_filters(pilot)
        await pilot.press("tab", *"31.02.2026", "enter")
        await pilot.pause()
        assert app.screen is modal  # not applied, nothing lost
        error = str(modal.query_one("#filter-error", Static).render())
        assert "arrival to: '31.02.2026' is not a date (use YYYY-MM-DD or DD.MM.YYYY)" in error
        await pilot.press("escape")
        grid = await settle(pilot)
        assert grid.filter.arrival_to is None and grid.total == 30


async def test_marks_show_missing_mappings_and_price_differences(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await settle(pilot)
        table = grid.query_one(PageTable)
        by_voucher = {row.voucher: row.id for row in grid.page_rows}
        pegas, differs, priced = (
            by_voucher["PG2620502"],
            by_voucher["79205560"],
            by_voucher["79194577"],
        )
        assert str(table.get_cell(str(pegas), "marks")) == "M"
        assert str(table.get_cell(str(differs), "marks")) == "≠"
        assert str(table.get_cell(str(priced), "marks")) == ""
        assert grid.price_marks[differs] == "differs"
        assert "M missing mapping · ≠ price differs" in status_line(grid)


async def test_grid_is_usable_at_80_by_24(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(80, 24)) as pilot:
        grid = await settle(pilot)
        table = grid.query_one(PageTable)
        assert table.size.height >= 8  # rows visible under the tabs and the filter bar
        await pilot.press("down", "down", "space")
        assert grid.selected == {grid.page_ids[2]}
        footer = " ".join(
            b.binding.description for b in app.active_bindings.values() if b.binding.show
        )
        for label in ("Filter", "Price", "Confirm+save", "Search", "Select", "Open"):
            assert label in footer


async def test_fast_cells_paint_exactly_as_textual_would(db: Database) -> None:
    """PageTable draws plain cells itself: every segment must equal DataTable's own."""
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await settle(pilot)
        table = grid.query_one(PageTable)
        compared = 0
        for row in range(table.row_count):
            for column, spec in enumerate(table.ordered_columns):
                width = spec.get_render_width(table)
                for cursor in (False, True):
                    base = Style(bgcolor="#223344") if row % 2 else Style()
                    table._cell_render_cache.clear()
                    mine = table._render_cell(row, column, base, width, cursor)
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_cell(table, row, column, base, width, cursor)
                    assert mine == theirs, (row, spec.label)
                    compared += 1
        assert compared == 2 * 30 * len(table.columns)


async def test_long_guest_names_are_cut_with_an_ellipsis_and_the_voucher_stays_in_view(
    db: Database,
) -> None:
    with db.read() as session:
        rows = list_inbox(session, 1, InboxFilter(), limit=1000).rows
    long = [r for r in rows if len(r.guest_names) > GUESTS_WIDTH]
    assert long, "the demo has reservations with long guest lists"
    target = long[0]
    app = HotelopsApp(db)
    async with app.run_test(size=(120, 40)) as pilot:
        grid = await settle(pilot)
        await pilot.press("4")
        grid = await settle(pilot)
        await pilot.press("slash")
        grid.query_one("#search", Input).value = target.voucher
        await pilot.press("enter")
        grid = await settle(pilot)
        table = grid.query_one(PageTable)
        cell = str(table.get_cell(str(target.id), "guests"))
        assert cell == target.guest_names[: GUESTS_WIDTH - 1] + "…"
        # the voucher column starts inside a 120-column terminal
        keys = [c.key.value for c in table.ordered_columns]
        before = keys.index("voucher")
        x = sum(c.get_render_width(table) for c in table.ordered_columns[:before])
        assert x < 120
