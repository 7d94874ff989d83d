"""Every table round-trips on SQLite and PostgreSQL, with exact money and UTC timestamps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import select

from hotelops.core.db import Database
from hotelops.core.models import (
    Agency,
    AuditEntry,
    Board,
    Content,
    Folio,
    FolioLine,
    GuestProfile,
    Hotel,
    HotelReservation,
    InboxDocument,
    InboxGuest,
    InboxReservation,
    InboxStatus,
    InboxVersion,
    Mapping,
    MappingKind,
    Market,
    Operator,
    OperatorKind,
    RawMessage,
    ReservationGuest,
    ReservationNight,
    ReservationStatus,
    RoomType,
    Segment,
    SenderRule,
    Source,
    User,
)
from hotelops.core.text import fold


def _hotel(db: Database) -> int:
    with db.write() as s:
        hotel = Hotel(
            code="KIV", name="Kivima Hotel", currency="EUR", business_date=date(2026, 5, 15)
        )
        s.add(hotel)
        s.flush()
        assert hotel.id is not None
        return hotel.id


def test_every_table_round_trips(db: Database) -> None:
    hid = _hotel(db)
    received = datetime(2026, 2, 12, 18, 23, tzinfo=UTC)
    with db.write() as s:
        market = Market(hotel_id=hid, code="DE", name="Germany")
        segment = Segment(hotel_id=hid, code="TO", name="Tour operator")
        source = Source(hotel_id=hid, code="API", name="Operator API")
        board = Board(hotel_id=hid, code="UAI", name="Ultra all inclusive")
        room = RoomType(
            hotel_id=hid,
            code="STDLV",
            name="Standard Land View",
            room_count=60,
            std_adults=2,
            max_adults=3,
            max_children=2,
            group_code="STD",
        )
        s.add_all(
            [
                market,
                segment,
                source,
                board,
                room,
                User(
                    hotel_id=hid,
                    username="emre.cakir",
                    name="Emre Çakır",
                    email="emre@kivima.example",
                ),
            ]
        )
        s.flush()
        agency = Agency(
            hotel_id=hid,
            code="TUI GASP",
            name="TUI Deutschland",
            name_folded=fold("TUI Deutschland"),
            market_id=market.id,
            segment_id=segment.id,
            source_id=source.id,
            price_code="TUI-GASP-26",
        )
        s.add(agency)
        s.flush()
        operator = Operator(
            hotel_id=hid,
            code="TUIP",
            name="TUI Partners",
            kind=OperatorKind.API,
            default_agency_id=agency.id,
            settings={"secret_env": "HOTELOPS_TUIP_SECRET"},
        )
        s.add(operator)
        s.flush()
        assert operator.id is not None
        s.add_all(
            [
                SenderRule(hotel_id=hid, pattern="@hotelbeds.com", operator_id=operator.id),
                Mapping(
                    hotel_id=hid,
                    operator_id=operator.id,
                    kind=MappingKind.BOARD,
                    operator_code="Ultra All Inclusive",
                    hotel_code="UAI",
                ),
            ]
        )
        raw = RawMessage(
            hotel_id=hid,
            operator_id=operator.id,
            source="folder:/drop",
            content=b"<OTA_HotelResNotifRQ/>\x00\xff",
            size=25,
            sha256="ab" * 32,
            received_at=received,
        )
        s.add(raw)
        s.flush()
        inbox = InboxReservation(
            hotel_id=hid,
            operator_id=operator.id,
            voucher="79194577",
            operator_agency="TUI GASP",
            content=Content.MODIFICATION,
            check_in=date(2026, 8, 29),
            check_out=date(2026, 9, 5),
            nights=7,
            sale_date=date(2026, 2, 12),
            received_at=received,
            adults=2,
            children=2,
            child_ages=[4, 9],
            infants=1,
            nationality="DEU",
            operator_room_type="STDLV",
            operator_board="UAI",
            operator_market="BATI AVRUPA",
            operator_rate_type="KONTRAT",
            operator_price=Decimal("1899.00"),
            operator_currency="EUR",
            option_date=received + timedelta(days=2),
            arrival_flight="EZY5715",
            arrival_route="SEN-DLM",
            arrival_flight_time="19:50",
            guest_names="Andre Graeser / Isabell Larbus",
            guest_names_folded=fold("Andre Graeser / Isabell Larbus"),
        )
        s.add(inbox)
        s.flush()
        assert inbox.id is not None
        profile = GuestProfile(
            hotel_id=hid,
            first_name="İpek",
            last_name="Irmak",
            name_folded=fold("İpek Irmak"),
            birth_date=date(1988, 4, 2),
            vip_level="VIP1",
            repeat_count=3,
            gray_list=True,
        )
        s.add(profile)
        s.flush()
        s.add_all(
            [
                InboxGuest(
                    hotel_id=hid,
                    inbox_reservation_id=inbox.id,
                    title="Mr",
                    first_name="Andre",
                    last_name="Graeser",
                    age=37,
                    gender="M",
                    guest_profile_id=profile.id,
                ),
                InboxDocument(
                    hotel_id=hid,
                    inbox_reservation_id=inbox.id,
                    raw_message_id=raw.id,
                    file_name="voucher.pdf",
                    size=151810,
                    stored_path="ab/abcd.pdf",
                    content_type="application/pdf",
                ),
                InboxVersion(
                    hotel_id=hid,
                    inbox_reservation_id=inbox.id,
                    version_no=1,
                    raw_message_id=raw.id,
                    data={"voucher": "79194577"},
                    diff={"adults": [1, 2]},
                ),
            ]
        )
        booking = HotelReservation(
            hotel_id=hid,
            voucher="79194577",
            agency_id=agency.id,
            room_type_id=room.id,
            board_id=board.id,
            market_id=market.id,
            arrival=date(2026, 8, 29),
            departure=date(2026, 9, 5),
            status=ReservationStatus.IN_HOUSE,
            inbox_reservation_id=inbox.id,
            child_ages=[4, 9],
        )
        s.add(booking)
        s.flush()
        assert booking.id is not None
        folio = Folio(hotel_id=hid, hotel_reservation_id=booking.id)
        s.add_all(
            [
                folio,
                ReservationNight(
                    hotel_id=hid,
                    hotel_reservation_id=booking.id,
                    night=date(2026, 8, 29),
                    contract_price=Decimal("330.00"),
                    discount=Decimal("33.00"),
                    price=Decimal("297.00"),
                ),
                ReservationGuest(
                    hotel_id=hid,
                    hotel_reservation_id=booking.id,
                    guest_profile_id=profile.id,
                    first_name="İpek",
                    last_name="Irmak",
                ),
            ]
        )
        s.flush()
        assert folio.id is not None
        s.add(
            FolioLine(
                hotel_id=hid,
                folio_id=folio.id,
                hotel_reservation_id=booking.id,
                business_date=date(2026, 8, 29),
                department="ROOM",
                revenue_code="ROOM",
                amount=Decimal("297.00"),
                vat_percent=Decimal("10"),
                vat_amount=Decimal("27.0000"),
                source="room",
            )
        )
        s.add(
            AuditEntry(
                hotel_id=hid,
                user="emre.cakir",
                action="approve.save",
                entity="inbox_reservation",
                entity_id=inbox.id,
                before={"status": "pending"},
                after={"status": "approved"},
            )
        )

    with db.read() as s:
        got = s.exec(select(InboxReservation)).one()
        assert got.voucher == "79194577"
        assert got.content == Content.MODIFICATION
        assert got.status == InboxStatus.PENDING
        assert got.check_in == date(2026, 8, 29) and isinstance(got.check_in, date)
        assert got.operator_price == Decimal("1899.00")
        assert got.child_ages == [4, 9]
        assert got.received_at == received and got.received_at.tzinfo is not None
        assert got.option_date == received + timedelta(days=2)
        assert got.arrival_route == "SEN-DLM"
        assert s.exec(select(RawMessage)).one().content == b"<OTA_HotelResNotifRQ/>\x00\xff"
        assert s.exec(select(InboxVersion)).one().diff == {"adults": [1, 2]}
        assert s.exec(select(InboxDocument)).one().size == 151810
        guest = s.exec(select(GuestProfile)).one()
        assert (guest.vip_level, guest.repeat_count, guest.gray_list) == ("VIP1", 3, True)
        assert guest.name_folded == "ipek irmak"
        night = s.exec(select(ReservationNight)).one()
        assert (night.contract_price, night.discount, night.price) == (
            Decimal("330.00"),
            Decimal("33.00"),
            Decimal("297.00"),
        )
        line = s.exec(select(FolioLine)).one()
        assert line.vat_amount == Decimal("27.0000") and line.amount == Decimal("297.00")
        booking = s.exec(select(HotelReservation)).one()
        assert booking.status == ReservationStatus.IN_HOUSE
        assert booking.inbox_reservation_id == got.id
        assert s.exec(select(Operator)).one().settings == {"secret_env": "HOTELOPS_TUIP_SECRET"}
        assert s.exec(select(AuditEntry)).one().after == {"status": "approved"}
        assert s.exec(select(Mapping)).one().kind == MappingKind.BOARD


def test_money_is_exact_on_both_engines(db: Database) -> None:
    hid = _hotel(db)
    with db.write() as s:
        operator = Operator(hotel_id=hid, code="TUI", name="TUI")
        s.add(operator)
        s.flush()
        assert operator.id is not None
        cents = Decimal("0.10") + Decimal("0.20")
        s.add(
            InboxReservation(
                hotel_id=hid,
                operator_id=operator.id,
                voucher="small",
                check_in=date(2026, 6, 1),
                check_out=date(2026, 6, 2),
                nights=1,
                operator_price=cents,
            )
        )
        s.add_all(
            InboxReservation(
                hotel_id=hid,
                operator_id=operator.id,
                voucher=f"big-{i}",
                check_in=date(2026, 6, 1),
                check_out=date(2026, 6, 2),
                nights=1,
                operator_price=Decimal("12345678.91"),
            )
            for i in range(1000)
        )
    with db.read() as s:
        small = s.exec(select(InboxReservation).where(InboxReservation.voucher == "small")).one()
        assert small.operator_price == Decimal("0.30")
        total = s.exec(
            select(func.sum(InboxReservation.operator_price)).where(
                InboxReservation.voucher != "small"
            )
        ).one()
        assert total == Decimal("12345678910.00")
        assert isinstance(total, Decimal)
        # What is on disk is an integer, not a float: no engine rounding can creep in.
        stored = (
            s.connection()
            .execute(text("SELECT operator_price FROM inbox_reservations WHERE voucher = 'small'"))
            .scalar()
        )
        assert stored == 3000 and isinstance(stored, int)


def test_money_refuses_floats_and_hidden_rounding(db: Database) -> None:
    hid = _hotel(db)
    for bad in (0.1, Decimal("1.00001")):
        with pytest.raises(StatementError), db.write() as s:
            s.add(
                FolioLine(
                    hotel_id=hid,
                    folio_id=1,
                    hotel_reservation_id=1,
                    business_date=date(2026, 5, 15),
                    department="ROOM",
                    revenue_code="ROOM",
                    amount=bad,
                    source="x",
                )
            )


def test_timestamps_are_utc_aware_and_naive_ones_refused(db: Database) -> None:
    hid = _hotel(db)
    istanbul = timezone(timedelta(hours=3))
    local = datetime(2026, 2, 12, 21, 23, tzinfo=istanbul)
    with db.write() as s:
        s.add(AuditEntry(hotel_id=hid, user="u", action="a", entity="e", at=local))
    with db.read() as s:
        at = s.exec(select(AuditEntry)).one().at
    assert at == local
    assert at.utcoffset() == timedelta(0)
    assert at.hour == 18
    with pytest.raises(StatementError), db.write() as s:
        s.add(
            AuditEntry(
                hotel_id=hid, user="u", action="a", entity="e", at=datetime(2026, 2, 12, 21, 23)
            )
        )


def test_foreign_keys_are_enforced(db: Database) -> None:
    _hotel(db)
    with pytest.raises(IntegrityError), db.write() as s:
        s.add(RoomType(hotel_id=9999, code="X", name="X", room_count=1))


def test_inbox_identity_is_unique_per_operator_and_voucher(db: Database) -> None:
    hid = _hotel(db)
    with db.write() as s:
        operator = Operator(hotel_id=hid, code="TUI", name="TUI")
        s.add(operator)
        s.flush()
        op_id = operator.id
    assert op_id is not None

    def add(voucher: str) -> None:
        with db.write() as s:
            s.add(
                InboxReservation(
                    hotel_id=hid,
                    operator_id=op_id,
                    voucher=voucher,
                    check_in=date(2026, 6, 1),
                    check_out=date(2026, 6, 8),
                    nights=7,
                )
            )

    add("78856480")
    with pytest.raises(IntegrityError):
        add("78856480")
    with db.read() as s:
        count = s.exec(select(func.count()).select_from(InboxReservation)).one()
    assert count == 1


def test_folded_names_make_turkish_search_work_in_sql(db: Database) -> None:
    hid = _hotel(db)
    names = ["İPEK IRMAK", "Şükrü Çağlar", "Aylin Oğuzler", "Martin Keager Jørgensen"]
    with db.write() as s:
        s.add_all(
            GuestProfile(
                hotel_id=hid, first_name=n.split()[0], last_name=n.split()[-1], name_folded=fold(n)
            )
            for n in names
        )
    from hotelops.core.text import fold_pattern

    def search(query: str) -> list[str]:
        with db.read() as s:
            rows = s.exec(
                select(GuestProfile).where(
                    GuestProfile.name_folded.like(fold_pattern(query), escape="\\")
                )
            ).all()  # type: ignore[attr-defined]
        return sorted(f"{g.first_name} {g.last_name}" for g in rows)

    assert search("ipek") == ["İPEK IRMAK"]
    assert search("ırmak") == ["İPEK IRMAK"]
    assert search("SUKRU caglar") == ["Şükrü Çağlar"]
    assert search("OĞUZ") == ["Aylin Oğuzler"]
    assert search("jorgensen") == ["Martin Jørgensen"]
    assert search("50%") == []


def test_a_database_from_an_older_hotelops_is_named_not_half_used(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from hotelops.core.db import open_database
    from hotelops.core.errors import InputError

    path = tmp_path / "old.db"
    db = open_database(str(path))
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE inbox_reservations DROP COLUMN decision_seq")
    db.dispose()
    with pytest.raises(
        InputError,
        match=r"older hotelops and lacks inbox_reservations\."
        r"decision_seq",
    ):
        open_database(str(path))
