"""Approving inbox reservations end to end: scan → map → price → decide → the hotel's books."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from hotelops.core import auditlog
from hotelops.core.approval import Changed, Overrides, Refused, check, decide, reject
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database
from hotelops.core.demo import build_demo, fixtures_dir
from hotelops.core.hotels import get_hotel
from hotelops.core.models import (
    Hotel,
    HotelReservation,
    InboxReservation,
    ReservationGuest,
    ReservationNight,
    RoomType,
    StopSale,
)
from hotelops.core.scan.runner import ScanRequest, run_scan

FIX = fixtures_dir()
CONFIG = LoadedConfig(Settings(), None)
WORKED = "79194577"


@pytest.fixture
def demo(tmp_path: Path) -> Database:
    build_demo(tmp_path / "demo.db")
    return open_database(str(tmp_path / "demo.db"))


def hotel(db: Database) -> Hotel:
    with db.read() as s:
        return get_hotel(s, "KIV")


def inbox(db: Database, voucher: str) -> InboxReservation:
    with db.read() as s:
        row = s.exec(select(InboxReservation).where(InboxReservation.voucher == voucher)).first()
        assert row is not None
        return row


def books(db: Database, voucher: str) -> list[HotelReservation]:
    with db.read() as s:
        return list(s.exec(select(HotelReservation).where(HotelReservation.voucher == voucher)))


def scan_text(db: Database, tmp_path: Path, name: str, text: str) -> None:
    drop = tmp_path / f"drop-{name}"
    drop.mkdir()
    (drop / name).write_text(text)
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "d"))), None)
    run_scan(db, config, ScanRequest(folders=[drop], folder_operator="TUIP"))


def map_everything(db: Database, row: InboxReservation) -> None:
    """Map whatever the demo leaves unmapped for this reservation."""
    from hotelops.core.mapping import set_mapping

    targets = {
        "room_type": "DXK3",
        "board": "AI",
        "agency": "TUI POL",
        "market": "PL",
        "rate_type": "KONTRAT",
    }
    with db.read() as s:
        missing = check(s, hotel(db), CONFIG, row.id or 0, "save").resolved.missing  # type: ignore[union-attr]
    for kind, value in missing.items():
        set_mapping(db, "KIV", "TUIP", kind, value, targets[kind], user="t")


def save(db: Database, inbox_id: int, **overrides: object) -> object:
    return decide(
        db,
        hotel(db),
        CONFIG,
        inbox_id,
        confirm=True,
        save=True,
        user="emre.cakir",
        overrides=Overrides(**overrides),
    )  # type: ignore[arg-type]


def test_new_modification_and_cancellation_reach_the_books(demo: Database, tmp_path: Path) -> None:
    row = inbox(demo, WORKED)
    outcome = save(demo, row.id or 0)
    [booking] = books(demo, WORKED)
    assert outcome.effect == "created" and outcome.hotel_reservation_id == booking.id  # type: ignore[attr-defined]
    assert outcome.channel == "manual"  # type: ignore[attr-defined]
    assert inbox(demo, WORKED).status == "approved"
    assert (booking.arrival, booking.departure, booking.status) == (
        date(2026, 8, 29),
        date(2026, 9, 5),
        "reserved",
    )
    with demo.read() as s:
        nights = s.exec(
            select(ReservationNight).where(ReservationNight.hotel_reservation_id == booking.id)
        ).all()
        guests = s.exec(
            select(ReservationGuest).where(ReservationGuest.hotel_reservation_id == booking.id)
        ).all()
        total = s.exec(
            select(func.sum(ReservationNight.price)).where(
                ReservationNight.hotel_reservation_id == booking.id
            )
        ).one()
        log = auditlog.reservation_log(s, booking.hotel_id, row.id or 0)
    assert [n.price for n in nights][:4] == [Decimal("297.00")] * 3 + [Decimal("252.00")]
    assert total == Decimal("1899.00")
    assert sorted(g.last_name for g in guests) == ["Graeser", "Larbus"]
    assert [e.action for e in log] == ["reservation.create", "approve.confirm+save"]

    # The operator modifies it: one more night. It is back to pending and saving updates it.
    original = (FIX / "ota" / "TUIP-01-new-79194577.xml").read_text()
    modified = original.replace('ResStatus="Book"', 'ResStatus="Modify"').replace(
        'End="2026-09-05"', 'End="2026-09-06"'
    )
    scan_text(demo, tmp_path, "mod.xml", modified)
    assert inbox(demo, WORKED).status == "pending"
    outcome = save(demo, row.id or 0)
    [booking] = books(demo, WORKED)
    assert outcome.effect == "updated" and booking.departure == date(2026, 9, 6)  # type: ignore[attr-defined]

    # Then cancels: the same hotel reservation is cancelled, nothing new is created.
    cancelled = modified.replace('ResStatus="Modify"', 'ResStatus="Cancel"')
    scan_text(demo, tmp_path, "cancel.xml", cancelled)
    outcome = save(demo, row.id or 0)
    [booking] = books(demo, WORKED)
    assert outcome.effect == "cancelled" and booking.status == "cancelled"  # type: ignore[attr-defined]
    assert booking.cancellation_date is not None


def test_an_unmapped_code_refuses_until_mapped(demo: Database) -> None:
    from hotelops.core.mapping import set_mapping

    row = inbox(demo, "J2H8852390")  # Jet2's forwarded mail: its room type is not mapped
    with pytest.raises(Refused, match="not mapped"):
        save(demo, row.id or 0)
    with demo.read() as s:
        missing = check(s, hotel(demo), CONFIG, row.id or 0, "save").resolved.missing  # type: ignore[union-attr]
    for kind, value in missing.items():
        target = {
            "room_type": "FAM",
            "board": "AI",
            "agency": "JET2",
            "market": "UK",
            "rate_type": "KONTRAT",
        }[kind]
        set_mapping(demo, "KIV", "JET2", kind, value, target, user="t")
    with demo.read() as s:
        result = check(s, hotel(demo), CONFIG, row.id or 0, "save")
    assert not any("not mapped" in p for p in result.problems)


def test_stop_sale_refuses_and_is_ignored_on_request(demo: Database) -> None:
    row = inbox(demo, WORKED)
    with demo.write() as s:
        s.add(
            StopSale(
                hotel_id=row.hotel_id,
                room_type="STDLV",
                date_from=date(2026, 9, 1),
                date_to=date(2026, 9, 2),
                created_by="revenue",
            )
        )
    with pytest.raises(Refused, match=r"stop sale 2026-09-01\.\.2026-09-02"):
        save(demo, row.id or 0)
    outcome = save(demo, row.id or 0, ignore_stop_sale=True)
    assert outcome.effect == "created"  # type: ignore[attr-defined]
    with demo.read() as s:
        log = auditlog.reservation_log(s, row.hotel_id, row.id or 0)
    decision = next(e for e in log if e.action == "approve.confirm+save")
    assert decision.after["ignore_stop_sale"] is True  # type: ignore[index]


def test_a_stop_sale_for_another_room_type_or_agency_does_not_block(demo: Database) -> None:
    row = inbox(demo, WORKED)
    with demo.write() as s:
        s.add(
            StopSale(
                hotel_id=row.hotel_id,
                room_type="SUI",
                date_from=date(2026, 8, 1),
                date_to=date(2026, 9, 30),
            )
        )
        s.add(
            StopSale(
                hotel_id=row.hotel_id,
                agency="TUI POL",
                date_from=date(2026, 8, 1),
                date_to=date(2026, 9, 30),
            )
        )
    with demo.read() as s:
        assert check(s, hotel(demo), CONFIG, row.id or 0, "save").ok


def test_overbooking_refuses_and_is_allowed_on_request(demo: Database) -> None:
    row = inbox(demo, WORKED)
    with demo.write() as s:
        room = s.exec(select(RoomType).where(RoomType.code == "STDLV")).one()
        room.room_count = 0
    with pytest.raises(Refused, match="overbooking: STDLV has 0 room"):
        save(demo, row.id or 0)
    assert save(demo, row.id or 0, allow_overbooking=True).effect == "created"  # type: ignore[attr-defined]


def test_a_voucher_already_in_the_books_must_be_linked_or_created_on_purpose(
    demo: Database,
) -> None:

    row = inbox(demo, "78856480")  # the Tessa family is already in the demo's books
    map_everything(demo, row)
    [existing] = books(demo, "78856480")
    with pytest.raises(Refused, match="possible duplicates: #"):
        save(demo, row.id or 0, allow_overbooking=True)
    outcome = save(demo, row.id or 0, allow_overbooking=True, link=existing.id)
    assert outcome.effect == "linked" and outcome.hotel_reservation_id == existing.id  # type: ignore[attr-defined]
    assert len(books(demo, "78856480")) == 1
    assert books(demo, "78856480")[0].inbox_reservation_id == row.id


def test_create_new_makes_a_second_copy_only_when_asked(demo: Database) -> None:

    row = inbox(demo, "78856480")
    map_everything(demo, row)
    save(demo, row.id or 0, allow_overbooking=True, create_new=True)
    assert len(books(demo, "78856480")) == 2


def test_a_decision_on_something_that_changed_is_refused(demo: Database) -> None:
    row = inbox(demo, WORKED)
    seen = (row.version, row.decision_seq)
    reject(demo, hotel(demo), row.id or 0, "sold out in the end", user="a", seen=seen)
    with pytest.raises(Changed, match="changed since you looked"):
        decide(demo, hotel(demo), CONFIG, row.id or 0, confirm=True, save=True, user="b", seen=seen)
    assert books(demo, WORKED) == []
    with pytest.raises(Exception, match="needs a reason"):
        reject(demo, hotel(demo), row.id or 0, " ", user="a")


WORKER = Path(__file__).resolve().parents[1] / "servers" / "decide_worker.py"


def test_two_processes_deciding_at_once_exactly_one_wins(demo: Database, tmp_path: Path) -> None:
    row = inbox(demo, WORKED)
    script = WORKER
    path = str(demo.engine.url.database)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                path,
                str(row.id),
                user,
                str(row.version),
                str(row.decision_seq),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for user in ("front-office", "reservations")
    ]
    results = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert results == ["changed", "saved"], results
    assert len(books(demo, WORKED)) == 1


def test_nights_in_the_books_count_against_availability(demo: Database) -> None:
    from hotelops.core.approval import availability

    with demo.read() as s:
        before = availability(s, 1, "STDLV", date(2026, 8, 29), date(2026, 9, 5))
    save(demo, inbox(demo, WORKED).id or 0)
    with demo.read() as s:
        after = availability(s, 1, "STDLV", date(2026, 8, 29), date(2026, 9, 5))
    assert [a.sold - b.sold for a, b in zip(after, before, strict=True)] == [1] * 7
    assert after[0].night + timedelta(days=6) == after[-1].night


def test_map_then_price_then_save_from_a_scanned_mail(demo: Database) -> None:
    """Jet2's forwarded mail: unmapped → mapped → unpriced → manual price → in the books."""
    from hotelops.core.mapping import set_mapping
    from hotelops.core.pricing.service import set_price_options

    row = inbox(demo, "J2H8852390")
    with demo.read() as s:
        missing = check(s, hotel(demo), CONFIG, row.id or 0, "save").resolved.missing  # type: ignore[union-attr]
    targets = {
        "room_type": "FAM",
        "board": "AI",
        "agency": "JET2",
        "market": "UK",
        "rate_type": "KONTRAT",
    }
    for kind, value in missing.items():
        set_mapping(demo, "KIV", "JET2", kind, value, targets[kind], user="t")
    with demo.read() as s:
        problems = check(s, hotel(demo), CONFIG, row.id or 0, "save").problems
    assert any(p.startswith("no price") for p in problems)  # JET2 has no contract
    with pytest.raises(Refused, match="no price"):
        save(demo, row.id or 0)
    nights = {row.check_in + timedelta(days=i): Decimal("150.00") for i in range(row.nights)}
    set_price_options(
        demo, hotel(demo), row.id or 0, user="t", manual_active=True, manual_prices=nights
    )
    outcome = save(demo, row.id or 0)
    [booking] = books(demo, "J2H8852390")
    assert outcome.effect == "created"  # type: ignore[attr-defined]
    with demo.read() as s:
        total = s.exec(
            select(func.sum(ReservationNight.price)).where(
                ReservationNight.hotel_reservation_id == booking.id
            )
        ).one()
    assert total == Decimal("150.00") * row.nights


