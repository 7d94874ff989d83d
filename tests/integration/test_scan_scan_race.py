"""Two scans at once (cron and the dashboard's "s", or two mailboxes) bring the same new
reservation: the operator's booking in one message, its modification in another. Whatever the
order, both messages are stored, the reservation exists once with both versions, and no message
is archived as refused: a change is never lost to a race between scanners."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.models import InboxReservation, InboxVersion, RawMessage, ScanLogLine

FIX = fixtures_dir()
WORKER = Path(__file__).resolve().parents[1] / "servers" / "scan_pair_worker.py"
TRIALS = 20


def _booking(trial: int, *, modified: bool) -> str:
    text = (FIX / "ota" / "TUIP-01-new-79194577.xml").read_text()
    text = text.replace("79194577", f"7930{trial:04d}")
    if modified:  # one more night
        text = text.replace('ResStatus="Book"', 'ResStatus="Modify"')
        text = text.replace('End="2026-09-05"', 'End="2026-09-06"')
    return text


@pytest.mark.slow
def test_two_scans_bringing_one_new_reservation_store_both_versions(
    db: Database, db_url: str, demo_file: Path, tmp_path: Path
) -> None:
    import_hotel(db, demo_file, user="t")
    for trial in range(TRIALS):
        for side, modified in (("a", False), ("b", True)):
            folder = tmp_path / f"{side}-{trial}"
            folder.mkdir()
            (folder / f"{side}.xml").write_text(_booking(trial, modified=modified))
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), side, db_url, str(tmp_path), str(TRIALS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for side in ("a", "b")
    ]
    outputs = [w.communicate(timeout=600) for w in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err[-2000:]
    lines = [line for out, _ in outputs for line in out.splitlines()]
    assert len(lines) == 2 * TRIALS
    with db.read() as session:
        errors = session.exec(select(ScanLogLine.message).where(ScanLogLine.level == "error")).all()
        assert errors == []
        for trial in range(TRIALS):
            rows = session.exec(
                select(InboxReservation).where(InboxReservation.voucher == f"7930{trial:04d}")
            ).all()
            assert len(rows) == 1, f"trial {trial}: {len(rows)} rows"
            versions = session.exec(
                select(func.count())
                .select_from(InboxVersion)
                .where(InboxVersion.inbox_reservation_id == rows[0].id)
            ).one()
            assert (rows[0].version, versions) == (2, 2), f"trial {trial}"
        refused = session.exec(
            select(func.count()).select_from(RawMessage).where(col(RawMessage.parse_error) != None)  # noqa: E711
        ).one()
        assert refused == 0
