"""Review grid benchmark: the dashboard over 100,000 inbox rows (issue 7).

Runs the real Textual app headless (``App.run_test``) on an SQLite database holding the demo
hotel plus 100,000 inbox reservations, and measures (median of --runs):

* open: from starting the app to the first page shown (target 1.5 s);
* move: one cursor step down (target 100 ms);
* page: pgdn to the next page, loaded from the database (target 100 ms);
* sort: the sort key changed and the first page reloaded (target 100 ms).

Each interaction is timed two ways: the Pilot round trip (the key sent, every worker done, the
app idle again: Pilot's idle detection alone costs about 60 ms a key on this machine), and key
to screen (the key sent until the end of the first repaint that shows the result, the time a
user waits). The price marks of a page arrive after it, in their own worker; "marks" is the
key to their arrival.

    python bench/bench_grid.py [--rows 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import select
from textual.screen import Screen

from hotelops.core.db import open_database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.models import InboxReservation, Operator
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.grid import ReviewGrid

#: (start, end) of every repaint, and when the grid showed a page or its marks.
REPAINTS: list[tuple[float, float]] = []
SHOWN: list[tuple[str, float]] = []


def _instrument() -> None:
    """Record repaints and page/marks arrivals (wrapping the methods, not changing them)."""
    repaint = Screen._compositor_refresh
    show_page = ReviewGrid._show_page
    show_marks = ReviewGrid._show_marks

    def timed_repaint(self: Screen[object]) -> None:
        start = time.perf_counter()
        repaint(self)
        REPAINTS.append((start, time.perf_counter()))

    def timed_page(self: ReviewGrid, *args: object) -> None:
        show_page(self, *args)  # type: ignore[arg-type]
        SHOWN.append(("page", time.perf_counter()))

    def timed_marks(self: ReviewGrid, *args: object) -> None:
        show_marks(self, *args)  # type: ignore[arg-type]
        SHOWN.append(("marks", time.perf_counter()))

    Screen._compositor_refresh = timed_repaint  # type: ignore[method-assign]
    ReviewGrid._show_page = timed_page  # type: ignore[method-assign]
    ReviewGrid._show_marks = timed_marks  # type: ignore[method-assign]


def _painted(after: float) -> float:
    """The end of the first repaint that started after ``after``."""
    return min((end for start, end in REPAINTS if start >= after), default=float("nan"))


def build(path: Path, count: int) -> None:
    """The demo hotel and ``count`` pending inbox reservations."""
    db = open_database(str(path))
    import_hotel(db, fixtures_dir() / DEMO_FILE, user="bench")
    rng = random.Random(3)
    now = datetime.now(UTC)
    with db.write() as s:
        operators = [op for op in s.exec(select(Operator)) if op.id is not None]
    for start in range(0, count, 10_000):
        rows = []
        for i in range(start, min(count, start + 10_000)):
            nights = rng.randint(3, 14)
            arrival = date(2026, 5, 1) + timedelta(days=rng.randint(0, 150))
            op = operators[i % len(operators)]
            rows.append(
                {
                    "hotel_id": op.hotel_id,
                    "operator_id": op.id,
                    "voucher": f"G{i:07d}",
                    "operator_res_id": "",
                    "content": rng.choice(["new", "modification", "cancellation"]),
                    "status": rng.choice(["pending", "pending", "approved", "rejected"]),
                    "operator_status": "",
                    "check_in": arrival,
                    "check_out": arrival + timedelta(days=nights),
                    "nights": nights,
                    "sale_date": date(2026, 1, 1) + timedelta(days=rng.randint(0, 120)),
                    "received_at": now - timedelta(seconds=i),
                    "adults": 2,
                    "children": 0,
                    "child_ages": [],
                    "infants": 0,
                    "nationality": "DEU",
                    "operator_agency": "TUI GASP",
                    "operator_room_type": "STDLV",
                    "operator_board": "UAI",
                    "operator_market": "DE",
                    "operator_rate_type": "",
                    "room_count": 1,
                    "operator_price": Decimal("1000.00"),
                    "operator_currency": "EUR",
                    "agency_note": "",
                    "hotel_note": "",
                    "cancellation_note": "",
                    "arrival_flight": "",
                    "arrival_route": "",
                    "arrival_flight_time": "",
                    "departure_flight": "",
                    "departure_route": "",
                    "departure_flight_time": "",
                    "sender": "",
                    "guest_names": f"Guest {i} / Two",
                    "guest_names_folded": f"guest {i} / two",
                    "price_code": "",
                    "source_code": "",
                    "segment_code": "",
                    "version": 1,
                    "decision_seq": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        with db.write() as s:
            s.execute(insert(InboxReservation.__table__), rows)  # type: ignore[attr-defined]
    db.dispose()


async def measure(path: Path) -> dict[str, float]:
    """One run of the app: seconds for each interaction (``*_screen``: key to screen)."""
    db = open_database(str(path), create=False)
    app = HotelopsApp(db, "KIV")
    timings: dict[str, float] = {}
    start = time.perf_counter()
    async with app.run_test(size=(160, 60)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        timings["open"] = time.perf_counter() - start
        grid = app.screen
        assert isinstance(grid, ReviewGrid)

        async def timed(name: str, *keys: str, loads: bool) -> None:
            REPAINTS.clear()
            SHOWN.clear()
            begin = time.perf_counter()
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()
            timings[name] = time.perf_counter() - begin
            if loads:
                page = min(t for kind, t in SHOWN if kind == "page")
                timings[f"{name}_screen"] = _painted(page) - begin
                marks = [t for kind, t in SHOWN if kind == "marks"]
                timings[f"{name}_marks"] = (min(marks) - begin) if marks else float("nan")
            else:
                timings[f"{name}_screen"] = _painted(begin) - begin

        await timed("move", "down", loads=False)
        await timed("page", "pagedown", loads=True)
        for _ in range(3):
            await pilot.press("pagedown")
        await app.workers.wait_for_complete()
        await timed("sort", "s", loads=True)
    db.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    _instrument()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grid.db"
        began = time.perf_counter()
        build(path, args.rows)
        print(f"built {args.rows} inbox rows in {time.perf_counter() - began:.1f} s")
        runs = [asyncio.run(measure(path)) for _ in range(args.runs)]
    targets = {"open": 1.5, "move": 0.1, "page": 0.1, "sort": 0.1}
    keys = ["open"]
    for name in ("move", "page", "sort"):
        keys += [name, f"{name}_screen"]
    keys += ["page_marks", "sort_marks"]
    for key in keys:
        target = targets.get(key.split("_")[0], 0.0)
        values = [r[key] for r in runs]
        median = statistics.median(values)
        verdict = (
            ""
            if key.endswith("_marks")
            else (f"target {target * 1000:.0f} ms, {'meets' if median <= target else 'misses'}; ")
        )
        print(
            f"{key:12} median {median * 1000:7.1f} ms  ({verdict}runs "
            f"{', '.join(f'{v * 1000:.0f}' for v in values)})"
        )


if __name__ == "__main__":
    main()
