"""The detail screen's tools (forecast, overbooking, print, voucher, operator history, the hotel
reservation, Enter on a guest) driven through Textual's Pilot on the demo hotel."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from rich.text import Text
from sqlmodel import select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Label, Static

from hotelops.core.approval import availability
from hotelops.core.config import LoadedConfig
from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo, demo_config
from hotelops.core.history import operator_history
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, inbox_detail, list_inbox
from hotelops.core.models import (
    HotelReservation,
    InboxDecision,
    InboxGuest,
    ReservationGuest,
    ReservationNight,
    RoomType,
)
from hotelops.core.money import format_money
from hotelops.core.text import fold
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.detail import DetailScreen
from hotelops.tui.screens.detail_modals import DocumentModal, GuestLinkModal
from hotelops.tui.screens.detail_tools import (
    ForecastModal,
    HistoryModal,
    PrintModal,
    ReservationCardModal,
)

pytestmark = pytest.mark.anyio

WORKED_VOUCHER = "79194577"  # TUI, STDLV (60 rooms), 2026-08-29..09-05, 1 room: every guard passes
JET2_VOUCHER = "J2H8852390"  # room type unmapped
PDF_VOUCHER = "9LXWQT"  # BAH: its mail came with the voucher as a PDF
HBD_VOUCHER = "75-2461351"  # HBD: new, modification, cancellation (3 versions)
HBD_OTHER = "75-2498820"  # HBD sent this voucher twice (two inbox reservations)
FULL_NIGHT = date(2026, 9, 1)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def demo_path(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    build_demo(path)
    return path


@pytest.fixture
def db(demo_path: Path) -> Iterator[Database]:
    database = open_database(sqlite_url(demo_path))
    yield database
    database.dispose()


class ToolsApp(App[None]):
    """A tiny host that opens one reservation's detail screen."""

    CSS_PATH = HotelopsApp.CSS_PATH

    def __init__(self, db: Database, inbox_id: int, config: LoadedConfig) -> None:
        super().__init__()
        self.db = db
        self.inbox_id = inbox_id
        self.config = config

    def on_mount(self) -> None:
        self.push_screen(DetailScreen(self.db, None, self.inbox_id, self.config, "tester"))


def make_app(db: Database, demo_path: Path, voucher: str) -> ToolsApp:
    return ToolsApp(db, inbox_id(db, voucher), demo_config(demo_path))


def inbox_ids(db: Database, voucher: str) -> list[int]:
    with db.read() as session:
        hotel_id = get_hotel(session).id or 0
        page = list_inbox(session, hotel_id, InboxFilter(search=voucher))
    return sorted(row.id for row in page.rows if row.voucher == voucher)


def inbox_id(db: Database, voucher: str) -> int:
    ids = inbox_ids(db, voucher)
    assert len(ids) == 1, ids
    return ids[0]


async def wait(pilot: Pilot[None]) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def detail(pilot: Pilot[None]) -> DetailScreen:
    await wait(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DetailScreen)
    assert screen.data is not None
    return screen


def rendered(widget: Static | Label) -> str:
    return str(widget.render())


def row_texts(table: DataTable[object], row: int) -> list[str]:
    return [c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(row)]


def fill_stdlv(db: Database, night: date) -> int:
    """Sell every STDLV room for one night (a group in the books); the room count."""
    with db.write() as session:
        hotel_id = get_hotel(session).id or 0
        room = session.exec(
            select(RoomType).where(RoomType.hotel_id == hotel_id, RoomType.code == "STDLV")
        ).one()
        assert room.id is not None
        session.add(
            HotelReservation(
                hotel_id=hotel_id,
                voucher="GROUP-FULL",
                room_type_id=room.id,
                arrival=night,
                departure=date.fromordinal(night.toordinal() + 1),
                room_count=room.room_count,
                guest_names="Group Block",
            )
        )
        return room.room_count


# -- forecast -----------------------------------------------------------------------------------


