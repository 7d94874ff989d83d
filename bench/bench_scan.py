"""Scan benchmark: 10,000 mixed messages (mail and XML) in a folder.

Measured in one run, each over several runs (median reported):

* first scan: ``run_scan`` of the folder into a fresh SQLite database with the demo hotel;
* rescan: the same folder again (everything is already archived);
* floor: bare parsing of the same bytes (the stdlib mail parser with the compat32 policy, lxml
  for XML) plus a bare SQLite ``executemany`` of one row per message.

Targets (issue 4): first scan >= 1,000 msg/s and within 3x the floor; rescan >= 10,000 msg/s;
peak memory (max RSS of the process) under 300 MB.

Messages are made from the good fixtures in ``fixtures/mail`` and ``fixtures/ota``: each copy
gets a unique voucher (the fixture's voucher with its trailing digits replaced by a counter)
and a unique Message-ID, so every message is a new reservation.

    python bench/bench_scan.py [--messages 10000] [--runs 3] [--json]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import re
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.scan.inspect import inspect_file
from hotelops.core.scan.runner import ScanRequest, run_scan


def templates() -> list[tuple[str, bytes, str]]:
    """(file name, bytes, voucher) of every good mail and OTA fixture that parses."""
    found = []
    root = fixtures_dir()
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(str(Path(tmp) / "rules.db"))
        import_hotel(db, root / DEMO_FILE, user="bench")
        try:
            return _templates(root, db, found)
        finally:
            db.dispose()


def _templates(
    root: Path, db: Database, found: list[tuple[str, bytes, str]]
) -> list[tuple[str, bytes, str]]:
    for folder in ("mail", "ota"):
        for path in sorted((root / folder).glob("*")):
            if path.suffix not in (".eml", ".xml"):
                continue
            data = path.read_bytes()
            result = inspect_file(data, path.name, operator=None, db=db)
            if result.error or not result.reservations:
                continue
            voucher = str(result.reservations[0]["voucher"])
            if len(re.sub(r"\D", "", voucher)) >= 5:
                found.append((path.name, data, voucher))
    return found


def generate(folder: Path, count: int) -> dict[str, int]:
    """Write ``count`` messages; returns how many of each kind."""
    base = templates()
    if not base:
        raise SystemExit("no parsable fixtures found under fixtures/mail and fixtures/ota")
    kinds = {"mail": 0, "xml": 0}
    for i in range(count):
        name, data, voucher = base[i % len(base)]
        digits = re.search(r"\d+$", voucher)
        tail = len(digits.group(0)) if digits else 0
        width = min(tail, 6) if tail >= 5 else 0
        new_voucher = (
            voucher[: len(voucher) - width] + f"{i:0{width}d}"[-width:]
            if width
            else f"{voucher}{i}"
        )
        if width and i >= 10**width:
            new_voucher = f"{voucher}{i}"
        copy = data.replace(voucher.encode(), new_voucher.encode())
        copy = re.sub(rb"(?im)^(Message-ID:\s*<)", rb"\1b" + str(i).encode() + b".", copy, count=1)
        suffix = Path(name).suffix
        kinds["mail" if suffix == ".eml" else "xml"] += 1
        (folder / f"{i:06d}-{name}").write_bytes(copy)
    return kinds


def floor(folder: Path) -> float:
    """Seconds to parse every file barely and insert one row each into SQLite."""
    files = sorted(folder.iterdir())
    start = time.perf_counter()
    rows = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".eml":
            message = email.message_from_bytes(data, policy=email.policy.compat32)
            for part in message.walk():
                if part.get_content_maintype() == "text":
                    part.get_payload(decode=True)
            subject = str(message.get("Subject", ""))
        else:
            subject = etree.fromstring(data, parser).tag
        rows.append((path.name, subject, data))
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(Path(tmp) / "floor.db")
        conn.execute("CREATE TABLE m (name TEXT, subject TEXT, body BLOB)")
        conn.executemany("INSERT INTO m VALUES (?, ?, ?)", rows)
        conn.commit()
        conn.close()
    return time.perf_counter() - start


def scan_once(folder: Path, work: Path) -> tuple[float, float, int, int]:
    """(first scan seconds, rescan seconds, reservations new, errors)."""
    db_path = work / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db = open_database(str(db_path))
    import_hotel(db, fixtures_dir() / DEMO_FILE, user="bench")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(work / "docs"))), None)
    request = ScanRequest(folders=[folder])
    start = time.perf_counter()
    first = run_scan(db, config, request)
    first_seconds = time.perf_counter() - start
    start = time.perf_counter()
    second = run_scan(db, config, request)
    rescan_seconds = time.perf_counter() - start
    db.dispose()
    totals = first.totals()
    if second.totals().total != 0:
        raise SystemExit(f"MISMATCH: the rescan read {second.totals().total} messages again")
    return first_seconds, rescan_seconds, totals.new, totals.errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "drop"
        folder.mkdir()
        kinds = generate(folder, args.messages)
        print(f"generated {args.messages} messages: {kinds}", file=sys.stderr)
        floors, firsts, rescans = [], [], []
        new = errors = 0
        for run in range(args.runs):
            floors.append(floor(folder))
            work = Path(tmp) / f"run{run}"
            work.mkdir()
            first, rescan, new, errors = scan_once(folder, work)
            firsts.append(first)
            rescans.append(rescan)
            print(
                f"run {run + 1}: first {first:.2f}s, rescan {rescan:.2f}s, floor {floors[-1]:.2f}s",
                file=sys.stderr,
            )
    n = args.messages
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "messages": n,
        "kinds": kinds,
        "runs": args.runs,
        "new_reservations": new,
        "errors": errors,
        "first_scan_msg_per_s": round(n / statistics.median(firsts)),
        "rescan_msg_per_s": round(n / statistics.median(rescans)),
        "floor_msg_per_s": round(n / statistics.median(floors)),
        "first_scan_vs_floor": round(statistics.median(firsts) / statistics.median(floors), 2),
        "first_scan_s": [round(x, 3) for x in firsts],
        "rescan_s": [round(x, 3) for x in rescans],
        "floor_s": [round(x, 3) for x in floors],
        "peak_rss_mb": round(peak_mb),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"messages            {n} ({kinds['mail']} mail, {kinds['xml']} xml)")
    print(f"first scan          {result['first_scan_msg_per_s']:>8} msg/s  (target >= 1000)")
    print(f"rescan              {result['rescan_msg_per_s']:>8} msg/s  (target >= 10000)")
    print(f"floor               {result['floor_msg_per_s']:>8} msg/s")
    print(f"first scan / floor  {result['first_scan_vs_floor']:>8}x     (target <= 3)")
    print(f"peak memory         {result['peak_rss_mb']:>8} MB     (target < 300)")
    print(f"new reservations    {new}, errors {errors}")


if __name__ == "__main__":
    main()
