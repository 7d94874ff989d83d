"""The detail screen's keys and action bar on the demo hotel: the modals they open, the
overrides they carry into a decision, and the refusals they show."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Input,
    Label,
    OptionList,
    SelectionList,
    Static,
)

from hotelops.core import internal_approval
from hotelops.core.config import LoadedConfig, Settings, SmtpSettings
from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.mapping import set_mapping
from hotelops.core.models import (
    HotelReservation,
    InboxDecision,
    InboxGuest,
    InboxPriceSettings,
    InboxReservation,
    InternalApproval,
    Mapping,
    StopSale,
)
from hotelops.core.text import fold
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.detail import DetailScreen
from hotelops.tui.screens.detail_modals import (
    ApproversModal,
    DuplicatesModal,
    GuestLinkModal,
    MappingPicker,
    PriceOptionsModal,
    SalesModal,
)
from tests.servers.smtp_server import SmtpServer, smtp_server

pytestmark = pytest.mark.anyio

WORKED_VOUCHER = "79194577"  # TUI, STDLV, 2026-08-29..09-05: every guard passes
JET2_VOUCHER = "J2H8852390"  # room type, board and rate type unmapped
DUPLICATE_VOUCHER = "78856480"  # a modification of hotel reservation #1 (same voucher)


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


class ActionsApp(App[None]):
    """A tiny host that opens one reservation's detail screen with a given config."""

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


def text_of(screen: DetailScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def label(screen: DetailScreen, button_id: str) -> str:
    return str(screen.query_one(f"#{button_id}", Button).label)


async def test_ignore_stop_sale_lets_a_blocked_confirm_through(db: Database) -> None:
    rid = inbox_id(db, WORKED_VOUCHER)
    with db.write() as session:
        row = session.get(InboxReservation, rid)
        assert row is not None
        session.add(
            StopSale(
                hotel_id=row.hotel_id,
                room_type="STDLV",
                date_from=date(2026, 8, 30),
                date_to=date(2026, 8, 31),
                created_by="revenue",
            )
        )
    app = ActionsApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        stop = screen.query_one("#btn-stop-sale", Button)
        assert stop.variant == "error"  # a stop sale closes this stay
        await pilot.press("a", "y")
        screen = await detail(pilot)
        message = text_of(screen, "#detail-message")
        assert "stop sale 2026-08-30..2026-08-31" in message
        assert "pending" in text_of(screen, "#detail-header")
        await pilot.press("t")
        await pilot.pause()
        assert label(screen, "btn-stop-sale") == "Ignore stop sale: ON"
        await pilot.press("a", "y")
        screen = await detail(pilot)
        assert "approved" in text_of(screen, "#detail-header")
        # The override is for that decision only.
        assert label(screen, "btn-stop-sale") == "Ignore stop sale"
    with db.read() as session:
        decision = session.exec(
            select(InboxDecision).where(InboxDecision.inbox_reservation_id == rid)
        ).one()
        booked = session.exec(
            select(HotelReservation).where(HotelReservation.inbox_reservation_id == rid)
        ).all()
    assert decision.overrides == {"ignore_stop_sale": True}
    assert decision.action == "confirm+save"
    assert len(booked) == 1


async def test_duplicates_link_through_the_modal_creates_no_new_reservation(
    db: Database,
) -> None:
    set_mapping(db, None, "TUIP", "board", "AI", "AI", user="tester")
    rid = inbox_id(db, DUPLICATE_VOUCHER)
    app = ActionsApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        assert label(screen, "btn-duplicates") == "Possible duplicates (1)"
        await pilot.press("v", "y")  # without a choice the guard refuses
        screen = await detail(pilot)
        assert "possible duplicates: #1 78856480" in text_of(screen, "#detail-message")
        await pilot.press("d")
        await wait(pilot)
        assert isinstance(app.screen, DuplicatesModal)
        await pilot.press("l")
        screen = await detail(pilot)
        assert label(screen, "btn-duplicates") == "Possible duplicates (1) → link #1"
        await pilot.press("v", "y")
        screen = await detail(pilot)
        assert "linked" in text_of(screen, "#detail-message")
        assert "hotel reservation #1" in text_of(screen, "#detail-message")
        # Now in the books as #1: it no longer counts itself as a duplicate.
        assert label(screen, "btn-duplicates") == "Possible duplicates (0)"
    with db.read() as session:
        same = session.exec(
            select(HotelReservation).where(HotelReservation.voucher == DUPLICATE_VOUCHER)
        ).all()
        decision = session.exec(
            select(InboxDecision).where(InboxDecision.inbox_reservation_id == rid)
        ).one()
    assert [(r.id, r.inbox_reservation_id) for r in same] == [(1, rid)]
    assert decision.overrides == {"link": 1}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


async def test_internal_approval_button_turns_yellow_after_starting(
    db: Database, smtp: SmtpServer
) -> None:
    mail = SmtpSettings(
        host=smtp.host,
        port=smtp.port,
        starttls=False,
        from_address="reservations@kivimahotel.example",
    )
    rid = inbox_id(db, WORKED_VOUCHER)
    app = ActionsApp(db, rid, LoadedConfig(Settings(smtp=mail), None))
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        button = screen.query_one("#btn-approval", Button)
        assert str(button.label) == "Internal approval"
        assert button.variant == "default"
        await pilot.press("i")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, ApproversModal)
        approvers = modal.query_one("#approvers-list", SelectionList)
        assert approvers.option_count >= 2
        await pilot.press("space", "down", "space")  # the first two users
        await pilot.press("ctrl+s")
        screen = await detail(pilot)
        button = screen.query_one("#btn-approval", Button)
        assert str(button.label) == "Internal approval 0/2"
        assert button.variant == "warning"
        # Booking now waits for the approvers: the guard says so on the message line.
        await pilot.press("v", "y")
        screen = await detail(pilot)
        assert "is waiting for" in text_of(screen, "#detail-message")
    assert len(smtp.wait_for(2)) == 2
    with db.read() as session:
        approval = session.exec(
            select(InternalApproval).where(InternalApproval.inbox_reservation_id == rid)
        ).one()
    assert approval.status == "started"
    assert approval.started_by == "tester"


