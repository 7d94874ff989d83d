"""A hotel for race tests: pending reservations competing for one room, and processes to race.

The hotel is the demo hotel file with the TUI Partners contract; the reservations are the
worked example (STDLV, 2026-08-29..09-05, 2 adults) under new vouchers and guest names, scanned
like any operator message. ``last_room`` leaves exactly one STDLV room free on those nights.
``Race`` starts two ``race_worker.py`` processes that decide one reservation each per trial,
at the same moment; ``meanwhile`` lands another writer between a decision's guards and its save.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import pytest
from sqlmodel import col, select

from hotelops.core import approval
from hotelops.core.approval import availability
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.models import InboxReservation, RoomType
from hotelops.core.pricing.contracts import import_contract
from hotelops.core.pricing.promotions import import_promotions
from hotelops.core.scan.runner import ScanRequest, run_scan

FIX = fixtures_dir()
WORKER = Path(__file__).resolve().parent / "race_worker.py"
ROOM_TYPE = "STDLV"
ARRIVAL, DEPARTURE = date(2026, 8, 29), date(2026, 9, 5)
_TEMPLATE = FIX / "ota" / "TUIP-01-new-79194577.xml"


def surname(n: int) -> str:
    """A surname no other guest of the hotel has (Aaa, Aab, ...), one per number."""
    letters = ""
    for _ in range(3):
        n, k = divmod(n, 26)
        letters = chr(ord("a") + k) + letters
    return "Race" + letters


Booking = tuple[str, tuple[str, str]]  # (voucher, the two guests' surnames)


def competing(
    prefix: str, count: int, *, same_guests: bool = False
) -> list[tuple[Booking, Booking]]:
    """``count`` pairs of bookings for the stay, vouchers PREFIXnnA and PREFIXnnB: other guests
    in each, or (``same_guests``) the same two guests under both vouchers."""
    pairs = []
    for n in range(count):
        guests = (surname(4 * n), surname(4 * n + 1))
        others = guests if same_guests else (surname(4 * n + 2), surname(4 * n + 3))
        pairs.append(((f"{prefix}{n:02d}A", guests), (f"{prefix}{n:02d}B", others)))
    return pairs


def booking_message(voucher: str, guests: tuple[str, str]) -> str:
    """The worked example's OTA message under another voucher, for two other guests."""
    text = _TEMPLATE.read_text()
    return (
        text.replace("79194577", voucher).replace("Graeser", guests[0]).replace("Larbus", guests[1])
    )


def race_hotel(db: Database, tmp_path: Path, bookings: list[Booking]) -> dict[str, int]:
    """The demo hotel with these (voucher, guests) scanned as pending reservations: voucher → id."""
    import_hotel(db, FIX / DEMO_FILE, user="t")
    import_contract(db, "KIV", FIX / "pricing" / "tui-gasp-26.toml", user="t")
    import_promotions(db, "KIV", FIX / "pricing" / "promotions.toml", user="t")
    drop = tmp_path / "drop"
    drop.mkdir()
    for n, (voucher, guests) in enumerate(bookings):
        (drop / f"{n:03d}-{voucher}.xml").write_text(booking_message(voucher, guests))
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "d"))), None)
    run_scan(db, config, ScanRequest(folders=[drop], folder_operator="TUIP"))
    vouchers = [v for v, _ in bookings]
    with db.read() as s:
        rows = s.exec(
            select(InboxReservation).where(col(InboxReservation.voucher).in_(vouchers))
        ).all()
    found = {r.voucher: r.id or 0 for r in rows}
    assert sorted(found) == sorted(vouchers), "every booking message became a pending row"
    return found


def last_room(db: Database) -> None:
    """Leave exactly one STDLV room free on the busiest night of the stay."""
    with db.write() as s:
        hotel_id = s.exec(select(RoomType.hotel_id)).first()
        nights = availability(s, hotel_id or 0, ROOM_TYPE, ARRIVAL, DEPARTURE)
        room = s.exec(select(RoomType).where(RoomType.code == ROOM_TYPE)).one()
        room.room_count = max(n.sold for n in nights) + 1
        s.add(room)


def meanwhile(monkeypatch: pytest.MonkeyPatch, write: Callable[[], Any]) -> None:
    """Run ``write`` once, right after the next decision's guards have passed and before it
    saves: another process's write landing in between, at a known moment."""
    guards = approval.check
    pending = [write]

    def check_then_write(*args: Any, **kwargs: Any) -> approval.Check:
        result = guards(*args, **kwargs)
        while pending:
            pending.pop()()
        return result

    monkeypatch.setattr(approval, "check", check_then_write)


@dataclass
class Race:
    """Two worker processes, each deciding its own list of inbox ids, one per trial."""

    db_url: str
    go_dir: Path
    ids: tuple[list[int], list[int]]
    extra: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.go_dir.mkdir()
        self._logs: list[IO[str]] = []
        self.workers: list[subprocess.Popen[str]] = []
        for user, ids in zip(("front-office", "reservations"), self.ids, strict=True):
            log = (self.go_dir.parent / f"{user}.stderr").open("w+")
            self._logs.append(log)
            self.workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        str(WORKER),
                        self.db_url,
                        str(self.go_dir),
                        user,
                        *self.extra,
                        *map(str, ids),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                )
            )
        for worker in self.workers:
            self._line(worker, "ready")

    def trial(self, n: int) -> list[dict[str, Any]]:
        """Start trial ``n`` in both workers at once; their two results."""
        (self.go_dir / str(n)).touch()
        return [json.loads(self._line(w)) for w in self.workers]

    def _line(self, worker: subprocess.Popen[str], expected: str | None = None) -> str:
        assert worker.stdout is not None
        line = worker.stdout.readline().strip()
        if not line or (expected is not None and line != expected):
            self.close()
            raise AssertionError(f"a worker stopped: {line!r}\n{self.stderr()}")
        return line

    def stderr(self) -> str:
        """What the workers wrote to stderr (tracebacks)."""
        texts = []
        for log in self._logs:
            log.seek(0)
            texts.append(log.read())
        return "\n".join(texts)

    def close(self) -> None:
        """Wait for both workers (they end after their last trial), or stop them."""
        for worker in self.workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        for log in self._logs:
            log.close()
