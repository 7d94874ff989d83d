"""Importing a hotel file: the demo hotel on both engines; bad files refused whole."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from hotelops.core import auditlog
from hotelops.core.db import Database
from hotelops.core.errors import InputError
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel, summarize
from hotelops.core.models import (
    Agency,
    Hotel,
    HotelReservation,
    Market,
    ReservationGuest,
    ReservationNight,
    SenderRule,
)


def test_demo_hotel_imports_on_both_engines(db: Database, demo_file: Path) -> None:
    result = import_hotel(db, demo_file, user="tester")
    assert result.hotel_code == "KIV"
    with db.read() as s:
        summary = summarize(s, get_hotel(s))
        assert summary.name == "Kivima Hotel"
        assert summary.total_rooms == 300
        assert summary.business_date == date(2026, 5, 15)
        assert {"STDLV", "DXK1", "DXK3", "DB08", "FAM", "SUI"} <= {
            rt.code for rt in summary.room_types
        }
        assert summary.boards == ["RO", "BB", "HB", "FB", "AI", "UAI"]
        assert {"UK", "DE", "PL", "RU", "TR", "NL"} <= set(summary.markets)
        assert summary.operators_by_kind["api"] >= 21 and summary.operators_by_kind["mail"] == 7
        assert all(
            summary.guest_flags[flag] >= 1 for flag in ("vip", "repeat", "gray_list", "problem")
        )
        rules = {r.pattern for r in s.exec(select(SenderRule))}
        assert {"reconfirmations@hotelbeds.com", "noreplyjuniper@jet2holidays.com"} <= rules
        tui_gasp = s.exec(select(Agency).where(Agency.code == "TUI GASP")).one()
        de = s.get(Market, tui_gasp.market_id)
        assert de is not None and de.code == "DE"
        duplicates = s.exec(
            select(HotelReservation).where(HotelReservation.voucher == "C932077")
        ).all()
        assert sorted(r.status for r in duplicates) == ["cancelled", "reserved"]
        tessa = s.exec(select(HotelReservation).where(HotelReservation.voucher == "78856480")).one()
        nights = s.exec(
            select(ReservationNight).where(ReservationNight.hotel_reservation_id == tessa.id)
        ).all()
        assert len(nights) == (tessa.departure - tessa.arrival).days
        total = s.exec(
            select(func.sum(ReservationNight.price)).where(
                ReservationNight.hotel_reservation_id == tessa.id
            )
        ).one()
        assert total == sum((n.price for n in nights), Decimal(0))
        linked = s.exec(
            select(func.count())
            .select_from(ReservationGuest)
            .where(ReservationGuest.guest_profile_id.is_not(None))
        ).one()  # type: ignore[union-attr]
        assert linked >= 1
        log = auditlog.entries(s, summary_hotel_id(s))
        assert [e.action for e in log] == ["hotel.import"]
        assert log[0].user == "tester" and log[0].after["room_types"] == 10  # type: ignore[index]


def summary_hotel_id(session) -> int:  # type: ignore[no-untyped-def]
    hotel = session.exec(select(Hotel)).one()
    return int(hotel.id)


def test_the_same_hotel_cannot_be_imported_twice(db: Database, demo_file: Path) -> None:
    import_hotel(db, demo_file, user="tester")
    with pytest.raises(InputError, match="hotel KIV already exists"):
        import_hotel(db, demo_file, user="tester")


def test_a_bad_file_is_refused_whole_with_every_problem(db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("""
[hotel]
code = "BAD"
name = "Bad Hotel"
currency = "EUR"
business_date = "2026-05-15"

[[room_types]]
code = "DBL"
name = "Double"
room_count = 10
std_adults = 2
max_adults = 2

[[markets]]
code = "UK"

[[agencies]]
code = "AG"
name = "Agency"
market = "XX"

[[reservations]]
voucher = "V1"
agency = "AG"
room_type = "DBL"
arrival = "2026-06-10"
departure = "2026-06-03"
adults = 3
children = 1
rate = 120.5
status = "reserved"

[[reservations]]
room_type = "NOPE"
arrival = "2026-05-01"
departure = "2026-05-03"
rate = "99.00"
colour = "blue"
""")
    with pytest.raises(InputError) as caught:
        import_hotel(db, bad, user="tester")
    text = str(caught.value)
    assert "nothing was imported" in text
    assert "reservations[0].rate" in text and "float" in text
    assert "reservations[1].colour: unknown key" in text
    assert caught.value.exit_code == 2
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Hotel)).one() == 0

    # Once the syntax is right, the cross-record problems are all listed at once.
    bad.write_text(
        bad.read_text().replace("rate = 120.5", 'rate = "120.50"').replace('colour = "blue"\n', "")
    )
    with pytest.raises(InputError) as caught:
        import_hotel(db, bad, user="tester")
    text = str(caught.value)
    assert "agencies[0].market: unknown market 'XX'" in text
    assert "reservations[0].departure: 2026-06-03 is not after arrival 2026-06-10" in text
    assert "exceed DBL" in text
    assert "reservations[0].child_ages: 0 ages for 1 children" in text
    assert "reservations[1].room_type: unknown room type 'NOPE'" in text
    assert "reservations[1].status: reserved, but arrival 2026-05-01 is before" in text
    assert len(caught.value.problems) == 6
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Hotel)).one() == 0
