"""Contract files: reading, every validation problem, export round trip, import on both engines."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from sqlmodel import func, select

from hotelops.core.auditlog import entries
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.errors import InputError, NotFound
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.models import Contract
from hotelops.core.pricing import (
    PriceOptions,
    StayRequest,
    contract_to_toml,
    import_contract,
    list_contracts,
    load_contract,
    price_stay,
    read_contract_file,
)
from hotelops.core.pricing.contracts import check_against_hotel

PRICING = fixtures_dir() / "pricing"

SMALL = """
[contract]
code = "SMALL-26"
name = "Small"
hotel = "KIV"
valid_from = "2026-06-01"
valid_to = "2026-06-30"
markets = ["DE"]
board = "AI"
currency = "EUR"

[[contract.child_bands]]
min_age = 0
max_age = 6.99

[[contract.periods]]
letter = "A"
from = "2026-06-01"
to = "2026-06-15"

[[contract.periods]]
letter = "B"
from = "2026-06-16"
to = "2026-06-30"

[[contract.rooms]]
room_type = "STDLV"
occupancies = [
  { name = "SGL", std_adults = 1, max_adults = 1 },
  { name = "DBL", std_adults = 2, max_adults = 3, max_children = 1 },
]

[[contract.prices]]
letter = "A"
room_type = "STDLV"
occupancy = "DBL"
base = "200.00"
extra_bed = "60.00"

