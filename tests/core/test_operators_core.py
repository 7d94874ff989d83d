"""The operators overview in the core (hotelops.core.operators), on SQLite and PostgreSQL.

The demo hotel file and the demo scan folders give operators with and without unmapped codes,
mail operators with sender rules, and suggestions on both sides of the 0.75 threshold.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import demo_folders
from hotelops.core.errors import InputError
from hotelops.core.hotelfile import import_hotel
from hotelops.core.mapping import list_mappings, missing
from hotelops.core.models import AuditEntry
from hotelops.core.operators import (
    accept_best,
    missing_with_suggestions,
    operator_summaries,
    sender_rules,
)
from hotelops.core.scan.runner import ScanRequest, run_scan


@pytest.fixture
def hotel_id(db: Database, demo_file: Path, tmp_path: Path) -> int:
    imported = import_hotel(db, demo_file, user="t")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "d"))), None)
    run_scan(db, config, ScanRequest(folders=demo_folders()))
    return imported.hotel_id


def test_summaries_count_pending_unmapped_mappings_and_senders(db: Database, hotel_id: int) -> None:
    with db.read() as session:
        summaries = {s.code: s for s in operator_summaries(session, hotel_id)}
        gaps = Counter(gap.operator for gap in missing(session, hotel_id))
        mapped = Counter(row.operator for row in list_mappings(session, hotel_id))
    assert list(summaries) == sorted(summaries)
    assert {"TUI", "MTS", "HBD", "JET2", "DROP"} <= set(summaries)
    for code, summary in summaries.items():
        assert summary.missing == gaps.get(code, 0), code
        assert summary.mappings == mapped.get(code, 0), code
    mts = summaries["MTS"]
    assert (mts.kind, mts.active, mts.sender_rules) == ("mail", True, 2)
    assert summaries["DROP"].kind == "folder"
    assert summaries["HBD"].pending == 3 and summaries["HBD"].missing == 6
    assert summaries["TUIUK"].default_agency != ""


def test_sender_rules_per_operator(db: Database, hotel_id: int) -> None:
    with db.read() as session:
        everyone = sender_rules(session, hotel_id)
        mts = sender_rules(session, hotel_id, "mts")
    assert [(r.pattern, r.operator) for r in mts] == [
        ("@mtsglobe.com", "MTS"),
        ("booking.ayt@mtsglobe.com", "MTS"),
    ]
    assert ("reconfirmations@hotelbeds.com", "HBD") in {(r.pattern, r.operator) for r in everyone}


def test_missing_with_suggestions_follows_missing(db: Database, hotel_id: int) -> None:
    with db.read() as session:
        rows = missing_with_suggestions(session, hotel_id, "HBD")
        gaps = missing(session, hotel_id, "HBD")
    assert [(r.kind, r.operator_value, r.blocked) for r in rows] == [
        (g.kind, g.operator_value, g.blocked) for g in gaps
    ]
    by_value = {r.operator_value: r for r in rows}
    sure = by_value["FAMILY ROOM TWO BEDROOMS"]
    assert sure.best is not None and sure.best.hotel_code == "FAM" and sure.acceptable
    unsure = by_value["DOUBLE SUPERIOR SEA VIEW"]
    assert unsure.best is not None and unsure.best.score == 0.72 and not unsure.acceptable
    assert by_value["REF"].best is None and not by_value["REF"].acceptable


def test_accept_best_maps_a_sure_suggestion_with_its_occupancy(db: Database, hotel_id: int) -> None:
    best, result = accept_best(
        db, "KIV", "HBD", "room_type", "DOUBLE STANDARD LAND VIEW", user="clerk"
    )
    assert (best.hotel_code, best.score) == ("STDLV", 0.9)
    assert (result.mapping.hotel_code, result.mapping.occupancy) == ("STDLV", "DBL")
    with db.read() as session:
        rows = list_mappings(session, hotel_id, "HBD", "room_type")
        left = {g.operator_value for g in missing(session, hotel_id, "HBD")}
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "mapping.create")).all()
    assert ("DOUBLE STANDARD LAND VIEW", "STDLV", "DBL") in {
        (r.operator_code, r.hotel_code, r.occupancy) for r in rows
    }
    assert "DOUBLE STANDARD LAND VIEW" not in left
    assert [a.user for a in audit if a.entity_id == result.mapping.id] == ["clerk"]


def test_accept_best_refuses_a_low_score_and_writes_nothing(db: Database, hotel_id: int) -> None:
    with db.read() as session:
        before = len(list_mappings(session, hotel_id))
    with pytest.raises(InputError, match=r"STDSV scores 0\.72, not over 0\.75"):
        accept_best(db, "KIV", "HBD", "room_type", "DOUBLE SUPERIOR SEA VIEW", user="clerk")
    with pytest.raises(InputError, match="no suggestion to accept"):
        accept_best(db, "KIV", "HBD", "rate_type", "REF", user="clerk")
    with pytest.raises(InputError, match="sent no code, so there is no suggestion; pick what it"):
        accept_best(db, "KIV", "MELI", "agency", "", user="clerk")
    with pytest.raises(InputError, match="no operator 'NOPE'"):
        accept_best(db, "KIV", "NOPE", "board", "AI", user="clerk")
    with db.read() as session:
        assert len(list_mappings(session, hotel_id)) == before
