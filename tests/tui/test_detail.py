"""The detail screen driven through Textual's Pilot on the demo hotel."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent

from hotelops.core.config import LoadedConfig, Settings
from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.models import HotelReservation
from hotelops.core.money import format_money
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.detail import DetailScreen

pytestmark = pytest.mark.anyio

WORKED_VOUCHER = "79194577"
JET2_VOUCHER = "J2H8852390"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    # A fresh demo per test: some tests decide reservations.
    path = tmp_path / "demo.db"
    build_demo(path)
    database = open_database(sqlite_url(path))
    yield database
    database.dispose()


class DetailApp(App[None]):
    """A tiny host that opens one reservation's detail screen."""

    CSS_PATH = HotelopsApp.CSS_PATH

    def __init__(self, db: Database, inbox_id: int) -> None:
        super().__init__()
        self.db = db
        self.inbox_id = inbox_id

    def on_mount(self) -> None:
        config = LoadedConfig(Settings(), None)
        self.push_screen(DetailScreen(self.db, None, self.inbox_id, config, "tester"))


def inbox_id(db: Database, voucher: str) -> int:
    with db.read() as session:
        hotel = get_hotel(session)
        assert hotel.id is not None
        page = list_inbox(session, hotel.id, InboxFilter(search=voucher))
    ids = [row.id for row in page.rows if row.voucher == voucher]
    assert len(ids) == 1, ids
    return ids[0]


def reservations(db: Database, voucher: str) -> list[HotelReservation]:
    with db.read() as session:
        return list(
            session.exec(select(HotelReservation).where(HotelReservation.voucher == voucher))
        )


async def settle(pilot: Pilot[None]) -> DetailScreen:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, DetailScreen)
    assert screen.data is not None
    return screen


def text_of(screen: DetailScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def notifications(app: App[None]) -> list[tuple[str, str]]:
    return [(n.message, n.severity) for n in app._notifications]


async def test_header_shows_voucher_operator_and_status(db: Database) -> None:
    app = DetailApp(db, inbox_id(db, WORKED_VOUCHER))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        header = text_of(screen, "#detail-header")
        assert WORKED_VOUCHER in header
        assert "TUI Partners" in header
        assert "pending" in header
        assert "not in the books" in text_of(screen, "#detail-status")
        assert "missing" not in text_of(screen, "#detail-mapping")


async def test_prices_tab_shows_the_total(db: Database) -> None:
    app = DetailApp(db, inbox_id(db, WORKED_VOUCHER))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        screen.query_one(TabbedContent).active = "tab-prices"
        await pilot.pause()
        summary = text_of(screen, "#prices-summary")
        assert f"total {format_money(Decimal('1899.00'))}" in summary
        assert screen.query_one("#prices-summary", Static).display


async def test_unmapped_room_type_is_shown_missing(db: Database) -> None:
    app = DetailApp(db, inbox_id(db, JET2_VOUCHER))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        assert screen.data is not None
        assert "room_type" in screen.data.resolved.missing
        mapping = text_of(screen, "#detail-mapping")
        room_line = next(line for line in mapping.splitlines() if "Room type" in line)
        assert "missing" in room_line
        assert screen.data.detail.reservation.operator_room_type in room_line


async def test_confirm_and_save_saves_the_worked_example(db: Database) -> None:
    assert reservations(db, WORKED_VOUCHER) == []
    app = DetailApp(db, inbox_id(db, WORKED_VOUCHER))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        screen = await settle(pilot)
        assert len(reservations(db, WORKED_VOUCHER)) == 1
        assert "approved" in text_of(screen, "#detail-header")
        assert "not in the books" not in text_of(screen, "#detail-status")
        assert not any(severity == "error" for _, severity in notifications(app))
        assert not screen.busy


async def test_confirm_and_save_refused_for_unmapped(db: Database) -> None:
    app = DetailApp(db, inbox_id(db, JET2_VOUCHER))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        screen = await settle(pilot)
        errors = [m for m, severity in notifications(app) if severity == "error"]
        assert errors and JET2_VOUCHER in errors[0]
        assert reservations(db, JET2_VOUCHER) == []
        assert "pending" in text_of(screen, "#detail-header")
        assert not screen.busy


async def test_reject_asks_a_reason(db: Database) -> None:
    app = DetailApp(db, inbox_id(db, JET2_VOUCHER))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press(*"no room", "enter")
        screen = await settle(pilot)
        assert "rejected" in text_of(screen, "#detail-header")
        assert screen.data is not None
        assert any(e.note == "no room" for e in screen.data.log)


async def test_escape_goes_back(db: Database) -> None:
    app = DetailApp(db, inbox_id(db, WORKED_VOUCHER))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)
