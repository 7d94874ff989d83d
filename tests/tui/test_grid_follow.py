"""The review grid follows the database: a poll of the inbox's change stamp, ctrl+r / F5, and
the active tab's number reload the page (a real scan and real decisions through the core)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, Tab

import hotelops.tui.screens.grid as grid_module
from hotelops.core.approval import decide
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo, fixtures_dir
from hotelops.core.hotels import get_hotel
from hotelops.core.scan.runner import ScanRequest, run_scan
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.grid import PageTable, ReviewGrid

pytestmark = pytest.mark.anyio

NEW_VOUCHER = "79194999"  # a TUI Partners reservation the demo has never seen
PRICED = "79194577"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    # A fresh demo per test: these tests scan and decide reservations.
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


def scan_a_new_reservation(db: Database, tmp_path: Path) -> None:
    """What ``hotelops scan`` does: a new operator file in a drop folder, scanned by the core."""
    source = (fixtures_dir() / "ota" / "TUIP-01-new-79194577.xml").read_text()
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "TUIP-new.xml").write_text(source.replace(PRICED, NEW_VOUCHER))
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "docs"))), None)
    report = run_scan(db, config, ScanRequest(folders=[drop]))
    assert report.totals().new == 1


def decide_elsewhere(db: Database, inbox_id: int) -> None:
    """A colleague (or the CLI) confirms and saves one reservation."""
    with db.read() as session:
        hotel = get_hotel(session)
    decide(
        db,
        hotel,
        LoadedConfig(Settings(), None),
        inbox_id,
        confirm=True,
        save=True,
        user="colleague",
    )


def vouchers(grid: ReviewGrid) -> list[str]:
    return [row.voucher for row in grid.page_rows]


async def test_the_poll_shows_a_scanned_and_a_decided_reservation_keeping_the_cursor(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grid_module, "POLL_SECONDS", 0.2)
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        assert NEW_VOUCHER not in vouchers(grid) and grid.total == 30
        table = grid.query_one(PageTable)
        table.move_cursor(row=3, animate=False)
        looked_at = grid.page_ids[3]
        scan_a_new_reservation(db, tmp_path)
        await pilot.pause(0.6)  # a poll or two
        grid = await grid_of(pilot)
        # the newest reservation comes first (sorted by received, newest first)
        assert vouchers(grid)[0] == NEW_VOUCHER
        assert grid.total == 31
        assert grid.query_one("#pending", Tab).label_text == "Pending (31)"
        assert grid.page_ids[table.cursor_row] == looked_at
        # a colleague's decision: the row leaves the pending tab, the approved tab counts it
        decided = next(row.id for row in grid.page_rows if row.voucher == PRICED)
        decide_elsewhere(db, decided)
        await pilot.pause(0.6)
        grid = await grid_of(pilot)
        assert decided not in grid.page_ids and grid.total == 30
        assert grid.query_one("#approved", Tab).label_text == "Approved (1)"
        assert grid.page_ids[table.cursor_row] == looked_at


async def test_the_poll_does_nothing_while_another_screen_is_in_front(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grid_module, "POLL_SECONDS", 0.2)
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        await pilot.press("f2")  # the scanner screen
        await idle(pilot)
        scan_a_new_reservation(db, tmp_path)
        await pilot.pause(0.6)
        await idle(pilot)
        assert NEW_VOUCHER not in vouchers(grid)  # not read behind the user's back
        await pilot.press("escape")  # back: the grid reads the page again
        grid = await grid_of(pilot)
        assert vouchers(grid)[0] == NEW_VOUCHER


@pytest.mark.parametrize("keys", [("ctrl+r",), ("f5",), ("1",)])
async def test_reload_keys_and_the_active_tab_number_read_the_page_again(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keys: tuple[str, ...]
) -> None:
    monkeypatch.setattr(grid_module, "POLL_SECONDS", 3600.0)  # no poll: only the key reloads
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        scan_a_new_reservation(db, tmp_path)
        await pilot.pause(0.3)
        await idle(pilot)
        assert NEW_VOUCHER not in vouchers(grid)
        await pilot.press(*keys)
        grid = await grid_of(pilot)
        assert vouchers(grid)[0] == NEW_VOUCHER
        assert grid.query_one("#pending", Tab).label_text == "Pending (31)"
        assert "rows 1–31 of 31" in str(grid.query_one("#status-line", Static).render())
        assert grid.sort == "received" and grid.descending  # r still reverses, not reloads


async def test_reload_is_offered_in_the_palette(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grid_module, "POLL_SECONDS", 3600.0)
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        commands = {command.title: command for command in app.get_system_commands(grid)}
        assert commands["Reload"].help == "key ctrl+r on this screen"
        scan_a_new_reservation(db, tmp_path)
        await commands["Reload"].callback()
        grid = await grid_of(pilot)
        assert vouchers(grid)[0] == NEW_VOUCHER
