"""Run by the CLI race test: one ``hotelops`` command in this process, at the test's signal.

    python cli_at_go.py READY_FILE GO_FILE ARGS...

It imports the command line first (the slow part of starting), creates READY_FILE, waits until
GO_FILE exists, then runs ``hotelops ARGS...`` exactly as the installed command does: the same
output, the same exit code. Two of these with the same GO_FILE run their commands at once.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import hotelops.cli.approve
import hotelops.core.approval  # noqa: F401
from hotelops.cli.app import main

if __name__ == "__main__":
    ready, go, *args = sys.argv[1:]
    Path(ready).touch()
    while not Path(go).exists():
        time.sleep(0.0005)
    sys.argv = ["hotelops", *args]
    main()
