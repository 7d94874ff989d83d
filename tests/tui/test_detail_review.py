"""The detail screen's fixes from the office's review: a confirmation before a decision, the
operator notice in the outcome, version diffs, full notes, dashboard hints, voting, and more."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, SelectionList, Static, TabbedContent

from hotelops.core import internal_approval
from hotelops.core.approval import Outcome
from hotelops.core.config import LoadedConfig, Settings, SmtpSettings
from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.models import (
    ApprovalVote,
    HotelReservation,
    InboxDecision,
    InboxPriceSettings,
    InboxReservation,
    InternalApproval,
)
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.detail import (
    GUEST_COLUMNS,
    DetailScreen,
    age_at,
    dashboard_hint,
    decision_message,
)
from hotelops.tui.screens.detail_modals import (
    ApproversModal,
    ConfirmDecision,
    DuplicatesModal,
    PriceOptionsModal,
    VoteModal,
)
from hotelops.tui.screens.detail_tools import VersionDiffModal

pytestmark = pytest.mark.anyio

WORKED_VOUCHER = "79194577"  # TUI, STDLV, 2026-08-29..09-05: every guard passes
JET2_VOUCHER = "J2H8852390"  # room type, board and rate type unmapped
DUPLICATE_VOUCHER = "78856480"  # a modification of hotel reservation #1 (same voucher)
MEL_VOUCHER = "MEL-260402-0017"  # Florian, born 01.12.1980, no age sent; in 25.07.2026
HBD_VOUCHER = "75-2461351"  # HBD: new, modification, cancellation (3 versions)


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


class ReviewApp(App[None]):
    """A tiny host that opens one reservation's detail screen."""

    CSS_PATH = HotelopsApp.CSS_PATH

    def __init__(
        self, db: Database, inbox_id: int, config: LoadedConfig | None = None, user: str = "tester"
    ) -> None:
        super().__init__()
        self.db = db
        self.inbox_id = inbox_id
        self.config = config or LoadedConfig(Settings(), None)
        self.user = user

    def on_mount(self) -> None:
        self.push_screen(DetailScreen(self.db, None, self.inbox_id, self.config, self.user))


def inbox_id(db: Database, voucher: str) -> int:
    with db.read() as session:
        hotel = get_hotel(session)
        assert hotel.id is not None
        page = list_inbox(session, hotel.id, InboxFilter(search=voucher))
    ids = [row.id for row in page.rows if row.voucher == voucher]
    assert len(ids) == 1, ids
    return ids[0]


def booked(db: Database, voucher: str) -> list[HotelReservation]:
    with db.read() as session:
        return list(
            session.exec(select(HotelReservation).where(HotelReservation.voucher == voucher))
        )


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


def text(widget: Static) -> str:
    return str(widget.render())


# -- 1. one key to confirm a decision --------------------------------------------------------


async def test_confirm_and_save_asks_once_and_n_does_nothing(db: Database) -> None:
    app = ReviewApp(db, inbox_id(db, WORKED_VOUCHER))
    async with app.run_test(size=(120, 40)) as pilot:
        await detail(pilot)
        await pilot.press("a")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmDecision)
        title = str(modal.query_one(".modal-title", Static).render())
        assert title.endswith("Confirm to TUI Partners and save to the books?")
        assert text(modal.query_one("#decision-price", Static)).startswith("price: priced")
        assert text(modal.query_one("#decision-overrides", Static)) == "overrides: none"
        assert "the guards pass" in text(modal.query_one("#decision-checks", Static))
        await pilot.press("n")
        screen = await detail(pilot)
        assert booked(db, WORKED_VOUCHER) == []
        assert "pending" in text(screen.query_one("#detail-header", Static))
        await pilot.press("v")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmDecision)
        await pilot.press("escape")
        await detail(pilot)
        assert booked(db, WORKED_VOUCHER) == []
        await pilot.press("v", "enter")
        await detail(pilot)
        assert len(booked(db, WORKED_VOUCHER)) == 1


async def test_the_confirmation_shows_the_guards_and_the_overrides(db: Database) -> None:
    app = ReviewApp(db, inbox_id(db, JET2_VOUCHER))
    async with app.run_test(size=(120, 40)) as pilot:
        await detail(pilot)
        await pilot.press("b", "o")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmDecision)
        title = str(modal.query_one(".modal-title", Static).render())
        assert "Confirm to Jet2 Holidays only" in title
        overrides = text(modal.query_one("#decision-overrides", Static))
        assert overrides == "overrides: allow overbooking"
        await pilot.press("escape")
        await pilot.press("a")
        await wait(pilot)
        checks = text(app.screen.query_one("#decision-checks", Static))
        assert "✗" in checks and "not mapped" in checks


