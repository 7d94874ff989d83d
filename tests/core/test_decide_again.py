"""Deciding again what is already decided, and rejecting what is already in the books."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from hotelops.core.approval import Outcome, Overrides, Refused, decide, decisions, reject
from hotelops.core.auditlog import entries
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database
from hotelops.core.demo import build_demo, fixtures_dir
from hotelops.core.hotels import get_hotel
from hotelops.core.mapping import set_mapping
from hotelops.core.models import Hotel, HotelReservation, InboxReservation
from hotelops.core.scan.runner import ScanRequest, run_scan

CONFIG = LoadedConfig(Settings(), None)
WORKED = "79194577"  # TUIP, fully mapped and priced on the demo
NOW = datetime(2026, 5, 15, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.db", now=NOW).path


@pytest.fixture
def demo(template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "demo.db"
    path.write_bytes(template.read_bytes())
    database = open_database(str(path))
    yield database
    database.dispose()


def hotel(db: Database) -> Hotel:
    with db.read() as s:
        return get_hotel(s, "KIV")


def inbox(db: Database, voucher: str) -> InboxReservation:
    with db.read() as s:
        return s.exec(select(InboxReservation).where(InboxReservation.voucher == voucher)).one()


def booking(db: Database, booking_id: int | None) -> HotelReservation:
    with db.read() as s:
        found = s.get(HotelReservation, booking_id)
        assert found is not None
        return found


def go(db: Database, voucher: str, *, confirm: bool, save: bool, **over: object) -> Outcome:
    return decide(
        db,
        hotel(db),
        CONFIG,
        inbox(db, voucher).id or 0,
        confirm=confirm,
        save=save,
        user="clerk",
        overrides=Overrides(**over),  # type: ignore[arg-type]
    )


def modify(db: Database, tmp_path: Path) -> None:
    """TUIP sends a modification of WORKED (one more night): a new version."""
    original = (fixtures_dir() / "ota" / "TUIP-01-new-79194577.xml").read_text()
    modified = original.replace('ResStatus="Book"', 'ResStatus="Modify"').replace(
        'End="2026-09-05"', 'End="2026-09-06"'
    )
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "mod.xml").write_text(modified)
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "d"))), None)
    run_scan(db, config, ScanRequest(folders=[drop], folder_operator="TUIP"))


def test_confirming_twice_is_refused_and_confirm_save_then_saves_only(demo: Database) -> None:
    first = go(demo, WORKED, confirm=True, save=False)
    assert (first.action, first.status, first.hotel_reservation_id) == ("confirm", "approved", None)
    with pytest.raises(Refused, match=re.escape("already confirmed to the operator (version 1)")):
        go(demo, WORKED, confirm=True, save=False)
    both = go(demo, WORKED, confirm=True, save=True)
    assert (both.action, both.effect) == ("save", "created")
    assert "already confirmed to the operator (version 1): saved only" in both.warnings
    assert both.channel == ""  # the operator is not told a second time
    row = inbox(demo, WORKED)
    with demo.read() as s:
        done = [(d.action, d.version) for d in decisions(s, row.id or 0)]
    assert done == [("confirm", 1), ("save", 1)]
    with pytest.raises(
        Refused,
        match=re.escape(
            f"already confirmed to the operator (version 1); "
            f"already in the books as #{both.hotel_reservation_id}"
        ),
    ):
        go(demo, WORKED, confirm=True, save=True)
    with pytest.raises(Refused, match=f"already in the books as #{both.hotel_reservation_id}"):
        go(demo, WORKED, confirm=False, save=True)


def test_saved_then_confirm_save_confirms_only(demo: Database) -> None:
    saved = go(demo, WORKED, confirm=False, save=True)
    assert saved.effect == "created"
    both = go(demo, WORKED, confirm=True, save=True)
    assert (both.action, both.status, both.effect) == ("confirm", "approved", "")
    assert f"already in the books as #{saved.hotel_reservation_id}: confirmed only" in both.warnings
    with demo.read() as s:
        count = len(
            s.exec(select(HotelReservation).where(HotelReservation.voucher == WORKED)).all()
        )
    assert count == 1


def test_a_new_version_from_the_operator_can_be_decided_again(
    demo: Database, tmp_path: Path
) -> None:
    first = go(demo, WORKED, confirm=True, save=True)
    modify(demo, tmp_path)
    assert (inbox(demo, WORKED).version, inbox(demo, WORKED).status) == (2, "pending")
    again = go(demo, WORKED, confirm=True, save=True)
    assert (again.action, again.effect) == ("confirm+save", "updated")
    assert again.hotel_reservation_id == first.hotel_reservation_id
    assert str(booking(demo, again.hotel_reservation_id).departure) == "2026-09-06"


def test_a_rejected_reservation_is_neither_confirmed_nor_saved_until_a_new_version(
    demo: Database, tmp_path: Path
) -> None:
    row = inbox(demo, WORKED)
    reject(demo, hotel(demo), row.id or 0, "no allotment left", user="clerk", now=lambda: NOW)
    refusal = "rejected on 2026-05-15 by clerk: a new version from the operator reopens it"
    for confirm, save in ((True, False), (False, True), (True, True)):
        with pytest.raises(Refused, match=re.escape(refusal)):
            go(demo, WORKED, confirm=confirm, save=save)
    with pytest.raises(Refused, match="already rejected on 2026-05-15 by clerk"):
        reject(demo, hotel(demo), row.id or 0, "again", user="clerk")
    assert inbox(demo, WORKED).status == "rejected"
    modify(demo, tmp_path)
    assert inbox(demo, WORKED).status == "pending"
    assert go(demo, WORKED, confirm=True, save=True).effect == "created"


def test_rejecting_a_saved_reservation_cancels_the_booking_it_created(demo: Database) -> None:
    saved = go(demo, WORKED, confirm=True, save=True)
    assert booking(demo, saved.hotel_reservation_id).status == "reserved"
    row = inbox(demo, WORKED)
    outcome = reject(
        demo, hotel(demo), row.id or 0, "operator sold it twice", user="clerk", now=lambda: NOW
    )
    assert (outcome.status, outcome.effect) == ("rejected", "cancelled")
    assert outcome.warnings == [f"hotel reservation #{saved.hotel_reservation_id} cancelled"]
    cancelled = booking(demo, saved.hotel_reservation_id)
    assert cancelled.status == "cancelled" and str(cancelled.cancellation_date) == "2026-05-15"
    assert "operator sold it twice" in cancelled.cancellation_note
    with demo.read() as s:
        log = entries(s, hotel(demo).id or 0, entity="hotel_reservation", entity_id=cancelled.id)
        audit = entries(s, hotel(demo).id or 0, entity="inbox_reservation", entity_id=row.id)
    cancel = next(e for e in log if e.action == "reservation.cancel")
    assert (cancel.before or {})["status"] == "reserved"
    assert (cancel.after or {})["status"] == "cancelled"
    assert cancel.user == "clerk"
    rejected = next(e for e in audit if e.action == "approve.reject")
    assert rejected.before == {"status": "approved"}
    assert (rejected.after or {})["hotel_reservation_id"] == cancelled.id


def test_rejecting_a_reservation_linked_to_an_existing_booking_leaves_it_alone(
    demo: Database,
) -> None:
    voucher = "78856480"  # the Tessa family is already in the demo's books
    set_mapping(demo, "KIV", "TUIP", "board", "AI", "AI", user="clerk")  # all it lacks
    with demo.read() as s:
        [existing] = s.exec(select(HotelReservation).where(HotelReservation.voucher == voucher))
    linked = go(demo, voucher, confirm=True, save=True, allow_overbooking=True, link=existing.id)
    assert linked.effect == "linked"
    status_before = booking(demo, existing.id).status
    row = inbox(demo, voucher)
    outcome = reject(demo, hotel(demo), row.id or 0, "wrong hotel", user="clerk")
    assert outcome.effect == ""
    assert booking(demo, existing.id).status == status_before
    assert outcome.warnings == [
        f"hotel reservation #{existing.id} was linked, not created from this one: left "
        f"{status_before} (cancel it in the books if the booking is gone)"
    ]