async def test_forecast_shows_the_core_numbers_with_the_full_night_in_red(
    db: Database, demo_path: Path
) -> None:
    rooms = fill_stdlv(db, FULL_NIGHT)
    assert rooms == 60
    with db.read() as session:
        hotel_id = get_hotel(session).id or 0
        expected = availability(session, hotel_id, "STDLV", date(2026, 8, 29), date(2026, 9, 5))
    app = make_app(db, demo_path, WORKED_VOUCHER)
    async with app.run_test(size=(160, 50)) as pilot:
        await detail(pilot)
        await pilot.press("f")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, ForecastModal)
        table = modal.query_one("#forecast-table", DataTable)
        headers = [str(c.label) for c in table.columns.values()]
        assert headers == ["Night", "STDLV rooms", "Sold", "Left", "Hotel occ."]
        assert table.row_count == 7 == len(expected)
        for index, n in enumerate(expected):
            assert row_texts(table, index) == [
                f"{n.night:%a %d.%m.%Y}",
                str(n.rooms),
                str(n.sold),
                str(n.left),
                f"{n.occupancy:.0f} %",
            ]
        # Hand-checked: on 1 September all 60 STDLV rooms are sold, 60 of the hotel's 300
        # rooms (20 %); that night is red, the night before is not.
        full = row_texts(table, 3)
        assert full == ["Tue 01.09.2026", "60", "60", "0", "20 %"]
        left = table.get_row_at(3)[3]
        assert isinstance(left, Text) and left.style == "bold red"
        before = table.get_row_at(2)[3]
        assert isinstance(before, Text) and before.plain == "60" and before.style == "green"
        summary = rendered(modal.query_one("#forecast-summary", Static))
        assert "1 night(s) short of rooms (first 01.09.2026)" in summary
        assert "Hotel occ. is the whole hotel's occupancy (every room type)" in summary
        await pilot.press("escape")
        await detail(pilot)


async def test_forecast_of_an_unmapped_room_type_says_how_to_map(
    db: Database, demo_path: Path
) -> None:
    app = make_app(db, demo_path, JET2_VOUCHER)
    async with app.run_test(size=(160, 50)) as pilot:
        await detail(pilot)
        await pilot.press("f")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, ForecastModal)
        error = rendered(modal.query_one(".modal-error", Static))
        assert "room type 'Family Room' is not mapped" in error
        assert "m on the detail screen" in error
        assert not modal.query_one("#forecast-table", DataTable).display


# -- allow overbooking ----------------------------------------------------------------------------


async def test_allow_overbooking_lets_a_save_through_a_full_room_type(
    db: Database, demo_path: Path
) -> None:
    fill_stdlv(db, FULL_NIGHT)
    rid = inbox_id(db, WORKED_VOUCHER)
    app = make_app(db, demo_path, WORKED_VOUCHER)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        button = screen.query_one("#btn-overbook", Button)
        assert str(button.label) == "Allow overbooking"
        await pilot.press("a", "y")
        screen = await detail(pilot)
        message = rendered(screen.query_one("#detail-message", Static))
        assert "overbooking: STDLV has 0 room(s) left on 2026-09-01 for 1" in message
        assert "pending" in rendered(screen.query_one("#detail-header", Static))
        await pilot.press("b")
        await pilot.pause()
        assert str(button.label) == "Allow overbooking: ON"
        assert button.variant == "warning"
        await pilot.press("a", "y")
        screen = await detail(pilot)
        assert "approved" in rendered(screen.query_one("#detail-header", Static))
        # The override was for that decision only.
        assert str(screen.query_one("#btn-overbook", Button).label) == "Allow overbooking"
        assert not screen.overrides.allow_overbooking
    with db.read() as session:
        decision = session.exec(
            select(InboxDecision).where(InboxDecision.inbox_reservation_id == rid)
        ).one()
        booked = session.exec(
            select(HotelReservation).where(HotelReservation.inbox_reservation_id == rid)
        ).all()
    assert decision.overrides == {"allow_overbooking": True}
    assert decision.action == "confirm+save"
    assert len(booked) == 1 and booked[0].arrival == date(2026, 8, 29)


async def test_clicking_the_overbooking_button_toggles_it(db: Database, demo_path: Path) -> None:
    app = make_app(db, demo_path, WORKED_VOUCHER)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        await pilot.click("#btn-overbook")
        await pilot.pause()
        assert screen.overrides.allow_overbooking
        assert str(screen.query_one("#btn-overbook", Button).label) == "Allow overbooking: ON"
        message = rendered(screen.query_one("#detail-message", Static))
        assert "overbooking will be allowed on the next save" in message
        await pilot.pause(0.5)  # a Button ignores a second click while it shows the first
        await pilot.click("#btn-overbook")
        await pilot.pause()
        assert not screen.overrides.allow_overbooking
        assert str(screen.query_one("#btn-overbook", Button).label) == "Allow overbooking"


async def test_the_action_bar_shows_overbooking_at_80_columns(
    db: Database, demo_path: Path
) -> None:
    app = make_app(db, demo_path, WORKED_VOUCHER)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await detail(pilot)
        await pilot.press("t", "b")
        await pilot.pause()
        assert str(screen.query_one("#btn-overbook", Button).label) == "Overbook ✓"
        # What the terminal shows on the bar's line: every label whole, in one line.
        bar_line = screen._compositor.render_strips()[screen.query_one("#action-bar").region.y]
        for button in screen.query("#action-bar Button").results(Button):
            assert screen.region.contains_region(button.region), button.id
            assert str(button.label) in bar_line.text, button.id
        shown = {
            key: active.binding.description
            for key, active in screen.active_bindings.items()
            if active.binding.show
        }
        for key, description in {
            "f": "Forecast",
            "b": "Allow overbooking",
            "y": "Print",
            "u": "Voucher",
            "h": "Operator history",
            "g": "Open reservation",
        }.items():
            assert shown.get(key) == description, key
        await pilot.press("f")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, ForecastModal)
        table = modal.query_one("#forecast-table", DataTable)
        assert table.row_count == 7
        assert modal.region.contains_region(table.region)


