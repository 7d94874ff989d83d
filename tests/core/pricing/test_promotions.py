"""Promotion files: every kind and option, every problem at once, import on both engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tomli_w
from sqlmodel import select

from hotelops.core.auditlog import entries
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.errors import InputError
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.models import Promotion
from hotelops.core.pricing import (
    PromotionSpec,
    import_promotions,
    list_promotions,
    load_promotion,
    load_promotions,
    read_promotion_file,
)
from hotelops.core.pricing.promotions import describe

PRICING = fixtures_dir() / "pricing"

FORMATS_EXAMPLE = """
[[promotion]]
code = "EBD-03"
description = "Early booking 10 %"
kind = "percent"        # stay_pay | percent | early_booking | fixed | long_stay | ...
percent = 10
basis = "net"           # net | gross (percent kinds)
priority = 1
auto_apply = true
early_booking = true    # reporting flag
exclusive = false
wins_level = false
agencies = ["TUI"]      # empty = all
markets = []
room_types = []
min_stay = 0
date_basis = "booking"  # stay | arrival | booking
from = "2025-10-01"
to = "2026-03-31"
stay_basis = "stayed_nights"   # with booking: stay | arrival | stayed_nights
stay_from = "2026-04-01"
stay_to = "2026-10-31"
"""


def write(tmp_path: Path, promotions: list[dict[str, Any]], name: str = "p.toml") -> Path:
    path = tmp_path / name
    path.write_text(tomli_w.dumps({"promotion": promotions}), encoding="utf-8")
    return path


def problems_of(path: Path) -> dict[str, Any]:
    with pytest.raises(InputError) as caught:
        read_promotion_file(path)
    assert all(p.source == str(path) for p in caught.value.problems)
    return {p.field: p for p in caught.value.problems}


def test_the_formats_md_example_is_accepted_as_written(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(FORMATS_EXAMPLE, encoding="utf-8")
    (spec,) = read_promotion_file(path)
    assert spec.code == "EBD-03" and spec.percent == 10 and spec.stay_basis == "stayed_nights"
    assert str(spec.from_) == "2025-10-01"


def test_the_demo_promotions_cover_every_option() -> None:
    specs = read_promotion_file(PRICING / "promotions.toml")
    kinds = {s.kind for s in specs}
    assert {"percent", "stay_pay", "long_stay", "fixed", "early_booking"} <= kinds
    assert any(not s.auto_apply for s in specs) and any(s.exclusive for s in specs)
    ebd = next(s for s in specs if s.code == "EBD-03")
    assert ebd.agencies == ["TUI GASP"] and ebd.date_basis == "booking" and ebd.early_booking


@pytest.mark.parametrize(
    "keys",
    [
        {"kind": "stay_pay", "stay": 7, "pay": 6, "free_nights": "average", "exact_match": True},
        {"kind": "percent", "percent": 12.5, "basis": "gross"},
        {"kind": "early_booking", "percent": 10, "days_before": 60},
        {"kind": "fixed", "per_room": "10.00", "per_person": "5.00", "max_nights": 7},
        {"kind": "long_stay", "percent": 5, "min_nights": 14},
        {"kind": "no_single_supplement"},
        {"kind": "person_discount", "percent": 50},
    ],
)
def test_every_kind_reads(tmp_path: Path, keys: dict[str, Any]) -> None:
    (spec,) = read_promotion_file(write(tmp_path, [{"code": "X", **keys}]))
    assert spec.kind == keys["kind"]
    assert describe(spec)


def test_missing_kind_keys_and_foreign_keys_are_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            {"code": "A", "kind": "stay_pay", "stay": 7},
            {"code": "B", "kind": "percent", "percent": 10, "days_before": 30},
            {"code": "C", "kind": "early_booking", "percent": 10},
            {"code": "D", "kind": "long_stay"},
            {"code": "E", "kind": "fixed"},
            {"code": "F", "kind": "stay_pay", "stay": 4, "pay": 4},
        ],
    )
    problems = problems_of(path)
    assert "needs pay" in problems["promotion[0].pay"].message
    assert "not used by kind 'percent'" in problems["promotion[1].days_before"].message
    assert "days_before" in problems["promotion[2].days_before"].message
    assert {"promotion[3].percent", "promotion[3].min_nights"} <= set(problems)
    assert "promotion[4].per_room" in problems
    assert "not below stay" in problems["promotion[5].pay"].message


def test_date_ranges_are_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            {"code": "A", "kind": "percent", "percent": 5, "from": "2026-05-01"},
            {"code": "B", "kind": "percent", "percent": 5, "from": "2026-05-01",
             "to": "2026-04-01"},
            {"code": "C", "kind": "percent", "percent": 5, "date_basis": "arrival",
             "stay_basis": "stay", "stay_from": "2026-05-01", "stay_to": "2026-06-01"},
            {"code": "D", "kind": "percent", "percent": 5, "date_basis": "booking"},
        ],
    )  # fmt: skip
    problems = problems_of(path)
    assert {"promotion[0].to", "promotion[1].to", "promotion[2].stay_basis",
            "promotion[3].from"} <= set(problems)  # fmt: skip


def test_bad_values_and_floats_for_money_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            {"code": "A", "kind": "fixed", "per_room": 10.5},
            {"code": "B", "kind": "percent", "percent": 150},
            {"code": "C", "kind": "percentage"},
            {"code": "A", "kind": "percent", "percent": 10, "colour": "red"},
        ],
    )
    problems = problems_of(path)
    assert "float" in problems["promotion[0].per_room"].message
    assert "promotion[1].percent" in problems
    assert "promotion[2].kind" in problems
    assert "valid keys" in problems["promotion[3].colour"].hint


def test_a_code_used_twice_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [{"code": "A", "kind": "percent", "percent": 5}] * 2,
    )
    assert "used twice" in problems_of(path)["promotion[1].code"].message


def test_one_table_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "one.toml"
    path.write_text('[[promotion]]\ncode = "X"\nkind = "no_single_supplement"\n', "utf-8")
    assert [s.code for s in read_promotion_file(path)] == ["X"]


def test_import_list_load_on_both_engines(db: Database, demo_file: Path) -> None:
    import_hotel(db, demo_file, user="t")
    specs = import_promotions(db, "KIV", PRICING / "promotions.toml", user="t")
    with db.read() as session:
        hotel = get_hotel(session)
        assert hotel.id is not None
        loaded = load_promotions(session, hotel.id)
        summaries = list_promotions(session, hotel.id)
        ebd = load_promotion(session, hotel.id, "ebd-03")
        audit = entries(session, hotel.id, entity="promotion")
    assert sorted(loaded, key=lambda s: s.code) == sorted(specs, key=lambda s: s.code)
    assert [s.priority for s in loaded] == sorted(s.priority for s in loaded)
    assert len(summaries) == len(specs) and ebd is not None and ebd.code == "EBD-03"
    assert len(audit) == len(specs)


def test_reimport_replaces_and_inactive_ones_are_not_loaded(
    db: Database, demo_file: Path, tmp_path: Path
) -> None:
    import_hotel(db, demo_file, user="t")
    import_promotions(db, "KIV", PRICING / "promotions.toml", user="t")
    path = write(
        tmp_path,
        [{"code": "EBD-03", "kind": "percent", "percent": 12, "active": False}],
    )
    import_promotions(db, "KIV", path, user="t")
    with db.read() as session:
        hotel = get_hotel(session)
        assert hotel.id is not None
        rows = session.exec(select(Promotion).where(Promotion.code == "EBD-03")).all()
        active = [s.code for s in load_promotions(session, hotel.id)]
        listed = {s.code: s for s in list_promotions(session, hotel.id)}
    assert len(rows) == 1 and rows[0].data["percent"] == "12"
    assert "EBD-03" not in active and not listed["EBD-03"].active


def test_unknown_hotel_codes_refuse_the_whole_file(
    db: Database, demo_file: Path, tmp_path: Path
) -> None:
    import_hotel(db, demo_file, user="t")
    path = write(
        tmp_path,
        [
            {"code": "OK", "kind": "percent", "percent": 5},
            {"code": "BAD", "kind": "percent", "percent": 5, "agencies": ["NOBODY"],
             "markets": ["XX"], "room_types": ["PENTHOUSE"]},
        ],
    )  # fmt: skip
    with pytest.raises(InputError) as caught:
        import_promotions(db, "KIV", path, user="t")
    fields = {p.field for p in caught.value.problems}
    assert fields == {
        "promotion[1].agencies[0]",
        "promotion[1].markets[0]",
        "promotion[1].room_types[0]",
    }
    with db.read() as session:
        assert session.exec(select(Promotion)).all() == []


def test_spec_round_trips_through_its_stored_data() -> None:
    for spec in read_promotion_file(PRICING / "promotions.toml"):
        data = spec.model_dump(mode="json", by_alias=True, exclude_none=True)
        assert PromotionSpec.model_validate(data) == spec