# -- 2. the operator notice and the warnings in the outcome ----------------------------------


def test_decision_message_names_the_channel_and_each_warning() -> None:
    outcome = Outcome(
        7,
        "V1",
        "confirm+save",
        "approved",
        hotel_reservation_id=12,
        channel="mail",
        channel_result="sent to res@op.example",
        effect="created",
        warnings=["the operator was not told: smtp down (tell them by hand)"],
    )
    assert decision_message(outcome).splitlines() == [
        "#7 V1: confirm+save created → hotel reservation #12 → approved; "
        "operator: mail (sent to res@op.example)",
        "warning: the operator was not told: smtp down (tell them by hand)",
    ]


async def test_the_decision_message_says_how_the_operator_was_told(db: Database) -> None:
    target = inbox_id(db, WORKED_VOUCHER)
    app = ReviewApp(db, target)
    async with app.run_test(size=(160, 40)) as pilot:
        await detail(pilot)
        await pilot.press("a", "y")
        screen = await detail(pilot)
        with db.read() as session:
            decision = session.exec(
                select(InboxDecision).where(InboxDecision.inbox_reservation_id == target)
            ).one()
        assert decision.channel
        told = f"operator: {decision.channel} ({decision.channel_result})"
        assert told in text(screen.query_one("#detail-message", Static))
        assert any(told in n.message for n in app._notifications)


# -- 3. what each version changed, and its full diff -------------------------------------------


async def test_versions_show_old_and_new_and_enter_opens_the_full_diff(db: Database) -> None:
    app = ReviewApp(db, inbox_id(db, HBD_VOUCHER))
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await detail(pilot)
        screen.query_one(TabbedContent).active = "tab-log"
        await pilot.pause()
        table = screen.query_one("#versions-table", DataTable)
        changed = str(table.get_row_at(1)[3])
        assert "check_in: 2026-07-03 → 2026-07-04" in changed
        # the room types are 25 and 24 characters: the old one is shortened in the table
        assert "room_type: DOUBLE STANDARD LAND VI… → DOUBLE SUPERIOR SEA VIEW" in changed
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, VersionDiffModal)
        lines = text(modal.query_one("#version-diff", Static)).splitlines()
        at = lines.index("room_type")
        assert lines[at + 1].split() == ["old", "DOUBLE", "STANDARD", "LAND", "VIEW"]
        assert lines[at + 2].split() == ["new", "DOUBLE", "SUPERIOR", "SEA", "VIEW"]
        assert {"check_in", "check_out", "price", "room_type"} <= set(lines)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


# -- 4. the notes in full in the Extra info tab ------------------------------------------------


async def test_extra_info_shows_the_notes_in_full_and_wrapped(db: Database) -> None:
    target = inbox_id(db, WORKED_VOUCHER)
    agency_note = "late arrival around midnight, " * 6 + "please keep the room"
    hotel_note = "honeymoon couple: flowers and a bottle of wine on arrival, " * 3 + "end"
    with db.write() as session:
        row = session.get(InboxReservation, target)
        assert row is not None
        row.agency_note, row.hotel_note = agency_note, hotel_note
        row.cancellation_note = "the guest asked to keep the deposit for a later stay " * 2
        session.add(row)
    app = ReviewApp(db, target)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await detail(pilot)
        sales = screen.query_one("#detail-sales", Static)
        assert sales.size.width < len(agency_note)  # the panel shows it cut
        screen.query_one(TabbedContent).active = "tab-extra"
        await pilot.pause()
        extra = screen.query_one("#extra-info", Static)
        shown = text(extra)
        assert agency_note in shown
        assert hotel_note in shown
        assert "for a later stay the guest asked to keep the deposit for a later stay" in shown
        assert "arrival flight" in shown
        # wrapped to the tab's width: more screen lines than text lines
        assert extra.size.width <= 100
        assert extra.size.height > len(shown.splitlines())


# -- 5. the dashboard's way after a refusal naming CLI flags -----------------------------------


