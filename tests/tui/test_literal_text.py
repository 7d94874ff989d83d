"""The dashboard shows names, codes, notes and messages as written, never as markup (the data:
tests/marked_hotel.py). Each check reads what is drawn: a table's rendered lines, a widget's
rendered content, a notification's toast."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, RichLog, TabbedContent

from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.detail import DetailScreen
from hotelops.tui.screens.mappings import MappingsScreen
from hotelops.tui.screens.scanner import ScannerScreen
from tests.marked_hotel import (
    AGENCY,
    AGENCY_NOTE,
    BROKEN_FILE,
    GUEST,
    HOTEL_NOTE,
    OPERATOR_NAME,
    REASON,
    ROOM_TYPE,
    VOUCHER,
    MarkedHotel,
    build_marked_hotel,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def hotel(tmp_path_factory: pytest.TempPathFactory) -> MarkedHotel:
    return build_marked_hotel(tmp_path_factory.mktemp("marked"))


@pytest.fixture
def db(hotel: MarkedHotel) -> Iterator[Database]:
    database = open_database(sqlite_url(Path(hotel.path)))
    yield database
    database.dispose()


async def idle(pilot: Pilot[None]) -> None:
    """Until no worker runs and the screen has drawn what they read."""
    for _ in range(10):
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            break
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def drawn(table: DataTable[object]) -> list[str]:
    """The table's lines as they are drawn."""
    return [table.render_line(y).text for y in range(table.size.height)]


def rendered(widget: Widget) -> str:
    return str(widget.render())


def toasts(pilot: Pilot[None]) -> list[str]:
    return [rendered(toast) for toast in pilot.app.screen.query("Toast")]


async def press(pilot: Pilot[None], key: str) -> Screen[object]:
    """The screen a key opens, once it has read what it shows."""
    await idle(pilot)
    await pilot.press(key)
    await idle(pilot)
    return pilot.app.screen


async def open_detail(pilot: Pilot[None], db: Database, inbox_id: int) -> DetailScreen:
    app = pilot.app
    assert isinstance(app, HotelopsApp)
    await idle(pilot)
    await app.push_screen(DetailScreen(db, None, inbox_id, app.config, "tester"))
    await idle(pilot)
    assert isinstance(app.screen, DetailScreen) and app.screen.data is not None
    return app.screen


async def test_the_grid_shows_voucher_guest_and_room_type_as_sent(db: Database) -> None:
    async with HotelopsApp(db).run_test(size=(260, 30)) as pilot:
        await idle(pilot)
        grid = drawn(pilot.app.screen.query_one("#grid", DataTable))
        row = next(line for line in grid if VOUCHER in line)
        assert f"{GUEST} Lee" in row
        assert AGENCY in row and ROOM_TYPE in row


async def test_a_search_with_brackets_is_shown_as_typed(db: Database) -> None:
    async with HotelopsApp(db).run_test(size=(160, 30)) as pilot:
        await idle(pilot)
        await pilot.press("slash")
        pilot.app.screen.query_one("#search", Input).value = "[/b]"
        await pilot.press("enter")
        await idle(pilot)
        assert "search '[/b]'" in rendered(pilot.app.screen.query_one("#filter-info"))


async def test_the_detail_screen_shows_names_codes_and_notes_as_written(
    db: Database, hotel: MarkedHotel
) -> None:
    async with HotelopsApp(db).run_test(size=(160, 40)) as pilot:
        screen = await open_detail(pilot, db, hotel.reservation)
        assert f"{OPERATOR_NAME} (OTEL)  voucher {VOUCHER}" in rendered(
            screen.query_one("#detail-header")
        )
        mapping = rendered(screen.query_one("#detail-mapping"))
        assert f"Agency    {AGENCY}" in mapping and f"Room type {ROOM_TYPE}" in mapping
        extra = rendered(screen.query_one("#extra-info"))
        assert f"agency note\n{AGENCY_NOTE}" in extra and f"hotel note\n{HOTEL_NOTE}" in extra
        assert any(GUEST in line for line in drawn(screen.query_one("#guests-table", DataTable)))


async def test_the_log_tab_shows_a_rejection_reason_as_typed(
    db: Database, hotel: MarkedHotel
) -> None:
    async with HotelopsApp(db).run_test(size=(160, 40)) as pilot:
        screen = await open_detail(pilot, db, hotel.rejected)
        screen.query_one(TabbedContent).active = "tab-log"
        await idle(pilot)
        assert any(REASON in line for line in drawn(screen.query_one("#log-table", DataTable)))


async def test_a_refusal_names_the_unmapped_codes_as_sent(db: Database, hotel: MarkedHotel) -> None:
    async with HotelopsApp(db).run_test(size=(160, 40), notifications=True) as pilot:
        await open_detail(pilot, db, hotel.reservation)
        await pilot.press("a")  # confirm and save: the confirmation first
        await idle(pilot)
        title = rendered(pilot.app.screen.query_one(".modal-title"))
        assert f"Confirm to {OPERATOR_NAME} and save to the books" in title
        await pilot.press("y")
        await idle(pilot)
        refusal = next(text for text in toasts(pilot) if text.startswith("refused"))
        assert f"OTEL room type {ROOM_TYPE!r} is not mapped" in refusal
        assert f"OTEL agency {AGENCY!r} is not mapped" in refusal


async def test_a_guest_without_profiles_is_named_as_sent(db: Database, hotel: MarkedHotel) -> None:
    async with HotelopsApp(db).run_test(size=(160, 40), notifications=True) as pilot:
        await open_detail(pilot, db, hotel.reservation)
        await pilot.press("l")  # link the guest under the cursor: the first, Ann
        await idle(pilot)
        assert f"{GUEST} Lee: no possible guest profiles to link" in toasts(pilot)


async def test_the_scanner_shows_operator_names_and_problems_as_written(db: Database) -> None:
    async with HotelopsApp(db).run_test(size=(160, 40)) as pilot:
        screen = await press(pilot, "f2")
        assert isinstance(screen, ScannerScreen)
        otel = next(line for line in drawn(screen.query_one(DataTable)) if "OTEL" in line)
        assert OPERATOR_NAME in otel
        log = [strip.text for strip in screen.query_one(RichLog).lines]
        assert any(f"{BROKEN_FILE}: JSON is not valid" in line for line in log)


async def test_the_mappings_screen_shows_operator_codes_as_sent(db: Database) -> None:
    async with HotelopsApp(db).run_test(size=(160, 40)) as pilot:
        screen = await press(pilot, "f3")
        assert isinstance(screen, MappingsScreen)
        operators = screen.query_one("#ops-table", DataTable)
        assert any(OPERATOR_NAME in line for line in drawn(operators))
        operators.move_cursor(row=operators.get_row_index("OTEL"))
        await idle(pilot)
        missing = drawn(screen.query_one("#missing-table", DataTable))
        assert any(AGENCY in line for line in missing)
        assert any(ROOM_TYPE in line for line in missing)