# -- print (Yazdır) -------------------------------------------------------------------------------


async def test_print_shows_the_form_and_saves_it_as_html(
    db: Database, demo_path: Path, tmp_path: Path
) -> None:
    rid = inbox_id(db, WORKED_VOUCHER)
    with db.read() as session:
        guests = inbox_detail(session, get_hotel(session).id or 0, rid).guests
    assert guests
    app = make_app(db, demo_path, WORKED_VOUCHER)
    async with app.run_test(size=(160, 50)) as pilot:
        await detail(pilot)
        await pilot.press("y")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, PrintModal)
        form = rendered(modal.query_one("#print-text", Static))
        assert f"voucher {WORKED_VOUCHER}" in form
        for guest in guests:
            assert guest.first_name in form and guest.last_name in form
        path_input = modal.query_one("#print-path", Input)
        assert path_input.value == f"./confirmation-{WORKED_VOUCHER}.html"
        # A path that cannot be written: the modal says so and stays open.
        path_input.value = str(tmp_path / "no-such-folder" / "form.html")
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.screen is modal
        error = rendered(modal.query_one(".modal-error", Static))
        assert "file path: cannot write" in error and "no-such-folder" in error
        target = tmp_path / "form.html"
        path_input.value = str(target)
        path_input.focus()
        await pilot.press("enter")
        await wait(pilot)
        assert target.is_file()
        html = target.read_text(encoding="utf-8")
        assert f"<strong>{WORKED_VOUCHER}</strong>" in html
        assert guests[0].last_name in html
        assert str(target) in rendered(modal.query_one("#print-status", Static))
        assert rendered(modal.query_one(".modal-error", Static)) == ""


# -- voucher --------------------------------------------------------------------------------------


async def test_voucher_key_opens_the_pdf_voucher(db: Database, demo_path: Path) -> None:
    app = make_app(db, demo_path, PDF_VOUCHER)
    async with app.run_test(size=(160, 50)) as pilot:
        await detail(pilot)
        await pilot.press("u")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, DocumentModal)
        title = rendered(modal.query_one("#document-title", Label))
        assert f"BAH_Voucher_{PDF_VOUCHER}.pdf" in title and "application/pdf" in title
        body = rendered(modal.query_one("#document-text", Static))
        assert f"Accommodation voucher {PDF_VOUCHER}" in body


async def test_voucher_key_without_a_document_says_so(db: Database, demo_path: Path) -> None:
    app = make_app(db, demo_path, WORKED_VOUCHER)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        assert screen.data is not None and screen.data.detail.documents == []
        await pilot.press("u")
        await wait(pilot)
        assert app.screen is screen
        messages = [n.message for n in app._notifications]
        assert "the operator sent no voucher document with this reservation" in messages


# -- operator history -----------------------------------------------------------------------------


async def test_history_lists_the_versions_and_enter_opens_another_reservation(
    db: Database, demo_path: Path
) -> None:
    rid = inbox_id(db, HBD_VOUCHER)
    others = inbox_ids(db, HBD_OTHER)
    assert len(others) == 2
    with db.read() as session:
        history = operator_history(session, get_hotel(session).id or 0, rid)
    app = make_app(db, demo_path, HBD_VOUCHER)
    async with app.run_test(size=(160, 50)) as pilot:
        await detail(pilot)
        await pilot.press("h")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, HistoryModal)
        versions = modal.query_one("#history-versions", DataTable)
        assert versions.row_count == 3
        rows = [row_texts(versions, i) for i in range(3)]
        assert [(r[0], r[1], r[2]) for r in rows] == [
            (f"#{rid}", "1", "new"),
            (f"#{rid}", "2", "modification"),
            (f"#{rid}", "3", "cancellation"),
        ]
        assert rows[0][4] == "first version"
        assert "check_in 2026-07-03 → 2026-07-04" in rows[1][4]
        assert "room_type DOUBLE STANDARD LAND VIEW → DOUBLE SUPERIOR SEA VIEW" in rows[1][4]
        assert "cancellation_note — → Cancelled by the client" in rows[2][4]
        heading = rendered(modal.query_one("#history-reservations-heading", Label))
        assert heading == "Latest 3 of 3 inbox reservations from HBD"
        table = modal.query_one("#history-reservations", DataTable)
        listed = [row_texts(table, i) for i in range(table.row_count)]
        assert [r[0] for r in listed] == [f"#{r.id}" for r in history.reservations]
        assert sorted(int(r[0][1:]) for r in listed) == sorted([rid, *others])
        assert {r[1] for r in listed} == {HBD_VOUCHER, HBD_OTHER}
        mine = next(r for r in listed if r[0] == f"#{rid}")
        assert mine[2:4] == ["cancellation", "pending"]
        target = next(i for i, r in enumerate(listed) if r[1] == HBD_OTHER)
        target_id = int(listed[target][0][1:])
        table.focus()
        table.move_cursor(row=target)
        await pilot.press("enter")
        opened = await detail(pilot)
        assert opened.inbox_id == target_id
        assert HBD_OTHER in rendered(opened.query_one("#detail-header", Static))
        await pilot.press("escape")
        back = await detail(pilot)
        assert back.inbox_id == rid