def test_same_dates_and_surname_is_a_possible_duplicate(demo: Database) -> None:
    row = inbox(demo, WORKED)
    with demo.write() as s:
        room = s.exec(select(RoomType).where(RoomType.code == "STDLV")).one()
        s.add(
            HotelReservation(
                hotel_id=row.hotel_id,
                voucher="PHONE-1",
                room_type_id=room.id or 0,
                arrival=row.check_in,
                departure=row.check_out,
                guest_names="Andre Graeser",
                guest_names_folded="andre graeser",
            )
        )
    with pytest.raises(Refused, match="same dates and surname"):
        save(demo, row.id or 0)
    assert save(demo, row.id or 0, create_new=True).effect == "created"  # type: ignore[attr-defined]


def test_saving_a_linked_guest_counts_a_repeat_stay(demo: Database) -> None:
    from hotelops.core.guests import link_guest
    from hotelops.core.models import GuestProfile, InboxGuest

    row = inbox(demo, WORKED)
    with demo.read() as s:
        guest = s.exec(select(InboxGuest).where(InboxGuest.inbox_reservation_id == row.id)).first()
        profile = s.exec(select(GuestProfile).where(GuestProfile.repeat_count > 0)).first()
        assert guest is not None and profile is not None
        before = profile.repeat_count
    link_guest(demo, row.hotel_id, guest.id or 0, profile.id, user="t")
    save(demo, row.id or 0)
    with demo.read() as s:
        assert s.get(GuestProfile, profile.id).repeat_count == before + 1  # type: ignore[union-attr]
        [booking] = books(demo, WORKED)
        linked = s.exec(
            select(ReservationGuest).where(
                ReservationGuest.hotel_reservation_id == booking.id,
                ReservationGuest.guest_profile_id == profile.id,
            )
        ).all()
    assert len(linked) == 1
