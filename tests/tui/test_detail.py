"""The detail screen driven through Textual's Pilot on the demo hotel."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from rich.text import Text
from sqlmodel import select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Static, TabbedContent

from hotelops.core.config import LoadedConfig, PriceSettings, ScanSettings, Settings
from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.mapping import set_mapping
from hotelops.core.models import HotelReservation
from hotelops.core.money import format_money
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.detail import GUEST_COLUMNS, DetailScreen
from hotelops.tui.screens.detail_modals import DocumentModal

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

    def __init__(self, db: Database, inbox_id: int, config: LoadedConfig | None = None) -> None:
        super().__init__()
        self.db = db
        self.inbox_id = inbox_id
        self.config = config or LoadedConfig(Settings(), None)

    def on_mount(self) -> None:
        self.push_screen(DetailScreen(self.db, None, self.inbox_id, self.config, "tester"))


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
        await pilot.press("a", "y")
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
        await pilot.press("a", "y")
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


VIP_VOUCHER = "TB-2026-004417"  # İPEK IRMAK is a VIP2 profile, Aylin Oğuzler a repeat guest
PDF_VOUCHER = "9LXWQT"  # its mail came with the voucher as a PDF
DUPLICATE_VOUCHER = "78856480"  # a modification of a booking already in the books


def cells(screen: DetailScreen, selector: str, row: int) -> list[Text]:
    table = screen.query_one(selector, DataTable)
    return [cell if isinstance(cell, Text) else Text(str(cell)) for cell in table.get_row_at(row)]


async def test_guests_tab_shows_the_seed_columns_in_the_seed_colours(db: Database) -> None:
    app = DetailApp(db, inbox_id(db, VIP_VOUCHER))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await settle(pilot)
        table = screen.query_one("#guests-table", DataTable)
        assert [str(c.label) for c in table.columns.values()] == list(GUEST_COLUMNS)
        assert table.row_count == 2
        vip = dict(zip(GUEST_COLUMNS, cells(screen, "#guests-table", 0), strict=True))
        assert vip["Title"].plain == "Ms"
        assert (vip["First name"].plain, vip["Last name"].plain) == ("İPEK", "IRMAK")
        assert vip["Gender"].plain == "F"
        assert vip["Birth date"].plain == "1992-09-14"
        assert vip["Passport"].plain == "U18837264"
        assert vip["VIP"].plain == "VIP2"
        assert vip["Guest id"].plain.isdigit()
        assert vip["Match"].plain == "exact"
        assert all(cell.style == "bold magenta" for cell in vip.values())
        repeat = dict(zip(GUEST_COLUMNS, cells(screen, "#guests-table", 1), strict=True))
        assert repeat["Last name"].plain == "Oğuzler"
        assert repeat["Repeat"].plain == "3"
        assert repeat["VIP"].plain == ""
        # The seed: a repeat guest's row is yellow.
        assert all(cell.style == "yellow" for cell in repeat.values())


async def test_documents_tab_lists_the_pdf_voucher_and_enter_shows_it(
    db: Database, tmp_path: Path
) -> None:
    scan = ScanSettings(documents_dir=str(tmp_path / "demo-documents"))
    config = LoadedConfig(Settings(scan=scan), None)
    app = DetailApp(db, inbox_id(db, PDF_VOUCHER), config)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await settle(pilot)
        screen.query_one(TabbedContent).active = "tab-documents"
        await pilot.pause()
        table = screen.query_one("#documents-table", DataTable)
        assert table.row_count == 1
        name, kind, size, _stored = (str(c) for c in table.get_row_at(0))
        assert name == f"BAH_Voucher_{PDF_VOUCHER}.pdf"
        assert kind == "application/pdf"
        assert size.endswith(" B") or size.endswith(" KB")
        table.focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, DocumentModal)
        assert f"BAH_Voucher_{PDF_VOUCHER}.pdf" in str(modal.query_one("#document-title").render())


async def test_sales_panel_shows_price_code_source_and_segment(db: Database) -> None:
    app = DetailApp(db, inbox_id(db, WORKED_VOUCHER))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await settle(pilot)
        sales = text_of(screen, "#detail-sales")
        assert "price code TUI-GASP-26 (agency)" in sales
        assert "source API (agency)" in sales
        assert "segment TO (agency)" in sales
        assert "received" in sales
        # The sales details left "Extra info", which keeps the flights.
        assert "price code" not in text_of(screen, "#extra-info")
        assert "arrival flight" in text_of(screen, "#extra-info")


async def test_sales_panel_shows_the_option_date_in_the_hotels_time_zone(db: Database) -> None:
    from datetime import UTC, datetime

    from hotelops.core.models import InboxReservation

    target = inbox_id(db, WORKED_VOUCHER)
    with db.write() as session:
        row = session.get(InboxReservation, target)
        assert row is not None
        # 21:30 UTC is 00:30 the next day at the demo hotel (Europe/Istanbul, UTC+3).
        row.option_date = datetime(2026, 8, 1, 21, 30, tzinfo=UTC)
        session.add(row)
    app = DetailApp(db, target)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await settle(pilot)
        assert "option 2026-08-02 00:30" in text_of(screen, "#detail-sales")


async def test_prices_tab_has_a_totals_row_and_the_toggles(db: Database) -> None:
    app = DetailApp(db, inbox_id(db, WORKED_VOUCHER))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await settle(pilot)
        table = screen.query_one("#prices-table", DataTable)
        last = [str(c) for c in table.get_row_at(table.row_count - 1)]
        assert last[0] == "Total"
        assert last[4].startswith(format_money(Decimal("1899.00")))
        options = text_of(screen, "#prices-options")
        assert "manual price off" in options
        assert "discounts active" in options


async def test_prices_use_the_configured_tolerance(db: Database) -> None:
    set_mapping(db, None, "TUIP", "board", "AI", "AI", user="tester")
    rid = inbox_id(db, DUPLICATE_VOUCHER)
    app = DetailApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await settle(pilot)
        assert text_of(screen, "#prices-summary").startswith("differs")
    wide = PriceSettings(tolerance_amount=Decimal("1000"), tolerance_percent=Decimal("50"))
    app = DetailApp(db, rid, LoadedConfig(Settings(price=wide), None))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await settle(pilot)
        assert text_of(screen, "#prices-summary").startswith("priced")


async def test_everything_fits_an_80_by_24_terminal(db: Database) -> None:
    app = DetailApp(db, inbox_id(db, JET2_VOUCHER))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        whole = screen.region
        for selector in ("#detail-header", "#detail-mapping", "#detail-sales", "#detail-tabs"):
            region = screen.query_one(selector).region
            assert region.height > 0 and whole.contains_region(region), selector
        for button in screen.query("#action-bar Button").results(Button):
            assert button.region.height == 1, button.id
            assert whole.contains_region(button.region), button.id
        room_line = next(
            line for line in text_of(screen, "#detail-mapping").splitlines() if "Room" in line
        )
        assert "missing" in room_line and "m: map" in room_line
