"""The detail screen's tools in the core: forecast, operator history, hotel reservation card.

Run on SQLite and PostgreSQL (the ``db`` fixture), on the demo hotel with the OTA fixtures.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from hotelops.core.approval import decide
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import demo_folders, fixtures_dir
from hotelops.core.errors import NotFound
from hotelops.core.history import hotel_reservation_card, operator_history, stay_forecast
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.models import InboxReservation, InboxVersion
from hotelops.core.pricing.contracts import import_contract
from hotelops.core.pricing.promotions import import_promotions
from hotelops.core.scan.runner import ScanRequest, run_scan

FIX = fixtures_dir()
WORKED = "79194577"


@pytest.fixture
def scanned(db: Database, demo_file: Path, tmp_path: Path) -> tuple[int, LoadedConfig]:
    imported = import_hotel(db, demo_file, user="t")
    import_contract(db, "KIV", FIX / "pricing" / "tui-gasp-26.toml", user="t")
    import_promotions(db, "KIV", FIX / "pricing" / "promotions.toml", user="t")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "d"))), None)
    run_scan(db, config, ScanRequest(folders=demo_folders()))
    return imported.hotel_id, config


def _row(db: Database, voucher: str) -> InboxReservation:
    with db.read() as s:
        return s.exec(select(InboxReservation).where(InboxReservation.voucher == voucher)).one()


def test_card_appears_once_saved_with_the_nightly_prices(
    db: Database, scanned: tuple[int, LoadedConfig]
) -> None:
    hotel_id, config = scanned
    row = _row(db, WORKED)
    assert row.id is not None
    with db.read() as s:
        assert hotel_reservation_card(s, hotel_id, row.id) is None
        before = stay_forecast(s, hotel_id, row.id)
        hotel = get_hotel(s)
    outcome = decide(db, hotel, config, row.id, confirm=True, save=True, user="t")
    with db.read() as s:
        card = hotel_reservation_card(s, hotel_id, row.id)
        after = stay_forecast(s, hotel_id, row.id)
    assert card is not None and card.id == outcome.hotel_reservation_id
    assert card.voucher == WORKED and card.status == "reserved"
    assert (card.arrival, card.departure) == (row.check_in, row.check_out)
    assert len(card.nights) == row.nights == 7
    # The worked example of the seed: 330×3 + 280×4 less 10%.
    assert card.total_contract == Decimal("2110.00")
    assert card.total_discount == Decimal("211.00")
    assert card.total == Decimal("1899.00")
    with db.read() as s:
        from hotelops.core.models import InboxGuest

        sent = s.exec(select(InboxGuest).where(InboxGuest.inbox_reservation_id == row.id)).all()
    assert [(g.first_name, g.last_name) for g in card.guests] == [
        (g.first_name, g.last_name) for g in sorted(sent, key=lambda g: g.seq)
    ]
    assert len(card.guests) == 2
    # The forecast counts the saved booking: one more room sold on each night.
    assert before.room_type == after.room_type != ""
    assert [n.night for n in after.nights] == [n.night for n in before.nights]
    assert [a.sold - b.sold for a, b in zip(after.nights, before.nights, strict=True)] == [1] * 7


def test_history_lists_every_version_of_a_modified_voucher(
    db: Database, scanned: tuple[int, LoadedConfig]
) -> None:
    hotel_id, _ = scanned
    with db.read() as s:
        modified = s.exec(
            select(InboxReservation)
            .where(InboxReservation.version > 1)
            .order_by(InboxReservation.id)  # type: ignore[arg-type]
        ).first()
        assert modified is not None and modified.id is not None
        history = operator_history(s, hotel_id, modified.id)
        stored_versions = s.exec(
            select(func.count())
            .select_from(InboxVersion)
            .join(InboxReservation, InboxReservation.id == InboxVersion.inbox_reservation_id)
            .where(
                InboxReservation.voucher == modified.voucher,
                InboxReservation.operator_id == modified.operator_id,
            )
        ).one()
        sent = s.exec(
            select(func.count()).where(InboxReservation.operator_id == modified.operator_id)
        ).one()
    assert history.voucher == modified.voucher
    assert len(history.versions) == stored_versions >= 2
    assert [v.version_no for v in history.versions if v.inbox_id == modified.id] == list(
        range(1, modified.version + 1)
    )
    assert any(v.changes for v in history.versions[1:]), "a later version says what changed"
    assert history.total == sent == len(history.reservations)  # the fixtures send fewer than 50
    assert modified.id in {r.id for r in history.reservations}
    received = [r.received_at for r in history.reservations]
    assert received == sorted(received, reverse=True)


def test_history_of_another_hotels_reservation_is_not_found(
    db: Database, scanned: tuple[int, LoadedConfig]
) -> None:
    hotel_id, _ = scanned
    row = _row(db, WORKED)
    assert row.id is not None
    with db.read() as s, pytest.raises(NotFound):
        operator_history(s, hotel_id + 1, row.id)