async def test_map_key_saves_the_mapping_and_the_panel_turns_green(db: Database) -> None:
    rid = inbox_id(db, JET2_VOUCHER)
    app = ActionsApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        room_line = next(
            line for line in text_of(screen, "#detail-mapping").splitlines() if "Room" in line
        )
        assert "missing" in room_line
        await pilot.press("m")
        await wait(pilot)
        picker = app.screen
        assert isinstance(picker, MappingPicker)
        assert (picker.kind, picker.operator_value) == ("room_type", "Family Room")
        assert picker.query_one("#map-list", OptionList).option_count > 0
        await pilot.press(*"FAM")
        await wait(pilot)
        await pilot.press("enter")
        screen = await detail(pilot)
        room_line = next(
            line for line in text_of(screen, "#detail-mapping").splitlines() if "Room" in line
        )
        assert "missing" not in room_line
        assert "→ FAM" in room_line
        assert screen.data is not None
        assert "room_type" not in screen.data.resolved.missing
        # The next press offers the next missing kind.
        await pilot.press("m")
        await wait(pilot)
        picker = app.screen
        assert isinstance(picker, MappingPicker)
        assert picker.kind == "board"
    with db.read() as session:
        saved = session.exec(
            select(Mapping).where(
                Mapping.kind == "room_type", Mapping.operator_code == "Family Room"
            )
        ).one()
    assert saved.hotel_code == "FAM"


