"""``hotelops scan`` and ``hotelops inbox`` through Typer's runner and a real process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotelops.cli.app import app
from hotelops.core.demo import DEMO_FILE, fixtures_dir

runner = CliRunner()
FIX = fixtures_dir()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "160"})


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "kiv.db")
    assert run("--db", path, "hotel", "import", str(FIX / DEMO_FILE)).exit_code == 0
    return path


def test_scan_a_folder_prints_the_scanner_table_and_json(db: str) -> None:
    result = run("--db", db, "scan", "--folder", str(FIX / "mail"))
    assert result.exit_code == 0, result.output
    assert "JET2" in result.output and "DTS" in result.output and "HBD" in result.output
    again = run("--db", db, "--json", "scan", "--folder", str(FIX / "mail"))
    assert again.exit_code == 0
    data = json.loads(again.stdout)
    assert data["totals"] == {"total": 0, "new": 0, "changed": 0, "unchanged": 0, "errors": 0}
    assert data["skipped"] == len(list((FIX / "mail").glob("*.eml")))


def test_bad_input_exits_1_and_is_in_the_log(db: str) -> None:
    result = run("--db", db, "scan", "--folder", str(FIX / "ota" / "bad"))
    assert result.exit_code == 1
    assert "XML declares entities" in result.output
    log = json.loads(run("--db", db, "scan", "log", "--json").stdout)
    assert {line["level"] for line in log} == {"error"}
    assert any("truncated.xml" in line["message"] for line in log)
    status = json.loads(run("--db", db, "scan", "status", "--json").stdout)
    assert sum(row["errors"] for row in status) == 5


def test_folder_with_an_operator_for_files_that_name_none(db: str, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(
        FIX / "alpinebits" / "ODEO-01-guestrequests-request-ODN77120.xml",
        drop / "guestrequests.xml",
    )
    result = run("--db", db, "--json", "scan", "--folder", str(drop), "--operator", "ODEO")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["operators"][0]["operator_code"] == "ODEO"
    unknown = run("--db", db, "scan", "--folder", str(drop), "--operator", "NOPE")
    assert unknown.exit_code == 2 and "unknown operator 'NOPE'" in unknown.output


def test_scan_parse_shows_what_a_template_extracts(db: str) -> None:
    mail = FIX / "mail" / "jet2-01-new-J2H8841207.eml"
    result = run("--db", db, "scan", "parse", str(mail))
    assert result.exit_code == 0, result.output
    assert "JET2" in result.output and "J2H8841207" in result.output
    data = json.loads(run("--db", db, "scan", "parse", str(mail), "--json").stdout)
    assert data["operator_code"] == "JET2"
    assert data["reservations"][0]["voucher"] == "J2H8841207"
    assert any(field == "voucher" and value == "J2H8841207" for field, value, _ in data["fields"])
    bad = run("--db", db, "scan", "parse", str(FIX / "ota" / "bad" / "xxe.xml"))
    assert bad.exit_code == 1 and "refused" in bad.output


def test_inbox_list_and_show(db: str) -> None:
    assert run("--db", db, "scan", "--folder", str(FIX / "mail")).exit_code == 0
    listed = json.loads(
        run(
            "--db", db, "inbox", "list", "--json", "--content", "cancellation", "--operator", "JET2"
        ).stdout
    )
    assert listed["total"] == 1
    row = listed["rows"][0]
    assert (row["voucher"], row["content"], row["status"]) == (
        "J2H8841207",
        "cancellation",
        "pending",
    )
    shown = json.loads(run("--db", db, "inbox", "show", str(row["id"]), "--json").stdout)
    assert [v["content"] for v in shown["versions"]] == ["new", "modification", "cancellation"]
    assert shown["reservation"]["voucher"] == "J2H8841207"
    assert shown["guests"]
    table = run("--db", db, "inbox", "show", str(row["id"]))
    assert "versions" in table.output and "J2H8841207" in table.output
    missing = run("--db", db, "inbox", "show", "99999")
    assert missing.exit_code == 2 and "no inbox reservation #99999" in missing.output
    bad_date = run("--db", db, "inbox", "list", "--arrival-from", "31.02.2026")
    assert bad_date.exit_code == 2 and "'31.02.2026' is not a date" in bad_date.output
    dotted = run("--db", db, "inbox", "list", "--arrival-from", "12.06.2026", "--json")
    assert dotted.exit_code == 0, dotted.output


def test_scan_watch_stops_cleanly_on_sigterm(db: str, tmp_path: Path) -> None:
    exe = shutil.which("hotelops", path=str(Path(sys.executable).parent))
    assert exe
    drop = tmp_path / "drop"
    drop.mkdir()
    env = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [exe, "--db", db, "scan", "--folder", str(drop), "--watch", "--interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    lines: list[str] = []

    def seen(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
        # Reads the watcher's output until the condition holds (a slow machine is not a failure).
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                return condition()
            lines.append(line)
        return condition()

    def scans() -> int:
        return sum(line.startswith("scan ") for line in lines)

    assert seen(lambda: scans() >= 2)  # it keeps scanning
    shutil.copy(FIX / "mail" / "webb-01-new-93817264.eml", drop)
    assert seen(lambda: any("WEBB" in line for line in lines))  # picked up while watching
    process.send_signal(signal.SIGTERM)
    rest, stderr = process.communicate(timeout=30)
    lines += rest.splitlines()
    assert process.returncode == 0, stderr
    assert scans() >= 3  # several scans, each with its table
