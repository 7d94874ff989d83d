"""Importing a hotel file: the demo hotel on both engines; bad files refused whole."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import tomli_w
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
    RoomType,
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
    assert caught.value.exit_code == 2
    # One run lists the type problems and the cross-record problems together, record by record.
    assert _problem_lines(caught.value, bad) == [
        "agencies[0].market (code AG): unknown market 'XX' "
        "(define it under [[markets]] or fix the code)",
        "reservations[0].rate (voucher V1): amount: 120.5 is a float; write money as a string "
        '("120.5") so it stays exact, got 120.5',
        "reservations[0] (voucher V1): 3 adults + 1 children exceed DBL "
        "(max 2 adults, 0 children) (pick a larger room type)",
        "reservations[0].departure (voucher V1): 2026-06-03 is not after arrival 2026-06-10 "
        "(a stay has at least one night)",
        "reservations[0].child_ages (voucher V1): 0 ages for 1 children (give one age per child)",
        "reservations[1].colour: unknown key (valid keys here: voucher, agency, room_type, board, "
        "market, price_code, arrival, departure, adults, children, child_ages, infants, rooms, "
        "status, rate, nationality, guests, note)",
        "reservations[1].room_type: unknown room type 'NOPE' "
        "(define it under [[room_types]] or fix the code)",
        "reservations[1].status: reserved, but arrival 2026-05-01 is before the business date "
        "2026-05-15 (in_house, checked_out or no_show?)",
    ]
    assert str(caught.value).startswith(f"{bad}: 8 problem(s), nothing was imported\n")
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Hotel)).one() == 0


def _problem_lines(error: InputError, path: Path) -> list[str]:
    """The problem lines as the user reads them, without the file name that starts each."""
    lines = str(error).splitlines()[1:]
    assert len(lines) == len(error.problems)
    return [line.strip().removeprefix(f"{path}: ") for line in lines]


def _demo_with(demo_file: Path, tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The demo hotel file, changed by ``edit`` and written to a new file."""
    data = tomllib.loads(demo_file.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "kivima-edited.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _count(db: Database, table: type[Any]) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(table)).one())


def test_type_and_reference_problems_are_all_reported_in_one_run(
    db: Database, demo_file: Path, tmp_path: Path
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["room_types"][7]["room_count"] = "many"  # FAM: a type error
        data["agencies"][2]["market"] = "GB"  # TUI UK: no such market
        jet2 = data["reservations"][5]
        jet2["rate"] = 215.5  # a float rate...
        jet2["board"] = "XB"  # ...and an unknown board on the same record
        data["reservations"][9]["room_type"] = "DBX"  # 48044: no such room type

    bad = _demo_with(demo_file, tmp_path, edit)
    with pytest.raises(InputError) as caught:
        import_hotel(db, bad, user="tester")
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(f"{bad}: 5 problem(s), nothing was imported\n")
    # FAM keeps its code although its room_count is wrong: PG2611873 in FAM is not reported.
    assert _problem_lines(caught.value, bad) == [
        "room_types[7].room_count (code FAM): Input should be a valid integer, "
        "unable to parse string as an integer, got 'many'",
        "agencies[2].market (code TUI UK): unknown market 'GB' "
        "(define it under [[markets]] or fix the code)",
        "reservations[5].rate (voucher J2H4478812): amount: 215.5 is a float; "
        'write money as a string ("215.5") so it stays exact, got 215.5',
        "reservations[5].board (voucher J2H4478812): unknown board 'XB' "
        "(define it under [[boards]] or fix the code)",
        "reservations[9].room_type (voucher 48044): unknown room type 'DBX' "
        "(define it under [[room_types]] or fix the code)",
    ]
    assert [(p.field, p.record) for p in caught.value.problems][-1] == (
        "reservations[9].room_type",
        "voucher 48044",
    )
    assert _count(db, Hotel) == 0
    assert _count(db, RoomType) == 0
    assert _count(db, HotelReservation) == 0


def test_a_misspelt_table_and_a_single_table_for_an_array_are_reported_with_the_rest(
    db: Database, demo_file: Path, tmp_path: Path
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["room_type"] = [{"code": "DBX", "name": "Double", "room_count": 4}]
        data["users"] = data["users"][0]  # [users] instead of [[users]]
        data["reservations"][9]["room_type"] = "DBX"

    bad = _demo_with(demo_file, tmp_path, edit)
    with pytest.raises(InputError) as caught:
        import_hotel(db, bad, user="tester")
    assert _problem_lines(caught.value, bad) == [
        "room_type: unknown key (valid keys here: hotel, room_types, boards, markets, segments, "
        "sources, agencies, users, operators, sender_rules, mappings, guests, reservations)",
        "users: is a table, not an array of tables (start each record with [[users]])",
        "reservations[9].room_type (voucher 48044): unknown room type 'DBX' "
        "(define it under [[room_types]] or fix the code)",
    ]
    assert _count(db, Hotel) == 0


def test_a_toml_syntax_error_names_file_line_and_column(
    db: Database, demo_file: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text(
        demo_file.read_text(encoding="utf-8").replace('name = "Kivima Hotel"', "name = Kivima"),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        import_hotel(db, bad, user="tester")
    assert str(caught.value) == f"{bad}: not valid TOML: Invalid value (at line 13, column 8)"
    assert caught.value.exit_code == 2
    assert _count(db, Hotel) == 0
