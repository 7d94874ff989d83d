"""Two processes saving different reservations at the same moment: the guards still hold.

Each trial hands two real processes (``tests/servers/race_worker.py``) one pending reservation
each and lets them confirm and save at once, on SQLite and on PostgreSQL. Whatever the timing,
the second to save must see the first one's booking: the room type's last room is sold once,
and a booking that looks like one just saved is not saved beside it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hotelops.core import auditlog
from hotelops.core.approval import decisions, reject
from hotelops.core.db import Database
from hotelops.core.hotels import get_hotel
from hotelops.core.models import Hotel, HotelReservation, InboxReservation
from tests.servers.races import ROOM_TYPE, Race, competing, last_room, race_hotel

TRIALS = 20
OVERBOOKED = f"overbooking: {ROOM_TYPE} has 0 room(s) left on"


def _hotel(db: Database) -> Hotel:
    with db.read() as s:
        return get_hotel(s, "KIV")


def _race(
    db: Database, db_url: str, tmp_path: Path, *, same_guests: bool = False, extra: str = ""
) -> list[list[dict[str, Any]]]:
    """Every trial's two results, each process deciding its reservation of a pair at once.

    Reservations of different guests race for the last room, which the office gives back
    after each trial (whatever was saved is rejected, which cancels its booking); the same
    guests under two vouchers race with rooms to spare.
    """
    pairs = competing("RACE", TRIALS, same_guests=same_guests)
    ids = race_hotel(db, tmp_path, [b for pair in pairs for b in pair])
    if not same_guests:
        last_room(db)
    hotel = _hotel(db)
    race = Race(
        db_url,
        tmp_path / "go",
        ([ids[a] for (a, _), _ in pairs], [ids[b] for _, (b, _) in pairs]),
        extra=(extra,) if extra else (),
    )
    outcomes = []
    try:
        for n in range(TRIALS):
            results = race.trial(n)
            outcomes.append(results)
            for r in results:
                if not same_guests and r["result"] == "saved":
                    reject(db, hotel, r["inbox_id"], "the room goes back", user="t")
    finally:
        race.close()
    return outcomes


def _tally(outcomes: list[list[dict[str, Any]]]) -> Counter[str]:
    return Counter(" + ".join(sorted(r["result"] for r in results)) for results in outcomes)


def _nothing_written(db: Database, inbox_id: int) -> None:
    """The refused reservation is as it was: pending, undecided, not in the books."""
    with db.read() as s:
        row = s.get(InboxReservation, inbox_id)
        assert row is not None
        booked = s.exec(
            select(HotelReservation).where(HotelReservation.voucher == row.voucher)
        ).all()
        assert (str(row.status), row.decision_seq, booked) == ("pending", 0, []), row.voucher
        assert decisions(s, inbox_id) == []
        assert auditlog.reservation_log(s, row.hotel_id, inbox_id) == []


@pytest.mark.slow
def test_two_reservations_racing_for_the_last_room_get_it_once(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    outcomes = _race(db, db_url, tmp_path)
    assert _tally(outcomes) == {"refused + saved": TRIALS}, (db.dialect, _tally(outcomes))
    for results in outcomes:
        [loser] = [r for r in results if r["result"] == "refused"]
        assert OVERBOOKED in loser["message"], loser
        _nothing_written(db, loser["inbox_id"])


@pytest.mark.slow
def test_the_same_guests_under_two_vouchers_are_booked_once(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    outcomes = _race(db, db_url, tmp_path, same_guests=True)
    assert _tally(outcomes) == {"refused + saved": TRIALS}, (db.dialect, _tally(outcomes))
    with db.read() as s:
        for results in outcomes:
            [winner] = [r for r in results if r["result"] == "saved"]
            [loser] = [r for r in results if r["result"] == "refused"]
            [booking] = s.exec(
                select(HotelReservation).where(
                    HotelReservation.inbox_reservation_id == winner["inbox_id"]
                )
            ).all()
            assert f"possible duplicates: #{booking.id} {booking.voucher} " in loser["message"]
            assert "(same dates and surname, reserved)" in loser["message"], loser
            _nothing_written(db, loser["inbox_id"])


@pytest.mark.slow
def test_allowed_overbooking_in_a_race_is_logged_on_the_second_booking(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    outcomes = _race(db, db_url, tmp_path, extra="--allow-overbooking")
    assert _tally(outcomes) == {"saved + saved": TRIALS}, (db.dialect, _tally(outcomes))
    allowed = "overbooking allowed by the user"
    # Both took a room; the one that came second overbooked, and its decision says so.
    assert [sorted(allowed in r["warnings"] for r in results) for results in outcomes] == [
        [False, True]
    ] * TRIALS
    hotel_id = _hotel(db).id or 0
    with db.read() as s:
        for results in outcomes:
            for r in results:
                [entry] = [
                    e
                    for e in auditlog.reservation_log(s, hotel_id, r["inbox_id"])
                    if e.action == "approve.confirm+save"
                ]
                assert entry.after is not None and entry.after["allow_overbooking"] is True
                assert (allowed in entry.note) == (allowed in r["warnings"]), entry.note
