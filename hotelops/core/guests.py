"""Guest matching: each incoming guest against the hotel's guest profiles (Misafirler sekmesi).

An inbox guest is matched in memory against a ``ProfileIndex`` built once per hotel (a handful of
dicts, no query per guest):

* **exact**: the same folded first and last name (also in swapped order, "LAST FIRST", as some
  operators send it) **and** the same birth date or the same passport. The profile id is shown
  as the guest's Misafir ID.
* **possible** (Olası Misafirler): profiles that look alike, scored from 0 to 1 and ranked, best
  first, at most ``MAX_CANDIDATES``. A profile with the same name but no birth date or passport
  to confirm it is only possible, with a high score. The office links one by hand
  (``link_guest``).

Names are compared folded (``hotelops.core.text.fold``: Turkish case folding, accents stripped)
with punctuation turned into spaces, so "ISTVAN LEVAI" finds "István Lévai" and "SCHAEFER-MUELLER"
still comes near "Schäfer-Müller" (candidates are looked up by a "loose" key in which German
"ae/oe/ue" spellings collapse too).

Scoring of a possible profile (``score``), capped to 0..1:

==========================================  ======
full-name similarity (difflib ratio)         0.45 ×
first-name similarity (difflib ratio)        0.20 ×
same last name                               +0.10
same first-name initial                      +0.05
same birth date                              +0.25
same passport                                +0.30
same nationality                             +0.05
both birth dates known and different         −0.10
both passports known and different           −0.10
==========================================  ======

A profile is offered from ``POSSIBLE_THRESHOLD`` (0.65) up. The same name alone scores 0.80
(0.85 with the same nationality); a relative with the same surname but another first name stays
below the threshold, so "Joan MacDonald" is not offered "Roy MacDonald" (nor "Mateusz Tessa"
"Marta Tessa").

Flags travel with the match for display (``GuestFlags.colour``). The seed lists problem red,
repeat yellow, gray list black, possible green and VIP in its own colour; one row has one colour,
so the precedence is: **problem > gray list > VIP > repeat**. The two warnings come first because
they change how the desk treats the guest (duty manager, cash guarantee) and must never hide
behind a courtesy flag; VIP comes before repeat because nearly every VIP is a repeat guest and
its own colour would otherwise never show. "possible" (green) is a status, not a flag: it colours
a row only when no linked or exact profile gives it a flag colour.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Protocol

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import Session, col, select

from hotelops.core import auditlog
from hotelops.core.db import Database
from hotelops.core.errors import NotFound
from hotelops.core.models import GuestProfile, InboxGuest, InboxReservation
from hotelops.core.text import fold

#: At most this many possible profiles per guest.
MAX_CANDIDATES = 5
#: A profile scoring less is not offered as possible.
POSSIBLE_THRESHOLD = 0.65
#: A surname that only starts like the guest's is scored from this similarity up.
NEAR_SURNAME = 0.7

W_FULL = 0.45
W_FIRST = 0.20
B_LAST = 0.10
B_INITIAL = 0.05
B_BIRTH = 0.25
B_PASSPORT = 0.30
B_NATIONALITY = 0.05
P_BIRTH = 0.10
P_PASSPORT = 0.10

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_LOOSE = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("ss", "s"))


def name_key(text: str | None) -> str:
    """A name as compared: folded, punctuation (hyphens, apostrophes, dots) as single spaces."""
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def loose_key(key: str) -> str:
    """A name key with German transcriptions collapsed ("mueller" and "muller" are the same)."""
    for spelled, letter in _LOOSE:
        key = key.replace(spelled, letter)
    return key


def passport_key(text: str | None) -> str:
    """A passport number as compared: upper case, letters and digits only."""
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


@dataclass(frozen=True)
class GuestFlags:
    """What the office must know about a profile: VIP level, earlier stays, gray list, problem."""

    vip: str
    repeat: int
    gray_list: bool
    problem: bool

    @property
    def colour(self) -> str:
        """The row colour: ``problem`` > ``gray_list`` > ``vip`` > ``repeat``, else ``""``."""
        if self.problem:
            return "problem"
        if self.gray_list:
            return "gray_list"
        if self.vip:
            return "vip"
        if self.repeat > 0:
            return "repeat"
        return ""


@dataclass(frozen=True)
class Candidate:
    """A possible profile for a guest, with its score and why it was offered."""

    profile_id: int
    name: str
    birth_date: date | None
    passport: str
    nationality: str
    score: float
    reasons: tuple[str, ...]
    flags: GuestFlags


@dataclass
class GuestMatch:
    """One inbox guest and what it matches: linked by hand, exact, possible profiles, or none."""

    inbox_guest_id: int
    seq: int
    name: str
    linked_profile_id: int | None
    exact_profile_id: int | None
    candidates: list[Candidate] = field(default_factory=list)
    linked_flags: GuestFlags | None = None
    exact_flags: GuestFlags | None = None

    @property
    def status(self) -> str:
        """``linked`` (by hand or on save), ``exact``, ``possible`` or ``new``."""
        if self.linked_profile_id is not None:
            return "linked"
        if self.exact_profile_id is not None:
            return "exact"
        if self.candidates:
            return "possible"
        return "new"

    @property
    def profile_id(self) -> int | None:
        """The profile this guest is: the linked one, else the exact one."""
        if self.linked_profile_id is not None:
            return self.linked_profile_id
        return self.exact_profile_id

    @property
    def flags(self) -> GuestFlags | None:
        """The flags of the linked profile, else of the exact one; ``None`` without either."""
        if self.linked_profile_id is not None:
            return self.linked_flags
        return self.exact_flags

    @property
    def colour(self) -> str:
        """The row colour: the profile's flag colour, else ``possible``, else ``""``."""
        flags = self.flags
        if flags is not None and flags.colour:
            return flags.colour
        return "possible" if self.status == "possible" else ""


