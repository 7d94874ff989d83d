"""``hotelops demo`` as a user runs it: a real process, the installed console script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def test_hotelops_demo_in_a_real_process(tmp_path: Path) -> None:
    exe = shutil.which("hotelops", path=str(Path(sys.executable).parent))
    assert exe, "the console script is installed with the package"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("HOTELOPS_DATABASE_URL", None)
    result = subprocess.run(
        [exe, "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Kivima Hotel (KIV)" in result.stdout
    assert "300" in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes into a pipe
    assert "building the demo hotel" in result.stderr
    assert (tmp_path / "hotelops-demo.db").exists()
    shown = subprocess.run(
        [exe, "--db", "hotelops-demo.db", "--json", "hotel", "show"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert '"code": "KIV"' in shown.stdout
