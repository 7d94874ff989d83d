"""Exchange rates: imported whole or not at all, exact on both engines, one way to convert."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from hotelops.cli.app import app
from hotelops.core.auditlog import entries
from hotelops.core.db import Database
from hotelops.core.errors import InputError
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.models import ExchangeRate
from hotelops.core.rates import MissingRate, convert, import_rates, missing_rates, rate_on

RATES = """currency,date,rate
GBP,2026-08-29,1.1771
GBP,2026-08-30,1.1776
USD,2026-08-29,0.9250
JPY,29.08.2026,0.0061234567
TRY,2026-08-29,0.0264719
"""


@pytest.fixture
def hotel(db: Database, demo_file: Path, tmp_path: Path) -> int:
    import_hotel(db, demo_file, user="t")
    (tmp_path / "rates.csv").write_text(RATES)
    import_rates(db, "KIV", tmp_path / "rates.csv", user="clerk")
    with db.read() as session:
        return get_hotel(session, "KIV").id or 0


def test_rates_are_stored_exactly_to_ten_places(db: Database, hotel: int) -> None:
    with db.read() as session:
        rows = {
            (r.currency, r.on_date): r.rate
            for r in session.exec(select(ExchangeRate).where(ExchangeRate.hotel_id == hotel))
        }
    assert rows[("JPY", date(2026, 8, 29))] == Decimal("0.0061234567")
    assert rows[("TRY", date(2026, 8, 29))] == Decimal("0.0264719")
    assert len(rows) == 5


def test_converting_uses_the_days_rates_and_rounds_half_up_to_the_target(
    db: Database, hotel: int
) -> None:
    with db.read() as session:
        day = date(2026, 8, 29)
        # 100 GBP × 1.1771 = 117.71 EUR
        assert convert(session, hotel, Decimal("100"), "GBP", "EUR", day) == Decimal("117.71")
        # 100 EUR ÷ 1.1771 = 84.9545… → 84.95 GBP
        assert convert(session, hotel, Decimal("100"), "EUR", "GBP", day) == Decimal("84.95")
        # 250 GBP × 1.1771 ÷ 0.9250 = 318.1351… → 318.14 USD (through the hotel's currency)
        assert convert(session, hotel, Decimal("250"), "GBP", "USD", day) == Decimal("318.14")
        # 1,000 EUR ÷ 0.0061234567 = 163,306.45… → 163,306 JPY (no minor unit)
        assert convert(session, hotel, Decimal("1000"), "EUR", "JPY", day) == Decimal("163306")
        assert convert(session, hotel, Decimal("12.34"), "EUR", "EUR", day) == Decimal("12.34")
        # The next day has its own GBP rate: 100 × 1.1776.
        assert convert(session, hotel, Decimal("100"), "GBP", "EUR", date(2026, 8, 30)) == Decimal(
            "117.76"
        )


def test_a_day_without_a_rate_is_missing_unless_looking_back_is_allowed(
    db: Database, hotel: int
) -> None:
    with db.read() as session:
        with pytest.raises(MissingRate) as missing:
            rate_on(session, hotel, "USD", date(2026, 8, 31))
        assert "no exchange rate for USD on 2026-08-31" in str(missing.value)
        assert missing.value.exit_code == 2
        # A quote on Monday may take Saturday's rate: the rate and the day it is from.
        assert rate_on(session, hotel, "USD", date(2026, 8, 31), look_back_days=2) == (
            Decimal("0.9250"),
            date(2026, 8, 29),
        )
        with pytest.raises(MissingRate):
            rate_on(session, hotel, "USD", date(2026, 9, 5), look_back_days=2)
        assert missing_rates(
            session, hotel, ["GBP", "USD", "EUR"], [date(2026, 8, 29), date(2026, 8, 30)]
        ) == [("USD", date(2026, 8, 30))]


def test_importing_again_changes_only_what_changed_and_logs_it(
    db: Database, hotel: int, tmp_path: Path
) -> None:
    again = import_rates(db, "KIV", tmp_path / "rates.csv", user="clerk")
    assert (again.added, again.changed, again.unchanged) == (0, [], 5)
    fixed = tmp_path / "fixed.csv"
    fixed.write_text("currency,date,rate\nGBP,2026-08-30,1.1780\nGBP,2026-08-31,1.1790\n")
    result = import_rates(db, "KIV", fixed, user="revenue")
    assert result.added == 1 and result.unchanged == 0
    assert result.changed == [("GBP", date(2026, 8, 30), Decimal("1.1776"), Decimal("1.1780"))]
    with db.read() as session:
        logged = [e for e in entries(session, hotel, entity="exchange_rate") if e.user == "revenue"]
    assert len(logged) == 1
    assert logged[0].before == {"GBP 2026-08-30": "1.1776"}
    assert logged[0].after == {"GBP 2026-08-30": "1.1780"}


def test_a_bad_rate_file_lists_every_problem_and_stores_nothing(
    db: Database, hotel: int, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "currency,date,rate\n"
        "GBP,2026-09-01,1.18\n"
        "GB,2026-09-01,1.18\n"
        "USD,2026-13-01,0.92\n"
        "USD,2026-09-01,-0.92\n"
        "EUR,2026-09-01,1.01\n"
        "GBP,01.09.2026,1.19\n"
        "TRY,2026-09-01,abc\n"
    )
    with pytest.raises(InputError) as refused:
        import_rates(db, "KIV", bad, user="t")
    lines = str(refused.value).splitlines()
    assert lines[0] == f"{bad}: 6 problem(s), nothing was imported"
    assert [line.split(": ")[1] for line in lines[1:]] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
        "line 8",
    ]
    assert "'GB' is not a currency code" in lines[1]
    assert "'2026-13-01' is not a date" in lines[2]
    assert "-0.92 is not above zero" in lines[3]
    assert "the hotel's own currency EUR is always 1, not 1.01" in lines[4]
    assert "GBP on 2026-09-01 again (first on line 2)" in lines[5]
    assert "'abc' is not an amount" in lines[6]
    with db.read() as session:
        assert (
            session.exec(select(ExchangeRate).where(ExchangeRate.on_date == date(2026, 9, 1))).all()
            == []
        )


def test_a_file_with_the_wrong_columns_names_them(db: Database, hotel: int, tmp_path: Path) -> None:
    bad = tmp_path / "cols.csv"
    bad.write_text("currency,day,rate,bank\nGBP,2026-09-01,1.18,TCMB\n")
    with pytest.raises(InputError) as refused:
        import_rates(db, "KIV", bad, user="t")
    assert "line 1: unknown column(s) 'day', 'bank'; missing column(s) date" in str(refused.value)


def test_rate_commands(tmp_path: Path, demo_file: Path) -> None:
    runner = CliRunner()
    target = str(tmp_path / "h.db")
    assert runner.invoke(app, ["--db", target, "hotel", "import", str(demo_file)]).exit_code == 0
    (tmp_path / "r.csv").write_text(RATES)
    imported = runner.invoke(app, ["--db", target, "rate", "import", str(tmp_path / "r.csv")])
    assert imported.exit_code == 0, imported.output
    assert "r.csv: 5 added, 0 changed, 0 unchanged; GBP, JPY, TRY, USD" in imported.output
    listed = runner.invoke(app, ["--db", target, "rate", "list", "--currency", "gbp", "--json"])
    assert json.loads(listed.stdout) == {
        "hotel_currency": "EUR",
        "rates": [
            {"currency": "GBP", "date": "2026-08-29", "rate": "1.1771"},
            {"currency": "GBP", "date": "2026-08-30", "rate": "1.1776"},
        ],
    }
    (tmp_path / "bad.csv").write_text("currency,date,rate\nGBP,2026-02-30,1\n")
    bad = runner.invoke(app, ["--db", target, "rate", "import", str(tmp_path / "bad.csv")])
    assert bad.exit_code == 2
    assert "line 2: date: '2026-02-30' is not a date" in bad.output