[[contract.prices]]
letter = "B"
room_type = "STDLV"
occupancy = "DBL"
children = [1]
base = "250.00"
"""


def small() -> dict[str, Any]:
    return tomllib.loads(SMALL)


def write(tmp_path: Path, data: dict[str, Any], name: str = "contract.toml") -> Path:
    path = tmp_path / name
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Any]:
    with pytest.raises(InputError) as caught:
        read_contract_file(path)
    assert str(path) in str(caught.value)
    for problem in caught.value.problems:
        assert problem.source == str(path)
    return caught.value.problems


def fields_of(path: Path) -> dict[str, str]:
    return {p.field: p.message for p in problems_of(path)}


# ---------------------------------------------------------------------------- reading


def test_the_demo_contracts_read_cleanly() -> None:
    gasp = read_contract_file(PRICING / "tui-gasp-26.toml")
    assert gasp.code == "TUI-GASP-26" and gasp.hotel == "KIV" and gasp.board == "UAI"
    assert gasp.child_bands[0].max_age == Decimal("6.99")
    assert 4 <= len(gasp.periods) <= 6
    pol = read_contract_file(PRICING / "tui-pol-26.toml")
    assert pol.code == "TUI-POL-26" and pol.rounding and pol.markup_percent == 8


def test_the_formats_md_example_is_accepted_as_written(tmp_path: Path) -> None:
    text = (
        SMALL.replace('markets = ["DE"]', 'markets = ["DE"]\ncontract_date = "2025-10-01"')
        .replace(
            'currency = "EUR"',
            'currency = "EUR"\nweekend_days = []\nrounding = false\ntype = "individual"',
        )
        .replace('extra_bed = "60.00"', 'extra_bed = "60.00"\ncommission = 0\nvat = 0')
    )
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    spec = read_contract_file(path)
    assert spec.contract_date == date(2025, 10, 1)


@pytest.mark.parametrize("name", ["tui-gasp-26.toml", "tui-pol-26.toml"])
def test_export_then_import_gives_an_equal_contract(tmp_path: Path, name: str) -> None:
    spec = read_contract_file(PRICING / name)
    text = contract_to_toml(spec)
    assert '"330.00"' in text or name != "tui-gasp-26.toml"
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert read_contract_file(path) == spec
    assert contract_to_toml(read_contract_file(path)) == text


def test_round_trip_keeps_every_optional_key(tmp_path: Path) -> None:
    data = small()
    contract = data["contract"]
    contract.update(
        agency="TUI GASP",
        type="group",
        min_units=10,
        promotional=True,
        promo_note="spring campaign",
        rounding=True,
        markup_percent=12.5,
        weekend_days=["fri", "sat"],
    )
    contract["prices"][0].update(weekend="0", confirm_zero=True, commission=12.5, vat=8)
    contract["prices"][1]["active"] = False
    spec = read_contract_file(write(tmp_path, data))
    again = tmp_path / "again.toml"
    again.write_text(contract_to_toml(spec), encoding="utf-8")
    assert read_contract_file(again) == spec
    assert spec.markup_percent == Decimal("12.5") and spec.prices[0].weekend == 0


# ---------------------------------------------------------------------------- validation


def test_a_float_amount_is_refused_with_the_row_and_key(tmp_path: Path) -> None:
    data = small()
    data["contract"]["prices"][0]["base"] = 200.5
    problems = fields_of(write(tmp_path, data))
    assert "float" in problems["contract.prices[0].base"]


def test_an_unknown_key_lists_the_valid_ones(tmp_path: Path) -> None:
    data = small()
    data["contract"]["prices"][1]["price"] = "1"
    (problem,) = problems_of(write(tmp_path, data))
    assert problem.field == "contract.prices[1].price" and "base" in problem.hint


def test_a_gap_between_periods_is_refused(tmp_path: Path) -> None:
    data = small()
    data["contract"]["periods"][1]["from"] = "2026-06-18"
    problems = fields_of(write(tmp_path, data))
    assert "gap" in problems["contract.periods[1].from"]


def test_overlapping_periods_are_refused(tmp_path: Path) -> None:
    data = small()
    data["contract"]["periods"][1]["from"] = "2026-06-10"
    assert "overlap" in fields_of(write(tmp_path, data))["contract.periods[1].from"]


def test_periods_must_cover_the_validity_range(tmp_path: Path) -> None:
    data = small()
    data["contract"]["periods"][1]["to"] = "2026-07-05"
    data["contract"]["periods"][0]["from"] = "2026-06-03"
    problems = fields_of(write(tmp_path, data))
    assert "outside the contract" in problems["contract.periods[1]"]
    assert "gap" in problems["contract.periods[0].from"]


def test_more_than_30_periods_are_refused(tmp_path: Path) -> None:
    data = small()
    data["contract"]["valid_to"] = "2026-07-31"
    data["contract"]["periods"] = [
        {"letter": "A", "from": date(2026, 6, 1 + i) if i < 30 else date(2026, 7, i - 29),
         "to": date(2026, 6, 1 + i) if i < 29 else (date(2026, 6, 30) if i == 29 else
                                                    date(2026, 7, 31))}
        for i in range(31)
    ]  # fmt: skip
    problems = fields_of(write(tmp_path, data))
    assert "at most 30" in problems["contract.periods"]


def test_price_rows_must_point_at_a_known_letter_room_and_occupancy(tmp_path: Path) -> None:
    data = small()
    rows = data["contract"]["prices"]
    rows.append({"letter": "C", "room_type": "STDLV", "occupancy": "DBL", "base": "1"})
    rows.append({"letter": "A", "room_type": "SUI", "occupancy": "DBL", "base": "1"})
    rows.append({"letter": "A", "room_type": "STDLV", "occupancy": "QUAD", "base": "1"})
    problems = fields_of(write(tmp_path, data))
    assert "no period has letter 'C'" in problems["contract.prices[2].letter"]
    assert "not in contract.rooms" in problems["contract.prices[3].room_type"]
    assert "not an occupancy" in problems["contract.prices[4].occupancy"]


def test_children_over_the_occupancy_or_bands_are_refused(tmp_path: Path) -> None:
    data = small()
    rows = data["contract"]["prices"]
    rows.append({"letter": "A", "room_type": "STDLV", "occupancy": "DBL", "children": [2],
                 "base": "1"})  # fmt: skip
    rows.append({"letter": "B", "room_type": "STDLV", "occupancy": "DBL", "children": [0, 1],
                 "base": "1"})  # fmt: skip
    problems = fields_of(write(tmp_path, data))
    assert "max_children 1" in problems["contract.prices[2].children"]
    assert "1 child band" in problems["contract.prices[3].children"]


def test_duplicate_rows_are_refused(tmp_path: Path) -> None:
    data = small()
    # children omitted and children = [0] are the same combination.
    data["contract"]["prices"].append(
        {"letter": "A", "room_type": "STDLV", "occupancy": "DBL", "children": [0], "base": "9"}
    )
    assert "duplicate" in fields_of(write(tmp_path, data))["contract.prices[2]"]


def test_a_zero_price_needs_confirmation(tmp_path: Path) -> None:
    data = small()
    data["contract"]["prices"][0]["base"] = "0"
    (problem,) = problems_of(write(tmp_path, data))
    assert problem.field == "contract.prices[0].base" and "confirm_zero" in problem.hint
    data["contract"]["prices"][0]["confirm_zero"] = True
    assert read_contract_file(write(tmp_path, data)).prices[0].base == 0


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = small()
    data["contract"]["periods"][1]["from"] = "2026-06-20"
    data["contract"]["prices"][0]["base"] = "0"
    data["contract"]["prices"][1]["letter"] = "Z"
    assert len(problems_of(write(tmp_path, data))) == 3


def test_check_against_hotel_names_unknown_codes() -> None:
    spec = read_contract_file(PRICING / "tui-gasp-26.toml")
    problems = check_against_hotel(spec, {"STDLV"}, {"DE"}, {"AI"}, source="x.toml")
    fields = {p.field for p in problems}
    assert "contract.rooms[1].room_type" in fields
    assert "contract.markets[1]" in fields and "contract.board" in fields
    assert (
        check_against_hotel(
            spec, {r.room_type for r in spec.rooms}, set(spec.markets), {spec.board}
        )
        == []
    )


# ---------------------------------------------------------------------------- database


def test_import_list_load_and_price_on_both_engines(db: Database, demo_file: Path) -> None:
    import_hotel(db, demo_file, user="t")
    spec = import_contract(db, "KIV", PRICING / "tui-gasp-26.toml", user="t")
    import_contract(db, None, PRICING / "tui-pol-26.toml", user="t")
    with db.read() as session:
        hotel = get_hotel(session, "KIV")
        assert hotel.id is not None
        loaded = load_contract(session, hotel.id, "TUI-GASP-26")
        summaries = list_contracts(session, hotel.id)
        assert load_contract(session, hotel.id, "NOPE") is None
        audit = entries(session, hotel.id, entity="contract")
    assert loaded == spec
    assert [s.code for s in summaries] == ["TUI-GASP-26", "TUI-POL-26"]
    assert summaries[0].letters == "ABCDE" and summaries[0].source == "tui-gasp-26.toml"
    assert {e.action for e in audit} == {"contract.import"}
    result = price_stay(loaded, [], StayRequest(date(2026, 8, 29), 7, "STDLV", 2), PriceOptions())
    assert str(result.total) == "2110.00"


def test_reimport_replaces_the_contract(db: Database, demo_file: Path, tmp_path: Path) -> None:
    import_hotel(db, demo_file, user="t")
    import_contract(db, "KIV", PRICING / "tui-gasp-26.toml", user="t")
    data = tomllib.loads((PRICING / "tui-gasp-26.toml").read_text(encoding="utf-8"))
    data["contract"]["name"] = "TUI Deutschland Summer 2026 (rev. 2)"
    import_contract(db, "KIV", write(tmp_path, data, "rev2.toml"), user="t")
    with db.read() as session:
        rows = session.exec(select(Contract)).all()
        assert len(rows) == 1 and rows[0].name.endswith("(rev. 2)")
        assert rows[0].source == "rev2.toml"
        hotel_id = rows[0].hotel_id
        actions = [e.action for e in entries(session, hotel_id, entity="contract")]
    assert actions == ["contract.replace", "contract.import"]


def test_a_refused_import_writes_nothing(db: Database, demo_file: Path, tmp_path: Path) -> None:
    import_hotel(db, demo_file, user="t")
    import_contract(db, "KIV", PRICING / "tui-gasp-26.toml", user="t")
    text = (PRICING / "tui-gasp-26.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text.replace('"STDLV"', '"PENTHOUSE"'))
    data["contract"]["name"] = "changed"
    data["contract"]["markets"] = ["DE", "XX"]
    path = write(tmp_path, data, "bad.toml")
    with pytest.raises(InputError) as caught:
        import_contract(db, "KIV", path, user="t")
    fields = {p.field for p in caught.value.problems}
    assert {"contract.rooms[0].room_type", "contract.markets[1]"} <= fields
    assert all(p.source == str(path) for p in caught.value.problems)
    with db.read() as session:
        rows = session.exec(select(Contract)).all()
        assert [r.name for r in rows] == ["TUI Deutschland Summer 2026"]
        assert session.exec(select(func.count()).select_from(Contract)).one() == 1


def test_a_contract_for_another_hotel_is_refused(db: Database, demo_file: Path) -> None:
    import_hotel(db, demo_file, user="t")
    with pytest.raises(NotFound):
        import_contract(db, "XYZ", PRICING / "tui-gasp-26.toml", user="t")