def test_dashboard_hint_names_the_keys_for_the_cli_flags() -> None:
    assert (
        dashboard_hint(
            "#3 78856480: possible duplicates: #1 78856480 A B (same voucher, confirmed) "
            "(--link RES_ID to use one, or --create-new)"
        )
        == "here: d to choose a duplicate (link or new)"
    )
    assert (
        dashboard_hint(
            "#9 X: room_type 'DBL SV' is not mapped (hotelops map set JET2 room_type 'DBL SV' "
            "HOTEL_CODE); stop sale 2026-07-01..2026-07-05 for STDLV closes this stay "
            "(--ignore-stop-sale to save anyway; it is logged); overbooking: STDLV has 0 room(s) "
            "left on 2026-07-02 for 1 (--allow-overbooking to save anyway)"
        )
        == "here: m to map; t to ignore the stop sale; b to allow overbooking"
    )
    assert (
        dashboard_hint(
            "internal approval #2 is waiting for selin: they vote with "
            "`hotelops approve vote 5 --user USER --yes|--no`"
        )
        == "here: i to vote or see who votes"
    )
    assert (
        dashboard_hint(
            "#5 changed since you looked at it (now version 2, pending): look again "
            "(hotelops inbox show 5) and decide on what is there now"
        )
        == "here: r to reload"
    )
    assert dashboard_hint("a rejection needs a reason") == ""


async def test_a_refusal_ends_with_the_dashboards_way_at_80_columns(db: Database) -> None:
    app = ReviewApp(db, inbox_id(db, JET2_VOUCHER))
    async with app.run_test(size=(80, 24)) as pilot:
        await detail(pilot)
        await pilot.press("a", "y")
        screen = await detail(pilot)
        line = screen.query_one("#detail-message", Static)
        shown = text(line)
        assert shown.startswith(f"#{screen.inbox_id} {JET2_VOUCHER}: ")
        assert shown.endswith("\nhere: m to map")
        assert line.size.height <= 3
        refused = [n.message for n in app._notifications if n.severity == "error"]
        assert refused and refused[-1].endswith("HOTEL_CODE)\nhere: m to map")


# -- 6. internal approval: Enter closes after warnings; the user's own vote -------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_enter_closes_the_approvers_modal_after_a_send_with_warnings(db: Database) -> None:
    target = inbox_id(db, WORKED_VOUCHER)
    nowhere = SmtpSettings(host="127.0.0.1", port=free_port(), starttls=False)
    app = ReviewApp(db, target, LoadedConfig(Settings(smtp=nowhere), None))
    async with app.run_test(size=(160, 40)) as pilot:
        await detail(pilot)
        await pilot.press("i")
        await wait(pilot)
        assert isinstance(app.screen, ApproversModal)
        await pilot.press("space", "ctrl+s")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, ApproversModal)  # the mail warning is shown
        assert "(Enter or Esc closes)" in text(modal.query_one(".modal-error", Static))
        await pilot.press("enter")
        screen = await detail(pilot)
        assert str(screen.query_one("#btn-approval").label) == "Internal approval 0/1"
    with db.read() as session:
        approval = session.exec(select(InternalApproval)).one()
    assert approval.status == "started"


async def test_i_lets_a_waiting_approver_vote_and_tells_others_who_waits(db: Database) -> None:
    target = inbox_id(db, WORKED_VOUCHER)
    with db.read() as session:
        hotel_id = get_hotel(session).id or 0
    internal_approval.start(
        db, hotel_id, target, ["selin.aydin", "emre.cakir"], user="office", mailer=None
    )
    other = ReviewApp(db, target, user="tester")
    async with other.run_test(size=(160, 40)) as pilot:
        screen = await detail(pilot)
        await pilot.press("i")
        await wait(pilot)
        assert app_screen_is(other, DetailScreen)
        message = text(screen.query_one("#detail-message", Static))
        assert "is waiting for selin.aydin, emre.cakir" in message
        assert f"hotelops approve vote {target} --user" in message
    app = ReviewApp(db, target, user="selin.aydin")
    async with app.run_test(size=(160, 40)) as pilot:
        await detail(pilot)
        await pilot.press("i")
        await wait(pilot)
        assert isinstance(app.screen, VoteModal)
        await pilot.press("shift+tab", *"fine by me", "enter", "y")
        screen = await detail(pilot)
        message = text(screen.query_one("#detail-message", Static))
        assert message.startswith("selin.aydin voted yes: internal approval #")
        assert message.endswith("is started")
        assert str(screen.query_one("#btn-approval").label) == "Internal approval 1/2"
    with db.read() as session:
        votes = {v.username: v for v in session.exec(select(ApprovalVote))}
    assert votes["selin.aydin"].vote == "yes"
    assert votes["selin.aydin"].note == "fine by me"
    assert votes["emre.cakir"].vote == ""


