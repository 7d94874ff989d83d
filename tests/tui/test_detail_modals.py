"""The detail screen's modals, each driven by Pilot on a tiny host app over the demo hotel."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.app import App
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, OptionList, Select, SelectionList, Static

from hotelops.core.approval import possible_duplicates
from hotelops.core.config import LoadedConfig, ScanSettings, Settings, SmtpSettings
from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.guests import GuestMatch, match_guests
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.models import (
    ApprovalVote,
    AuditEntry,
    GuestProfile,
    InboxDocument,
    InboxGuest,
    InboxPriceSettings,
    InboxReservation,
    InternalApproval,
    Mapping,
)
from hotelops.tui.screens.detail_modals import (
    ApproversModal,
    DocumentModal,
    DuplicatesModal,
    GuestLinkModal,
    MappingPicker,
    PriceOptionsModal,
    SalesModal,
)
from tests.servers.smtp_server import SmtpServer, free_port, smtp_server

pytestmark = pytest.mark.anyio

JET2_VOUCHER = "J2H8852390"  # JET2 room type "Family Room" is not mapped
WORKED_VOUCHER = "79194577"
BA_VOUCHER = "9LXWQT"  # came with a PDF voucher
HUNGARIAN_VOUCHER = "48044"  # already in the books: a possible duplicate


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


@pytest.fixture
def config(demo_path: Path) -> LoadedConfig:
    """The documents folder the demo's scan stored its attachments in."""
    documents = demo_path.parent / f"{demo_path.stem}-documents"
    return LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(documents))), None)


class Host(App[None]):
    """Pushes one modal and keeps what it dismissed with."""

    def __init__(self, make: Callable[[], ModalScreen[Any]]) -> None:
        super().__init__()
        self.make = make
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.make(), self.results.append)


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def error_text(app: App[None]) -> str:
    """The refusal the modal shows; it is on screen exactly when there is one."""
    error = app.screen.query_one(".modal-error", Static)
    text = str(error.render())
    assert error.display == bool(text.strip())
    return text


def inbox_id(db: Database, voucher: str) -> int:
    with db.read() as session:
        hotel = get_hotel(session)
        page = list_inbox(session, hotel.id or 0, InboxFilter(search=voucher))
    ids = [row.id for row in page.rows if row.voucher == voucher]
    return ids[0]


def row_of(db: Database, inbox: int) -> InboxReservation:
    with db.read() as session:
        row = session.get(InboxReservation, inbox)
        assert row is not None
        return row


def audit(db: Database, action: str) -> list[AuditEntry]:
    with db.read() as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


# -- mapping picker ------------------------------------------------------------------------------


