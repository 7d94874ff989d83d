"""``hotelops scan`` and ``hotelops inbox`` through Typer's runner and a real process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
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


class Lines:
    """A process's output, read line by line in a thread, so a test can wait for a line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, *, after: int = 0, timeout: float = 60) -> int:
        """Index of the first line from ``after`` on that holds ``text``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for index in range(after, len(self.lines)):
                if text in self.lines[index]:
                    return index
            time.sleep(0.1)
        raise AssertionError(f"no line with {text!r} within {timeout}s:\n{''.join(self.lines)}")


def test_scan_watch_stops_cleanly_on_sigterm(db: str, tmp_path: Path) -> None:
    exe = shutil.which("hotelops", path=str(Path(sys.executable).parent))
    assert exe
    drop = tmp_path / "drop"
    drop.mkdir()
    env = {**os.environ, "NO_COLOR": "1"}
    process = subprocess.Popen(
        [exe, "--db", db, "scan", "--folder", str(drop), "--watch", "--interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        output = Lines(process)
        second = output.wait_for("┃ operator", after=output.wait_for("┃ operator") + 1)
        shutil.copy(FIX / "mail" / "webb-01-new-93817264.eml", drop)
        # the file dropped in while watching is picked up by a later scan
        output.wait_for("WEBB", after=second)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0, "".join(output.lines)


# --- a configured source that cannot be read, on both engines -----------------------------------

EXAMPLE_CONFIG = Path(__file__).parents[2] / "config" / "hotelops.toml"


@pytest.fixture
def hotel_url(db_url: str) -> str:
    assert run("--db", db_url, "hotel", "import", str(FIX / DEMO_FILE)).exit_code == 0
    return db_url


@pytest.fixture
def example_config(tmp_path: Path) -> Path:
    """The example config as shipped, in a folder of its own (its ../var/inbox is missing)."""
    path = tmp_path / "office" / "config" / "hotelops.toml"
    path.parent.mkdir(parents=True)
    shutil.copy(EXAMPLE_CONFIG, path)
    return path


def test_the_example_configs_missing_drop_folder_is_its_row_and_exit_1(
    hotel_url: str, example_config: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "office" / "var" / "inbox"
    problem = f"folder {inbox} does not exist (create it or fix scan.folder in {example_config})"
    config = ("--config", str(example_config), "--db", hotel_url)

    table = run(*config, "scan")
    as_json = run(*config, "--json", "scan")

    assert table.exit_code == 1, table.output
    assert f"error folder:{inbox}: {problem}" in table.output
    assert "(unmatched)" not in table.output
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert [(r["failed_source"], r["problem"], r["errors"]) for r in data["operators"]] == [
        (f"folder:{inbox}", problem, 1)
    ]
    assert data["totals"]["errors"] == 1
    status = json.loads(run(*config, "scan", "status", "--json").stdout)
    assert [(r["failed_source"], r["problem"]) for r in status] == [(f"folder:{inbox}", problem)]

    inbox.mkdir(parents=True)
    shutil.copy(FIX / "mail" / "webb-01-new-93817264.eml", inbox)
    fixed = run(*config, "--json", "scan")

    assert fixed.exit_code == 0, fixed.output
    assert [(r["operator_code"], r["new"]) for r in json.loads(fixed.stdout)["operators"]] == [
        ("WEBB", 1)
    ]
    status = json.loads(run(*config, "scan", "status", "--json").stdout)
    assert [(r["operator"], r["failed_source"]) for r in status] == [("WEBB", "")]
    # The log still tells what happened in the failed runs.
    log = json.loads(run(*config, "scan", "log", "--json").stdout)
    assert [line["source"] for line in log if line["level"] == "error"] == [f"folder:{inbox}"] * 2


def test_a_folder_with_brackets_in_its_name_prints_as_written(
    hotel_url: str, tmp_path: Path
) -> None:
    drop = tmp_path / "[bold]inbox"
    config = tmp_path / "hotelops.toml"
    config.write_text(f'[scan]\nfolder = "{drop}"\ndocuments_dir = "docs"\n')

    result = run("--config", str(config), "--db", hotel_url, "scan")

    assert result.exit_code == 1, result.output
    assert f"error folder:{drop}: folder {drop} does not exist" in result.output


def test_scan_watch_goes_on_when_sources_fail_and_reads_the_folder_once_it_exists(
    hotel_url: str, tmp_path: Path
) -> None:
    exe = shutil.which("hotelops", path=str(Path(sys.executable).parent))
    assert exe
    drop = tmp_path / "drop"
    config = tmp_path / "hotelops.toml"
    imap = (
        '[[scan.imap]]\nname = "kivima-bookings"\nhost = "127.0.0.1"\nssl = false\n'
        'user = "reservations@kivimahotel.example"\npassword_env = "KIVIMA_IMAP_PW"\n'
    )
    config.write_text(f'[scan]\nfolder = "{drop}"\ndocuments_dir = "docs"\n{imap}')
    env = {k: v for k, v in os.environ.items() if k != "KIVIMA_IMAP_PW"}
    process = subprocess.Popen(
        [exe, "--config", str(config), "--db", hotel_url, "scan", "--watch", "--interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "NO_COLOR": "1", "COLUMNS": "200"},
    )
    try:
        output = Lines(process)
        failed = output.wait_for(f"error folder:{drop}: folder {drop} does not exist")
        output.wait_for("error imap:kivima-bookings: password of", after=failed)
        drop.mkdir()
        shutil.copy(FIX / "mail" / "webb-01-new-93817264.eml", drop)
        found = output.wait_for("WEBB")
        output.wait_for("error imap:kivima-bookings", after=found)  # still scanning, still said
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 1  # the mailbox failed in every scan
