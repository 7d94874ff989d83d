"""Run by the scan-versus-scan race test as a separate process, one per side.

    python scan_pair_worker.py a|b DB_URL WORK_DIR TRIALS

For each trial ``i`` both sides meet at a barrier (``WORK_DIR/ready-<side>-<i>`` files), then
at once scan their own folder ``WORK_DIR/<side>-<i>`` through the real scan path. Each prints
one line per trial: ``i new=N changed=N errors=N``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import open_database
from hotelops.core.scan.runner import ScanRequest, run_scan


def _meet(work: Path, side: str, trial: int) -> None:
    other = "b" if side == "a" else "a"
    (work / f"ready-{side}-{trial}").touch()
    deadline = time.monotonic() + 60
    while not (work / f"ready-{other}-{trial}").exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{side}: the other side never came to trial {trial}")
        time.sleep(0.0005)


def main() -> None:
    side, target, work, trials = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    db = open_database(target, create=False)
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(work / "docs"))), None)
    for trial in range(trials):
        _meet(work, side, trial)
        report = run_scan(
            db, config, ScanRequest(folders=[work / f"{side}-{trial}"], folder_operator="TUIP")
        )
        t = report.totals()
        print(trial, f"new={t.new} changed={t.changed} errors={t.errors}", flush=True)
    db.dispose()


if __name__ == "__main__":
    main()