async def test_sales_key_edits_the_hotel_note(db: Database) -> None:
    rid = inbox_id(db, WORKED_VOUCHER)
    app = ActionsApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        assert "hotel note —" in text_of(screen, "#detail-sales")
        await pilot.press("e")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, SalesModal)
        note = modal.query_one("#sales-hotel-note", Input)
        note.focus()
        await pilot.press(*"late arrival", "enter")
        screen = await detail(pilot)
        assert "hotel note late arrival" in text_of(screen, "#detail-sales")
    with db.read() as session:
        row = session.get(InboxReservation, rid)
        assert row is not None
        assert row.hotel_note == "late arrival"


async def test_a_refusal_stays_on_the_message_line(db: Database) -> None:
    app = ActionsApp(db, inbox_id(db, JET2_VOUCHER))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await detail(pilot)
        assert text_of(screen, "#detail-message") == ""
        await pilot.press("a", "y")
        screen = await detail(pilot)
        message = text_of(screen, "#detail-message")
        assert message.startswith(f"#{screen.inbox_id} {JET2_VOUCHER}:")
        assert "room type 'Family Room' is not mapped" in message
        message_region = screen.query_one("#detail-message").region
        assert message_region.height >= 1 and screen.region.contains_region(message_region)


async def test_link_key_links_a_possible_guest(db: Database) -> None:
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
        guest_id = guest.id
    app = ActionsApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        table = screen.query_one("#guests-table", DataTable)
        possible = list(table.get_row_at(1))
        assert (possible[0].plain, possible[-1].plain) == ("1", "possible")
        assert possible[0].style == "green"  # the seed: a possible guest is green
        table.focus()
        await pilot.press("down", "l")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, GuestLinkModal)
        await pilot.press("enter")
        screen = await detail(pilot)
        table = screen.query_one("#guests-table", DataTable)
        linked = list(table.get_row_at(1))
        assert linked[-1].plain == "linked"
        assert linked[8].plain == "6"  # the profile's guest id
        assert linked[0].style == "yellow"  # now a repeat guest
    with db.read() as session:
        stored = session.get(InboxGuest, guest_id)
        assert stored is not None and stored.guest_profile_id == 6


async def test_price_options_key_turns_discounts_off(db: Database) -> None:
    rid = inbox_id(db, WORKED_VOUCHER)
    app = ActionsApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        assert "discounts active" in text_of(screen, "#prices-options")
        await pilot.press("p")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, PriceOptionsModal)
        modal.query_one("#price-discounts-active", Checkbox).focus()
        await pilot.press("space", "ctrl+s")
        screen = await detail(pilot)
        assert "discounts off" in text_of(screen, "#prices-options")
        await pilot.press("c")  # recalculate: the same options, read again
        screen = await detail(pilot)
        assert "discounts off" in text_of(screen, "#prices-options")
    with db.read() as session:
        settings = session.exec(
            select(InboxPriceSettings).where(InboxPriceSettings.inbox_reservation_id == rid)
        ).one()
    assert settings.discounts_active is False


async def test_a_rejected_internal_approval_is_red_and_i_asks_again(db: Database) -> None:
    rid = inbox_id(db, WORKED_VOUCHER)
    with db.read() as session:
        hotel_id = get_hotel(session).id or 0
    # No SMTP configured: the approval starts and says the mail did not go.
    started = internal_approval.start(
        db, hotel_id, rid, ["selin.aydin"], user="tester", mailer=None
    )
    assert started.warnings
    internal_approval.vote(db, hotel_id, rid, "selin.aydin", False, note="too cheap", user="x")
    app = ActionsApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        button = screen.query_one("#btn-approval", Button)
        assert str(button.label) == "Internal approval: rejected"
        assert button.variant == "error"
        await pilot.press("a", "y")
        screen = await detail(pilot)
        assert "was rejected by selin.aydin (too cheap)" in text_of(screen, "#detail-message")
        await pilot.press("i")
        await wait(pilot)
        assert isinstance(app.screen, ApproversModal)
        await pilot.press("escape")
        await wait(pilot)
        assert isinstance(app.screen, DetailScreen)