class GuestLike(Protocol):
    """What matching reads from a guest (an ``InboxGuest`` has it all)."""

    @property
    def id(self) -> int | None: ...
    @property
    def seq(self) -> int: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def birth_date(self) -> date | None: ...
    @property
    def passport(self) -> str: ...
    @property
    def nationality(self) -> str: ...
    @property
    def guest_profile_id(self) -> int | None: ...


@dataclass(slots=True)
class _Profile:
    id: int
    name: str
    full: str
    first: str
    last: str
    birth_date: date | None
    passport: str
    passport_shown: str
    nationality: str
    flags: GuestFlags


@dataclass(slots=True)
class _Group:
    """Profiles that share one spelling of first and last name: their name is scored once."""

    first: str
    last: str
    loose_last: str
    first_chars: dict[str, int]
    profiles: list[_Profile] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Query:
    first: str
    last: str
    loose: frozenset[str]
    first_chars: dict[str, int]
    last_chars: dict[str, int]
    birth: date | None
    passport: str
    nationality: str
    skip: frozenset[int]


class ProfileIndex:
    """A hotel's guest profiles, indexed for matching: build once, match many guests.

    Profiles are grouped by their (first, last) name spelling, and the groups are found by each
    part of the surname and by its first three letters, so a guest costs one name comparison per
    distinct spelling near its surname, not one per profile.
    """

    def __init__(self, profiles: Iterable[_Profile] = ()) -> None:
        self._by_id: dict[int, _Profile] = {}
        self._by_full: dict[str, list[_Profile]] = {}
        self._groups: dict[tuple[str, str], _Group] = {}
        self._by_last: dict[str, list[_Group]] = {}
        self._by_prefix: dict[str, dict[str, list[_Group]]] = {}
        self._by_passport: dict[str, list[_Profile]] = {}
        self._by_birth: dict[date, list[_Profile]] = {}
        for profile in profiles:
            self._add(profile)

    def __len__(self) -> int:
        return len(self._by_id)

    @classmethod
    def load(cls, session: Session, hotel_id: int) -> ProfileIndex:
        """Every profile of the hotel, read in one query."""
        rows = session.execute(
            sa_select(
                col(GuestProfile.id),
                col(GuestProfile.first_name),
                col(GuestProfile.last_name),
                col(GuestProfile.birth_date),
                col(GuestProfile.passport),
                col(GuestProfile.nationality),
                col(GuestProfile.vip_level),
                col(GuestProfile.repeat_count),
                col(GuestProfile.gray_list),
                col(GuestProfile.problem_guest),
            )
            .where(col(GuestProfile.hotel_id) == hotel_id)
            .order_by(col(GuestProfile.id))
        )
        return cls(
            _profile(
                profile_id or 0,
                first,
                last,
                birth,
                passport,
                nationality,
                GuestFlags(vip or "", repeat or 0, bool(gray), bool(problem)),
            )
            for (
                profile_id,
                first,
                last,
                birth,
                passport,
                nationality,
                vip,
                repeat,
                gray,
                problem,
            ) in rows
        )

    @classmethod
    def from_profiles(cls, profiles: Iterable[GuestProfile]) -> ProfileIndex:
        """An index of profile rows already read (tests, callers that hold them)."""
        return cls(
            _profile(
                p.id or 0,
                p.first_name,
                p.last_name,
                p.birth_date,
                p.passport,
                p.nationality,
                flags_of(p),
            )
            for p in profiles
        )

    def _add(self, p: _Profile) -> None:
        self._by_id[p.id] = p
        self._by_full.setdefault(p.full, []).append(p)
        group = self._groups.get((p.first, p.last))
        if group is None:
            group = _Group(p.first, p.last, loose_key(p.last), _chars(p.first))
            self._groups[(p.first, p.last)] = group
            for token in _last_tokens(p.last):
                self._by_last.setdefault(token, []).append(group)
                if len(token) >= 3:
                    self._by_prefix.setdefault(token[:3], {}).setdefault(token, []).append(group)
        group.profiles.append(p)
        if p.passport:
            self._by_passport.setdefault(p.passport, []).append(p)
        if p.birth_date is not None:
            self._by_birth.setdefault(p.birth_date, []).append(p)

    def flags(self, profile_id: int | None) -> GuestFlags | None:
        """The flags of a profile of this hotel (``None`` when it is not one)."""
        if profile_id is None:
            return None
        profile = self._by_id.get(profile_id)
        return profile.flags if profile else None

    def match(self, guest: GuestLike) -> GuestMatch:
        """The exact profile and the ranked possible ones for one guest."""
        first = name_key(guest.first_name)
        last = name_key(guest.last_name)
        full = f"{first} {last}".strip()
        swapped = f"{last} {first}".strip()
        passport = passport_key(guest.passport)
        birth = guest.birth_date
        linked = guest.guest_profile_id

        exact: _Profile | None = None
        for key in (full, swapped):
            for p in self._by_full.get(key, ()):
                if (birth is not None and p.birth_date == birth) or (
                    passport and p.passport == passport
                ):
                    exact = p
                    break
            if exact is not None:
                break

        query = _Query(
            first=first,
            last=last,
            loose=frozenset({loose_key(last), loose_key(first)} - {""}),
            first_chars=_chars(first),
            last_chars=_chars(last),
            birth=birth,
            passport=passport,
            nationality=(guest.nationality or "").upper(),
            skip=frozenset(x for x in (linked, exact.id if exact else None) if x is not None),
        )
        # Profiles with the same birth date or passport are scored one by one (they may add
        # up to 0.55); every other profile adds at most its nationality, so its name group
        # is scored once and left out as soon as its name cannot reach the threshold.
        confirmed: dict[int, _Profile] = {}
        if birth is not None:
            confirmed.update((p.id, p) for p in self._by_birth.get(birth, ()))
        if passport:
            confirmed.update((p.id, p) for p in self._by_passport.get(passport, ()))
        found: dict[int, Candidate] = {}
        for group in self._pool(query, full, swapped).values():
            for candidate in _score_group(group, query, group.profiles, confirmed):
                found[candidate.profile_id] = candidate
        for p in confirmed.values():
            if p.id not in found:
                group = self._groups[(p.first, p.last)]
                for candidate in _score_group(group, query, [p], {}, alone=True):
                    found[candidate.profile_id] = candidate
        candidates = list(found.values())
        candidates.sort(key=lambda c: (-c.score, c.profile_id))
        return GuestMatch(
            inbox_guest_id=guest.id or 0,
            seq=guest.seq,
            name=" ".join(x for x in (guest.first_name, guest.last_name) if x),
            linked_profile_id=linked,
            exact_profile_id=exact.id if exact else None,
            candidates=candidates[:MAX_CANDIDATES],
            linked_flags=self.flags(linked),
            exact_flags=exact.flags if exact else None,
        )

    def _pool(self, q: _Query, full: str, swapped: str) -> dict[tuple[str, str], _Group]:
        """The name groups worth scoring: same or near surname, same name, same passport."""
        pool: dict[tuple[str, str], _Group] = {}
        # Any part of the name may be the surname (swapped order, double surnames).
        for token in _last_tokens(q.last) | _last_tokens(q.first):
            for group in self._by_last.get(token, ()):
                pool[(group.first, group.last)] = group
            if len(token) < 3:
                continue
            # Surnames that only start alike are scored when they are alike (one ratio each).
            for other, groups in self._by_prefix.get(token[:3], {}).items():
                if other != token and _ratio(token, other) >= NEAR_SURNAME:
                    for group in groups:
                        pool[(group.first, group.last)] = group
        for key in (full, swapped):
            for p in self._by_full.get(key, ()):
                pool[(p.first, p.last)] = self._groups[(p.first, p.last)]
        return pool