def app_screen_is(app: App[None], kind: type) -> bool:
    return isinstance(app.screen, kind)


# -- 7. the duplicates modal fits the terminal, status and why early ---------------------------


async def test_duplicates_modal_fits_100_columns_with_status_and_why_shown(db: Database) -> None:
    app = ReviewApp(db, inbox_id(db, DUPLICATE_VOUCHER))
    async with app.run_test(size=(100, 30)) as pilot:
        await detail(pilot)
        await pilot.press("d")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, DuplicatesModal)
        box = modal.query_one(".modal-box")
        assert box.region.right <= 100 and box.region.width >= 96
        table = modal.query_one("#duplicates-table", DataTable)
        headers = [str(c.label) for c in table.ordered_columns]
        assert headers[:3] == ["Id", "Status", "Why"]
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[2] == "same voucher"
        assert row[1]  # the hotel reservation's status
        # both are on screen, inside the box, without scrolling sideways
        right = sum(c.get_render_width(table) for c in table.ordered_columns[:3])
        assert table.region.x + right <= box.region.right


# -- 10. the guest's age at check-in from the birth date ---------------------------------------


def test_age_at_counts_whole_years_to_the_day() -> None:
    assert age_at(date(1980, 12, 1), date(2026, 7, 25)) == 45
    assert age_at(date(1980, 7, 25), date(2026, 7, 25)) == 46
    assert age_at(date(1980, 7, 26), date(2026, 7, 25)) == 45
    assert age_at(date(2024, 2, 29), date(2026, 2, 28)) == 1


async def test_the_guests_age_is_the_age_at_check_in(db: Database) -> None:
    app = ReviewApp(db, inbox_id(db, MEL_VOUCHER))
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await detail(pilot)
        assert screen.data is not None
        guest = screen.data.detail.guests[0]
        assert guest.age is None and guest.birth_date == date(1980, 12, 1)
        table = screen.query_one("#guests-table", DataTable)
        row = dict(zip(GUEST_COLUMNS, (str(c) for c in table.get_row_at(0)), strict=True))
        assert row["First name"] == "Florian"
        assert row["Birth date"] == "1980-12-01"
        assert row["Age"] == "45"  # on 25.07.2026, before the December birthday


# -- 11. Space ticks a list's first option at once ---------------------------------------------


async def test_space_ticks_the_first_promotion_without_moving_first(db: Database) -> None:
    target = inbox_id(db, WORKED_VOUCHER)
    app = ReviewApp(db, target)
    async with app.run_test(size=(120, 40)) as pilot:
        await detail(pilot)
        await pilot.press("p")
        await wait(pilot)
        modal = app.screen
        assert isinstance(modal, PriceOptionsModal)
        skip = modal.query_one("#price-skip", SelectionList)
        first = skip.get_option_at_index(0).value
        skip.focus()
        await pilot.press("space")
        await pilot.pause()
        assert list(skip.selected) == [first]
        use = modal.query_one("#price-use", SelectionList)
        use.focus()
        await pilot.press("enter")  # Enter ticks too (the hint says so), it does not save
        await pilot.pause()
        assert app.screen is modal
        assert list(use.selected) == [use.get_option_at_index(0).value]
        await pilot.press("ctrl+s")
        await detail(pilot)
    with db.read() as session:
        settings = session.exec(
            select(InboxPriceSettings).where(InboxPriceSettings.inbox_reservation_id == target)
        ).one()
    assert first in settings.skipped


# -- 12. the mapping panel uses the width it has -----------------------------------------------


async def test_the_mapping_panel_shows_long_operator_values_on_a_wide_terminal(
    db: Database,
) -> None:
    long_value = "JET2 SUMMER 26 - STANDARD"  # the JET2 rate type, 25 characters
    app = ReviewApp(db, inbox_id(db, JET2_VOUCHER))
    async with app.run_test(size=(200, 40)) as pilot:
        screen = await detail(pilot)
        assert screen.data is not None
        assert screen.data.resolved.missing["rate_type"] == long_value
        lines = text(screen.query_one("#detail-mapping", Static)).splitlines()
        rate = next(line for line in lines if line.startswith("Rate type"))
        assert f"{long_value} → missing  m: map" in rate
        await pilot.resize_terminal(80, 24)
        await wait(pilot)
        lines = text(screen.query_one("#detail-mapping", Static)).splitlines()
        rate = next(line for line in lines if line.startswith("Rate type"))
        assert "JET2 SUMMER 26 - …" in rate and long_value not in rate
