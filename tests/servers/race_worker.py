"""Run by the race tests as a separate process: one decision per trial, at the test's signal.

    python race_worker.py DB_URL GO_DIR USER [--allow-overbooking] INBOX_ID...

It opens the database, prints ``ready``, then for trial N (0, 1, ...) waits until the file
``GO_DIR/N`` exists and confirms and saves the Nth inbox id. Each trial prints one JSON line:
``{"trial": N, "inbox_id": ID, "result": "saved" | "refused" | "changed", "message": ...,
"warnings": [...]}``. Two of these started with the same GO_DIR decide at the same moment.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from hotelops.core.approval import Changed, Overrides, Refused, decide
from hotelops.core.config import LoadedConfig, Settings
from hotelops.core.db import open_database
from hotelops.core.hotels import get_hotel


def main() -> None:
    target, go_dir, user, *rest = sys.argv[1:]
    overrides = Overrides(allow_overbooking="--allow-overbooking" in rest)
    inbox_ids = [int(a) for a in rest if not a.startswith("--")]
    db = open_database(target, create=False)
    config = LoadedConfig(Settings(), None)
    with db.read() as session:
        hotel = get_hotel(session, "KIV")
    print("ready", flush=True)
    try:
        for trial, inbox_id in enumerate(inbox_ids):
            go = Path(go_dir) / str(trial)
            while not go.exists():
                time.sleep(0.0005)
            line: dict[str, object] = {"trial": trial, "inbox_id": inbox_id}
            try:
                outcome = decide(
                    db,
                    hotel,
                    config,
                    inbox_id,
                    confirm=True,
                    save=True,
                    user=user,
                    overrides=overrides,
                )
                line |= {"result": "saved", "message": "", "warnings": outcome.warnings}
            except Refused as exc:
                line |= {"result": "refused", "message": str(exc), "warnings": []}
            except Changed as exc:
                line |= {"result": "changed", "message": str(exc), "warnings": []}
            print(json.dumps(line), flush=True)
    finally:
        db.dispose()


if __name__ == "__main__":
    main()
