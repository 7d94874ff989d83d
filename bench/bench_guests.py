"""Guest matching benchmark: 1,000 incoming guests against 10,000 guest profiles.

    python bench/bench_guests.py [--runs 5]

Half the guests carry their birth date (exact matches), half only their name (possible guests);
names are upper case without diacritics, as operators send them; 3,000 surnames made of
syllables (a realistic spread: few share their first three letters).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta

from hotelops.core.guests import ProfileIndex
from hotelops.core.models import GuestProfile
from hotelops.core.text import fold

FIRSTS = ["Anna", "Jörg", "İpek", "Łukasz", "Marta", "Roy", "Şükrü", "Ingrid", "Lars", "Eva"]


@dataclass
class Guest:
    first_name: str
    last_name: str
    birth_date: date | None = None
    passport: str = ""
    nationality: str = ""
    id: int = 0
    seq: int = 0
    guest_profile_id: int | None = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(7)
    syllables = [
        "ka",
        "lo",
        "mi",
        "ser",
        "tan",
        "vel",
        "do",
        "gru",
        "bek",
        "nor",
        "şa",
        "öz",
        "han",
        "ric",
        "ves",
        "lin",
        "qu",
        "zet",
        "pol",
        "ar",
    ]
    surnames = sorted(
        {
            "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).title()
            for _ in range(4000)
        }
    )[:3000]
    profiles = []
    for i in range(10_000):
        first, last = rng.choice(FIRSTS), rng.choice(surnames)
        profiles.append(
            GuestProfile(
                id=i + 1,
                hotel_id=1,
                first_name=first,
                last_name=last,
                name_folded=fold(f"{first} {last}"),
                birth_date=date(1950, 1, 1) + timedelta(days=rng.randrange(20_000)),
                nationality="DEU",
            )
        )
    index = ProfileIndex.from_profiles(profiles)
    guests = []
    for i in range(1000):
        p = rng.choice(profiles)
        guests.append(
            Guest(
                p.first_name.upper(),
                p.last_name.upper(),
                birth_date=p.birth_date if i % 2 else None,
                nationality="DEU",
            )
        )
    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for guest in guests:
            index.match(guest)  # type: ignore[arg-type]
        rates.append(len(guests) / (time.perf_counter() - start))
    print(
        f"guests matched per second: median {statistics.median(rates):.0f} "
        f"(runs: {', '.join(f'{r:.0f}' for r in rates)})"
    )


if __name__ == "__main__":
    main()
