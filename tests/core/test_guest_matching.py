"""Guest matching (Misafirler sekmesi): exact, possible, link by hand, repeat stays, flags."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from hotelops.core.auditlog import entries
from hotelops.core.db import Database
from hotelops.core.errors import NotFound
from hotelops.core.guests import (
    GuestFlags,
    GuestMatch,
    ProfileIndex,
    count_repeat_stays,
    link_guest,
    match_guests,
)
from hotelops.core.hotelfile import import_hotel
from hotelops.core.models import GuestProfile, InboxGuest, InboxReservation, Operator
from hotelops.core.text import fold


@dataclass
class Guest:
    first_name: str
    last_name: str
    birth_date: date | None = None
    passport: str = ""
    nationality: str = ""
    guest_profile_id: int | None = None
    id: int | None = 1
    seq: int = 0


def profile(pid: int, first: str, last: str, **kw: object) -> GuestProfile:
    return GuestProfile(
        id=pid,
        hotel_id=1,
        first_name=first,
        last_name=last,
        name_folded=fold(f"{first} {last}"),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
def hotel(db: Database, demo_file: Path) -> tuple[Database, int, dict[str, int]]:
    """The demo hotel's 20 profiles; returns the database, hotel id and profile ids by name."""
    imported = import_hotel(db, demo_file, user="test")
    with db.read() as session:
        ids = {
            f"{p.first_name} {p.last_name}": p.id or 0
            for p in session.exec(
                select(GuestProfile).where(GuestProfile.hotel_id == imported.hotel_id)
            )
        }
    return db, imported.hotel_id, ids


