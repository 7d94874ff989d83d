"""Deciding on both engines: the books, and two processes racing for one reservation."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from hotelops.core.approval import Refused, decide
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.models import HotelReservation, InboxReservation, ReservationNight
from hotelops.core.pricing.contracts import import_contract
from hotelops.core.pricing.promotions import import_promotions
from hotelops.core.scan.runner import ScanRequest, run_scan

FIX = fixtures_dir()
WORKER = Path(__file__).resolve().parents[1] / "servers" / "decide_worker.py"


def _setup(db: Database, demo_file: Path, tmp_path: Path) -> InboxReservation:
    import_hotel(db, demo_file, user="t")
    import_contract(db, "KIV", FIX / "pricing" / "tui-gasp-26.toml", user="t")
    import_promotions(db, "KIV", FIX / "pricing" / "promotions.toml", user="t")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "d"))), None)
    run_scan(db, config, ScanRequest(folders=[FIX / "ota"]))
    with db.read() as s:
        return s.exec(select(InboxReservation).where(InboxReservation.voucher == "79194577")).one()


def test_saving_and_racing_on_each_engine(
    db: Database, db_url: str, demo_file: Path, tmp_path: Path
) -> None:
    row = _setup(db, demo_file, tmp_path)
    script = WORKER
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                db_url,
                str(row.id),
                user,
                str(row.version),
                str(row.decision_seq),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for user in ("front-office", "reservations")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert sorted(o[0].strip() for o in outputs) == ["changed", "saved"], outputs
    with db.read() as s:
        bookings = s.exec(
            select(HotelReservation).where(HotelReservation.voucher == "79194577")
        ).all()
        assert len(bookings) == 1
        total = s.exec(
            select(func.sum(ReservationNight.price)).where(
                ReservationNight.hotel_reservation_id == bookings[0].id
            )
        ).one()
        hotel = get_hotel(s, "KIV")
    assert total == Decimal("1899.00")
    # Deciding again what this version already got is refused: one booking, told once.
    done = f"already confirmed to the operator (version {row.version}); "
    with pytest.raises(
        Refused, match=re.escape(f"{done}already in the books as #{bookings[0].id}")
    ):
        decide(
            db,
            hotel,
            LoadedConfig(Settings(), None),
            row.id or 0,
            confirm=True,
            save=True,
            user="t",
        )
