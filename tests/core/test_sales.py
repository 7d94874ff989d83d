"""Editing an inbox reservation's sales details (``set_sales``) on both engines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from hotelops.core.approval import reject
from hotelops.core.auditlog import entries
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.errors import InputError, NotFound
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.models import Contract, InboxReservation
from hotelops.core.pricing.contracts import import_contract
from hotelops.core.sales import (
    approver_choices,
    option_date_text,
    parse_option_date,
    sales_options,
    set_sales,
)
from hotelops.core.scan.runner import ScanRequest, run_scan

VOUCHER = "79194577"  # the worked TUI example: check-in 2026-08-29 (fixtures/ota)


@dataclass
class Office:
    db: Database
    hotel_id: int
    inbox_id: int


@pytest.fixture
def office(db: Database, demo_file: Path, tmp_path: Path) -> Office:
    imported = import_hotel(db, demo_file, user="test")
    for contract in sorted((fixtures_dir() / "pricing").glob("tui-*.toml")):
        import_contract(db, imported.hotel_code, contract, user="test")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "docs"))), None)
    run_scan(
        db, config, ScanRequest(hotel_code=imported.hotel_code, folders=[fixtures_dir() / "ota"])
    )
    with db.read() as session:
        page = list_inbox(session, imported.hotel_id, InboxFilter(search=VOUCHER))
    return Office(db, imported.hotel_id, page.rows[0].id)


def row(office: Office) -> InboxReservation:
    with office.db.read() as session:
        found = session.get(InboxReservation, office.inbox_id)
        assert found is not None
        return found


def sales_log(office: Office) -> list[dict[str, object]]:
    with office.db.read() as session:
        return [
            {"user": e.user, "before": e.before, "after": e.after}
            for e in entries(session, office.hotel_id, entity="inbox_reservation")
            if e.action == "inbox.sales" and e.entity_id == office.inbox_id
        ]


def test_set_sales_changes_stores_and_audits(office: Office) -> None:
    result = set_sales(
        office.db,
        None,
        office.inbox_id,
        user="selin",
        price_code="tui-pol-26",  # case-blind, stored as the hotel spells it
        source_code="phone",
        segment_code="OTA",
        option_date="01.07.2026 18:00",
        hotel_note="  late arrival  ",
    )
    assert result.changes == {
        "price_code": ("", "TUI-POL-26"),
        "source_code": ("", "PHONE"),
        "segment_code": ("", "OTA"),
        "option_date": (None, datetime(2026, 7, 1, 15, 0, tzinfo=UTC)),
        "hotel_note": ("", "late arrival"),
    }
    saved = row(office)
    assert (saved.price_code, saved.source_code, saved.segment_code, saved.hotel_note) == (
        "TUI-POL-26",
        "PHONE",
        "OTA",
        "late arrival",
    )
    # 18:00 in Europe/Istanbul (the hotel's zone) is 15:00 UTC, and shows as 18:00 again.
    assert saved.option_date == datetime(2026, 7, 1, 15, 0, tzinfo=UTC)
    assert option_date_text(saved.option_date, "Europe/Istanbul") == "2026-07-01 18:00"
    log = sales_log(office)
    assert len(log) == 1
    assert log[0]["user"] == "selin"
    assert log[0]["before"] == {
        "price_code": "",
        "source_code": "",
        "segment_code": "",
        "option_date": None,
        "hotel_note": "",
    }
    after = log[0]["after"]
    assert isinstance(after, dict)
    assert after["price_code"] == "TUI-POL-26"
    assert after["option_date"] == "2026-07-01T18:00:00+03:00"


def test_none_leaves_and_empty_clears(office: Office) -> None:
    set_sales(office.db, None, office.inbox_id, user="u", price_code="TUI-POL-26", hotel_note="x")
    again = set_sales(office.db, None, office.inbox_id, user="u", price_code="TUI-POL-26")
    assert not again.changed
    assert len(sales_log(office)) == 1  # nothing changed, nothing logged
    cleared = set_sales(office.db, None, office.inbox_id, user="u", price_code="")
    assert cleared.changes == {"price_code": ("TUI-POL-26", "")}
    assert (row(office).price_code, row(office).hotel_note) == ("", "x")


def test_a_date_alone_is_midnight_in_the_hotel_zone(office: Office) -> None:
    set_sales(office.db, None, office.inbox_id, user="u", option_date=date(2026, 6, 30))
    saved = row(office).option_date
    assert saved == datetime(2026, 6, 29, 21, 0, tzinfo=UTC)
    assert option_date_text(saved, "Europe/Istanbul") == "2026-06-30"
    set_sales(office.db, None, office.inbox_id, user="u", option_date="")
    assert row(office).option_date is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price_code", "NOPE-26", "price code: 'NOPE-26' is not one of the hotel's codes"),
        ("source_code", "FAX", "source: 'FAX' is not one of the hotel's codes (API, MAIL"),
        ("segment_code", "CORP", "segment: 'CORP' is not one of the hotel's codes (TO, OTA"),
        ("option_date", "2026-05-14", "before the hotel's business date 2026-05-15"),
        ("option_date", "2026-08-30", "after the check-in 2026-08-29"),
        ("option_date", "31/12/2026", "option date: '31/12/2026' is not a date"),
        ("hotel_note", "x" * 2001, "hotel note: 2001 characters, at most 2000"),
    ],
    ids=["price", "source", "segment", "past", "after-arrival", "bad-date", "long-note"],
)
def test_refusals_name_the_field_and_write_nothing(
    office: Office, field: str, value: str, message: str
) -> None:
    before = row(office)
    # A valid change alongside: nothing at all is written when one value is refused.
    other = {"hotel_note": "kept?"} if field != "hotel_note" else {"price_code": "TUI-POL-26"}
    with pytest.raises(InputError) as refused:
        set_sales(office.db, None, office.inbox_id, user="u", **other, **{field: value})
    assert message in str(refused.value)
    after = row(office)
    assert (after.price_code, after.hotel_note, after.option_date) == (
        before.price_code,
        before.hotel_note,
        before.option_date,
    )
    assert sales_log(office) == []


def test_the_refusal_lists_the_existing_contracts(office: Office) -> None:
    with pytest.raises(InputError) as refused:
        set_sales(office.db, None, office.inbox_id, user="u", price_code="X")
    assert "(TUI-GASP-26, TUI-POL-26)" in str(refused.value)
    assert "hotelops contract import FILE" in str(refused.value)


def test_an_inactive_contract_is_not_a_price_code(office: Office) -> None:
    with office.db.write() as session:
        contract = session.exec(select(Contract).where(Contract.code == "TUI-POL-26")).one()
        contract.active = False
        session.add(contract)
    with pytest.raises(InputError, match="'TUI-POL-26' is not one of the hotel's codes"):
        set_sales(office.db, None, office.inbox_id, user="u", price_code="TUI-POL-26")


def test_only_a_pending_reservation_is_edited(office: Office) -> None:
    with office.db.read() as session:
        hotel = get_hotel(session)
    reject(office.db, hotel, office.inbox_id, "no room", user="u")
    with pytest.raises(InputError) as refused:
        set_sales(office.db, None, office.inbox_id, user="u", hotel_note="too late")
    assert "is rejected: only a pending reservation's sales details can be edited" in str(
        refused.value
    )
    assert row(office).hotel_note == ""


def test_unknown_reservation(office: Office) -> None:
    with pytest.raises(NotFound, match="no inbox reservation #999999"):
        set_sales(office.db, None, 999_999, user="u", hotel_note="x")


def test_options_list_the_hotel_codes(office: Office) -> None:
    with office.db.read() as session:
        options = sales_options(session, office.hotel_id)
        approvers = approver_choices(session, office.hotel_id)
    assert [c.code for c in options.price_codes] == ["TUI-GASP-26", "TUI-POL-26"]
    assert [c.code for c in options.sources][:2] == ["API", "MAIL"]
    assert "OTA" in [c.code for c in options.segments]
    assert len(approvers) == 5 and all("@" in a.email for a in approvers)


def test_parse_option_date_forms() -> None:
    assert parse_option_date("2026-06-01") == datetime(2026, 6, 1)
    assert parse_option_date("01.06.2026 09:15") == datetime(2026, 6, 1, 9, 15)
    assert parse_option_date("2026-06-01T09:15") == datetime(2026, 6, 1, 9, 15)
    assert parse_option_date("  ") is None
