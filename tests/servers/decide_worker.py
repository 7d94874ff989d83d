"""Run by the concurrency tests as a separate process: decide one inbox reservation.

    python decide_worker.py DB_URL INBOX_ID USER VERSION DECISION_SEQ

Prints "saved" or "changed" (another process decided first).
"""

from __future__ import annotations

import sys

from hotelops.core.approval import Changed, decide
from hotelops.core.config import LoadedConfig, Settings
from hotelops.core.db import open_database
from hotelops.core.hotels import get_hotel


def main() -> None:
    target, inbox_id, user, version, seq = sys.argv[1:6]
    db = open_database(target)
    with db.read() as session:
        hotel = get_hotel(session, "KIV")
    try:
        decide(
            db,
            hotel,
            LoadedConfig(Settings(), None),
            int(inbox_id),
            confirm=True,
            save=True,
            user=user,
            seen=(int(version), int(seq)),
        )
        print("saved")
    except Changed:
        print("changed")
    finally:
        db.dispose()


if __name__ == "__main__":
    main()