async def test_duplicates_new_booking_creates_a_second_reservation_on_save(
    db: Database,
) -> None:
    set_mapping(db, None, "TUIP", "board", "AI", "AI", user="tester")
    rid = inbox_id(db, DUPLICATE_VOUCHER)
    app = ActionsApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        await detail(pilot)
        await pilot.press("d")
        await wait(pilot)
        await pilot.press("n")
        screen = await detail(pilot)
        assert label(screen, "btn-duplicates") == "Possible duplicates (1) → new"
        await pilot.press("v", "y")
        screen = await detail(pilot)
        assert "created" in text_of(screen, "#detail-message")
    with db.read() as session:
        same = session.exec(
            select(HotelReservation).where(HotelReservation.voucher == DUPLICATE_VOUCHER)
        ).all()
        decision = session.exec(
            select(InboxDecision).where(InboxDecision.inbox_reservation_id == rid)
        ).one()
    assert sorted(r.inbox_reservation_id or 0 for r in same) == [0, rid]
    assert decision.overrides == {"create_new": True}


async def test_the_action_bar_fits_80_columns_with_its_state_shown(db: Database) -> None:
    set_mapping(db, None, "TUIP", "board", "AI", "AI", user="tester")
    app = ActionsApp(db, inbox_id(db, DUPLICATE_VOUCHER))
    async with app.run_test(size=(80, 24)) as pilot:
        await detail(pilot)
        await pilot.press("t", "d")
        await wait(pilot)
        await pilot.press("l")
        screen = await detail(pilot)
        assert label(screen, "btn-duplicates") == "Dups (1)→#1"
        assert label(screen, "btn-stop-sale") == "Ignore stop"
        for button in screen.query("#action-bar Button").results(Button):
            assert button.region.height == 1, button.id
            assert screen.region.contains_region(button.region), button.id
            # Every label is shown whole (a stale width would wrap it out of sight).
            assert button.region.width >= len(str(button.label)), button.id


async def test_a_decision_taken_elsewhere_meanwhile_is_refused_and_the_screen_reloads(
    db: Database,
) -> None:
    from hotelops.core.approval import reject

    rid = inbox_id(db, WORKED_VOUCHER)
    app = ActionsApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        assert "pending" in text_of(screen, "#detail-header")
        # A colleague rejects it from the CLI while this screen shows it.
        with db.read() as session:
            hotel = get_hotel(session)
        reject(db, hotel, rid, "sold out", user="colleague")
        await pilot.press("a", "y")
        screen = await detail(pilot)
        assert "changed" in text_of(screen, "#detail-message").lower()
        assert "rejected" in text_of(screen, "#detail-header")
    with db.read() as session:
        books = session.exec(
            select(HotelReservation).where(HotelReservation.voucher == WORKED_VOUCHER)
        ).all()
        assert books == []


async def test_map_key_sets_what_an_operator_means_when_it_sends_no_agency(
    db: Database,
) -> None:
    rid = inbox_id(db, "9LXWQT")  # British Airways Holidays sends no agency
    app = ActionsApp(db, rid)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await detail(pilot)
        assert screen.data is not None
        assert screen.data.resolved.missing.get("agency") == ""
        await pilot.press("m")
        await wait(pilot)
        picker = app.screen
        assert isinstance(picker, MappingPicker)
        assert (picker.kind, picker.operator_value) == ("agency", "")
        assert "Map what BAH means when it sends no agency" in str(
            picker.query_one(".modal-title", Label).render()
        )
        await pilot.press(*"TUI UK")
        await wait(pilot)
        await pilot.press("enter")
        screen = await detail(pilot)
        assert screen.data is not None
        assert "agency" not in screen.data.resolved.missing
        assert screen.data.resolved.agency == "TUI UK"
        assert "agency (none sent) mapped to TUI UK" in text_of(screen, "#detail-message")
    with db.read() as session:
        saved = session.exec(
            select(Mapping).where(Mapping.kind == "agency", Mapping.operator_code == "")
        ).one()
    assert saved.hotel_code == "TUI UK"
