"""The pricing engine: contract nights, promotions, and the explain trace."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotelops.core.demo import fixtures_dir
from hotelops.core.pricing import (
    ContractSpec,
    PriceOptions,
    PromotionSpec,
    StayRequest,
    price_stay,
    read_contract_file,
    read_promotion_file,
)

D = Decimal
PRICING = fixtures_dir() / "pricing"

# June 2026: 2026-06-01 is a Monday, 2026-06-06 a Saturday.
# Period A 06-01..06-15, period B 06-16..06-30.
PRICES = {"A": (D("100.00"), D("80.00"), D("30.00")), "B": (D("200.00"), D("150.00"), D("50.00"))}
CHILD_EXTRA = {(0, 0): 0, (1, 0): 0, (0, 1): 25, (2, 0): 20, (1, 1): 25, (0, 2): 50}


def contract_data(**overrides: Any) -> dict[str, Any]:
    """A small contract as it would be read from TOML (money as strings)."""
    prices: list[dict[str, Any]] = []
    for letter, (dbl, sgl, extra) in PRICES.items():
        for children, add in CHILD_EXTRA.items():
            prices.append(
                {
                    "letter": letter,
                    "room_type": "STD",
                    "occupancy": "DBL",
                    "children": list(children),
                    "base": str(dbl + add),
                    "extra_bed": str(extra),
                    "weekend": str(dbl + add + 20),
                    "weekend_extra_bed": str(extra + 5),
                }
            )
        prices.append({"letter": letter, "room_type": "STD", "occupancy": "SGL", "base": str(sgl)})
        prices.append(
            {"letter": letter, "room_type": "STD", "occupancy": "TRP", "base": str(dbl + 40)}
        )
    data: dict[str, Any] = {
        "code": "TEST-26",
        "name": "Test",
        "hotel": "KIV",
        "valid_from": "2026-06-01",
        "valid_to": "2026-06-30",
        "board": "AI",
        "currency": "EUR",
        "child_bands": [{"min_age": 0, "max_age": 6.99}, {"min_age": 7, "max_age": 12.99}],
        "periods": [
            {"letter": "A", "from": "2026-06-01", "to": "2026-06-15"},
            {"letter": "B", "from": "2026-06-16", "to": "2026-06-30"},
        ],
        "rooms": [
            {
                "room_type": "STD",
                "occupancies": [
                    {"name": "SGL", "std_adults": 1, "max_adults": 1},
                    {"name": "DBL", "std_adults": 2, "max_adults": 3, "max_children": 2},
                    {"name": "TRP", "std_adults": 3, "max_adults": 3},
                ],
            }
        ],
        "prices": prices,
    }
    data.update(overrides)
    return data


def make_contract(**overrides: Any) -> ContractSpec:
    return ContractSpec.model_validate(contract_data(**overrides))


def promo(code: str, kind: str, **keys: Any) -> PromotionSpec:
    return PromotionSpec.model_validate({"code": code, "kind": kind, **keys})


def stay(arrival: date = date(2026, 6, 1), nights: int = 7, **keys: Any) -> StayRequest:
    values: dict[str, Any] = {"room_type": "STD", "adults": 2, **keys}
    return StayRequest(arrival=arrival, nights=nights, **values)


def nightly(result: Any, what: str = "price") -> list[Decimal | None]:
    return [getattr(night, what) for night in result.nights]


def trace_of(result: Any, code: str) -> Any:
    return next(t for t in result.trace if t.code == code)


# ---------------------------------------------------------------------------- worked example


def test_worked_example_from_the_seed_comes_out_exactly() -> None:
    contract = read_contract_file(PRICING / "tui-gasp-26.toml")
    promotions = read_promotion_file(PRICING / "promotions.toml")
    result = price_stay(
        contract,
        promotions,
        StayRequest(
            arrival=date(2026, 8, 29),
            nights=7,
            room_type="STDLV",
            adults=2,
            agency="TUI GASP",
            market="DE",
            sale_date=date(2026, 2, 12),
        ),
    )
    assert nightly(result, "contract_price") == [D(330)] * 3 + [D(280)] * 4
    assert nightly(result, "discount") == [D(33)] * 3 + [D(28)] * 4
    assert [str(p) for p in nightly(result)] == ["297.00"] * 3 + ["252.00"] * 4
    assert str(result.total_contract) == "2110.00"
    assert str(result.total_discount) == "211.00"
    assert str(result.total) == "1899.00"
    assert result.currency == "EUR" and result.priced and not result.problems
    assert all([p.code for p in n.promotions] == ["EBD-03"] for n in result.nights)
    assert [t.code for t in result.trace if t.applied] == ["EBD-03"]


# ---------------------------------------------------------------------------- contract nights


def test_stay_crossing_periods_takes_each_nights_own_period() -> None:
    result = price_stay(make_contract(), [], stay(date(2026, 6, 14), 4))
    assert nightly(result, "letter") == ["A", "A", "B", "B"]
    assert nightly(result) == [D(100), D(100), D(200), D(200)]
    assert result.total == D(600) == result.total_contract


def test_nights_outside_the_contract_have_no_price_not_zero() -> None:
    result = price_stay(make_contract(), [], stay(date(2026, 6, 29), 4))
    assert nightly(result) == [D(200), D(200), None, None]
    assert result.nights[2].contract_price is None
    assert result.nights[2].note.startswith("no price: outside the contract")
    assert not result.priced
    assert result.total == D(400)
    assert any("2026-07-01" in problem for problem in result.problems)


def test_weekend_columns_apply_on_the_contracts_weekend_days() -> None:
    contract = make_contract(weekend_days=["sat"])
    result = price_stay(contract, [], stay(date(2026, 6, 5), 3))
    assert nightly(result) == [D(100), D(120), D(100)]
    three = price_stay(contract, [], stay(date(2026, 6, 6), 1, adults=3, occupancy="DBL"))
    assert nightly(three) == [D(120) + D(35)]


def test_weekend_columns_are_ignored_without_weekend_days() -> None:
    result = price_stay(make_contract(), [], stay(date(2026, 6, 5), 3))
    assert nightly(result) == [D(100)] * 3


def test_extra_bed_is_charged_per_adult_above_standard() -> None:
    result = price_stay(make_contract(), [], stay(nights=1, adults=3, occupancy="DBL"))
    assert nightly(result) == [D(130)]


def test_occupancy_prefers_the_exact_standard_then_the_smallest_that_fits() -> None:
    contract = make_contract()
    assert nightly(price_stay(contract, [], stay(nights=1, adults=3))) == [D(140)]
    assert nightly(price_stay(contract, [], stay(nights=1, adults=1))) == [D(80)]
    # One adult with a child does not fit SGL (no children): the DBL row prices it, as the
    # smallest occupancy above the adult count that takes the child.
    assert nightly(price_stay(contract, [], stay(nights=1, adults=1, child_ages=(8,)))) == [D(125)]


def test_forced_occupancy_wins_and_an_unknown_one_has_no_price() -> None:
    contract = make_contract()
    assert nightly(price_stay(contract, [], stay(nights=1, adults=1, occupancy="DBL"))) == [D(100)]
    result = price_stay(contract, [], stay(nights=1, occupancy="QUAD"))
    assert nightly(result) == [None] and result.problems


@pytest.mark.parametrize(
    ("ages", "expected"),
    [
        ((0,), D(100)),  # band 1, first child free
        ((6,), D(100)),  # 6 is still in 0-6.99
        ((7,), D(125)),  # 7 starts band 2
        ((12,), D(125)),  # 12 is still in 7-12.99
        ((6, 7), D(125)),
        ((13,), D(140)),  # above the last band: an adult, so three adults in TRP
    ],
)
def test_child_ages_fall_in_bands_at_the_edges(ages: tuple[int, ...], expected: Decimal) -> None:
    result = price_stay(make_contract(), [], stay(nights=1, child_ages=ages))
    assert nightly(result) == [expected]


def test_a_child_below_the_first_band_is_a_free_infant() -> None:
    contract = make_contract(
        child_bands=[{"min_age": 2, "max_age": 6.99}, {"min_age": 7, "max_age": 12.99}]
    )
    assert nightly(price_stay(contract, [], stay(nights=1, child_ages=(1,)))) == [D(100)]
    assert nightly(price_stay(contract, [], stay(nights=1, child_ages=(1, 8)))) == [D(125)]


def test_unknown_room_type_has_no_price_with_a_reason() -> None:
    result = price_stay(make_contract(), [], stay(room_type="SUI", nights=2))
    assert nightly(result) == [None, None]
    assert "not on contract" in result.nights[0].note and result.problems


def test_a_row_switched_off_gives_no_price() -> None:
    data = contract_data()
    for row in data["prices"]:
        if row["occupancy"] == "SGL" and row["letter"] == "A":
            row["active"] = False
    result = price_stay(ContractSpec.model_validate(data), [], stay(nights=1, adults=1))
    assert nightly(result) == [None] and "off" in result.nights[0].note


@pytest.mark.parametrize(("base", "expected"), [("100.49", D(100)), ("100.50", D(101))])
def test_contract_rounding_to_whole_units(base: str, expected: Decimal) -> None:
    data = contract_data(rounding=True)
    for row in data["prices"]:
        if row["occupancy"] == "SGL":
            row["base"] = base
    result = price_stay(ContractSpec.model_validate(data), [], stay(nights=1, adults=1))
    assert nightly(result) == [expected]


def test_without_rounding_prices_round_half_up_to_the_cent() -> None:
    contract = make_contract(markup_percent=D("10.5"))
    # 80.00 x 1.105 = 88.40; 100.00 x 1.105 = 110.50
    assert nightly(price_stay(contract, [], stay(nights=1, adults=1))) == [D("88.40")]
    rounded = make_contract(markup_percent=D("0.625"))
    # 80.00 x 1.00625 = 80.50 exactly; 100 x 1.00625 = 100.625 -> 100.63
    assert nightly(price_stay(rounded, [], stay(nights=1))) == [D("100.63")]


def test_markup_amount_is_added_per_night() -> None:
    contract = make_contract(markup_amount="12.50")
    assert nightly(price_stay(contract, [], stay(nights=1))) == [D("112.50")]


# ---------------------------------------------------------------------------- stay / pay


def test_stay_pay_7_6_gives_the_first_night_free_from_start() -> None:
    result = price_stay(
        make_contract(),
        [promo("SP", "stay_pay", stay=7, pay=6, free_nights="start")],
        stay(date(2026, 6, 12), 7),
    )
    assert nightly(result, "discount") == [D(100)] + [D(0)] * 6
    assert result.total == D(1000) - D(100)


def test_stay_pay_7_6_gives_the_last_night_free_from_end() -> None:
    result = price_stay(
        make_contract(),
        [promo("SP", "stay_pay", stay=7, pay=6, free_nights="end")],
        stay(date(2026, 6, 12), 7),
    )
    assert nightly(result, "discount") == [D(0)] * 6 + [D(200)]
    assert result.total == D(800)


def test_stay_pay_7_6_average_spreads_the_free_night_as_one_nightly_price() -> None:
    result = price_stay(
        make_contract(), [promo("SP", "stay_pay", stay=7, pay=6, free_nights="average")], stay()
    )
    assert nightly(result) == [D("85.71")] * 6 + [D("85.74")]
    assert result.total_discount == D(100) and result.total == D(600)


def test_stay_pay_average_across_periods_never_raises_a_night() -> None:
    result = price_stay(
        make_contract(),
        [promo("SP", "stay_pay", stay=7, pay=6, free_nights="average")],
        stay(date(2026, 6, 12), 7),
    )
    assert all(night.discount > 0 for night in result.nights)
    assert result.total_discount == D("142.86")  # 1,000.00 / 7, rounded


def test_stay_pay_exact_match_applies_only_on_exactly_that_many_nights() -> None:
    sp = promo("SP", "stay_pay", stay=7, pay=6, exact_match=True)
    seven = price_stay(make_contract(), [sp], stay(nights=7))
    assert seven.total_discount == D(100)
    fourteen = price_stay(make_contract(), [sp], stay(nights=14))
    assert fourteen.total_discount == 0
    assert trace_of(fourteen, "SP").reason == "exact match"


@pytest.mark.parametrize(("nights", "free"), [(3, 0), (4, 1), (5, 1), (7, 1), (8, 2)])
def test_stay_pay_4_3_counts_free_nights_per_block(nights: int, free: int) -> None:
    result = price_stay(
        make_contract(), [promo("SP", "stay_pay", stay=4, pay=3)], stay(nights=nights)
    )
    assert result.total_discount == D(100) * free
    if not free:
        assert trace_of(result, "SP").reason == "min stay"


# ---------------------------------------------------------------------------- percentages


def test_percent_on_net_applies_after_the_earlier_promotion() -> None:
    promotions = [
        promo("P1", "percent", percent=10, priority=1),
        promo("P2", "percent", percent=10, priority=2, basis="net"),
    ]
    result = price_stay(make_contract(), promotions, stay(nights=1))
    assert nightly(result) == [D(81)]
    assert [(a.code, a.amount) for a in result.nights[0].promotions] == [
        ("P1", D(10)),
        ("P2", D(9)),
    ]


def test_percent_on_gross_ignores_the_earlier_promotion() -> None:
    promotions = [
        promo("P1", "percent", percent=10, priority=1),
        promo("P2", "percent", percent=10, priority=2, basis="gross"),
    ]
    result = price_stay(make_contract(), promotions, stay(nights=1))
    assert nightly(result) == [D(80)]


def test_percent_discount_rounds_half_up_to_the_cent() -> None:
    # 80.00 x 12.5 % = 10.00; 100.00 x 0.125 % = 0.125 -> 0.13
    result = price_stay(make_contract(), [promo("P", "percent", percent="0.125")], stay(nights=1))
    assert nightly(result, "discount") == [D("0.13")]


@pytest.mark.parametrize(("days", "applies"), [(29, False), (30, True), (31, True)])
def test_early_booking_needs_the_sale_date_n_days_before_arrival(days: int, applies: bool) -> None:
    ebd = promo("EB", "early_booking", percent=10, days_before=30)
    arrival = date(2026, 6, 10)
    result = price_stay(
        make_contract(), [ebd], stay(arrival, 2, sale_date=arrival - timedelta(days=days))
    )
    assert (result.total_discount == D(20)) is applies
    if not applies:
        assert trace_of(result, "EB").reason == "days before"


def test_early_booking_without_a_sale_date_does_not_apply() -> None:
    ebd = promo("EB", "early_booking", percent=10, days_before=30)
    result = price_stay(make_contract(), [ebd], stay())
    assert trace_of(result, "EB").reason == "days before"


def test_long_stay_applies_from_its_nights() -> None:
    ls = promo("LS", "long_stay", percent=5, min_nights=7)
    assert price_stay(make_contract(), [ls], stay(nights=6)).total_discount == 0
    assert price_stay(make_contract(), [ls], stay(nights=7)).total_discount == D(35)


# ---------------------------------------------------------------------------- filters


def test_min_stay_5_refuses_4_nights_and_takes_5() -> None:
    p = promo("P", "percent", percent=10, min_stay=5)
    four = price_stay(make_contract(), [p], stay(nights=4))
    assert four.total_discount == 0 and trace_of(four, "P").reason == "min stay"
    assert price_stay(make_contract(), [p], stay(nights=5)).total_discount == D(50)


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        ({"agencies": ["TUI POL"]}, "agency"),
        ({"markets": ["PL"]}, "market"),
        ({"room_types": ["SUI"]}, "room type"),
        ({"contracts": ["OTHER-26"]}, "contract"),
        ({"date_basis": "arrival", "from": "2026-07-01", "to": "2026-07-31"}, "date basis"),
        ({"date_basis": "stay", "from": "2026-06-01", "to": "2026-06-05"}, "date basis"),
        ({"date_basis": "booking", "from": "2025-10-01", "to": "2025-12-31"}, "date basis"),
    ],
)
def test_filters_say_why_a_promotion_did_not_apply(keys: dict[str, Any], reason: str) -> None:
    p = promo("P", "percent", percent=10, **keys)
    request = stay(agency="TUI GASP", market="DE", sale_date=date(2026, 2, 12))
    result = price_stay(make_contract(), [p], request)
    assert result.total_discount == 0
    assert trace_of(result, "P").reason == reason
    assert trace_of(result, "P").detail


def test_filters_that_match_let_it_apply() -> None:
    p = promo(
        "P",
        "percent",
        percent=10,
        agencies=["TUI GASP"],
        markets=["DE"],
        room_types=["STD"],
        contracts=["TEST-26"],
        date_basis="stay",
        **{"from": "2026-06-01", "to": "2026-06-08"},
    )
    request = stay(agency="TUI GASP", market="DE")
    assert price_stay(make_contract(), [p], request).total_discount == D(70)


def test_stayed_nights_basis_discounts_only_the_nights_inside_the_range() -> None:
    p = promo(
        "EB",
        "percent",
        percent=10,
        date_basis="booking",
        stay_basis="stayed_nights",
        stay_from="2026-06-01",
        stay_to="2026-06-03",
        **{"from": "2026-01-01", "to": "2026-03-31"},
    )
    result = price_stay(make_contract(), [p], stay(date(2026, 6, 2), 4, sale_date=date(2026, 2, 1)))
    assert nightly(result, "discount") == [D(10), D(10), D(0), D(0)]
    outside = price_stay(
        make_contract(), [p], stay(date(2026, 6, 4), 3, sale_date=date(2026, 2, 1))
    )
    assert trace_of(outside, "EB").reason == "date basis"


def test_booking_basis_with_stay_and_arrival_ranges() -> None:
    common = {
        "percent": 10,
        "date_basis": "booking",
        "from": "2026-01-01",
        "to": "2026-03-31",
        "stay_from": "2026-06-01",
        "stay_to": "2026-06-07",
    }
    by_stay = promo("S", "percent", stay_basis="stay", **{**common, "percent": 10})
    by_arrival = promo("A", "percent", stay_basis="arrival", **common)
    request = stay(date(2026, 6, 5), 4, sale_date=date(2026, 2, 1))
    assert trace_of(price_stay(make_contract(), [by_stay], request), "S").reason == "date basis"
    assert price_stay(make_contract(), [by_arrival], request).total_discount == D(40)


# ---------------------------------------------------------------------------- combining


def test_an_exclusive_promotion_applies_alone() -> None:
    promotions = [
        promo("P1", "percent", percent=10, priority=1),
        promo("EX", "percent", percent=20, priority=5, exclusive=True),
    ]
    result = price_stay(make_contract(), promotions, stay(nights=1))
    assert nightly(result) == [D(80)]
    assert trace_of(result, "P1").reason == "exclusive"


def test_an_exclusive_promotion_that_does_not_apply_blocks_nothing() -> None:
    promotions = [
        promo("P1", "percent", percent=10, priority=1),
        promo("EX", "percent", percent=20, exclusive=True, agencies=["TUI POL"]),
    ]
    assert nightly(price_stay(make_contract(), promotions, stay(nights=1))) == [D(90)]


def test_wins_its_level_keeps_only_that_promotion_at_its_priority() -> None:
    promotions = [
        promo("A1", "percent", percent=10, priority=1),
        promo("A2", "percent", percent=5, priority=1, wins_level=True),
        promo("B1", "fixed", per_room="10.00", priority=2),
    ]
    result = price_stay(make_contract(), promotions, stay(nights=1))
    assert nightly(result) == [D(85)]
    assert trace_of(result, "A1").reason == "lower at its level"
    assert trace_of(result, "A2").applied and trace_of(result, "B1").applied


def test_fixed_amount_per_room_and_person_for_at_most_n_nights() -> None:
    p = promo("F", "fixed", per_room="10.00", per_person="5.00", max_nights=2)
    result = price_stay(make_contract(), [p], stay(nights=4, child_ages=(8,)))
    assert nightly(result, "discount") == [D(25), D(25), D(0), D(0)]


def test_a_discount_never_takes_a_night_below_zero() -> None:
    promotions = [
        promo("F", "fixed", per_room="500.00", priority=1),
        promo("P", "percent", percent=50, basis="gross", priority=2),
    ]
    result = price_stay(make_contract(), promotions, stay(nights=2))
    assert nightly(result) == [D(0), D(0)]
    assert result.total_discount == D(200)
    assert trace_of(result, "P").reason == "no amount"


def test_no_single_supplement_makes_one_adult_pay_half_the_double() -> None:
    p = promo("NS", "no_single_supplement")
    result = price_stay(make_contract(), [p], stay(date(2026, 6, 15), 2, adults=1))
    assert nightly(result, "contract_price") == [D(80), D(150)]
    assert nightly(result) == [D(50), D(100)]
    two = price_stay(make_contract(), [p], stay(nights=1))
    assert trace_of(two, "NS").reason == "occupancy"


def test_person_discount_takes_a_percent_off_one_persons_half() -> None:
    p = promo("PD", "person_discount", percent=50)
    assert nightly(price_stay(make_contract(), [p], stay(nights=1))) == [D(75)]
    single = price_stay(make_contract(), [p], stay(nights=1, adults=1))
    assert trace_of(single, "PD").reason == "occupancy"


# ---------------------------------------------------------------------------- office options


def test_manual_prices_replace_the_contract_price_and_still_take_discounts() -> None:
    manual = {date(2026, 6, 2): D("90.00"), date(2026, 7, 1): D("70.00")}
    p = promo("P", "percent", percent=10)
    result = price_stay(
        make_contract(), [p], stay(date(2026, 6, 30), 2), PriceOptions(manual_prices=manual)
    )
    assert nightly(result, "contract_price") == [D(200), D(70)]
    assert nightly(result) == [D(180), D(63)]
    assert result.nights[1].note == "manual price" and result.priced
    inside = price_stay(make_contract(), [p], stay(nights=2), PriceOptions(manual_prices=manual))
    assert nightly(inside) == [D(90), D(81)]


def test_discounts_off_gives_the_contract_price_and_says_why() -> None:
    promotions = [promo("P", "percent", percent=10), promo("F", "fixed", per_room="5.00")]
    result = price_stay(
        make_contract(), promotions, stay(nights=3), PriceOptions(discounts_active=False)
    )
    assert result.total == result.total_contract == D(300)
    assert {t.reason for t in result.trace} == {"discounts off"}


def test_manual_prices_with_discounts_off() -> None:
    result = price_stay(
        make_contract(),
        [promo("P", "percent", percent=10)],
        stay(nights=1),
        PriceOptions(discounts_active=False, manual_prices={date(2026, 6, 1): D("55.00")}),
    )
    assert nightly(result) == [D(55)]


def test_a_skipped_promotion_is_not_applied() -> None:
    result = price_stay(
        make_contract(),
        [promo("P", "percent", percent=10)],
        stay(nights=1),
        PriceOptions(skipped=frozenset({"P"})),
    )
    assert result.total_discount == 0 and trace_of(result, "P").reason == "skipped"


def test_a_manual_promotion_applies_only_when_chosen() -> None:
    p = promo("M", "percent", percent=10, auto_apply=False)
    offered = price_stay(make_contract(), [p], stay(nights=1))
    assert offered.total_discount == 0
    assert trace_of(offered, "M").reason == "not auto-applied"
    chosen = price_stay(make_contract(), [p], stay(nights=1), PriceOptions(manual=frozenset({"M"})))
    assert chosen.total_discount == D(10)


def test_every_promotion_not_applied_has_its_reason() -> None:
    contract = read_contract_file(PRICING / "tui-gasp-26.toml")
    promotions = read_promotion_file(PRICING / "promotions.toml")
    request = StayRequest(date(2026, 8, 29), 7, "STDLV", 2, agency="TUI GASP", market="DE")
    result = price_stay(contract, promotions, request)
    known = {
        "agency", "market", "room type", "min stay", "date basis", "exclusive",
        "lower at its level", "not auto-applied", "skipped", "discounts off", "contract",
        "exact match", "days before", "occupancy", "no price", "no amount",
    }  # fmt: skip
    assert len(result.trace) == len(promotions)
    for trace in result.trace:
        if not trace.applied:
            assert trace.reason in known and trace.amount == 0
    # Without a sale date, EBD-03 (booking basis) does not apply.
    assert trace_of(result, "EBD-03").reason == "date basis"


def test_explain_off_prices_the_same_without_a_trace() -> None:
    promotions = read_promotion_file(PRICING / "promotions.toml")
    contract = read_contract_file(PRICING / "tui-gasp-26.toml")
    request = StayRequest(
        date(2026, 8, 29), 7, "STDLV", 2, agency="TUI GASP", sale_date=date(2026, 2, 12)
    )
    quiet = price_stay(contract, promotions, request, PriceOptions(explain=False))
    loud = price_stay(contract, promotions, request)
    assert quiet.trace == [] and quiet.nights == loud.nights and quiet.total == loud.total


# ---------------------------------------------------------------------------- properties

POOL = [
    promo("P10", "percent", percent=10, priority=1),
    promo("G5", "percent", percent=5, basis="gross", priority=2),
    promo("SP", "stay_pay", stay=4, pay=3, free_nights="average", priority=2),
    promo("SPE", "stay_pay", stay=7, pay=6, free_nights="end", priority=3, wins_level=True),
    promo("F", "fixed", per_room="40.00", per_person="15.00", max_nights=3, priority=3),
    promo("LS", "long_stay", percent=7, min_nights=10, priority=4),
    promo("EB", "early_booking", percent=12, days_before=45, priority=1),
    promo("NS", "no_single_supplement", priority=5),
    promo("PD", "person_discount", percent=30, priority=5),
    promo("EX", "percent", percent=25, exclusive=True, markets=["PL"], priority=6),
    promo(
        "SN",
        "percent",
        percent=15,
        date_basis="booking",
        stay_basis="stayed_nights",
        stay_from="2026-06-10",
        stay_to="2026-06-20",
        priority=2,
        **{"from": "2026-01-01", "to": "2026-04-30"},
    ),
]
CONTRACT = make_contract(weekend_days=["fri", "sat"])

stays = st.builds(
    StayRequest,
    arrival=st.dates(date(2026, 5, 25), date(2026, 7, 3)),
    nights=st.integers(1, 14),
    room_type=st.just("STD"),
    adults=st.integers(1, 3),
    child_ages=st.lists(st.integers(0, 15), max_size=2).map(tuple),
    market=st.sampled_from(["DE", "PL"]),
    sale_date=st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2026, 6, 1))),
)
promo_sets = st.lists(st.sampled_from(POOL), unique_by=lambda p: p.code, max_size=len(POOL))


@settings(max_examples=200, deadline=None)
@given(request=stays, promotions=promo_sets)
def test_every_night_is_at_least_zero_and_totals_add_up(
    request: StayRequest, promotions: list[PromotionSpec]
) -> None:
    result = price_stay(CONTRACT, promotions, request)
    priced = [n for n in result.nights if n.price is not None]
    assert all(n.price is not None and n.price >= 0 for n in priced)
    assert all(n.discount >= 0 for n in result.nights)
    assert result.total == sum((n.price for n in priced if n.price is not None), D(0))
    assert result.total_discount == sum((n.discount for n in result.nights), D(0))
    assert result.total == result.total_contract - result.total_discount
    for night in result.nights:
        assert night.discount == sum((a.amount for a in night.promotions), D(0))
        if night.contract_price is None:
            assert night.price is None and night.note.startswith("no price")


@settings(max_examples=100, deadline=None)
@given(request=stays)
def test_without_promotions_the_total_is_the_contract_total(request: StayRequest) -> None:
    result = price_stay(CONTRACT, [], request)
    assert result.total == result.total_contract and result.total_discount == 0
    assert result.trace == []


@settings(max_examples=60, deadline=None)
@given(
    request=stays,
    promotions=promo_sets,
    order=st.randoms(use_true_random=False),
)
def test_input_order_of_rows_and_promotions_does_not_change_the_result(
    request: StayRequest, promotions: list[PromotionSpec], order: Any
) -> None:
    data = contract_data(weekend_days=["fri", "sat"])
    shuffled_rows = list(data["prices"])
    order.shuffle(shuffled_rows)
    shuffled_contract = ContractSpec.model_validate({**data, "prices": shuffled_rows})
    shuffled_promotions = list(promotions)
    order.shuffle(shuffled_promotions)
    assert price_stay(shuffled_contract, shuffled_promotions, request) == price_stay(
        CONTRACT, promotions, request
    )


def test_fixture_contract_files_exist() -> None:
    assert Path(PRICING / "tui-pol-26.toml").is_file()
