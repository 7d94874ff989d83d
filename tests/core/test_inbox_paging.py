"""Keyset paging of the inbox equals offset paging, on SQLite and PostgreSQL.

The review grid pages by (sort value, id) instead of OFFSET; these tests walk every sortable
key both ways over rows built to have ties on the sort value and missing sale dates, and compare
each page with the page ``list_inbox`` returns by offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from hotelops.core.db import Database
from hotelops.core.errors import InputError
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import (
    SORTABLE,
    InboxFilter,
    check_filter,
    ensure_indexes,
    list_inbox,
    operator_counts,
    page_key,
    parse_filter_date,
)
from hotelops.core.models import InboxReservation, InboxStatus, Operator

ROWS = 41
LIMIT = 6


@pytest.fixture
def inbox_db(db: Database, demo_file: Path) -> tuple[Database, int]:
    """The demo hotel and 41 inbox rows with ties on every sort key and some NULL sale dates."""
    import_hotel(db, demo_file, user="tester")
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with db.write() as session:
        hotel = get_hotel(session)
        assert hotel.id is not None
        operators = list(session.exec(select(Operator).where(Operator.hotel_id == hotel.id)))
        for i in range(ROWS):
            op = operators[i % len(operators)]
            assert op.id is not None
            arrival = date(2026, 6, 1) + timedelta(days=i % 4)  # ties on check-in
            session.add(
                InboxReservation(
                    hotel_id=hotel.id,
                    operator_id=op.id,
                    voucher=f"V{i % 9:03d}",  # ties on voucher, across operators
                    operator_res_id=str(i),
                    status=InboxStatus.PENDING if i % 3 else InboxStatus.APPROVED,
                    check_in=arrival,
                    check_out=arrival + timedelta(days=7),
                    nights=7,
                    sale_date=None if i % 5 == 0 else date(2026, 1, 1) + timedelta(days=i % 3),
                    received_at=base + timedelta(minutes=i % 6),  # ties on received
                    adults=2,
                    guest_names=f"Guest {i}",
                    guest_names_folded=f"guest {i}",
                )
            )
        return db, hotel.id


def offset_pages(db: Database, hotel_id: int, f: InboxFilter, sort: str, desc: bool) -> list:
    pages = []
    with db.read() as session:
        total = list_inbox(session, hotel_id, f, limit=0).total
        for offset in range(0, total, LIMIT):
            page = list_inbox(
                session, hotel_id, f, limit=LIMIT, offset=offset, sort=sort, descending=desc
            )
            pages.append([row.id for row in page.rows])
    return pages


@pytest.mark.parametrize("sort", sorted(SORTABLE))
@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("status", [InboxStatus.PENDING, None])
def test_keyset_pages_equal_offset_pages(
    inbox_db: tuple[Database, int], sort: str, descending: bool, status: InboxStatus | None
) -> None:
    db, hotel_id = inbox_db
    f = InboxFilter(status=status)
    expected = offset_pages(db, hotel_id, f, sort, descending)
    assert len(expected) >= 4
    assert sorted(i for page in expected for i in page) == sorted(set().union(*map(set, expected)))
    with db.read() as session:
        # Forwards, each page after the last row of the one before.
        forwards = [list_inbox(session, hotel_id, f, limit=LIMIT, sort=sort, descending=descending)]
        while True:
            last = forwards[-1].rows[-1]
            page = list_inbox(
                session,
                hotel_id,
                f,
                limit=LIMIT,
                sort=sort,
                descending=descending,
                after=page_key(last, sort),
                count=False,
            )
            assert page.total == -1
            if not page.rows:
                break
            forwards.append(page)
        assert [[r.id for r in p.rows] for p in forwards] == expected
        # Backwards from the last page, each page before the first row of the one after.
        backwards = [forwards[-1]]
        while len(backwards) < len(forwards):
            first = backwards[0].rows[0]
            backwards.insert(
                0,
                list_inbox(
                    session,
                    hotel_id,
                    f,
                    limit=LIMIT,
                    sort=sort,
                    descending=descending,
                    before=page_key(first, sort),
                    count=False,
                ),
            )
        assert [[r.id for r in p.rows] for p in backwards] == expected
        # Nothing before the first page; the same page again from its first row.
        assert not list_inbox(
            session, hotel_id, f, limit=LIMIT, sort=sort, descending=descending,
            before=page_key(forwards[0].rows[0], sort),
        ).rows  # fmt: skip
        for page, ids in zip(forwards, expected, strict=True):
            again = list_inbox(
                session,
                hotel_id,
                f,
                limit=LIMIT,
                sort=sort,
                descending=descending,
                start=page_key(page.rows[0], sort),
            )
            assert [r.id for r in again.rows] == ids


def test_null_sale_dates_sort_lowest_on_both_engines(inbox_db: tuple[Database, int]) -> None:
    db, hotel_id = inbox_db
    with db.read() as session:
        up = list_inbox(session, hotel_id, limit=100, sort="sale_date", descending=False).rows
        down = list_inbox(session, hotel_id, limit=100, sort="sale_date").rows
    nulls = [r for r in up if r.sale_date is None]
    assert len(nulls) == 9
    assert up[: len(nulls)] == nulls
    assert down[-len(nulls) :] == sorted(nulls, key=lambda r: r.id, reverse=True)


def test_several_operators_filter_and_counts(inbox_db: tuple[Database, int]) -> None:
    db, hotel_id = inbox_db
    with db.read() as session:
        counts = operator_counts(session, hotel_id)
        codes = [c.code for c in counts]
        pending = {c.code: c.pending for c in counts}
        page = list_inbox(
            session,
            hotel_id,
            InboxFilter(status=InboxStatus.PENDING, operators=(codes[0].lower(), codes[1])),
            limit=100,
        )
        single = list_inbox(session, hotel_id, InboxFilter(operator=codes[0]), limit=100)
    assert {r.operator for r in page.rows} == {codes[0], codes[1]}
    assert page.total == pending[codes[0]] + pending[codes[1]] == len(page.rows)
    assert {r.operator for r in single.rows} == {codes[0]}
    assert sum(pending.values()) == sum(1 for i in range(ROWS) if i % 3)


def test_filter_dates_and_ranges_name_the_field() -> None:
    assert parse_filter_date("2026-06-01", "arrival from") == date(2026, 6, 1)
    assert parse_filter_date("01.06.2026", "arrival from") == date(2026, 6, 1)
    assert parse_filter_date("  ", "arrival from") is None
    with pytest.raises(InputError, match=r"arrival to: '31.02.2026' is not a date"):
        parse_filter_date("31.02.2026", "arrival to")
    with pytest.raises(InputError, match="sale date from 2026-02-01 is after"):
        check_filter(InboxFilter(sale_from=date(2026, 2, 1), sale_to=date(2026, 1, 1)))


def test_ensure_indexes_adds_the_grid_indexes_to_an_older_database(
    inbox_db: tuple[Database, int],
) -> None:
    db, _ = inbox_db
    with db.write() as session:
        session.execute(text("DROP INDEX ix_inbox_grid_sale"))
    assert ensure_indexes(db) == ["ix_inbox_grid_sale"]
    assert ensure_indexes(db) == []
    with db.read() as session:
        names = {
            ix["name"] for ix in inspect(session.connection()).get_indexes("inbox_reservations")
        }
    assert {"ix_inbox_grid_check_in", "ix_inbox_grid_sale", "ix_inbox_grid_voucher"} <= names
