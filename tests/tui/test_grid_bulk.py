"""The review grid's bulk actions and its reload on return, through Pilot on a fresh demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Static, Tab

from hotelops.core.approval import decide
from hotelops.core.config import LoadedConfig, Settings
from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.hotels import get_hotel
from hotelops.core.models import AuditEntry, HotelReservation, InboxReservation
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.detail import DetailScreen
from hotelops.tui.screens.grid import PageTable, ReviewGrid
from hotelops.tui.screens.grid_modals import ConfirmBulk, SummaryModal

pytestmark = pytest.mark.anyio

PRICED = "79194577"  # TUI Partners: mapped, priced, ready to confirm and save
DIFFERS = "79205560"  # TUI Partners: the operator's price differs from ours
DIFFERS_TOO = "79205518"
UNMAPPED = "PG2620502"  # Pegas: agency not mapped, cannot be priced or saved


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    # A fresh demo per test: these tests decide reservations.
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


def ids_by_voucher(grid: ReviewGrid) -> dict[str, int]:
    return {row.voucher: row.id for row in grid.page_rows}


async def select_rows(pilot: Pilot[None], grid: ReviewGrid, *ids: int) -> None:
    table = grid.query_one(PageTable)
    for inbox_id in ids:
        table.move_cursor(row=grid.page_ids.index(inbox_id), animate=False)
        await pilot.press("space")
    assert grid.selected == set(ids)


def text_of(screen: object, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())  # type: ignore[attr-defined]


async def test_price_selected_shows_the_summary_and_marks(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        ids = ids_by_voucher(grid)
        await select_rows(pilot, grid, ids[PRICED], ids[DIFFERS], ids[UNMAPPED])
        await pilot.press("P")
        await idle(pilot)
        summary = app.screen
        assert isinstance(summary, SummaryModal)
        assert text_of(summary, "#summary-counts") == "1 priced · 1 differ · 1 cannot be priced"
        lines = text_of(summary, "#summary-text")
        assert f"differs   #{ids[DIFFERS]} {DIFFERS} " in lines
        assert "operator 1,155.00 vs hotel 1,440.00 EUR: -285.00" in lines
        assert f"unpriced  #{ids[UNMAPPED]} {UNMAPPED}: PEGS agency 'PEGAS' is not mapped" in lines
        await pilot.press("escape")
        grid = await grid_of(pilot)
        table = grid.query_one(PageTable)
        assert str(table.get_cell(str(ids[DIFFERS]), "marks")) == "≠"
        assert str(table.get_cell(str(ids[UNMAPPED]), "marks")) == "M"


async def test_price_with_nothing_selected_prices_the_cursor_row(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        target = ids_by_voucher(grid)[DIFFERS]
        grid.query_one(PageTable).move_cursor(row=grid.page_ids.index(target), animate=False)
        await pilot.press("P")
        await idle(pilot)
        counts = text_of(app.screen, "#summary-counts")
        assert counts == (
            f"0 priced · 1 differ · 0 cannot be priced  (nothing selected: acting on "
            f"#{target}, the row under the cursor)"
        )


async def test_confirm_and_save_selected_one_ready_one_blocked(db: Database) -> None:
    app = HotelopsApp(db, user="ayse")
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        ids = ids_by_voucher(grid)
        ready, blocked = ids[PRICED], ids[UNMAPPED]
        await select_rows(pilot, grid, ready, blocked)
        await pilot.press("A")
        await idle(pilot)
        preview = app.screen
        assert isinstance(preview, ConfirmBulk)
        assert sorted((i.inbox_id, i.ready) for i in preview.items) == sorted(
            [(ready, True), (blocked, False)]
        )
        shown = text_of(preview, "#bulk-preview")
        assert f"✓ ready   #{ready} {PRICED}" in shown
        assert f"✗ blocked #{blocked} {UNMAPPED}: PEGS agency 'PEGAS' is not mapped" in shown
        await pilot.press("enter")
        await idle(pilot)
        summary = app.screen
        assert isinstance(summary, SummaryModal)
        assert text_of(summary, "#summary-counts") == (
            "1 done · 0 refused · 0 changed meanwhile · 1 blocked in the preview"
        )
        with db.read() as session:
            saved = session.exec(
                select(HotelReservation).where(HotelReservation.inbox_reservation_id == ready)
            ).one()
            statuses = {
                i: str(session.get(InboxReservation, i).status)  # type: ignore[union-attr]
                for i in (ready, blocked)
            }
            audit = session.exec(
                select(AuditEntry).where(
                    AuditEntry.entity == "inbox_reservation", AuditEntry.entity_id == ready
                )
            ).all()
        assert statuses == {ready: "approved", blocked: "pending"}
        assert [(a.action, a.user) for a in audit if a.action.startswith("approve.")] == [
            ("approve.confirm+save", "ayse")
        ]
        lines = text_of(summary, "#summary-text")
        # The same line as `hotelops approve` prints: effect, booking, how the operator was told.
        assert (
            f"done     #{ready} {PRICED}: confirm+save created → hotel reservation #{saved.id}; "
            "operator: manual (" in lines
        )
        await pilot.press("escape")
        grid = await grid_of(pilot)
        # The done row left the selection and the pending tab; the blocked one stays selected.
        assert grid.selected == {blocked}
        assert ready not in grid.page_ids and grid.total == 29
        assert grid.query_one("#approved", Tab).label_text == "Approved (1)"
        # The All tab shows the hotel reservation id it was saved as.
        await pilot.press("4")
        grid = await grid_of(pilot)
        table = grid.query_one(PageTable)
        assert str(table.get_cell(str(ready), "hotel_res")) == str(saved.id)
        assert str(table.get_cell(str(ready), "status")) == "approved"
        assert str(table.get_cell(str(blocked), "hotel_res")) == ""


async def test_escape_in_the_preview_decides_nothing(db: Database) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        ready = ids_by_voucher(grid)[PRICED]
        await select_rows(pilot, grid, ready)
        await pilot.press("A")
        await idle(pilot)
        assert isinstance(app.screen, ConfirmBulk)
        await pilot.press("escape")
        grid = await grid_of(pilot)
        assert ready in grid.page_ids and grid.total == 30
        with db.read() as session:
            row = session.get(InboxReservation, ready)
            assert row is not None and str(row.status) == "pending"


async def test_returning_from_the_detail_screen_reloads_and_keeps_the_cursor(
    db: Database,
) -> None:
    app = HotelopsApp(db)
    async with app.run_test(size=(160, 50)) as pilot:
        grid = await grid_of(pilot)
        ids = ids_by_voucher(grid)
        looked_at, decided = ids[DIFFERS_TOO], ids[PRICED]
        assert grid.page_ids.index(decided) > grid.page_ids.index(looked_at)
        grid.query_one(PageTable).move_cursor(row=grid.page_ids.index(looked_at), animate=False)
        await pilot.press("enter")
        await idle(pilot)
        assert isinstance(app.screen, DetailScreen)
        # Meanwhile another reservation is decided (another user, the CLI).
        with db.read() as session:
            hotel = get_hotel(session)
        decide(
            db,
            hotel,
            LoadedConfig(Settings(), None),
            decided,
            confirm=True,
            save=True,
            user="other",
        )
        await pilot.press("escape")
        grid = await grid_of(pilot)
        assert decided not in grid.page_ids
        assert grid.total == 29
        assert grid.query_one("#pending", Tab).label_text == "Pending (29)"
        assert grid.page_ids[grid.query_one(PageTable).cursor_row] == looked_at
