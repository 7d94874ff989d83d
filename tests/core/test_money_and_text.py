"""Money parsing and rounding, and the Turkish-aware name folding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hotelops.core.money import format_money, round_money, round_whole, to_decimal
from hotelops.core.text import fold


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("330.00", Decimal("330.00")),
        ("330,00", Decimal("330.00")),
        ("2.110,00", Decimal("2110.00")),
        ("2,110.00", Decimal("2110.00")),
        ("1,234", Decimal("1234")),
        (" 1 899.50 ", Decimal("1899.50")),
        (42, Decimal(42)),
    ],
)
def test_amounts_are_read_exactly(text: object, expected: Decimal) -> None:
    assert to_decimal(text) == expected


@pytest.mark.parametrize("bad", [0.1, "12abc", "", True, None, "NaN"])
def test_bad_amounts_are_refused_with_the_field_named(bad: object) -> None:
    with pytest.raises(ValueError, match="rate"):
        to_decimal(bad, what="rate")


def test_rounding_is_half_up_to_the_currency_minor_unit() -> None:
    assert round_money(Decimal("2.345"), "EUR") == Decimal("2.35")
    assert round_money(Decimal("2.344"), "EUR") == Decimal("2.34")
    assert round_money(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert round_money(Decimal("1.2345"), "KWD") == Decimal("1.235")
    assert round_whole(Decimal("296.50")) == Decimal("297")
    assert round_whole(Decimal("296.49")) == Decimal("296")


def test_money_is_displayed_with_grouping() -> None:
    assert format_money(Decimal("2110"), "EUR") == "2,110.00 EUR"
    assert format_money(Decimal("1899")) == "1,899.00"


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("İPEK IRMAK", "ipek irmak"),
        ("ıpek ırmak", "ipek irmak"),
        ("Şükrü  Çağlar", "sukru caglar"),
        ("ALP OĞUZLER", "alp oguzler"),
        ("Martin Keager Jørgensen", "martin keager jorgensen"),
        ("Łukasz Wójcik", "lukasz wojcik"),
        ("Görgy Mészöly", "gorgy meszoly"),
        ("Straße", "strasse"),
        ("MASTOORÉH", "mastooreh"),
    ],
)
def test_fold_makes_every_spelling_of_a_name_one_key(name: str, folded: str) -> None:
    assert fold(name) == folded