@lru_cache(maxsize=200_000)
def _ratio(a: str, b: str) -> float:
    """difflib's similarity of two name parts (names repeat, so each pair is computed once)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _chars(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    return counts


def _bag_bound(a: dict[str, int], b: dict[str, int], total: int) -> float:
    """An upper bound of difflib's ratio from the letters two strings share (cheap)."""
    if not total:
        return 0.0
    shared = sum(min(n, b.get(ch, 0)) for ch, n in a.items())
    return 2 * shared / total


def _name_similarity(q: _Query, g: _Group, floor: float) -> tuple[float, float]:
    """(full-name ratio, first-name ratio) in the better of the two orders.

    The full-name ratio is difflib's ``2·M/T`` summed over the two parts, so each part's ratio is
    computed once per pair of spellings and cached; the space between them counts as a match.
    An order whose weighted similarity cannot reach ``floor`` (letters shared) is not computed.
    """
    best = (0.0, 0.0)
    orders = ((q.first, q.first_chars, q.last), (q.last, q.last_chars, q.first))
    for f, f_chars, s in orders:
        ls = _ratio(s, g.last)
        tf = len(f) + len(g.first)
        tl = len(s) + len(g.last)
        total = tf + tl + 2
        # Upper bounds from the lengths (free), then from the shared letters, then the ratio.
        fs = 2 * min(len(f), len(g.first)) / tf if tf else 0.0
        if W_FULL * (fs * tf + ls * tl + 2) / total + W_FIRST * fs < floor:
            continue
        fs = _bag_bound(f_chars, g.first_chars, tf)
        if W_FULL * (fs * tf + ls * tl + 2) / total + W_FIRST * fs < floor:
            continue
        fs = _ratio(f, g.first)
        name_sim = (fs * tf + ls * tl + 2) / total
        if name_sim > best[0]:
            best = (name_sim, fs)
    return best


