"""Run by the scan-versus-decision race test as a separate process, one per side.

    python scan_race_worker.py scan|decide DB_URL WORK_DIR TRIALS

For each trial ``i`` both sides meet at a barrier (``WORK_DIR/ready-<side>-<i>`` files), then
at once: ``scan`` scans the folder ``WORK_DIR/mod-<i>`` (a modification, through the real scan
path) and ``decide`` confirms and saves the inbox reservation named in ``WORK_DIR/ids`` (line
``i``), as ``hotelops approve ID`` does. Each side prints one line per trial: ``i result``.
The scanner waits ``WORK_DIR/delays`` (line ``i``, milliseconds) first, so that across the
trials the scan lands before, during and after the decision.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hotelops.core.approval import Changed, Refused, decide
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import open_database
from hotelops.core.hotels import get_hotel
from hotelops.core.scan.runner import ScanRequest, run_scan


def _meet(work: Path, side: str, trial: int) -> None:
    other = "decide" if side == "scan" else "scan"
    (work / f"ready-{side}-{trial}").touch()
    deadline = time.monotonic() + 60
    while not (work / f"ready-{other}-{trial}").exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{side}: the other side never came to trial {trial}")
        time.sleep(0.0005)


def main() -> None:
    side, target, work_dir, trials = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    db = open_database(target, create=False)
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(work_dir / "docs"))), None)
    ids = [int(line) for line in (work_dir / "ids").read_text().split()]
    delays = [float(line) for line in (work_dir / "delays").read_text().split()]
    with db.read() as session:
        hotel = get_hotel(session, "KIV")
    for trial in range(trials):
        _meet(work_dir, side, trial)
        if side == "scan":
            time.sleep(delays[trial] / 1000)
            report = run_scan(
                db, config, ScanRequest(folders=[work_dir / f"mod-{trial}"], folder_operator="TUIP")
            )
            totals = report.totals()
            result = f"changed={totals.changed} errors={totals.errors}"
        else:
            try:
                outcome = decide(
                    db, hotel, config, ids[trial], confirm=True, save=True, user="front-office"
                )
                result = f"saved {outcome.status}"
            except Changed:
                result = "changed"
            except Refused as exc:
                result = f"refused {exc}"
        print(trial, result, flush=True)
    db.dispose()


if __name__ == "__main__":
    main()
