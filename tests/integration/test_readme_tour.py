"""The README's tour, run top to bottom as written, in one shell, as a new user pastes it."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / ".ci"))
from readme import commands  # noqa: E402


@pytest.mark.slow
def test_the_readme_tour_runs_top_to_bottom(tmp_path: Path) -> None:
    # The repository as a fresh clone has it (the tour reads fixtures/ and finds config/), with
    # the environment the demo command made.
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    lines = [line for line in commands()["tour"].splitlines() if line.strip()]
    script = "\n".join(f'{line}\necho "@@ $? {n}" >&2' for n, line in enumerate(lines))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTELOPS_")}
    env.update(NO_COLOR="1", COLUMNS="120")
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    codes = {int(n): int(rc) for rc, n in re.findall(r"^@@ (\d+) (\d+)$", result.stderr, re.M)}
    assert len(codes) == len(lines) > 25, result.stderr[-2000:]
    assert "Traceback" not in result.stderr + result.stdout
    # Exit 1 is "done, with problems you must see": only the pending prices have some.
    failed = {lines[n].split("#")[0].strip(): rc for n, rc in codes.items() if rc != 0}
    assert failed == {"hotelops price --pending": 1}, result.stderr[-3000:]
    out = result.stdout
    assert "Kivima Hotel" in out
    assert "1,899.00" in out and "2,110.00" in out  # the worked example
    assert "#25 79194577: confirm+save created" in out
    assert "Accommodation voucher 9LXWQT" in out  # the demo's document, found beside it
    vouchers = [line for line in out.splitlines() if line.startswith('"')]
    assert '"J2H8841207"' in vouchers  # the jq line
    # The second part worked on its own hotel and left the demo alone.
    with sqlite3.connect(tmp_path / "myhotel" / "hotelops.db") as own:
        assert own.execute("SELECT voucher, status FROM inbox_reservations").fetchall() == [
            ("J2H8841207", "pending")
        ]
    with sqlite3.connect(tmp_path / "hotelops-demo.db") as demo:
        assert demo.execute("SELECT count(*) FROM inbox_reservations").fetchone() == (30,)