def _score_group(
    g: _Group,
    q: _Query,
    profiles: Iterable[_Profile],
    confirmed: dict[int, _Profile],
    *,
    alone: bool = False,
) -> list[Candidate]:
    """The candidates ``profiles`` of one name group make for the guest (above the threshold).

    Profiles in ``confirmed`` (same birth date or passport) are left to a call of their own
    (``alone``); without them the most a profile adds to its name is its nationality.
    """
    same_last = bool(g.last) and (g.last in (q.last, q.first) or g.loose_last in q.loose)
    base = (B_LAST if same_last else 0.0) + (
        B_INITIAL if g.first and g.first[0] in (q.first[:1], q.last[:1]) else 0.0
    )
    extra_max = B_NATIONALITY if q.nationality else 0.0
    if alone:
        extra_max += (B_BIRTH if q.birth is not None else 0.0) + (B_PASSPORT if q.passport else 0.0)
    floor = POSSIBLE_THRESHOLD - base - extra_max
    if floor > W_FULL + W_FIRST:
        return []
    name_sim, first_sim = _name_similarity(q, g, floor)
    name_part = W_FULL * name_sim + W_FIRST * first_sim + base
    if name_part < floor:
        return []
    if name_sim >= 0.999:
        name_reason = "same name"
    elif same_last:
        name_reason = "same last name"
    else:
        name_reason = f"similar name {name_sim:.2f}"
    found: list[Candidate] = []
    for p in profiles:
        if p.id in q.skip or p.id in confirmed:
            continue
        extra = 0.0
        reasons = [name_reason]
        if q.birth is not None and p.birth_date is not None:
            if p.birth_date == q.birth:
                extra += B_BIRTH
                reasons.append("birth date")
            else:
                extra -= P_BIRTH
        if q.passport and p.passport:
            if p.passport == q.passport:
                extra += B_PASSPORT
                reasons.append("passport")
            else:
                extra -= P_PASSPORT
        if q.nationality and p.nationality == q.nationality:
            extra += B_NATIONALITY
            reasons.append("nationality")
        score = round(min(max(name_part + extra, 0.0), 1.0), 3)
        if score < POSSIBLE_THRESHOLD:
            continue
        found.append(
            Candidate(
                profile_id=p.id,
                name=p.name,
                birth_date=p.birth_date,
                passport=p.passport_shown,
                nationality=p.nationality,
                score=score,
                reasons=tuple(reasons),
                flags=p.flags,
            )
        )
    return found


