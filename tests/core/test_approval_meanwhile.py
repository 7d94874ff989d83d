"""What another process writes between a decision's guards and its save still counts.

``decide`` runs the guards, then saves in a write transaction that runs the guards reading
other reservations again. Here another writer lands exactly in between (after the guards of
the first pass, before the save), on both engines: the save sees it, and refuses with the
guard's message or, when the user overrode that guard, saves and logs the override.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from hotelops.core import auditlog
from hotelops.core.approval import Outcome, Overrides, Refused, decide, decisions
from hotelops.core.config import LoadedConfig, Settings
from hotelops.core.db import Database
from hotelops.core.hotels import get_hotel
from hotelops.core.internal_approval import start
from hotelops.core.models import Hotel, HotelReservation, InboxReservation, StopSale
from tests.servers.races import ROOM_TYPE, last_room, meanwhile, race_hotel, surname

CONFIG = LoadedConfig(Settings(), None)


@pytest.fixture
def hotel_ids(db: Database, tmp_path: Path) -> dict[str, int]:
    """Three pending bookings for the same stay: two guests apart, one twin of the first."""
    return race_hotel(
        db,
        tmp_path,
        [
            ("FIRST", (surname(0), surname(1))),
            ("OTHER", (surname(2), surname(3))),
            ("TWIN", (surname(0), surname(1))),
        ],
    )


def _hotel(db: Database) -> Hotel:
    with db.read() as s:
        return get_hotel(s, "KIV")


def _save(db: Database, inbox_id: int, **overrides: Any) -> Outcome:
    return decide(
        db,
        _hotel(db),
        CONFIG,
        inbox_id,
        confirm=True,
        save=True,
        user="emre.cakir",
        overrides=Overrides(**overrides),
    )


def _untouched(db: Database, inbox_id: int) -> None:
    with db.read() as s:
        row = s.get(InboxReservation, inbox_id)
        assert row is not None
        assert (str(row.status), row.decision_seq) == ("pending", 0)
        assert decisions(s, inbox_id) == []
        assert (
            s.exec(select(HotelReservation).where(HotelReservation.voucher == row.voucher)).all()
            == []
        )


def _decision_log(db: Database, inbox_id: int) -> auditlog.AuditEntry:
    with db.read() as s:
        [entry] = [
            e
            for e in auditlog.reservation_log(s, _hotel(db).id or 0, inbox_id)
            if e.action == "approve.confirm+save"
        ]
    return entry


def test_the_last_room_taken_meanwhile_refuses_the_save(
    db: Database, hotel_ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    last_room(db)
    meanwhile(monkeypatch, lambda: _save(db, hotel_ids["OTHER"]))
    with pytest.raises(Refused, match=f"overbooking: {ROOM_TYPE} has 0 room"):
        _save(db, hotel_ids["FIRST"])
    _untouched(db, hotel_ids["FIRST"])


def test_allow_overbooking_saves_when_only_the_save_finds_the_room_gone(
    db: Database, hotel_ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    last_room(db)
    meanwhile(monkeypatch, lambda: _save(db, hotel_ids["OTHER"]))
    outcome = _save(db, hotel_ids["FIRST"], allow_overbooking=True)
    assert outcome.effect == "created"
    assert "overbooking allowed by the user" in outcome.warnings
    entry = _decision_log(db, hotel_ids["FIRST"])
    assert entry.after is not None and entry.after["allow_overbooking"] is True
    assert "overbooking allowed by the user" in entry.note


def test_the_same_guests_saved_meanwhile_are_a_duplicate_unless_created_on_purpose(
    db: Database, hotel_ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    meanwhile(monkeypatch, lambda: _save(db, hotel_ids["FIRST"]))
    with pytest.raises(Refused, match=r"possible duplicates: #\d+ FIRST .*same dates and surname"):
        _save(db, hotel_ids["TWIN"])
    _untouched(db, hotel_ids["TWIN"])
    outcome = _save(db, hotel_ids["TWIN"], create_new=True)
    assert outcome.effect == "created"
    entry = _decision_log(db, hotel_ids["TWIN"])
    assert entry.after is not None and entry.after["create_new"] is True


def test_a_stop_sale_set_meanwhile_refuses_unless_ignored(
    db: Database, hotel_ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def close_the_room_type() -> None:
        with db.write() as s:
            s.add(
                StopSale(
                    hotel_id=_hotel(db).id or 0,
                    room_type=ROOM_TYPE,
                    date_from=date(2026, 9, 1),
                    date_to=date(2026, 9, 2),
                    created_by="revenue",
                )
            )

    meanwhile(monkeypatch, close_the_room_type)
    with pytest.raises(Refused, match=r"stop sale 2026-09-01\.\.2026-09-02 for STDLV"):
        _save(db, hotel_ids["FIRST"])
    _untouched(db, hotel_ids["FIRST"])
    outcome = _save(db, hotel_ids["FIRST"], ignore_stop_sale=True)
    assert outcome.effect == "created" and "stop sale ignored by the user" in outcome.warnings
    entry = _decision_log(db, hotel_ids["FIRST"])
    assert entry.after is not None and entry.after["ignore_stop_sale"] is True


def test_an_internal_approval_started_meanwhile_blocks_the_save(
    db: Database, hotel_ids: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    hotel = _hotel(db)
    meanwhile(
        monkeypatch,
        lambda: start(
            db,
            hotel.id or 0,
            hotel_ids["FIRST"],
            ["selin.aydin"],
            "group rate?",
            user="murat.ozturk",
            mailer=None,
        ),
    )
    with pytest.raises(Refused, match=r"internal approval #\d+ is waiting for selin\.aydin"):
        _save(db, hotel_ids["FIRST"])
    with db.read() as s:
        assert (
            s.exec(select(HotelReservation).where(HotelReservation.voucher == "FIRST")).all() == []
        )
