"""Codes the operator never sent: the "" mapping is the operator's default for a kind."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from hotelops.core.approval import check, decide
from hotelops.core.auditlog import entries
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database
from hotelops.core.demo import DemoFolderSource, build_demo, demo_config, demo_folders
from hotelops.core.errors import InputError
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, inbox_detail, list_inbox
from hotelops.core.mapping import (
    MappingTable,
    export_csv,
    import_csv,
    missing,
    set_default_agency,
    set_mapping,
    suggest,
)
from hotelops.core.models import (
    Agency,
    Board,
    HotelReservation,
    InboxReservation,
    InboxStatus,
    Operator,
)
from hotelops.core.scan.runner import ScanRequest, run_scan

NOW = datetime(2026, 5, 15, 9, 0, tzinfo=UTC)
CONFIG = LoadedConfig(Settings(), None)


@pytest.fixture
def inbox_db(db: Database, demo_file: Path, tmp_path: Path) -> Database:
    """The demo hotel with every demo operator message scanned (as the demo does)."""
    imported = import_hotel(db, demo_file, user="tester")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "docs"))), None)
    run_scan(
        db,
        config,
        ScanRequest(hotel_code=imported.hotel_code),
        sources=[DemoFolderSource(demo_folders(), NOW)],
        now=lambda: NOW,
    )
    return db


def _hid(db: Database) -> int:
    with db.read() as s:
        return get_hotel(s, "KIV").id or 0


def _row(db: Database, voucher: str) -> InboxReservation:
    with db.read() as s:
        return s.exec(select(InboxReservation).where(InboxReservation.voucher == voucher)).one()


def _odeo(db: Database) -> InboxReservation:
    row = _row(db, "ODN77120")
    assert (row.operator_agency, row.operator_board, row.operator_room_type) == ("", "", "SUI")
    return row


@pytest.fixture
def odeo_db(inbox_db: Database) -> Database:
    """The demo inbox with the one code ODEO did send (room type SUI) mapped: only its
    never-sent agency and board still block ODN77120."""
    set_mapping(inbox_db, "KIV", "ODEO", "room_type", "SUI", "SUI", user="clerk")
    return inbox_db


def _flagged(db: Database) -> dict[str, tuple[str, ...]]:
    """The grid's rows under the missing-mappings filter: voucher → the M-marked kinds."""
    with db.read() as s:
        rows = list_inbox(s, _hid(db), InboxFilter(missing_mappings=True), limit=1000).rows
    return {r.voucher: r.missing for r in rows}


def test_resolve_uses_the_empty_code_mapping_only_when_it_exists(odeo_db: Database) -> None:
    inbox_db = odeo_db
    row = _odeo(inbox_db)
    with inbox_db.read() as s:
        before = MappingTable.load(s, _hid(inbox_db)).resolve(row.operator_id, row)
    assert before.missing == {"agency": "", "board": ""}
    assert before.messages["board"] == (
        "ODEO sent no board (map what ODEO sends as no board: m on the detail screen, "
        "or hotelops map set ODEO board '' HOTEL_CODE)"
    )
    assert "hotelops map default-agency ODEO AGENCY" in before.messages["agency"]

    result = set_mapping(inbox_db, "KIV", "ODEO", "board", "", "uai", user="clerk")
    assert (result.mapping.operator_code, result.mapping.hotel_code) == ("", "UAI")
    assert result.applied.touched == 1 and result.applied.unblocked == 0  # agency still missing
    set_mapping(inbox_db, "KIV", "ODEO", "agency", "", "TUI GASP", user="clerk")
    with inbox_db.read() as s:
        after = MappingTable.load(s, _hid(inbox_db)).resolve(row.operator_id, row)
    assert after.missing == {}
    assert (after.agency, after.board, after.room_type, after.market) == (
        "TUI GASP",
        "UAI",
        "SUI",
        "DE",
    )


def test_an_empty_code_mapping_applies_to_pending_rows_and_is_audited(odeo_db: Database) -> None:
    inbox_db = odeo_db
    hid = _hid(inbox_db)
    with inbox_db.read() as s:
        gaps = {(g.operator, g.kind, g.operator_value): g for g in missing(s, hid)}
    odeo_board = gaps[("ODEO", "board", "")]
    assert odeo_board.blocked == 1 and odeo_board.example_id == _odeo(inbox_db).id
    assert "hotelops map set ODEO board ''" in odeo_board.message
    with inbox_db.read() as s:
        assert ("ODEO", "board", "") not in {
            (x.operator, x.kind, x.operator_value) for x in suggest(s, hid)
        }

    set_mapping(inbox_db, "KIV", "ODEO", "board", "", "UAI", user="clerk")
    result = set_mapping(inbox_db, "KIV", "ODEO", "agency", "", "TUI GASP", user="clerk")
    assert result.applied.touched == 1 and result.applied.unblocked == 1
    row = _odeo(inbox_db)
    # The agency card's defaults are filled in as for a sent agency.
    assert row.price_code == "TUI-GASP-26"
    with inbox_db.read() as s:
        left = {(g.operator, g.kind) for g in missing(s, hid)}
        log = entries(s, hid, entity="mapping")
        detail = inbox_detail(s, hid, row.id or 0)
    assert ("ODEO", "board") not in left and ("ODEO", "agency") not in left
    assert detail.missing_mappings == {}
    created = [e for e in log if e.action == "mapping.create"]
    assert [(e.user, (e.after or {}).get("operator_code")) for e in created][:2] == [
        ("clerk", ""),
        ("clerk", ""),
    ]
    # The empty code survives a CSV round trip.
    with inbox_db.read() as s:
        text = export_csv(s, hid)
    assert "ODEO,board,,UAI," in text
    again = import_csv(inbox_db, "KIV", text, user="clerk")
    assert again.created == 0 and again.updated == 0