def _profile(
    profile_id: int,
    first_name: str,
    last_name: str,
    birth_date: date | None,
    passport: str | None,
    nationality: str | None,
    flags: GuestFlags,
) -> _Profile:
    first = name_key(first_name)
    last = name_key(last_name)
    return _Profile(
        id=profile_id,
        name=" ".join(x for x in (first_name, last_name) if x),
        full=f"{first} {last}".strip(),
        first=first,
        last=last,
        birth_date=birth_date,
        passport=passport_key(passport),
        passport_shown=passport or "",
        nationality=(nationality or "").upper(),
        flags=flags,
    )


def _last_tokens(key: str) -> set[str]:
    """Lookup keys of a surname: the whole name and each part, plain and loose."""
    if not key:
        return set()
    parts = {key, *(t for t in key.split(" ") if len(t) >= 2)}
    return parts | {loose_key(t) for t in parts}


def flags_of(profile: GuestProfile) -> GuestFlags:
    """The display flags of a profile."""
    return GuestFlags(
        vip=profile.vip_level or "",
        repeat=profile.repeat_count or 0,
        gray_list=bool(profile.gray_list),
        problem=bool(profile.problem_guest),
    )


def match_guests(session: Session, hotel_id: int, inbox_id: int) -> list[GuestMatch]:
    """The guests of one inbox reservation, in their order, each with its match."""
    reservation = session.get(InboxReservation, inbox_id)
    if reservation is None or reservation.hotel_id != hotel_id:
        raise NotFound(f"no inbox reservation #{inbox_id} in this hotel")
    guests = session.exec(
        select(InboxGuest)
        .where(InboxGuest.inbox_reservation_id == inbox_id, InboxGuest.hotel_id == hotel_id)
        .order_by(col(InboxGuest.seq), col(InboxGuest.id))
    ).all()
    if not guests:
        return []
    index = ProfileIndex.load(session, hotel_id)
    return [index.match(guest) for guest in guests]


def link_guest(
    db: Database, hotel_id: int, inbox_guest_id: int, profile_id: int | None, *, user: str
) -> None:
    """Link an inbox guest to a profile of the same hotel by hand; ``None`` unlinks. Audited."""
    with db.write() as session:
        guest = session.get(InboxGuest, inbox_guest_id)
        if guest is None or guest.hotel_id != hotel_id:
            raise NotFound(f"no inbox guest #{inbox_guest_id} in this hotel")
        if profile_id is not None:
            profile = session.get(GuestProfile, profile_id)
            if profile is None or profile.hotel_id != hotel_id:
                raise NotFound(
                    f"no guest profile #{profile_id} in this hotel "
                    f"(hotelops guests match {guest.inbox_reservation_id} lists the possible ones)"
                )
        before = guest.guest_profile_id
        if before == profile_id:
            return
        guest.guest_profile_id = profile_id
        session.add(guest)
        auditlog.record(
            session,
            hotel_id=hotel_id,
            user=user,
            action="guest.link",
            entity="inbox_guest",
            entity_id=inbox_guest_id,
            before={"guest_profile_id": before},
            after={"guest_profile_id": profile_id},
            note="unlinked" if profile_id is None else "",
        )


def count_repeat_stays(session: Session, profile_ids: Iterable[int | None]) -> None:
    """Count one more stay for each profile (once per profile), in the caller's transaction.

    Called when a reservation with linked guests is saved; one ``UPDATE`` adds to the stored
    count, so two offices saving at once never lose a stay.
    """
    ids = sorted({pid for pid in profile_ids if pid is not None})
    if not ids:
        return
    session.execute(
        update(GuestProfile)
        .where(col(GuestProfile.id).in_(ids))
        .values(repeat_count=col(GuestProfile.repeat_count) + 1)
        .execution_options(synchronize_session="fetch")
    )