async def test_mapping_picker_suggests_filters_and_saves(db: Database) -> None:
    app = Host(lambda: MappingPicker(db, None, "JET2", "room_type", "Family Room", "tester"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        options = app.screen.query_one("#map-list", OptionList)
        first = options.get_option_at_index(0)
        assert first.id == "FAM"  # the suggestion comes first, with its score
        assert "0." in str(first.prompt) or "1.0" in str(first.prompt)
        await pilot.press(*"deluxe")
        await pilot.pause()
        shown = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert shown == ["DXK1", "DXK3", "DXSV"]
        await pilot.press(*["backspace"] * 6, *"fam")
        await pilot.pause()
        shown = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert shown == ["FAM", "FAMPOOL"]
        await pilot.press("down")  # the arrows move the list from the filter field
        assert options.highlighted == 1
        await pilot.press("up", "enter")
        await settle(pilot)
    assert app.results == ["FAM"]
    with db.read() as session:
        saved = session.exec(
            select(Mapping).where(
                Mapping.operator_code == "Family Room", Mapping.kind == "room_type"
            )
        ).one()
    assert (saved.hotel_code, saved.created_by) == ("FAM", "tester")


async def test_mapping_picker_refusal_stays_open(db: Database) -> None:
    app = Host(lambda: MappingPicker(db, None, "NOPE", "room_type", "Family Room", "tester"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MappingPicker)
        assert "no operator 'NOPE'" in error_text(app)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]


async def test_mapping_picker_typed_unknown_code_is_refused_by_the_core(db: Database) -> None:
    app = Host(lambda: MappingPicker(db, None, "JET2", "room_type", "Family Room", "tester"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"ZZZ9", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MappingPicker)
        assert "ZZZ9" in error_text(app)
    with db.read() as session:
        assert (
            session.exec(select(Mapping).where(Mapping.operator_code == "Family Room")).first()
            is None
        )


# -- guest link ----------------------------------------------------------------------------------


def possible_profile(db: Database, voucher: str) -> tuple[int, GuestMatch]:
    """A VIP profile named like the reservation's first guest (no birth date: only possible)."""
    inbox = inbox_id(db, voucher)
    with db.write() as session:
        hotel = get_hotel(session)
        guest = session.exec(
            select(InboxGuest).where(InboxGuest.inbox_reservation_id == inbox)
        ).first()
        assert guest is not None
        profile = GuestProfile(
            hotel_id=hotel.id or 0,
            first_name=guest.first_name,
            last_name=guest.last_name,
            vip_level="GOLD",
            repeat_count=2,
        )
        session.add(profile)
        session.flush()
        profile_id, guest_id, hotel_id = profile.id or 0, guest.id, hotel.id or 0
    with db.read() as session:
        match = next(
            m for m in match_guests(session, hotel_id, inbox) if m.inbox_guest_id == guest_id
        )
    assert [c.profile_id for c in match.candidates][:1] == [profile_id]
    return inbox, match


async def test_guest_link_links_the_chosen_profile(db: Database) -> None:
    inbox, match = possible_profile(db, JET2_VOUCHER)
    profile_id = match.candidates[0].profile_id
    app = Host(lambda: GuestLinkModal(db, None, inbox, match, "tester"))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#guest-candidates", DataTable)
        first_row = table.get_row_at(0)
        assert str(first_row[0]) == str(profile_id)
        assert str(first_row[7]) == "GOLD"
        assert first_row[0].style == "bold magenta"  # VIP in its own colour
        await pilot.press("enter")
        await settle(pilot)
    assert app.results == [profile_id]
    with db.read() as session:
        linked = session.get(InboxGuest, match.inbox_guest_id)
        assert linked is not None and linked.guest_profile_id == profile_id
    assert [e.after for e in audit(db, "guest.link")] == [{"guest_profile_id": profile_id}]


async def test_guest_link_refusal_stays_in_the_modal(db: Database) -> None:
    inbox, match = possible_profile(db, JET2_VOUCHER)
    with db.write() as session:  # someone merges the profile away meanwhile
        gone = session.get(GuestProfile, match.candidates[0].profile_id)
        session.delete(gone)
    app = Host(lambda: GuestLinkModal(db, None, inbox, match, "tester"))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GuestLinkModal)
        assert f"no guest profile #{match.candidates[0].profile_id}" in error_text(app)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]
    with db.read() as session:
        guest = session.get(InboxGuest, match.inbox_guest_id)
        assert guest is not None and guest.guest_profile_id is None


# -- sales ---------------------------------------------------------------------------------------


async def test_sales_modal_saves_what_changed(db: Database) -> None:
    inbox = inbox_id(db, WORKED_VOUCHER)
    app = Host(lambda: SalesModal(db, None, inbox, "tester"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        # Empty means the agency card's default, and the field says which that is.
        assert screen.query_one("#sales-price-code", Select).prompt == (
            "(agency default: TUI-GASP-26)"
        )
        assert error_text(app) == ""  # no refusal, no empty error line either
        # Keyboard only: the price code field has the focus; Enter opens it, typing finds.
        await pilot.press("enter", *"TUI-POL", "enter")
        await pilot.pause()
        assert screen.query_one("#sales-price-code", Select).value == "TUI-POL-26"
        await pilot.press("tab", "enter", *"PHONE", "enter")
        await pilot.pause()
        assert screen.query_one("#sales-source", Select).value == "PHONE"
        await pilot.press("tab", "tab", *"2026-06-01 18:30", "tab", *"sea view please")
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert app.results == [True]
    row = row_of(db, inbox)
    assert (row.price_code, row.source_code, row.segment_code) == ("TUI-POL-26", "PHONE", "")
    # Typed in the hotel's zone (Europe/Istanbul, UTC+3), stored in UTC.
    assert row.option_date is not None
    assert f"{row.option_date.astimezone(UTC):%Y-%m-%d %H:%M}" == "2026-06-01 15:30"
    assert row.hotel_note == "sea view please"
    entry = audit(db, "inbox.sales")[0]
    assert entry.user == "tester"
    assert entry.after is not None and entry.after["price_code"] == "TUI-POL-26"


async def test_sales_modal_shows_a_bad_option_date(db: Database) -> None:
    inbox = inbox_id(db, WORKED_VOUCHER)
    app = Host(lambda: SalesModal(db, None, inbox, "tester"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#sales-option-date", Input).focus()
        await pilot.press(*"2026-01-02", "enter")
        await settle(pilot)
        assert isinstance(app.screen, SalesModal)
        assert "before the hotel's business date 2026-05-15" in error_text(app)
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [None]
    assert row_of(db, inbox).option_date is None
    assert audit(db, "inbox.sales") == []


async def test_sales_modal_keeps_a_past_option_date_when_only_the_note_changes(
    db: Database,
) -> None:
    # DTS-114573 came with an option date (15:00 UTC) already before the business date.
    inbox = inbox_id(db, "DTS-114573")
    app = Host(lambda: SalesModal(db, None, inbox, "tester"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = app.screen.query_one("#sales-option-date", Input).value
        assert shown == "2026-04-15 18:00"  # in the hotel's zone, Europe/Istanbul
        app.screen.query_one("#sales-hotel-note", Input).focus()
        await pilot.press(*"call the agency", "enter")
        await settle(pilot)
    assert app.results == [True]
    row = row_of(db, inbox)
    assert row.hotel_note == "call the agency"
    assert row.option_date is not None and row.option_date.astimezone(UTC).hour == 15
    entry = audit(db, "inbox.sales")[0]
    assert entry.after == {"hotel_note": "call the agency"}


async def test_sales_modal_refuses_a_decided_reservation(db: Database) -> None:
    inbox = inbox_id(db, WORKED_VOUCHER)
    with db.write() as session:
        row = session.get(InboxReservation, inbox)
        assert row is not None
        row.status = "rejected"  # type: ignore[assignment]
        session.add(row)
    app = Host(lambda: SalesModal(db, None, inbox, "tester"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#sales-hotel-note", Input).focus()
        await pilot.press(*"x", "enter")
        await settle(pilot)
        assert "is rejected: only a pending reservation" in error_text(app)
        assert isinstance(app.screen, SalesModal)
    assert row_of(db, inbox).hotel_note == ""


# -- price options -------------------------------------------------------------------------------


async def test_price_options_saves_manual_prices_and_toggles(
    db: Database, config: LoadedConfig
) -> None:
    inbox = inbox_id(db, WORKED_VOUCHER)
    row = row_of(db, inbox)
    app = Host(lambda: PriceOptionsModal(db, None, inbox, config, "tester"))
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        first = screen.query_one(f"#night-{row.check_in:%Y%m%d}", Input)
        assert first.placeholder.startswith("contract ")
        await pilot.press("space")  # manual price active (focused first)
        await pilot.press("tab")
        await pilot.press("space")  # discounts off
        first.focus()
        await pilot.press(*"250,50")
        skip = screen.query_one("#price-skip", SelectionList)
        codes = [skip.get_option_at_index(i).value for i in range(skip.option_count)]
        assert codes[0] == "EBD-03"  # the one that applied to this stay comes first
        assert "applied" in str(skip.get_option_at_index(0).prompt)
        summary = str(screen.query_one("#price-summary", Static).render())
        assert "priced · contract TUI-GASP-26 · total 1,899.00 EUR" in summary
        skip.select(codes[0])
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert app.results == [True]
    with db.read() as session:
        settings = session.exec(
            select(InboxPriceSettings).where(InboxPriceSettings.inbox_reservation_id == inbox)
        ).one()
    assert settings.manual_active is True
    assert settings.discounts_active is False
    assert settings.manual_prices == {row.check_in.isoformat(): "250.50"}
    assert settings.skipped == [codes[0]]
    assert audit(db, "price.options")[0].user == "tester"


async def test_price_options_refuses_a_bad_amount_naming_the_night(
    db: Database, config: LoadedConfig
) -> None:
    inbox = inbox_id(db, WORKED_VOUCHER)
    row = row_of(db, inbox)
    app = Host(lambda: PriceOptionsModal(db, None, inbox, config, "tester"))
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        app.screen.query_one(f"#night-{row.check_in:%Y%m%d}", Input).focus()
        await pilot.press(*"12x", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PriceOptionsModal)
        assert f"night {row.check_in:%d.%m.%Y}" in error_text(app)
        assert "'12x' is not an amount" in error_text(app)
    with db.read() as session:
        assert (
            session.exec(
                select(InboxPriceSettings).where(InboxPriceSettings.inbox_reservation_id == inbox)
            ).first()
            is None
        )


async def test_price_options_emptying_a_night_clears_its_manual_price(
    db: Database, config: LoadedConfig
) -> None:
    inbox = inbox_id(db, WORKED_VOUCHER)
    row = row_of(db, inbox)
    second = row.check_in + timedelta(days=1)
    with db.write() as session:
        session.add(
            InboxPriceSettings(
                hotel_id=row.hotel_id,
                inbox_reservation_id=inbox,
                manual_active=True,
                manual_prices={row.check_in.isoformat(): "300.00", second.isoformat(): "310.00"},
            )
        )
    app = Host(lambda: PriceOptionsModal(db, None, inbox, config, "tester"))
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        night = app.screen.query_one(f"#night-{row.check_in:%Y%m%d}", Input)
        assert night.value == "300.00"
        assert app.screen.query_one("#price-manual-active").value is True  # type: ignore[attr-defined]
        night.focus()
        await pilot.press("end", *["backspace"] * 6, "enter")
        await settle(pilot)
        assert app.results == [True]
    with db.read() as session:
        saved = session.exec(
            select(InboxPriceSettings).where(InboxPriceSettings.inbox_reservation_id == inbox)
        ).one()
        # The emptied night is back on the contract; the other keeps its manual price.
        assert saved.manual_prices == {second.isoformat(): "310.00"}
    assert len(audit(db, "price.options")) == 1


async def test_price_options_refuses_manual_on_with_every_night_emptied(
    db: Database, config: LoadedConfig
) -> None:
    inbox = inbox_id(db, WORKED_VOUCHER)
    row = row_of(db, inbox)
    with db.write() as session:
        session.add(
            InboxPriceSettings(
                hotel_id=row.hotel_id,
                inbox_reservation_id=inbox,
                manual_active=True,
                manual_prices={row.check_in.isoformat(): "300.00"},
            )
        )
    app = Host(lambda: PriceOptionsModal(db, None, inbox, config, "tester"))
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        night = app.screen.query_one(f"#night-{row.check_in:%Y%m%d}", Input)
        night.focus()
        await pilot.press("end", *["backspace"] * 6, "enter")
        await settle(pilot)
        assert isinstance(app.screen, PriceOptionsModal)
        assert "manual price is on but no night has a price" in error_text(app)
    assert audit(db, "price.options") == []


# -- internal approvers --------------------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def smtp_config(host: str, port: int) -> LoadedConfig:
    return LoadedConfig(
        Settings(
            smtp=SmtpSettings(
                host=host, port=port, starttls=False, from_address="office@kivima.example"
            )
        ),
        None,
    )


async def test_approvers_modal_starts_the_approval_and_mails(
    db: Database, smtp: SmtpServer
) -> None:
    inbox = inbox_id(db, WORKED_VOUCHER)
    config = smtp_config(smtp.host, smtp.port)
    app = Host(lambda: ApproversModal(db, None, inbox, config, "tester"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        users = app.screen.query_one("#approvers-list", SelectionList)
        assert users.option_count == 5
        await pilot.press("space", "down", "space")
        app.screen.query_one("#approvers-note", Input).focus()
        await pilot.press(*"over the allotment", "enter")
        await settle(pilot)
    assert app.results == [True]
    messages = smtp.wait_for(2)
    assert len(messages) == 2
    assert WORKED_VOUCHER in str(messages[0]["Subject"])
    with db.read() as session:
        approval = session.exec(select(InternalApproval)).one()
        votes = session.exec(select(ApprovalVote)).all()
    assert approval.note == "over the allotment"
    assert approval.started_by == "tester"
    assert sorted(v.username for v in votes) == sorted(
        [users.get_option_at_index(0).value, users.get_option_at_index(1).value]
    )
    assert all(v.notified_at is not None for v in votes)


async def test_approvers_modal_refuses_none_chosen_and_shows_smtp_down(db: Database) -> None:
    inbox = inbox_id(db, WORKED_VOUCHER)
    config = smtp_config("127.0.0.1", free_port())  # nothing listens there
    app = Host(lambda: ApproversModal(db, None, inbox, config, "tester"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "name one to 5 approvers" in error_text(app)
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ApproversModal)  # the warning is shown, not lost
        assert "not every approver was mailed" in str(
            app.screen.query_one("#approvers-status", Static).render()
        )
        assert error_text(app).strip()
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [True]
    with db.read() as session:
        vote = session.exec(select(ApprovalVote)).one()
    assert vote.notified_at is None and vote.notify_error


# -- duplicates ----------------------------------------------------------------------------------


def duplicates_of(db: Database, voucher: str) -> list[Any]:
    with db.read() as session:
        row = session.get(InboxReservation, inbox_id(db, voucher))
        assert row is not None
        return possible_duplicates(session, row.hotel_id, row)


async def test_duplicates_modal_links_the_highlighted_row(db: Database) -> None:
    found = duplicates_of(db, HUNGARIAN_VOUCHER)
    assert found
    app = Host(lambda: DuplicatesModal(found))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#duplicates-table")
        cells = [str(c) for c in table.get_row_at(0)]  # type: ignore[attr-defined]
        assert cells[3] == HUNGARIAN_VOUCHER
        assert "LEVAI" in cells[4]
        assert cells[6] == "05.07.2026"
        await pilot.press("l")
        await pilot.pause()
    assert app.results == [("link", found[0].id)]


async def test_duplicates_modal_new_and_escape() -> None:
    app = Host(lambda: DuplicatesModal([]))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        await pilot.press("l")
        await pilot.pause()
        assert "press n for a new booking" in error_text(app)
        await pilot.press("n")
        await pilot.pause()
    assert app.results == [("new", None)]


# -- documents -----------------------------------------------------------------------------------


def document_id(db: Database, voucher: str) -> int:
    with db.read() as session:
        doc = session.exec(
            select(InboxDocument).where(InboxDocument.inbox_reservation_id == inbox_id(db, voucher))
        ).one()
    return doc.id or 0


async def test_document_modal_shows_the_pdf_text_and_opens_it(
    db: Database, config: LoadedConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in system viewer: a real program on PATH that writes down what it was given.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opened = tmp_path / "opened.txt"
    viewer = bin_dir / "xdg-open"
    viewer.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    viewer.chmod(viewer.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    doc = document_id(db, BA_VOUCHER)
    app = Host(lambda: DocumentModal(db, None, config, doc))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        title = str(app.screen.query_one("#document-title", Static).render())
        assert "BAH_Voucher_9LXWQT.pdf" in title and "application/pdf" in title
        body = str(app.screen.query_one("#document-text", Static).render())
        assert "Accommodation voucher 9LXWQT" in body
        assert "Mr Oluwaseun Adeyemi" in body
        await pilot.press("o")
        await settle(pilot)
        status = str(app.screen.query_one("#document-status", Static).render())
        assert status == "asked xdg-open to open BAH_Voucher_9LXWQT.pdf"
        for _ in range(50):
            if opened.exists():
                break
            await pilot.pause(0.05)
        await pilot.press("escape")
        await pilot.pause()
    assert opened.read_text().strip().endswith(".pdf")
    assert app.results == [None]


async def test_document_modal_says_when_the_viewer_fails(
    db: Database, config: LoadedConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in viewer that cannot open the file: it exits with status 4 at once.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    viewer = bin_dir / "xdg-open"
    viewer.write_text("#!/bin/sh\nexit 4\n")
    viewer.chmod(viewer.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    doc = document_id(db, BA_VOUCHER)
    app = Host(lambda: DocumentModal(db, None, config, doc))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        status = str(app.screen.query_one("#document-status", Static).render())
        assert status.startswith(
            "xdg-open failed to open BAH_Voucher_9LXWQT.pdf (exit status 4); the file is /"
        )
        assert status.endswith(".pdf")
        assert Path(status.split("the file is ", 1)[1]).is_file()
        assert "exit status 4" in error_text(app)


async def test_document_modal_says_when_there_is_no_viewer(
    db: Database, config: LoadedConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    doc = document_id(db, BA_VOUCHER)
    app = Host(lambda: DocumentModal(db, None, config, doc))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        status = str(app.screen.query_one("#document-status", Static).render())
    assert "no system viewer found" in status
    assert "the file is " in status


async def test_document_modal_says_when_the_file_is_missing(
    db: Database, config: LoadedConfig, tmp_path: Path
) -> None:
    doc = document_id(db, BA_VOUCHER)
    empty = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "none"))), None)
    app = Host(lambda: DocumentModal(db, None, empty, doc))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "is missing" in error_text(app)
        assert "BAH_Voucher_9LXWQT.pdf" in error_text(app)
    assert config is not None
