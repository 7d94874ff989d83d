"""The demo has something to try for every dashboard function: a stop sale, a possible guest."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from hotelops.core.approval import Overrides, Refused, check, decide
from hotelops.core.db import Database, open_database
from hotelops.core.demo import build_demo, demo_config
from hotelops.core.guests import match_guests
from hotelops.core.hotels import get_hotel
from hotelops.core.models import GuestProfile, InboxReservation, InboxStatus, StopSale

STOPPED = "79205518"  # TUI Partners, DXK1 18-25 July 2026: the one stay the stop sale closes
NAME_ONLY = "MEL-260513-0091"  # Melino: Giulia Bernardi, no birth date or passport


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Database, Path]]:
    path = build_demo(tmp_path / "demo.db").path
    database = open_database(str(path))
    yield database, path
    database.dispose()


def test_the_demo_stop_sale_closes_exactly_one_pending_stay(demo: tuple[Database, Path]) -> None:
    db, path = demo
    config = demo_config(path)
    with db.read() as s:
        hotel = get_hotel(s, "KIV")
        [stop] = s.exec(select(StopSale)).all()
        pending = s.exec(
            select(InboxReservation).where(InboxReservation.status == InboxStatus.PENDING)
        ).all()
        closed = [
            r.voucher
            for r in pending
            if any(
                p.startswith("stop sale")
                for p in check(s, hotel, config, r.id or 0, "save").problems
            )
        ]
        ready_otherwise = check(
            s,
            hotel,
            config,
            next(r.id or 0 for r in pending if r.voucher == STOPPED),
            "save",
            Overrides(ignore_stop_sale=True),
        )
    assert (stop.room_type, str(stop.date_from), str(stop.date_to)) == (
        "DXK1",
        "2026-07-20",
        "2026-07-21",
    )
    assert closed == [STOPPED]
    assert ready_otherwise.ok  # fully mapped and priced: only the stop sale stands in the way
    row_id = next(r.id or 0 for r in pending if r.voucher == STOPPED)
    with pytest.raises(
        Refused, match=re.escape("stop sale 2026-07-20..2026-07-21 for DXK1 closes this stay")
    ):
        decide(db, hotel, config, row_id, confirm=True, save=True, user="clerk")
    saved = decide(
        db,
        hotel,
        config,
        row_id,
        confirm=True,
        save=True,
        user="clerk",
        overrides=Overrides(ignore_stop_sale=True),
    )
    assert saved.effect == "created" and "stop sale ignored by the user" in saved.warnings


def test_the_demo_has_a_name_only_possible_guest(demo: tuple[Database, Path]) -> None:
    db, _ = demo
    with db.read() as s:
        hotel = get_hotel(s, "KIV")
        row = s.exec(select(InboxReservation).where(InboxReservation.voucher == NAME_ONLY)).one()
        [giulia] = match_guests(s, hotel.id or 0, row.id or 0)
        profile = s.exec(select(GuestProfile).where(GuestProfile.last_name == "Bernardi")).one()
    assert giulia.status == "possible"
    assert giulia.exact_profile_id is None
    assert giulia.candidates[0].profile_id == profile.id
    assert (profile.birth_date, profile.passport) == (None, "")
