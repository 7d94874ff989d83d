"""``hotelops map`` through Typer's runner, mounted on a root built here (as app.py will)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from hotelops.cli import map as map_cli
from hotelops.cli.app import HotelopsGroup, main_callback
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import open_database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.scan.runner import ScanRequest, run_scan

root = typer.Typer(cls=HotelopsGroup)
root.callback()(main_callback)
root.add_typer(map_cli.app, name="map")
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """An SQLite file with the demo hotel and every fixture mail in its inbox."""
    path = str(tmp_path / "kiv.db")
    database = open_database(path)
    try:
        import_hotel(database, fixtures_dir() / DEMO_FILE, user="tester")
        config = LoadedConfig(
            Settings(scan=ScanSettings(documents_dir=str(tmp_path / "docs"))), None
        )
        run_scan(database, config, ScanRequest(folders=[fixtures_dir() / "mail"]))
    finally:
        database.dispose()
    return path


def run(db: str, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(
        root, ["--db", db, *args], input=stdin, env={"NO_COLOR": "1", "COLUMNS": "200"}
    )


def test_missing_shows_blocked_counts_as_a_table_and_json(db: str) -> None:
    table = run(db, "map", "missing")
    assert table.exit_code == 0, table.output
    assert "HBD" in table.output and "ALL INCLUSIVE" in table.output
    data = json.loads(run(db, "map", "missing", "--json", "--operator", "HBD").stdout)
    assert {row["operator"] for row in data} == {"HBD"}
    board = next(row for row in data if row["kind"] == "board")
    assert board["operator_value"] == "ALL INCLUSIVE" and board["blocked"] == 3


def test_set_prints_what_it_unblocked_and_list_shows_it(db: str) -> None:
    board = run(db, "map", "set", "JET2", "board", "All Inclusive", "AI")
    assert board.exit_code == 0, board.output
    assert "2 pending reservation(s) carry it, 0 unblocked" in board.stdout
    assert (
        run(db, "map", "set", "JET2", "rate_type", "JET2 SUMMER 26 - STANDARD", "STD").exit_code
        == 0
    )
    result = run(db, "map", "set", "JET2", "room_type", "Double Room Land View", "stdlv")
    assert result.exit_code == 0, result.output
    assert "→ STDLV" in result.stdout and "1 unblocked" in result.stdout
    listed = json.loads(run(db, "map", "list", "--operator", "JET2", "--json").stdout)
    assert {"operator_code": "Double Room Land View", "hotel_code": "STDLV"}.items() <= next(
        m for m in listed if m["operator_code"] == "Double Room Land View"
    ).items()
    only_boards = run(db, "map", "list", "--kind", "board")
    assert only_boards.exit_code == 0 and "room_type" not in only_boards.stdout
    deleted = run(db, "map", "delete", "JET2", "room_type", "Double Room Land View")
    assert deleted.exit_code == 0 and "1 pending" in deleted.stdout


def test_a_bad_hotel_code_exits_2_naming_it(db: str) -> None:
    result = run(db, "map", "set", "JET2", "board", "All Inclusive", "AX")
    assert result.exit_code == 2
    assert "no board 'AX'" in result.output and "AI" in result.output
    missing = run(db, "map", "delete", "JET2", "board", "nothing there")
    assert missing.exit_code == 2 and "JET2 has no board mapping" in missing.output


def test_suggest_only_prints_without_a_terminal(db: str) -> None:
    before = run(db, "map", "export").stdout
    shown = run(db, "map", "suggest", "--operator", "JET2")
    assert shown.exit_code == 0, shown.output
    assert "STDLV" in shown.stdout and "AI" in shown.stdout
    data = json.loads(run(db, "map", "suggest", "--json").stdout)
    assert any(s["operator_value"] == "GERMANY" and s["candidates"] for s in data)
    assert run(db, "map", "export").stdout == before


def test_suggest_yes_accepts_the_confident_candidates(db: str) -> None:
    result = run(db, "map", "suggest", "--operator", "JET2", "--yes")
    assert result.exit_code == 0, result.output
    assert "'Double Room Land View' → STDLV" in result.stdout
    exported = run(db, "map", "export").stdout.splitlines()
    assert "JET2,room_type,Double Room Land View,STDLV,DBL" in exported
    assert "JET2,board,All Inclusive,AI," in exported
    assert not any(line.startswith("JET2,rate_type") for line in exported)  # no candidate


def test_suggest_asks_one_by_one_on_a_terminal(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(map_cli, "_can_prompt", lambda: True)
    result = run(db, "map", "suggest", "--operator", "JET2", stdin="y\nq\n")
    assert result.exit_code == 0, result.output
    assert "1 mapping(s) set" in result.output
    exported = run(db, "map", "export").stdout.splitlines()
    assert "JET2,board,All Inclusive,AI," in exported
    assert not any("Double Room Land View" in line for line in exported)


def test_export_then_import_round_trips_and_a_bad_row_names_its_line(
    db: str, tmp_path: Path
) -> None:
    out_file = tmp_path / "maps.csv"
    assert run(db, "map", "export", "-o", str(out_file)).exit_code == 0
    again = run(db, "map", "import", str(out_file))
    assert again.exit_code == 0, again.output
    assert "0 new, 0 changed" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "operator,kind,operator_code,hotel_code,occupancy\n"
        "JET2,board,All Inclusive,AI,\n"
        "JET2,board,Half Board,HALF,\n",
        encoding="utf-8",
    )
    refused = run(db, "map", "import", str(bad))
    assert refused.exit_code == 2
    assert "bad.csv:3" in refused.output and "HALF" in refused.output
    assert "All Inclusive" not in run(db, "map", "list", "--operator", "JET2").stdout