def test_the_grid_m_mark_and_filter_treat_a_never_sent_board_as_missing(
    odeo_db: Database,
) -> None:
    inbox_db = odeo_db
    flagged = _flagged(inbox_db)
    assert flagged["ODN77120"] == ("agency", "board")
    # JET2's operator card names a default agency: its empty agency is not marked.
    assert "agency" not in flagged["J2H8852390"]
    with inbox_db.read() as s:
        page = list_inbox(s, _hid(inbox_db), InboxFilter(search="ODN77120"), limit=10).rows
    assert page[0].missing == ("agency", "board")

    set_mapping(inbox_db, "KIV", "ODEO", "board", "", "UAI", user="clerk")
    assert _flagged(inbox_db)["ODN77120"] == ("agency",)
    set_default_agency(inbox_db, "KIV", "ODEO", "tui gasp", user="clerk")
    assert "ODN77120" not in _flagged(inbox_db)
    with inbox_db.read() as s:
        page = list_inbox(s, _hid(inbox_db), InboxFilter(search="ODN77120"), limit=10).rows
    assert page[0].missing == ()


def test_default_agency_is_audited_and_refuses_an_unknown_agency(odeo_db: Database) -> None:
    inbox_db = odeo_db
    hid = _hid(inbox_db)
    with pytest.raises(InputError, match=r"no agency 'TUI GSAP'.*close matches: TUI GASP"):
        set_default_agency(inbox_db, "KIV", "ODEO", "TUI GSAP", user="clerk")
    result = set_default_agency(inbox_db, "KIV", "ODEO", "TUI GASP", user="clerk")
    assert (result.operator, result.agency, result.previous) == ("ODEO", "TUI GASP", "")
    assert result.applied.touched == 1
    with inbox_db.read() as s:
        operator = s.exec(select(Operator).where(Operator.code == "ODEO")).one()
        log = [e for e in entries(s, hid, entity="operator") if e.entity_id == operator.id]
    assert operator.default_agency_id is not None
    assert [(e.action, e.before, e.after) for e in log] == [
        ("operator.default_agency", {"default_agency": ""}, {"default_agency": "TUI GASP"})
    ]
    row = _odeo(inbox_db)
    with inbox_db.read() as s:
        resolved = MappingTable.load(s, hid).resolve(row.operator_id, row)
    assert resolved.agency == "TUI GASP" and resolved.missing == {"board": ""}


def test_odeo_can_be_saved_once_its_never_sent_codes_are_mapped(odeo_db: Database) -> None:
    inbox_db = odeo_db
    row = _odeo(inbox_db)
    with inbox_db.read() as s:
        problems = check(s, get_hotel(s, "KIV"), CONFIG, row.id or 0, "save").problems
    assert any("ODEO sent no board" in p for p in problems)
    set_mapping(inbox_db, "KIV", "ODEO", "board", "", "UAI", user="clerk")
    set_default_agency(inbox_db, "KIV", "ODEO", "TUI GASP", user="clerk")
    with inbox_db.read() as s:
        result = check(s, get_hotel(s, "KIV"), CONFIG, row.id or 0, "save")
    assert result.resolved is not None and result.resolved.complete
    assert not [p for p in result.problems if "sent no" in p or "not mapped" in p]
    assert _row(inbox_db, "ODN77120").status == InboxStatus.PENDING


def test_on_the_demo_odeo_is_saved_after_mapping_what_it_never_sent(tmp_path: Path) -> None:
    path = build_demo(tmp_path / "demo.db", now=NOW).path
    demo = open_database(str(path))
    try:
        set_mapping(demo, "KIV", "ODEO", "room_type", "SUI", "SUI", user="clerk")
        set_mapping(demo, "KIV", "ODEO", "board", "", "UAI", user="clerk")
        set_default_agency(demo, "KIV", "ODEO", "TUI GASP", user="clerk")
        row = _odeo(demo)
        with demo.read() as s:
            hotel = get_hotel(s, "KIV")
        outcome = decide(
            demo, hotel, demo_config(path), row.id or 0, confirm=False, save=True, user="clerk"
        )
        assert outcome.effect == "created"
        with demo.read() as s:
            booking = s.get(HotelReservation, outcome.hotel_reservation_id)
            assert booking is not None
            board = s.get(Board, booking.board_id)
            agency = s.get(Agency, booking.agency_id)
        assert (booking.voucher, board and board.code, agency and agency.code) == (
            "ODN77120",
            "UAI",
            "TUI GASP",
        )
    finally:
        demo.dispose()
