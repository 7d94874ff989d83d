"""Pricing inbox reservations: the worked example, the office's settings, the operator check."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import select

from hotelops.core import auditlog
from hotelops.core.config import LoadedConfig, PriceSettings, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.models import Hotel, InboxReservation
from hotelops.core.pricing.contracts import import_contract
from hotelops.core.pricing.promotions import import_promotions
from hotelops.core.pricing.service import (
    DIFFERS,
    PRICED,
    UNPRICED,
    QuoteRequest,
    price_inbox,
    price_pending,
    quote,
    set_price_options,
)
from hotelops.core.scan.runner import ScanRequest, run_scan

FIX = fixtures_dir()
TOLERANCE = PriceSettings()


@pytest.fixture
def priced_db(db: Database, demo_file: Path, tmp_path: Path) -> Database:
    import_hotel(db, demo_file, user="tester")
    for name in ("tui-gasp-26.toml", "tui-pol-26.toml"):
        import_contract(db, "KIV", FIX / "pricing" / name, user="tester")
    import_promotions(db, "KIV", FIX / "pricing" / "promotions.toml", user="tester")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "d"))), None)
    run_scan(db, config, ScanRequest(folders=[FIX / "ota", FIX / "mail"]))
    return db


def inbox_id(db: Database, voucher: str) -> int:
    with db.read() as s:
        row = s.exec(select(InboxReservation).where(InboxReservation.voucher == voucher)).first()
        assert row is not None and row.id is not None
        return row.id


def hotel(db: Database) -> Hotel:
    with db.read() as s:
        return get_hotel(s, "KIV")


def test_the_worked_example_to_the_cent(priced_db: Database) -> None:
    with priced_db.read() as s:
        item = price_inbox(s, hotel(priced_db), inbox_id(priced_db, "79194577"), TOLERANCE)
    assert item.status == PRICED and item.contract_code == "TUI-GASP-26"
    result = item.result
    assert result is not None
    assert [n.contract_price for n in result.nights] == [
        Decimal(x) for x in ["330", "330", "330", "280", "280", "280", "280"]
    ]
    assert [n.discount for n in result.nights] == [
        Decimal(x) for x in ["33", "33", "33", "28", "28", "28", "28"]
    ]
    assert (result.total_contract, result.total_discount, result.total, result.currency) == (
        Decimal("2110.00"),
        Decimal("211.00"),
        Decimal("1899.00"),
        "EUR",
    )
    assert all(p.code == "EBD-03" for n in result.nights for p in n.promotions)
    not_applied = {t.code: t.reason for t in result.trace if not t.applied}
    assert not_applied and all(not_applied.values())  # every rejection says why


def test_the_office_settings_are_stored_and_used(priced_db: Database) -> None:
    rid = inbox_id(priced_db, "79194577")
    h = hotel(priced_db)
    set_price_options(priced_db, h, rid, user="emre.cakir", discounts_active=False)
    with priced_db.read() as s:
        assert price_inbox(s, h, rid, TOLERANCE).result.total == Decimal("2110.00")  # type: ignore[union-attr]
    set_price_options(priced_db, h, rid, user="emre.cakir", discounts_active=True, skip=["EBD-03"])
    with priced_db.read() as s:
        item = price_inbox(s, h, rid, TOLERANCE)
    assert item.result is not None and item.result.total == Decimal("2110.00")
    assert {t.code: t.reason for t in item.result.trace}["EBD-03"] == "skipped"
    set_price_options(
        priced_db,
        h,
        rid,
        user="emre.cakir",
        unskip=["EBD-03"],
        manual_active=True,
        manual_prices={date(2026, 8, 29): Decimal("300.00")},
    )
    with priced_db.read() as s:
        item = price_inbox(s, h, rid, TOLERANCE)
        log = auditlog.entries(s, h.id or 0, entity="inbox_reservation", entity_id=rid)
    assert item.result is not None
    assert item.result.nights[0].contract_price == Decimal("300.00")
    assert item.result.total == Decimal("1899.00") - Decimal("27.00")
    assert [e.action for e in log] == ["price.options"] * 3
    assert log[0].user == "emre.cakir"
    with pytest.raises(Exception, match="is not a night"):
        set_price_options(
            priced_db, h, rid, user="x", manual_prices={date(2026, 9, 5): Decimal("1")}
        )


def test_an_operator_price_beyond_the_tolerance_is_a_warning(priced_db: Database) -> None:
    rid = inbox_id(priced_db, "79194577")
    h = hotel(priced_db)
    for sent, expected in (("1899.50", PRICED), ("1950.00", DIFFERS), ("0", PRICED)):
        with priced_db.write() as s:
            row = s.get(InboxReservation, rid)
            assert row is not None
            row.operator_price = Decimal(sent)
        with priced_db.read() as s:
            item = price_inbox(s, h, rid, TOLERANCE)
        assert item.status == expected, sent
    assert "1,950.00 vs hotel 1,899.00" in item_reason(priced_db, rid, "1950.00")


def item_reason(db: Database, rid: int, sent: str) -> str:
    with db.write() as s:
        row = s.get(InboxReservation, rid)
        assert row is not None
        row.operator_price = Decimal(sent)
    with db.read() as s:
        return price_inbox(s, hotel(db), rid, TOLERANCE).reason


def test_every_pending_reservation_is_priced_or_says_why(priced_db: Database) -> None:
    with priced_db.read() as s:
        summary = price_pending(s, hotel(priced_db), TOLERANCE)
    assert summary.count(PRICED) >= 1
    for item in summary.items:
        if item.status == UNPRICED:
            assert item.category in {
                "unmapped code",
                "no price code",
                "no contract",
                "no contract for the dates",
                "no price row for the guests",
            }
            assert item.reason
    reasons = summary.reasons()
    assert reasons["unmapped code"] > 0 and reasons["no contract"] > 0


def test_a_quote_prices_a_stay_not_in_the_inbox(priced_db: Database) -> None:
    with priced_db.read() as s:
        h = hotel(priced_db)
        result = quote(
            s,
            h,
            QuoteRequest(
                contract="TUI-GASP-26",
                room_type="STDLV",
                arrival=date(2026, 8, 29),
                nights=7,
                adults=2,
                agency="TUI GASP",
                market="DE",
                sale_date=date(2026, 2, 12),
            ),
        )
        assert result.total == Decimal("1899.00")
        outside = quote(
            s,
            h,
            QuoteRequest(
                contract="TUI-GASP-26",
                room_type="STDLV",
                arrival=date(2026, 10, 29),
                nights=5,
                adults=2,
            ),
        )
    assert not outside.priced
    assert [n.price is None for n in outside.nights] == [False, False, False, True, True]