# -- the hotel reservation (Rezervasyonu Aç) ------------------------------------------------------


async def test_open_reservation_shows_the_hotel_reservation_after_a_save(
    db: Database, demo_path: Path
) -> None:
    rid = inbox_id(db, WORKED_VOUCHER)
    app = make_app(db, demo_path, WORKED_VOUCHER)
    async with app.run_test(size=(160, 50)) as pilot:
        await detail(pilot)
        await pilot.press("g")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, ReservationCardModal)
        assert "not in the books yet" in rendered(modal.query_one("#card-text", Static))
        await pilot.press("escape")
        await detail(pilot)
        await pilot.press("a", "y")
        screen = await detail(pilot)
        assert "approved" in rendered(screen.query_one("#detail-header", Static))
        with db.read() as session:
            booking = session.exec(
                select(HotelReservation).where(HotelReservation.inbox_reservation_id == rid)
            ).one()
            nights = session.exec(
                select(ReservationNight)
                .where(ReservationNight.hotel_reservation_id == booking.id)
                .order_by(ReservationNight.night)
            ).all()
            guests = session.exec(
                select(ReservationGuest).where(ReservationGuest.hotel_reservation_id == booking.id)
            ).all()
        await pilot.press("g")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, ReservationCardModal)
        card = rendered(modal.query_one("#card-text", Static))
        assert f"Hotel reservation #{booking.id}  reserved" in card
        assert f"voucher {WORKED_VOUCHER}" in card
        assert "room type STDLV" in card
        assert "arrival 2026-08-29  departure 2026-09-05  nights 7" in card
        assert f"total {format_money(Decimal('1899.00'), booking.currency)}" in card
        table = modal.query_one("#card-nights", DataTable)
        assert table.row_count == len(nights) + 1 == 8
        first = row_texts(table, 0)
        assert first[0] == "2026-08-29"
        assert first[3] == format_money(nights[0].price)
        assert row_texts(table, 7)[0] == "Total"
        total = row_texts(table, 7)
        assert total[1] == format_money(sum((n.contract_price for n in nights), Decimal(0)))
        assert total[2] == format_money(sum((n.discount for n in nights), Decimal(0)))
        assert total[3] == format_money(Decimal("1899.00"))
        guest_table = modal.query_one("#card-guests", DataTable)
        assert guest_table.row_count == len(guests) > 0
        shown = {(r[2], r[3]) for r in (row_texts(guest_table, i) for i in range(len(guests)))}
        assert shown == {(g.first_name, g.last_name) for g in guests}


# -- Enter on a guest -----------------------------------------------------------------------------


async def test_enter_on_a_guest_with_candidates_opens_the_link_modal(
    db: Database, demo_path: Path
) -> None:
    rid = inbox_id(db, "TB-2026-004417")
    # The operator misspelt a repeat guest's surname: no exact match, one possible profile.
    with db.write() as session:
        guest = session.exec(
            select(InboxGuest).where(
                InboxGuest.inbox_reservation_id == rid, InboxGuest.last_name == "Oğuzler"
            )
        ).one()
        guest.last_name = "Oguzlar"
        guest.name_folded = fold("Aylin Oguzlar")
        session.add(guest)
    app = make_app(db, demo_path, "TB-2026-004417")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        table = screen.query_one("#guests-table", DataTable)
        assert row_texts(table, 1)[0] == "1"  # one possible profile
        assert row_texts(table, 0)[0] == "0"
        table.focus()
        await pilot.press("enter")  # the first guest has no candidates: nothing to link
        await wait(pilot)
        assert app.screen is screen
        assert any("no possible guest profiles to link" in n.message for n in app._notifications)
        await pilot.press("down", "enter")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, GuestLinkModal)
        assert modal.match.name.endswith("Oguzlar")
        assert modal.query_one("#guest-candidates", DataTable).row_count == 1
