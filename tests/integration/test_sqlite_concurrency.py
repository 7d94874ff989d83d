"""Two real processes share one SQLite file: every read-then-write transaction succeeds."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import select

from hotelops.core.db import open_database
from hotelops.core.models import Meta

WORKER = r"""
import sys, time
from pathlib import Path
from sqlmodel import select
from hotelops.core.db import open_database
from hotelops.core.models import Meta

db_path, start_flag, name, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
db = open_database(db_path, busy_timeout_ms=30_000)
while not start_flag.exists():
    time.sleep(0.005)
for i in range(count):
    with db.write() as s:
        # Read, then write: the pattern that fails with "database is locked" under a deferred
        # BEGIN as soon as the other process holds the write lock.
        row = s.exec(select(Meta).where(Meta.key == "counter")).one()
        row.value = str(int(row.value) + 1)
        s.add(Meta(key=f"{name}-{i}", value=row.value))
print("done", name)
"""


def test_two_processes_each_doing_500_read_then_write_transactions(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    db = open_database(str(path))
    with db.write() as s:
        s.add(Meta(key="counter", value="0"))
    flag = tmp_path / "go"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), str(path), str(flag), name, "500"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("scanner", "cron")
    ]
    time.sleep(1.0)  # both have imported and opened the database
    flag.touch()
    results = [w.communicate(timeout=300) for w in workers]
    for worker, (stdout, stderr) in zip(workers, results, strict=True):
        assert worker.returncode == 0, stderr
        assert "locked" not in stderr
        assert stdout.startswith("done")
    with db.read() as s:
        counter = s.exec(select(Meta).where(Meta.key == "counter")).one()
        rows = s.exec(select(Meta).where(Meta.key != "counter")).all()
    db.dispose()
    assert counter.value == "1000"
    assert len(rows) == 1000
    # Every increment saw the value before it: no lost update, no duplicate.
    assert sorted(int(r.value) for r in rows) == list(range(1, 1001))
