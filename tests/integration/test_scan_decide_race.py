"""A scan brings a modification while a colleague decides the same reservation: two processes.

Whatever the order, the office must end up seeing the operator's new version as pending: either
the decision landed first and the modification sent it back to pending (the decision kept in the
reservation's history, the version saying "was approved"), or the scan landed first and the
decision was refused because the reservation changed. Never approved at the new version with a
decision for the old one only: that booking would silently miss the operator's change.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from hotelops.core.approval import decisions
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.inbox import inbox_detail
from hotelops.core.models import HotelReservation, InboxReservation
from hotelops.core.pricing.contracts import import_contract
from hotelops.core.pricing.promotions import import_promotions
from hotelops.core.scan.runner import ScanRequest, run_scan

FIX = fixtures_dir()
WORKER = Path(__file__).resolve().parents[1] / "servers" / "scan_race_worker.py"
TRIALS = 40
#: How long the scanner waits after the barrier, per trial (ms): from "together" to "after the
#: decision's guards", so the scan's write meets every phase of the decision.
DELAYS = [(trial % 20) * 15.0 for trial in range(TRIALS)]


def _booking(trial: int, *, modified: bool) -> str:
    """The worked example (TUIP, fully mapped and priced) as trial ``trial``'s own booking."""
    text = (FIX / "ota" / "TUIP-01-new-79194577.xml").read_text()
    # Own voucher and guests: no trial's booking is a possible duplicate of another's.
    text = text.replace("79194577", f"7920{trial:04d}")
    text = text.replace("Graeser", f"Graeser{trial}").replace("Larbus", f"Larbus{trial}")
    if modified:  # one more night
        text = text.replace('ResStatus="Book"', 'ResStatus="Modify"')
        text = text.replace('End="2026-09-05"', 'End="2026-09-06"')
    return text


def _setup(db: Database, demo_file: Path, work: Path) -> list[int]:
    import_hotel(db, demo_file, user="t")
    import_contract(db, "KIV", FIX / "pricing" / "tui-gasp-26.toml", user="t")
    import_promotions(db, "KIV", FIX / "pricing" / "promotions.toml", user="t")
    new = work / "new"
    new.mkdir()
    for trial in range(TRIALS):
        (new / f"new-{trial}.xml").write_text(_booking(trial, modified=False))
        mod = work / f"mod-{trial}"
        mod.mkdir()
        (mod / "modify.xml").write_text(_booking(trial, modified=True))
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(work / "docs"))), None)
    report = run_scan(db, config, ScanRequest(folders=[new], folder_operator="TUIP"))
    assert report.totals().new == TRIALS
    ids = []
    with db.read() as s:
        for trial in range(TRIALS):
            row = s.exec(
                select(InboxReservation).where(InboxReservation.voucher == f"7920{trial:04d}")
            ).one()
            assert (row.version, row.status) == (1, "pending")
            ids.append(row.id or 0)
    (work / "ids").write_text("\n".join(map(str, ids)))
    (work / "delays").write_text("\n".join(map(str, DELAYS)))
    return ids


def _run(side: str, db_url: str, work: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), side, db_url, str(work), str(TRIALS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_a_modification_during_a_decision_always_ends_pending_at_the_new_version(
    db: Database, db_url: str, demo_file: Path, tmp_path: Path
) -> None:
    ids = _setup(db, demo_file, tmp_path)
    scanner, decider = _run("scan", db_url, tmp_path), _run("decide", db_url, tmp_path)
    scanned, scan_err = scanner.communicate(timeout=600)
    decided, decide_err = decider.communicate(timeout=600)
    assert scanner.returncode == 0, scan_err
    assert decider.returncode == 0, decide_err
    scans = dict(line.split(" ", 1) for line in scanned.splitlines())
    verdicts = dict(line.split(" ", 1) for line in decided.splitlines())
    outcomes: Counter[str] = Counter()
    wrong = []
    for trial, inbox_id in enumerate(ids):
        # The scanner saw a modification every time.
        assert scans[str(trial)] == "changed=1 errors=0"
        with db.read() as s:
            row = s.get(InboxReservation, inbox_id)
            assert row is not None
            done = [(d.action, d.version) for d in decisions(s, inbox_id)]
            versions = inbox_detail(s, row.hotel_id, inbox_id).versions
            books = s.exec(
                select(HotelReservation).where(HotelReservation.inbox_reservation_id == inbox_id)
            ).all()
        seen = (verdicts[str(trial)], row.status, row.version, done, versions[-1].previous_status)
        if seen == ("saved approved", "pending", 2, [("confirm+save", 1)], "approved"):
            # (a) decided first; the modification sent it back, the decision in its history,
            # the booking as decided (one night fewer), for the office to update.
            outcomes["decided, then back to pending"] += 1
            assert [(b.arrival.isoformat(), b.departure.isoformat()) for b in books] == [
                ("2026-08-29", "2026-09-05")
            ]
        elif seen == ("changed", "pending", 2, [], ""):
            # (b) the modification first; the decision refused, nothing in the books.
            outcomes["refused as changed"] += 1
            assert books == []
        else:
            wrong.append((trial, seen))
    print(f"\n{db.dialect}: {dict(outcomes)}; wrong: {len(wrong)}")
    assert wrong == [], f"{dict(outcomes)}; wrong outcomes: {wrong}"
