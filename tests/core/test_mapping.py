"""Mappings: resolving, what is missing, setting (applied at once), suggestions, CSV."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select

from hotelops.core.auditlog import entries
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.errors import InputError, NotFound
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.mapping import (
    InboxKey,
    MappingTable,
    candidates_for,
    delete_mapping,
    export_csv,
    import_csv,
    list_mappings,
    missing,
    set_mapping,
    suggest,
)
from hotelops.core.models import InboxReservation, InboxStatus, Operator
from hotelops.core.scan.runner import ScanRequest, run_scan


@pytest.fixture
def hotel_db(db: Database, demo_file: Path) -> Database:
    import_hotel(db, demo_file, user="tester")
    return db


@pytest.fixture
def inbox_db(hotel_db: Database, tmp_path: Path) -> Database:
    """The demo hotel with every fixture mail scanned into its inbox (all pending)."""
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "docs"))), None)
    run_scan(hotel_db, config, ScanRequest(folders=[fixtures_dir() / "mail"]))
    return hotel_db


def _hid(db: Database) -> int:
    with db.read() as s:
        return get_hotel(s, "KIV").id or 0


def _operator_id(db: Database, code: str) -> int:
    with db.read() as s:
        return s.exec(select(Operator.id).where(Operator.code == code)).one() or 0


def _key(op: int, agency: str, room: str, board: str, market: str = "", rate: str = "") -> InboxKey:
    return InboxKey(op, agency, room, board, market, rate)


def _only(db: Database, voucher: str) -> InboxReservation:
    with db.read() as s:
        return s.exec(select(InboxReservation).where(InboxReservation.voucher == voucher)).one()


def test_resolve_fills_market_segment_source_and_price_code_from_the_agency_card(
    hotel_db: Database,
) -> None:
    with hotel_db.read() as s:
        table = MappingTable.load(s, _hid(hotel_db))
    tuip = _operator_id(hotel_db, "TUIP")
    r = table.resolve(tuip, _key(tuip, "TUI POL", "STDLV", "UAI", "", "KONTRAT"))
    assert r.complete and r.missing == {}
    assert (r.agency, r.room_type, r.board, r.rate_type) == ("TUI POL", "STDLV", "UAI", "KONTRAT")
    assert r.occupancy == "DBL"
    assert (r.market, r.segment, r.source, r.price_code) == ("PL", "TO", "API", "TUI-POL-26")
    # A market mapping wins over the agency card's default market.
    assert table.resolve(tuip, _key(tuip, "TUI POL", "STDLV", "UAI", "BATI AVRUPA")).market == "DE"


def test_an_empty_agency_takes_the_operator_default_but_an_empty_board_is_missing(
    hotel_db: Database,
) -> None:
    with hotel_db.read() as s:
        table = MappingTable.load(s, _hid(hotel_db))
    jet2, meli = _operator_id(hotel_db, "JET2"), _operator_id(hotel_db, "MELI")
    r = table.resolve(jet2, _key(jet2, "", "Double Room Land View", ""))
    assert r.agency == "JET2" and r.market == "UK" and r.price_code == "JET2-26"
    assert r.missing == {"room_type": "Double Room Land View", "board": ""}
    assert "sent no board" in r.messages["board"]
    assert "hotelops map set JET2 room_type" in r.messages["room_type"]
    no_default = table.resolve(meli, _key(meli, "", "FAM", "BB", "", ""))
    assert no_default.missing["agency"] == ""
    assert "MELI has no default agency" in no_default.messages["agency"]
    # An empty market or rate type is not missing; a sent but unmapped one is.
    tuip = _operator_id(hotel_db, "TUIP")
    assert table.resolve(tuip, _key(tuip, "TUI GASP", "DXK1", "UAI", "XX")).missing == {
        "market": "XX"
    }


def test_resolve_runs_no_query_and_keeps_up_with_the_pricing_benchmark(
    hotel_db: Database,
) -> None:
    with hotel_db.read() as s:
        table = MappingTable.load(s, _hid(hotel_db))
    tuip = _operator_id(hotel_db, "TUIP")
    row = _key(tuip, "TUI POL", "STDLV", "UAI", "POL", "KONTRAT")
    started = time.perf_counter()
    for _ in range(10_000):
        table.resolve(tuip, row)
    assert time.perf_counter() - started < 1.0


def test_missing_lists_unmapped_codes_with_blocked_pending_counts(inbox_db: Database) -> None:
    hid = _hid(inbox_db)
    with inbox_db.read() as s:
        gaps = missing(s, hid)
        pending = list_inbox(s, hid, InboxFilter(status=InboxStatus.PENDING), limit=1000).rows
        flagged = list_inbox(
            s, hid, InboxFilter(status=InboxStatus.PENDING, missing_mappings=True), limit=1000
        ).rows
    assert [g.blocked for g in gaps] == sorted((g.blocked for g in gaps), reverse=True)
    by_key = {(g.operator, g.kind, g.operator_value): g for g in gaps}
    hbd_board = by_key[("HBD", "board", "ALL INCLUSIVE")]
    assert hbd_board.blocked == 3 and hbd_board.operator_name == "Hotelbeds"
    assert hbd_board.example_id in {r.id for r in pending if r.operator == "HBD"}
    assert by_key[("JET2", "room_type", "Double Room Land View")].blocked == 1
    webb_agency = by_key[("WEBB", "agency", "")]
    assert webb_agency.blocked == 2 and "no default agency" in webb_agency.message
    assert ("JET2", "agency", "") not in by_key  # Jet2's operator card names its agency
    # The inbox's SQL filter and the resolver agree on sent-but-unmapped codes.
    with inbox_db.read() as s:
        table = MappingTable.load(s, hid)
        rows = s.exec(select(InboxReservation).where(InboxReservation.hotel_id == hid)).all()
        jet2 = {(g.kind, g.operator_value) for g in missing(s, hid, "jet2")}
    sent = {r.id for r in rows if any(table.resolve(r.operator_id, r).missing.values())}
    assert {r.id for r in flagged} == sent and sent
    assert jet2 == {
        ("board", "All Inclusive"),
        ("rate_type", "JET2 SUMMER 26 - STANDARD"),
        ("room_type", "Double Room Land View"),
        ("room_type", "Family Room"),
    }


def test_set_mapping_unblocks_pending_reservations_at_once_and_is_audited(
    inbox_db: Database,
) -> None:
    hid = _hid(inbox_db)
    row = _only(inbox_db, "558347")
    assert row.operator_agency == "DERTOUR KÖLN" and row.price_code == ""
    for kind, code, hotel_code in [
        ("room_type", row.operator_room_type, "DXK3"),
        ("board", row.operator_board, "UAI"),
        ("market", row.operator_market, "DE"),
    ]:
        result = set_mapping(inbox_db, "KIV", "MTS", kind, code, hotel_code, user="selin.aydin")
        assert result.created and result.applied.touched >= 1
        assert result.applied.unblocked == 0  # the agency is still unmapped
    result = set_mapping(
        inbox_db, "KIV", "mts", "agency", "DERTOUR KÖLN", "tui alm", user="selin.aydin"
    )
    assert result.mapping.hotel_code == "TUI ALM"  # the hotel's own spelling is kept
    assert (result.applied.touched, result.applied.unblocked, result.applied.filled) == (1, 1, 1)
    after = _only(inbox_db, "558347")
    assert (after.price_code, after.segment_code, after.source_code) == ("TUI-ALM-26", "TO", "API")
    with inbox_db.read() as s:
        assert all(g.operator_value != "DERTOUR KÖLN" for g in missing(s, hid))
        log = entries(s, hid, entity="mapping", entity_id=result.mapping.id)
        filled = entries(s, hid, entity="inbox_reservation", entity_id=row.id)
    assert [(e.action, e.user) for e in log] == [("mapping.create", "selin.aydin")]
    assert filled[0].action == "inbox.agency_defaults"
    assert filled[0].after == {
        "price_code": "TUI-ALM-26",
        "segment_code": "TO",
        "source_code": "API",
    }
    # Setting it again to another agency changes it but keeps the filled price code.
    again = set_mapping(inbox_db, "KIV", "MTS", "agency", "DERTOUR KÖLN", "ALLTOURS", user="x")
    assert not again.created and again.previous == "TUI ALM" and again.applied.filled == 0
    assert _only(inbox_db, "558347").price_code == "TUI-ALM-26"
    deleted = delete_mapping(inbox_db, "KIV", "MTS", "agency", "DERTOUR KÖLN", user="x")
    assert deleted.blocked == 1
    with inbox_db.read() as s:
        assert ("MTS", "agency", "DERTOUR KÖLN") in {
            (g.operator, g.kind, g.operator_value) for g in missing(s, hid)
        }


def test_a_room_type_mapping_fixes_the_occupancy(inbox_db: Database) -> None:
    result = set_mapping(
        inbox_db,
        None,
        "JET2",
        "room_type",
        "Double Room Land View",
        "STDLV",
        occupancy="dbl",
        user="t",
    )
    assert result.mapping.occupancy == "DBL"
    with inbox_db.read() as s:
        rows = list_mappings(s, _hid(inbox_db), operator="JET2", kind="room_type")
    assert ("Double Room Land View", "STDLV", "DBL") in [
        (m.operator_code, m.hotel_code, m.occupancy) for m in rows
    ]
    assert {m.kind for m in rows} == {"room_type"}


def test_a_bad_hotel_code_is_refused_naming_it_with_close_matches(hotel_db: Database) -> None:
    with pytest.raises(InputError) as board:
        set_mapping(hotel_db, "KIV", "TUIP", "board", "Half Board", "HBX", user="t")
    assert "no board 'HBX'" in str(board.value) and "HB" in str(board.value)
    with pytest.raises(InputError) as room:
        set_mapping(hotel_db, "KIV", "TUIP", "room_type", "X", "STDLW", user="t")
    assert "STDLV" in str(room.value)
    with pytest.raises(InputError) as operator:
        set_mapping(hotel_db, "KIV", "TUIPX", "board", "X", "AI", user="t")
    assert "no operator 'TUIPX'" in str(operator.value) and "TUIP" in str(operator.value)
    with pytest.raises(InputError) as kind:
        set_mapping(hotel_db, "KIV", "TUIP", "pension", "X", "AI", user="t")
    assert "room_type" in str(kind.value)
    with pytest.raises(InputError, match="only a room type"):
        set_mapping(hotel_db, "KIV", "TUIP", "board", "X", "AI", occupancy="DBL", user="t")
    with pytest.raises(NotFound):
        delete_mapping(hotel_db, "KIV", "TUIP", "board", "nothing", user="t")
    with hotel_db.read() as s:
        assert all(m.operator_code != "Half Board" for m in list_mappings(s, _hid(hotel_db)))


@pytest.mark.parametrize(
    ("kind", "value", "code", "occupancy"),
    [
        ("board", "All Inclusive", "AI", ""),
        ("board", "Ultra All Inclusive", "UAI", ""),
        ("board", "HER ŞEY DAHİL", "AI", ""),
        ("board", "ULTRA HER ŞEY DAHİL", "UAI", ""),
        ("board", "TODO INCLUIDO", "AI", ""),
        ("board", "YARIM PANSİYON", "HB", ""),
        ("board", "FULL BOARD", "FB", ""),
        ("board", "BED AND BREAKFAST", "BB", ""),
        ("board", "ROOM ONLY", "RO", ""),
        ("room_type", "DOUBLE LAND VIEW", "STDLV", "DBL"),
        ("room_type", "Double Room Land View", "STDLV", "DBL"),
        ("room_type", "DBL STANDARD SEA VIEW", "STDSV", "DBL"),
        ("room_type", "Standart Oda Deniz Manzaralı", "STDSV", ""),
        ("room_type", "DELUXE KING + 2 SINGLE", "DXK3", ""),
        ("room_type", "Family Room", "FAM", ""),
        ("room_type", "SUITE", "SUI", ""),
        ("market", "GBR", "UK", ""),
        ("market", "TUK", "UK", ""),
        ("market", "UNITED KINGDOM", "UK", ""),
        ("market", "DEU", "DE", ""),
        ("market", "GERMANY", "DE", ""),
        ("market", "POL", "PL", ""),
        ("market", "POLAND", "PL", ""),
        ("agency", "ANEX TOUR MOSCOW", "ANEX", ""),
    ],
)
def test_suggest_proposes_the_hotel_code(
    hotel_db: Database, kind: str, value: str, code: str, occupancy: str
) -> None:
    with hotel_db.read() as s:
        candidates = candidates_for(s, _hid(hotel_db), kind, value)
    assert 1 <= len(candidates) <= 3
    best = candidates[0]
    assert (best.hotel_code, best.occupancy) == (code, occupancy)
    assert best.score > 0.75 and best.reason
    assert all(c.score <= best.score for c in candidates)


def test_a_region_is_only_a_weak_guess(hotel_db: Database) -> None:
    with hotel_db.read() as s:
        candidates = candidates_for(s, _hid(hotel_db), "market", "BATI AVRUPA")
    assert candidates[0].hotel_code == "DE"
    assert candidates[0].score < 0.5 and "guess" in candidates[0].reason


def test_suggest_covers_the_missing_codes_of_the_inbox(inbox_db: Database) -> None:
    with inbox_db.read() as s:
        suggestions = suggest(s, _hid(inbox_db), operator="JET2")
    by_value = {(x.kind, x.operator_value): x for x in suggestions}
    room = by_value[("room_type", "Double Room Land View")]
    assert room.best is not None
    assert (room.best.hotel_code, room.best.occupancy) == ("STDLV", "DBL")
    assert by_value[("board", "All Inclusive")].best.hotel_code == "AI"  # type: ignore[union-attr]
    assert all(x.operator_value for x in suggestions)  # nothing to suggest for "" codes


def test_csv_round_trip_and_import_applies_at_once(inbox_db: Database) -> None:
    hid = _hid(inbox_db)
    with inbox_db.read() as s:
        text = export_csv(s, hid)
        before = list_mappings(s, hid)
    lines = text.splitlines()
    assert lines[0] == "operator,kind,operator_code,hotel_code,occupancy"
    assert "TUIP,room_type,STDLV,STDLV,DBL" in lines
    assert len(lines) == len(before) + 1
    same = import_csv(inbox_db, "KIV", text, user="t", source="all.csv")
    assert (same.created, same.updated, same.unchanged) == (0, 0, len(before))
    extra = (
        text
        + "JET2,board,All Inclusive,AI,\n"
        + 'JET2,room_type,"Double Room Land View",STDLV,DBL\n'
        + "JET2,rate_type,JET2 SUMMER 26 - STANDARD,KONTRAT,\n"
    ).replace("TUIP,board,UAI,UAI,", "TUIP,board,UAI,AI,")
    result = import_csv(inbox_db, "KIV", extra, user="t", source="more.csv")
    assert (result.created, result.updated) == (3, 1)
    assert result.applied.unblocked == 1  # Jet2's Double Room Land View cancellation
    with inbox_db.read() as s:
        again = export_csv(s, hid)
        assert [replace(m, id=0) for m in list_mappings(s, hid)] != [
            replace(m, id=0) for m in before
        ]
    assert '"Double Room Land View"' not in again  # written quoted only when needed
    assert "JET2,room_type,Double Room Land View,STDLV,DBL" in again.splitlines()
    assert "TUIP,board,UAI,AI," in again.splitlines()


def test_a_bad_csv_row_is_refused_with_its_line_and_nothing_is_imported(
    hotel_db: Database,
) -> None:
    text = (
        "operator,kind,operator_code,hotel_code,occupancy\n"
        "JET2,board,All Inclusive,AI,\n"
        "JET2,room_type,Family Room,FAMX,\n"
        "NOPE,board,Half Board,HB,\n"
        "JET2,board,All Inclusive,UAI,\n"
    )
    with hotel_db.read() as s:
        before = list_mappings(s, _hid(hotel_db))
    with pytest.raises(InputError) as refused:
        import_csv(hotel_db, "KIV", text, user="t", source="jet2.csv")
    sources = [p.source for p in refused.value.problems]
    assert sources == ["jet2.csv:3", "jet2.csv:4", "jet2.csv:5"]
    assert "FAMX" in str(refused.value) and "nothing was imported" in str(refused.value)
    assert "first on line 2" in str(refused.value)
    with hotel_db.read() as s:
        assert list_mappings(s, _hid(hotel_db)) == before
    with pytest.raises(InputError, match="header"):
        import_csv(hotel_db, "KIV", "JET2,board,AI,AI,\n", user="t")