def add_inbox(
    db: Database, hotel_id: int, guests: list[dict[str, object]]
) -> tuple[int, list[int]]:
    with db.write() as session:
        operator = session.exec(select(Operator).where(Operator.hotel_id == hotel_id)).first()
        assert operator is not None and operator.id is not None
        row = InboxReservation(
            hotel_id=hotel_id,
            operator_id=operator.id,
            voucher="GM-TEST-1",
            check_in=date(2026, 6, 1),
            check_out=date(2026, 6, 8),
            nights=7,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        rows = []
        for seq, g in enumerate(guests):
            first, last = str(g["first_name"]), str(g["last_name"])
            guest = InboxGuest(
                hotel_id=hotel_id,
                inbox_reservation_id=row.id,
                seq=seq,
                name_folded=fold(f"{first} {last}"),
                **g,  # type: ignore[arg-type]
            )
            session.add(guest)
            rows.append(guest)
        session.flush()
        return row.id, [g.id or 0 for g in rows]


def test_exact_by_birth_date_passport_swapped_and_folded(
    hotel: tuple[Database, int, dict[str, int]],
) -> None:
    db, hotel_id, ids = hotel
    inbox_id, _ = add_inbox(
        db,
        hotel_id,
        [
            # Operators send upper case without diacritics.
            {"first_name": "ISTVAN", "last_name": "LEVAI", "birth_date": date(1958, 4, 21)},
            {"first_name": "Ipek", "last_name": "Irmak", "passport": "U 1883 7264"},
            {"first_name": "ÇAĞLAR", "last_name": "ŞÜKRÜ", "birth_date": date(1961, 12, 8)},
            {"first_name": "NIELS", "last_name": "JORGENSEN", "passport": "208337415"},
            {"first_name": "Omer", "last_name": "Gunes", "birth_date": date(1975, 2, 17)},
        ],
    )
    with db.read() as session:
        matches = match_guests(session, hotel_id, inbox_id)
    assert [m.status for m in matches] == ["exact"] * 5
    assert [m.exact_profile_id for m in matches] == [
        ids["István Lévai"],
        ids["İPEK IRMAK"],
        ids["Şükrü Çağlar"],
        ids["Niels Jørgensen"],
        ids["Ömer Güneş"],
    ]
    assert all(m.exact_profile_id not in {c.profile_id for c in m.candidates} for m in matches)
    ipek = matches[1]
    assert ipek.flags == GuestFlags(vip="VIP2", repeat=5, gray_list=False, problem=False)
    assert ipek.colour == "vip"
    assert matches[4].colour == "gray_list"


def test_name_only_is_possible_with_a_high_score(
    hotel: tuple[Database, int, dict[str, int]],
) -> None:
    db, hotel_id, ids = hotel
    inbox_id, _ = add_inbox(
        db,
        hotel_id,
        [
            {"first_name": "ISTVAN", "last_name": "LEVAI", "nationality": "HUN"},
            {"first_name": "ROY", "last_name": "MACDONALD", "birth_date": date(1980, 1, 1)},
            {"first_name": "JOAN", "last_name": "MACDONALD", "birth_date": date(1996, 1, 20)},
            {"first_name": "Nobody", "last_name": "Known"},
        ],
    )
    with db.read() as session:
        levai, roy, joan, nobody = match_guests(session, hotel_id, inbox_id)
    assert levai.status == "possible" and levai.exact_profile_id is None
    assert levai.candidates[0].profile_id == ids["István Lévai"]
    assert levai.candidates[0].score >= 0.8
    assert levai.candidates[0].reasons[0] == "same name"
    assert levai.colour == "possible" and levai.flags is None
    # Same name, another birth date: still offered, lower; Joan is not offered Roy.
    assert roy.status == "possible"
    assert roy.candidates[0].profile_id == ids["Roy MacDonald"]
    assert roy.candidates[0].score < levai.candidates[0].score
    assert roy.candidates[0].flags.vip == "VIP1" and roy.candidates[0].flags.repeat == 17
    assert joan.status == "exact" and joan.exact_profile_id == ids["Joan MacDonald"]
    assert joan.candidates == []
    assert nobody.status == "new" and nobody.candidates == [] and nobody.flags is None


def test_possible_ranking_and_limit() -> None:
    born = date(1980, 5, 5)
    index = ProfileIndex.from_profiles(
        [
            profile(1, "Jürgen", "Müller", nationality="DEU"),
            profile(2, "Jürgen", "Müller", birth_date=born, nationality="DEU"),
            profile(3, "Jurgen", "Muler", nationality="DEU"),
            profile(4, "Juergen", "Mueller", nationality="AUT"),
            profile(5, "Sabine", "Müller", nationality="DEU"),
            profile(6, "Hans", "Schmidt", birth_date=born, passport="X1", nationality="DEU"),
            *(profile(10 + i, "Jürgen", "Müller", nationality="DEU") for i in range(6)),
        ]
    )
    m = index.match(Guest("JUERGEN", "MUELLER", birth_date=born, nationality="DEU"))
    assert m.status == "possible"
    assert len(m.candidates) == 5
    assert m.candidates[0].profile_id == 2
    assert "birth date" in m.candidates[0].reasons
    scores = [c.score for c in m.candidates]
    assert scores == sorted(scores, reverse=True)
    assert 5 not in {c.profile_id for c in m.candidates}
    # Fewer look-alikes: the transcription and the typo rank below the same birth date.
    small = ProfileIndex.from_profiles(
        [
            profile(2, "Jürgen", "Müller", birth_date=born),
            profile(3, "Jurgen", "Muler"),
            profile(4, "Juergen", "Mueller"),
            profile(5, "Sabine", "Müller"),
        ]
    )
    ranked = [c.profile_id for c in small.match(Guest("JÜRGEN", "MÜLLER")).candidates]
    assert ranked[0] == 2 and set(ranked) == {2, 3, 4}
    # The same passport with another name is offered, never exact.
    by_passport = small.match(Guest("Ann", "Other", passport="X1"))
    assert by_passport.status == "new"
    passport_index = ProfileIndex.from_profiles([profile(6, "Hans", "Schmidt", passport="X1")])
    other = passport_index.match(Guest("HANS", "SCHMITT", passport="x-1"))
    assert other.status == "possible" and other.candidates[0].reasons[-1] == "passport"


def test_linked_guest_and_flags_colour_precedence() -> None:
    index = ProfileIndex.from_profiles(
        [
            profile(1, "Roy", "MacDonald", vip_level="VIP1", repeat_count=17),
            profile(2, "Joost", "van der Meulen", problem_guest=True, gray_list=True),
        ]
    )
    m = index.match(Guest("Joost", "van der Meulen", guest_profile_id=1))
    assert m.status == "linked" and m.profile_id == 1
    assert m.flags == GuestFlags("VIP1", 17, False, False) and m.colour == "vip"
    assert [c.profile_id for c in m.candidates] == [2]
    assert m.candidates[0].flags.colour == "problem"

    assert GuestFlags("VIP1", 3, True, True).colour == "problem"
    assert GuestFlags("VIP1", 3, True, False).colour == "gray_list"
    assert GuestFlags("VIP1", 3, False, False).colour == "vip"
    assert GuestFlags("", 3, False, False).colour == "repeat"
    assert GuestFlags("", 0, False, False).colour == ""
    assert GuestMatch(1, 0, "x", None, None, []).status == "new"


def test_link_unlink_audited_and_checked(hotel: tuple[Database, int, dict[str, int]]) -> None:
    db, hotel_id, ids = hotel
    inbox_id, (guest_id,) = add_inbox(db, hotel_id, [{"first_name": "J", "last_name": "Mac"}])
    link_guest(db, hotel_id, guest_id, ids["Joan MacDonald"], user="ayse")
    with db.read() as session:
        (m,) = match_guests(session, hotel_id, inbox_id)
        assert m.status == "linked" and m.linked_profile_id == ids["Joan MacDonald"]
        assert m.flags is not None and m.flags.repeat == 4 and m.colour == "repeat"
    link_guest(db, hotel_id, guest_id, None, user="ayse")
    with db.read() as session:
        (m,) = match_guests(session, hotel_id, inbox_id)
        assert m.status == "new"
        log = entries(session, hotel_id, entity="inbox_guest", entity_id=guest_id)
    assert [e.action for e in log] == ["guest.link", "guest.link"]
    assert log[0].before == {"guest_profile_id": ids["Joan MacDonald"]}
    assert log[0].after == {"guest_profile_id": None} and log[0].user == "ayse"
    with pytest.raises(NotFound):
        link_guest(db, hotel_id, guest_id, 999_999, user="ayse")
    with pytest.raises(NotFound):
        link_guest(db, hotel_id, 999_999, ids["Joan MacDonald"], user="ayse")
    with pytest.raises(NotFound), db.read() as session:
        match_guests(session, hotel_id, 999_999)


def test_count_repeat_stays(hotel: tuple[Database, int, dict[str, int]]) -> None:
    db, _, ids = hotel
    roy, amy = ids["Roy MacDonald"], ids["Amy Robinson"]
    with db.write() as session:
        count_repeat_stays(session, [roy, amy, roy, None])
        count_repeat_stays(session, [])
    with db.read() as session:
        assert session.get(GuestProfile, roy).repeat_count == 18  # type: ignore[union-attr]
        assert session.get(GuestProfile, amy).repeat_count == 2  # type: ignore[union-attr]


def test_thousand_guests_against_ten_thousand_profiles_is_fast() -> None:
    rng = random.Random(7)
    letters = "abcdefghijklmnoprstuvyz"

    def word() -> str:
        return "".join(rng.choice(letters) for _ in range(rng.randint(4, 9))).capitalize()

    surnames = [word() for _ in range(3000)]
    firsts = [word() for _ in range(600)]
    profiles = [
        profile(
            i + 1,
            rng.choice(firsts),
            rng.choice(surnames),
            birth_date=date(1950, 1, 1) + timedelta(days=rng.randrange(20_000)),
            nationality="DEU",
        )
        for i in range(10_000)
    ]
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
    matches = [index.match(g) for g in guests]
    # Every guest that carried its birth date is found exactly (speed: bench/bench_guests.py).
    assert sum(m.status == "exact" for m in matches) >= 500
