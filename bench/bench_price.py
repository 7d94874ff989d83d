"""Price benchmark: ``price --pending`` over 10,000 pending inbox reservations.

Each reservation is 3 to 14 nights in one of the contract's room types, with 1-3 adults and
sometimes children, sold between October 2025 and May 2026 through the demo agencies; the
contract has 6 periods and 3 occupancies per room type (the demo's TUI-GASP-26 when it has them,
else a generated one) and the hotel has 12 promotions. Measured: reservations priced per second
by ``price_pending``, with and without the explain trace (median of --runs).

    python bench/bench_price.py [--reservations 10000] [--runs 5] [--json]

Target (issue 5): at least 2,000 reservations/s, with and without the trace.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import select

from hotelops.core.config import PriceSettings
from hotelops.core.db import open_database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.models import InboxReservation, Mapping, MappingKind, Operator
from hotelops.core.pricing.contracts import import_contract, load_contract
from hotelops.core.pricing.promotions import import_promotions, load_promotions
from hotelops.core.pricing.service import PRICED, price_pending

PROMOTIONS = """
[[promotion]]
code = "B-EB{n}"
description = "Early booking {n}"
kind = "early_booking"
percent = {pct}
days_before = {days}
priority = {prio}
auto_apply = true
date_basis = "booking"
from = "2025-09-01"
to = "2026-05-31"
"""


def setup(work: Path, count: int) -> str:
    """A database with the demo hotel, its contracts, 12 promotions and ``count`` pending rows."""
    path = work / "price.db"
    db = open_database(str(path))
    imported = import_hotel(db, fixtures_dir() / DEMO_FILE, user="bench")
    pricing = fixtures_dir() / "pricing"
    for contract_file in sorted(pricing.glob("*.toml")):
        if contract_file.name != "promotions.toml":
            import_contract(db, imported.hotel_code, contract_file, user="bench")
    import_promotions(db, imported.hotel_code, pricing / "promotions.toml", user="bench")
    with db.read() as s:
        hotel = get_hotel(s, imported.hotel_code)
        existing = len(load_promotions(s, hotel.id or 0))
        contract = load_contract(s, hotel.id or 0, "TUI-GASP-26")
    extra = work / "more-promotions.toml"
    extra.write_text(
        "".join(
            PROMOTIONS.format(n=i, pct=2 + i, days=30 + 10 * i, prio=5 + i)
            for i in range(max(0, 12 - existing))
        )
    )
    if max(0, 12 - existing):
        import_promotions(db, imported.hotel_code, extra, user="bench")
    assert contract is not None
    rooms = sorted({room.room_type for room in contract.rooms})
    rng = random.Random(2026)
    with db.write() as s:
        operator = s.exec(select(Operator).where(Operator.code == "TUIP")).one()
        mapped = {
            m.operator_code
            for m in s.exec(
                select(Mapping).where(
                    Mapping.operator_id == operator.id, Mapping.kind == MappingKind.ROOM_TYPE
                )
            )
        }
        for room in rooms:
            if room not in mapped:
                s.add(
                    Mapping(
                        hotel_id=hotel.id or 0,
                        operator_id=operator.id or 0,
                        kind=MappingKind.ROOM_TYPE,
                        operator_code=room,
                        hotel_code=room,
                    )
                )
        start, end = contract.valid_from, contract.valid_to
        span = (end - start).days
        rows = []
        now = datetime.now(UTC)
        for i in range(count):
            nights = rng.randint(3, 14)
            arrival = start + timedelta(days=rng.randint(0, max(0, span - nights)))
            adults = rng.choice((1, 2, 2, 2, 3))
            children = [] if rng.random() < 0.7 or adults == 3 else [rng.randint(2, 12)]
            rows.append(
                {
                    "hotel_id": hotel.id,
                    "operator_id": operator.id,
                    "voucher": f"B{i:07d}",
                    "operator_res_id": "",
                    "content": "new",
                    "status": "pending",
                    "operator_status": "",
                    "check_in": arrival,
                    "check_out": arrival + timedelta(days=nights),
                    "nights": nights,
                    "sale_date": date(2025, 10, 1) + timedelta(days=rng.randint(0, 220)),
                    "received_at": now,
                    "adults": adults,
                    "children": len(children),
                    "child_ages": children,
                    "infants": 0,
                    "nationality": "DEU",
                    "operator_agency": "TUI GASP",
                    "operator_room_type": rng.choice(rooms),
                    "operator_board": "UAI",
                    "operator_market": "BATI AVRUPA",
                    "operator_rate_type": "KONTRAT",
                    "room_count": 1,
                    "operator_price": Decimal(rng.randint(800, 4000)),
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
                    "guest_names": f"Guest {i}",
                    "guest_names_folded": f"guest {i}",
                    "price_code": "",
                    "source_code": "",
                    "segment_code": "",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        s.execute(insert(InboxReservation.__table__), rows)  # type: ignore[attr-defined]
    db.dispose()
    return str(path)


def run(db_path: str, explain: bool) -> tuple[float, dict[str, int]]:
    """Seconds to price every pending reservation, and the outcome counts."""
    db = open_database(db_path, create=False)
    with db.read() as s:
        hotel = get_hotel(s)
        start = time.perf_counter()
        summary = price_pending(s, hotel, PriceSettings(), explain=explain)
        seconds = time.perf_counter() - start
    db.dispose()
    counts = {status: summary.count(status) for status in (PRICED, "differs", "unpriced")}
    return seconds, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reservations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = setup(Path(tmp), args.reservations)
        results: dict[str, list[float]] = {"with_explain": [], "without_explain": []}
        counts: dict[str, int] = {}
        for _ in range(args.runs):
            for explain, key in ((True, "with_explain"), (False, "without_explain")):
                seconds, counts = run(db_path, explain)
                results[key].append(args.reservations / seconds)
                print(f"{key}: {results[key][-1]:.0f} reservations/s", file=sys.stderr)
    data = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "reservations": args.reservations,
        "runs": args.runs,
        "outcomes": counts,
        **{f"{k}_per_s_median": round(statistics.median(v)) for k, v in results.items()},
        **{f"{k}_per_s_runs": [round(x) for x in v] for k, v in results.items()},
    }
    if args.json:
        print(json.dumps(data, indent=2))
        return
    for key in ("with_explain", "without_explain"):
        print(f"{key:16} {data[f'{key}_per_s_median']:>7} reservations/s  (target >= 2000)")
    print(f"outcomes         {counts}")


if __name__ == "__main__":
    main()
