"""Storage benchmark for hotelops: SQLite (embedded) and PostgreSQL (hotel group server).

A standalone script, not a test::

    python bench/bench_storage.py [--runs 5] [--rows 10000] [--engines sqlite,postgresql] [--json]

Every metric is measured once per run; the median, min and max over the runs are reported.

* ``demo_build``   seconds for ``build_demo()`` into a fresh SQLite file.
* ``inbox_insert`` InboxReservation rows/s (each row with 2 InboxGuest rows), 1,000 rows per
  write transaction, into a fresh database holding the demo hotel (``import_hotel``). Building
  the model objects (and ``fold()``) is timed; generating the random source data is not.
* ``money_sum``    ms for ``SELECT SUM(operator_price)`` (warm: the second execution in the
  run), checked against the exact ``Decimal`` sum computed in Python.
* ``grid_page``    ms to load one 50-row page of pending inbox rows, newest first, OFFSET 5000
  (warm), checked against the page computed in Python.
* ``contention``   transactions/s of two processes each doing 500 read-then-write transactions
  (``db.write()``: read a counter, write it back +1) on one SQLite file; the final counter must
  be 1000 and no worker may see "database is locked".

``demo_build`` and ``contention`` are SQLite-only and run when ``sqlite`` is among --engines.
Each run uses a fresh SQLite file / a fresh PostgreSQL database ``hotelops_bench_<random>``
(created on the ``postgres`` database, dropped afterwards). Exit status 1 on a wrong result.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select, text

from hotelops.core.db import Database, open_database
from hotelops.core.demo import build_demo, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.models import InboxGuest, InboxReservation, InboxStatus, Operator
from hotelops.core.text import fold

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
BATCH = 1_000
PAGE_SIZE = 50
PAGE_OFFSET = 5_000
TXNS_PER_WORKER = 500
WORKERS = 2
SEED = 20260801

FIRST_NAMES = [
    "İpek",
    "Işıl",
    "Jürgen",
    "Łukasz",
    "Søren",
    "Zoë",
    "André",
    "Małgorzata",
    "Ömer",
    "Ayşe",
    "Björn",
    "Éva",
    "Olga",
    "Mihai",
    "Petra",
    "Gökhan",
    "Ágnes",
    "Thomas",
    "Emma",
    "Oliver",
]
LAST_NAMES = [
    "Şahin",
    "Yılmaz",
    "Müller",
    "Wójcik",
    "Ødegaard",
    "Graeser",
    "Larbus",
    "Kovács",
    "Ivanova",
    "Popescu",
    "Nowak",
    "Öztürk",
    "Çelik",
    "Smith",
    "De Vries",
    "Dvořák",
    "Großmann",
    "Jensen",
    "Petrov",
    "Horváth",
]
ROOMS = ["STDLV", "STDSV", "STDPV", "DXK1", "DXK3", "DXSV", "FAM", "FAMPOOL", "SUI"]
BOARDS = ["AI", "UAI", "HB", "BB", "FB"]
MARKETS = ["BATI AVRUPA", "UK", "DE", "PL", "RU", "NL", "SCANDINAVIA"]
NATIONALITIES = ["DEU", "GBR", "POL", "RUS", "NLD", "TUR", "HUN", "ROU", "SWE"]


# --------------------------------------------------------------------------- results


@dataclass
class Metric:
    metric: str
    engine: str
    unit: str
    values: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "engine": self.engine,
            "unit": self.unit,
            "median": statistics.median(self.values),
            "min": min(self.values),
            "max": max(self.values),
            "runs": self.values,
        }


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    print(message)
    sys.exit(1)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- databases


def pg_admin() -> psycopg.Connection:
    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)


@contextlib.contextmanager
def fresh_database(engine: str, workdir: Path) -> Iterator[Database]:
    """A fresh, empty hotelops database on ``engine``, removed afterwards."""
    if engine == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        db = open_database(str(path))
        try:
            yield db
        finally:
            db.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"hotelops_bench_{uuid.uuid4().hex[:12]}"
    with pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        db = open_database(PG_URL.format(name=name))
        try:
            yield db
        finally:
            db.dispose()
    finally:
        with pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --------------------------------------------------------------------------- inbox data


def make_specs(rows: int, operator_ids: list[int]) -> list[dict[str, Any]]:
    """Random but reproducible operator reservations (plain data; objects are built timed)."""
    rng = random.Random(SEED)
    base_received = datetime(2026, 3, 1, tzinfo=UTC)
    specs = []
    for i in range(rows):
        check_in = date(2026, 5, 1) + timedelta(days=rng.randint(0, 180))
        nights = rng.randint(3, 14)
        children = rng.choice([0, 0, 0, 1, 2])
        guests = [
            (
                rng.choice(["Mr", "Mrs", "Ms"]),
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                rng.randint(18, 80),
                rng.choice(["M", "F"]),
            )
            for _ in range(2)
        ]
        received = base_received + timedelta(seconds=rng.randint(0, 90 * 86_400))
        specs.append(
            {
                "index": i,
                "operator_id": rng.choice(operator_ids),
                "voucher": str(79_000_000 + i),
                "status": rng.choices(
                    [InboxStatus.PENDING, InboxStatus.APPROVED, InboxStatus.REJECTED],
                    weights=[80, 15, 5],
                )[0],
                "check_in": check_in,
                "check_out": check_in + timedelta(days=nights),
                "nights": nights,
                "sale_date": check_in - timedelta(days=rng.randint(10, 200)),
                "received_at": received,
                "adults": 2,
                "children": children,
                "child_ages": sorted(rng.randint(2, 15) for _ in range(children)),
                "nationality": rng.choice(NATIONALITIES),
                "room": rng.choice(ROOMS),
                "board": rng.choice(BOARDS),
                "market": rng.choice(MARKETS),
                # two decimals, like Decimal("1899.00")
                "price": Decimal(rng.randint(30_000, 900_000)).scaleb(-2),
                "guests": guests,
            }
        )
    return specs


def build_reservation(hotel_id: int, s: dict[str, Any]) -> InboxReservation:
    names = " / ".join(f"{first} {last}" for _, first, last, _, _ in s["guests"])
    return InboxReservation(
        hotel_id=hotel_id,
        operator_id=s["operator_id"],
        voucher=s["voucher"],
        operator_agency="BENCH AGENCY",
        status=s["status"],
        check_in=s["check_in"],
        check_out=s["check_out"],
        nights=s["nights"],
        sale_date=s["sale_date"],
        received_at=s["received_at"],
        adults=s["adults"],
        children=s["children"],
        child_ages=s["child_ages"],
        nationality=s["nationality"],
        operator_room_type=s["room"],
        operator_board=s["board"],
        operator_market=s["market"],
        operator_rate_type="KONTRAT",
        operator_price=s["price"],
        operator_currency="EUR",
        arrival_flight="EZY5715",
        arrival_route="SEN-DLM",
        arrival_flight_time="19:50",
        guest_names=names,
        guest_names_folded=fold(names),
    )


def build_guests(hotel_id: int, reservation_id: int, s: dict[str, Any]) -> list[InboxGuest]:
    return [
        InboxGuest(
            hotel_id=hotel_id,
            inbox_reservation_id=reservation_id,
            seq=seq,
            title=title,
            first_name=first,
            last_name=last,
            name_folded=fold(f"{first} {last}"),
            age=age,
            gender=gender,
            nationality=s["nationality"],
        )
        for seq, (title, first, last, age, gender) in enumerate(s["guests"], start=1)
    ]


def insert_inbox(db: Database, hotel_id: int, specs: list[dict[str, Any]]) -> float:
    """Insert every spec, ``BATCH`` per write transaction; return the seconds it took."""
    start = time.perf_counter()
    for first in range(0, len(specs), BATCH):
        batch = specs[first : first + BATCH]
        with db.write() as session:
            reservations = [build_reservation(hotel_id, s) for s in batch]
            session.add_all(reservations)
            session.flush()
            guests: list[InboxGuest] = []
            for reservation, s in zip(reservations, batch, strict=True):
                assert reservation.id is not None
                guests.extend(build_guests(hotel_id, reservation.id, s))
            session.add_all(guests)
    return time.perf_counter() - start


def money_sum(db: Database) -> tuple[float, Decimal | None]:
    stmt = select(func.sum(InboxReservation.operator_price))
    with db.read() as session:
        session.exec(stmt).one()  # warm-up: compiles the statement, fills the caches
    start = time.perf_counter()
    with db.read() as session:
        total = session.exec(stmt).one()
    return time.perf_counter() - start, total


def grid_page(db: Database, hotel_id: int) -> tuple[float, list[str]]:
    stmt = (
        select(InboxReservation)
        .where(
            InboxReservation.hotel_id == hotel_id, InboxReservation.status == InboxStatus.PENDING
        )
        .order_by(col(InboxReservation.received_at).desc(), col(InboxReservation.id).desc())
        .offset(PAGE_OFFSET)
        .limit(PAGE_SIZE)
    )
    with db.read() as session:
        session.exec(stmt).all()  # warm-up
    start = time.perf_counter()
    with db.read() as session:
        page = session.exec(stmt).all()
    elapsed = time.perf_counter() - start
    return elapsed, [row.voucher for row in page]


def expected_page(specs: list[dict[str, Any]]) -> list[str]:
    pending = [s for s in specs if s["status"] == InboxStatus.PENDING]
    pending.sort(key=lambda s: (s["received_at"], s["index"]), reverse=True)
    return [s["voucher"] for s in pending[PAGE_OFFSET : PAGE_OFFSET + PAGE_SIZE]]


def bench_inbox(
    engine: str, rows: int, workdir: Path, insert: Metric, summ: Metric, page: Metric
) -> None:
    with fresh_database(engine, workdir) as db:
        imported = import_hotel(db, fixtures_dir() / "demo" / "kivima.toml", user="bench")
        hotel_id = imported.hotel_id
        with db.read() as session:
            operator_ids = sorted(
                op.id
                for op in session.exec(select(Operator).where(Operator.hotel_id == hotel_id))
                if op.id is not None
            )
        if not operator_ids:
            fail("MISMATCH: the demo hotel file has no operators")
        specs = make_specs(rows, operator_ids)

        seconds = insert_inbox(db, hotel_id, specs)
        insert.values.append(rows / seconds)

        with db.read() as session:
            stored = session.exec(select(func.count()).select_from(InboxReservation)).one()
            guests = session.exec(select(func.count()).select_from(InboxGuest)).one()
        if stored != rows or guests != 2 * rows:
            fail(
                f"MISMATCH: {engine} stored {stored} reservations / {guests} guests, "
                f"expected {rows} / {2 * rows}"
            )

        seconds, total = money_sum(db)
        expected = sum((s["price"] for s in specs), Decimal(0))
        if total != expected:
            fail(f"MISMATCH: {engine} SUM(operator_price) = {total!r}, Python sum = {expected!r}")
        summ.values.append(seconds * 1000)

        seconds, vouchers = grid_page(db, hotel_id)
        want = expected_page(specs)
        if vouchers != want:
            fail(
                f"MISMATCH: {engine} grid page has {len(vouchers)} rows "
                f"{vouchers[:3]}..., expected {len(want)} rows {want[:3]}..."
            )
        page.values.append(seconds * 1000)


# --------------------------------------------------------------------------- contention


def contention_worker(path: str, barrier: Any, results: Any, worker: int) -> None:
    """One process: ``TXNS_PER_WORKER`` read-then-write transactions on the counter row."""
    report: dict[str, Any] = {
        "worker": worker,
        "done": 0,
        "locked": 0,
        "errors": [],
        "start": 0.0,
        "end": 0.0,
    }
    try:
        db = open_database(path, create=False)
        try:
            with db.read() as session:  # connect (and set the pragmas) before the clock starts
                session.connection().execute(text("SELECT 1"))
            barrier.wait(timeout=120)
            report["start"] = time.monotonic()
            for _ in range(TXNS_PER_WORKER):
                try:
                    with db.write() as session:
                        conn = session.connection()
                        n = conn.execute(
                            text("SELECT n FROM bench_counter WHERE id = 1")
                        ).scalar_one()
                        conn.execute(
                            text("UPDATE bench_counter SET n = :n WHERE id = 1"), {"n": n + 1}
                        )
                    report["done"] += 1
                except OperationalError as exc:
                    if "database is locked" in str(exc):
                        report["locked"] += 1
                    else:
                        report["errors"].append(str(exc.orig or exc).splitlines()[0])
            report["end"] = time.monotonic()
        finally:
            db.dispose()
    except Exception as exc:
        report["errors"].append(f"{type(exc).__name__}: {exc}")
    finally:
        results.put(report)


def bench_contention(workdir: Path, metric: Metric) -> None:
    path = workdir / f"contention-{uuid.uuid4().hex[:8]}.db"
    db = open_database(str(path), create=False)
    try:
        with db.write() as session:
            conn = session.connection()
            conn.execute(
                text("CREATE TABLE IF NOT EXISTS bench_counter(id INTEGER PRIMARY KEY, n INTEGER)")
            )
            conn.execute(text("INSERT INTO bench_counter(id, n) VALUES (1, 0)"))
    finally:
        db.dispose()

    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=contention_worker, args=(str(path), barrier, results, w))
        for w in range(WORKERS)
    ]
    for proc in procs:
        proc.start()
    reports = [results.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)

    db = open_database(str(path), create=False)
    try:
        with db.read() as session:
            final = (
                session.connection()
                .execute(text("SELECT n FROM bench_counter WHERE id = 1"))
                .scalar_one()
            )
    finally:
        db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    locked = sum(r["locked"] for r in reports)
    errors = [e for r in reports for e in r["errors"]]
    expected = WORKERS * TXNS_PER_WORKER
    if locked or errors or final != expected or any(p.exitcode != 0 for p in procs):
        fail(
            f"MISMATCH: contention counter={final} (expected {expected}), "
            f"'database is locked'={locked}, other errors={errors[:3]}, "
            f"exit codes={[p.exitcode for p in procs]}"
        )
    wall = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    metric.values.append(expected / wall)


# --------------------------------------------------------------------------- main


def format_value(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def print_table(rows: list[dict[str, Any]]) -> None:
    header = ["metric", "engine", "median", "min", "max", "unit"]
    lines = [header] + [
        [
            r["metric"],
            r["engine"],
            format_value(r["median"]),
            format_value(r["min"]),
            format_value(r["max"]),
            r["unit"],
        ]
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    right = {2, 3, 4}
    for n, line in enumerate(lines):
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="hotelops storage benchmark (SQLite, PostgreSQL)")
    parser.add_argument("--runs", type=int, default=5, help="runs per metric (default 5)")
    parser.add_argument(
        "--rows",
        type=int,
        default=10_000,
        help="inbox reservations inserted per run (default 10000)",
    )
    parser.add_argument(
        "--engines",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = parser.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(args.engines) - {"sqlite", "postgresql"}
    if unknown or not args.engines:
        parser.error(f"--engines: unknown engine(s) {sorted(unknown)} (use sqlite,postgresql)")
    if args.runs < 1 or args.rows < 1:
        parser.error("--runs and --rows must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if "postgresql" in args.engines:
        try:
            with pg_admin() as admin:
                pg_version = admin.execute("SHOW server_version").fetchone()
        except psycopg.OperationalError as exc:
            print(f"cannot reach PostgreSQL at {PG_ADMIN}: {exc}", file=sys.stderr)
            return 2
    else:
        pg_version = None

    metrics: list[Metric] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hotelops-bench-") as tmp:
        workdir = Path(tmp)
        if "sqlite" in args.engines:
            demo = Metric("demo_build", "sqlite", "s")
            metrics.append(demo)
            for run in range(args.runs):
                target = workdir / f"demo-{run}.db"
                start = time.perf_counter()
                build_demo(target, user="bench")
                demo.values.append(time.perf_counter() - start)
                log(f"demo_build run {run + 1}/{args.runs}: {demo.values[-1]:.2f} s")

        inbox: dict[str, tuple[Metric, Metric, Metric]] = {}
        for engine in args.engines:
            inbox[engine] = (
                Metric("inbox_insert", engine, "rows/s"),
                Metric("money_sum", engine, "ms"),
                Metric("grid_page", engine, "ms"),
            )
            for run in range(args.runs):
                bench_inbox(engine, args.rows, workdir, *inbox[engine])
                ins, summ, page = inbox[engine]
                log(
                    f"inbox {engine} run {run + 1}/{args.runs}: {ins.values[-1]:,.0f} rows/s, "
                    f"sum {summ.values[-1]:.2f} ms, page {page.values[-1]:.2f} ms"
                )
        for position in range(3):
            metrics.extend(inbox[engine][position] for engine in args.engines)

        if "sqlite" in args.engines:
            contention = Metric("contention", "sqlite", "txn/s")
            metrics.append(contention)
            for run in range(args.runs):
                bench_contention(workdir, contention)
                log(f"contention run {run + 1}/{args.runs}: {contention.values[-1]:,.0f} txn/s")

    rows = [m.summary() for m in metrics]
    if args.json:
        print(
            json.dumps(
                {
                    "runs": args.runs,
                    "rows": args.rows,
                    "batch": BATCH,
                    "engines": args.engines,
                    "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version,
                    "postgresql": pg_version[0] if pg_version else None,
                    "elapsed_s": round(time.perf_counter() - began, 1),
                    "results": rows,
                },
                indent=2,
                default=str,
            )
        )
    else:
        print(
            f"hotelops storage benchmark: {args.runs} runs, {args.rows} inbox rows "
            f"(x2 guests), batches of {BATCH}; median/min/max over runs"
        )
        print_table(rows)
        print(f"total {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
