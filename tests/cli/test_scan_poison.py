"""``hotelops scan`` in a real process: poison messages, memory, and a scan killed half-way.

On SQLite and PostgreSQL. Big inputs are generated in ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from hotelops.core.db import open_database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.models import InboxReservation, RawMessage
from tests.poison import (
    MB,
    json_feed,
    mail_with_attachment,
    mts_mails,
    nested_json,
    nested_mime,
    nested_xml,
    ota_stays,
    run_measured,
)

FIX = fixtures_dir()
EXE = shutil.which("hotelops", path=str(Path(sys.executable).parent)) or "hotelops"
ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
MEMORY_LIMIT_MB = 300

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _outside_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in tmp_path, so they read no ./config/hotelops.toml."""
    monkeypatch.chdir(tmp_path)


def hotelops(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, env=ENV, timeout=600)


@pytest.fixture
def hotel_url(db_url: str) -> str:
    assert hotelops("--db", db_url, "hotel", "import", str(FIX / DEMO_FILE)).returncode == 0
    return db_url


def counts(url: str) -> tuple[int, int, list[str]]:
    """Raw messages archived, inbox reservations, and their vouchers."""
    db = open_database(url, create=False)
    try:
        with db.read() as session:
            raw = session.exec(select(func.count()).select_from(RawMessage)).one()
            vouchers = sorted(session.exec(select(InboxReservation.voucher)).all())
            return int(raw), len(vouchers), vouchers
    finally:
        db.dispose()


def test_poison_messages_are_archived_with_their_error_and_the_scan_goes_on(
    hotel_url: str, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for good in (
        FIX / "mail" / "webb-01-new-93817264.eml",
        FIX / "ota" / "TUIP-01-new-79194577.xml",
        FIX / "json" / "OTEL-01-feed.json",
    ):
        shutil.copy(good, drop)
    (drop / "OTEL-90-deep.json").write_bytes(nested_json(100_000))
    (drop / "deep.eml").write_bytes(nested_mime(5_000))
    (drop / "SEJR-92-deep.xml").write_bytes(nested_xml(100_000))
    huge = ota_stays(40_000, size=50 * MB)
    (drop / "SEJR-93-huge.xml").write_bytes(huge)
    del huge

    first, peak_mb = run_measured([EXE, "--db", hotel_url, "scan", "--folder", str(drop)], ENV)

    assert first.returncode == 1, first.stderr
    assert peak_mb < MEMORY_LIMIT_MB
    raw, inbox, vouchers = counts(hotel_url)
    assert vouchers == ["79194577", "93817264", "OTN556311", "OTN557904", "OTN558120"]
    assert raw == 7
    log = json.loads(hotelops("--db", hotel_url, "scan", "log", "--json").stdout)
    errors = sorted((line["operator"], line["message"]) for line in log if line["level"] == "error")
    assert errors == [
        (
            "OTEL",
            "OTEL-90-deep.json: JSON is nested more than 64 levels deep (scan.max_depth): not read",
        ),
        (
            "SEJR",
            "SEJR-92-deep.xml: XML is nested more than 64 levels deep (scan.max_depth): not read",
        ),
        (
            "SEJR",
            "SEJR-93-huge.xml: the message is 50.0 MB, over the 20 MB limit "
            "(scan.max_message_mb): not read; its first 1.0 MB is kept in the archive",
        ),
        (
            "WEBB",
            "deep.eml: the mail's MIME structure is nested more than 64 levels deep "
            "(scan.max_depth): not read",
        ),
    ]

    again = hotelops("--db", hotel_url, "--json", "scan", "--folder", str(drop))

    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["skipped"] == 7
    assert report["totals"]["total"] == 0
    assert counts(hotel_url)[:2] == (7, inbox)


def test_messages_at_every_limit_are_stored_within_the_memory_budget(tmp_path: Path) -> None:
    url = str(tmp_path / "hotelops.db")
    assert hotelops("--db", url, "hotel", "import", str(FIX / DEMO_FILE)).returncode == 0
    drop = tmp_path / "drop"
    drop.mkdir()
    # Each as large as the default limits let it be: 5 MB of XML or JSON holding 2,000 room
    # stays (with 18,000 guests in the XML), and a 20 MB mail.
    (drop / "SEJR-01-limit.xml").write_bytes(ota_stays(2_000, guests=9, size=int(4.95 * MB)))
    (drop / "OTEL-01-limit.json").write_bytes(json_feed(2_000, size=int(4.95 * MB)))
    (drop / "mts-01-limit.eml").write_bytes(mail_with_attachment(int(19.9 * MB)))

    done, peak_mb = run_measured([EXE, "--db", url, "--json", "scan", "--folder", str(drop)], ENV)

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["new"] == 4_001
    assert peak_mb < MEMORY_LIMIT_MB


def test_a_killed_scan_shows_as_interrupted_with_what_it_stored(
    hotel_url: str, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    every = mts_mails(4_000, drop)
    scan = subprocess.Popen(
        [EXE, "--db", hotel_url, "scan", "--folder", str(drop)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    try:
        deadline = time.monotonic() + 300
        while counts(hotel_url)[0] == 0:  # until its first batch is committed
            assert scan.poll() is None, "the scan ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        scan.send_signal(signal.SIGKILL)
        scan.wait(timeout=30)

    raw, inbox, vouchers = counts(hotel_url)
    assert 0 < raw < len(every)
    status = json.loads(hotelops("--db", hotel_url, "scan", "status", "--json").stdout)
    assert [(row["operator"], row["state"]) for row in status] == [("MTS", "interrupted")]
    assert (status[0]["total"], status[0]["new"]) == (raw, inbox)
    shown = hotelops("--db", hotel_url, "scan", "status")
    assert "interrupted" in shown.stdout
    assert f"was interrupted: its process ({scan.pid} on " in shown.stderr
    assert f"it stored {raw:,} message(s)" in shown.stderr
    log = json.loads(
        hotelops("--db", hotel_url, "scan", "log", "--json", "--limit", "10000").stdout
    )
    assert sorted(line["message"].split()[1] for line in log) == vouchers

    again = hotelops("--db", hotel_url, "--json", "scan", "--folder", str(drop))

    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["skipped"] == raw
    assert counts(hotel_url)[1:] == (len(every), sorted(every))
    status = json.loads(hotelops("--db", hotel_url, "scan", "status", "--json").stdout)
    assert [(row["state"], row["new"]) for row in status] == [("done", len(every) - raw)]
