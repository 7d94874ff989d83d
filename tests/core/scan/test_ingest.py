"""Ingest through a real scan of fixture files: versions, diffs, exactly once, bad input kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.inbox import InboxFilter, inbox_detail, list_inbox
from hotelops.core.models import (
    Content,
    InboxDocument,
    InboxReservation,
    InboxStatus,
    InboxVersion,
    RawMessage,
    ScanLogLine,
)
from hotelops.core.scan.runner import ScanReport, ScanRequest, run_scan

MAIL = fixtures_dir() / "mail"


@pytest.fixture
def hotel_db(db: Database, demo_file: Path) -> Database:
    import_hotel(db, demo_file, user="tester")
    return db


def scan(
    db: Database, tmp_path: Path, *files: Path | str, max_message_mb: int | None = None
) -> ScanReport:
    """Copy files into a fresh drop folder and scan it (files keep their names)."""
    drop = tmp_path / f"drop{len(list(tmp_path.glob('drop*')))}"
    drop.mkdir()
    for file in files:
        source = MAIL / file if isinstance(file, str) else file
        shutil.copy(source, drop / source.name)
    settings = ScanSettings(documents_dir=str(tmp_path / "docs"))
    if max_message_mb is not None:
        settings = settings.model_copy(update={"max_message_mb": max_message_mb})
    config = LoadedConfig(Settings(scan=settings), None)
    return run_scan(db, config, ScanRequest(folders=[drop]))


def only(db: Database, voucher: str) -> InboxReservation:
    with db.read() as s:
        return s.exec(select(InboxReservation).where(InboxReservation.voucher == voucher)).one()


def test_every_mail_operator_fills_the_inbox_and_a_rescan_adds_nothing(
    hotel_db: Database, tmp_path: Path
) -> None:
    files = sorted(p.name for p in MAIL.glob("*.eml"))
    first = scan(hotel_db, tmp_path, *files)
    assert {s.operator_code for s in first.operators} == {
        "BAH",
        "DTS",
        "HBD",
        "JET2",
        "MTS",
        "W2M",
        "WEBB",
    }
    assert first.errors == 0 and first.unmatched == 0
    totals = first.totals()
    # Total counts reservations read: the multi-room Hotelbeds mail counts once per room.
    assert totals.total == totals.new + totals.changed + totals.unchanged > len(files)
    with hotel_db.read() as s:
        inbox = s.exec(select(func.count()).select_from(InboxReservation)).one()
        raws = s.exec(select(func.count()).select_from(RawMessage)).one()
    assert raws == len(files)
    assert totals.new == inbox
    again = scan(hotel_db, tmp_path, *files)
    assert again.totals().total == 0 and again.skipped == len(files)
    with hotel_db.read() as s:
        assert s.exec(select(func.count()).select_from(InboxReservation)).one() == inbox
        assert s.exec(select(func.count()).select_from(RawMessage)).one() == raws


def test_new_modification_cancellation_become_versions_with_their_diff(
    hotel_db: Database, tmp_path: Path
) -> None:
    report = scan(
        hotel_db,
        tmp_path,
        "jet2-01-new-J2H8841207.eml",
        "jet2-02-amend-J2H8841207.eml",
        "jet2-03-cancel-J2H8841207.eml",
    )
    jet2 = next(s for s in report.operators if s.operator_code == "JET2")
    assert (jet2.total, jet2.new, jet2.changed, jet2.errors) == (3, 1, 2, 0)
    row = only(hotel_db, "J2H8841207")
    assert row.content == "cancellation" and row.version == 3
    assert row.status == InboxStatus.PENDING
    assert row.cancellation_date is not None
    assert row.guest_names  # a cancellation keeps whose booking it was
    with hotel_db.read() as s:
        detail = inbox_detail(s, row.hotel_id, row.id or 0)
    assert [v.content for v in detail.versions] == ["new", "modification", "cancellation"]
    assert detail.versions[0].diff == {}
    assert detail.versions[1].diff  # the amendment changed something, and says what
    assert detail.versions[2].diff["content"] == ["modification", "cancellation"]
    assert all(v.source_ref.startswith("jet2-0") for v in detail.versions)


def test_a_change_sends_an_approved_reservation_back_to_pending(
    hotel_db: Database, tmp_path: Path
) -> None:
    scan(hotel_db, tmp_path, "mts-01-new-558120.eml")
    row = only(hotel_db, "558120")
    with hotel_db.write() as s:
        stored = s.get(InboxReservation, row.id)
        assert stored is not None
        stored.status = InboxStatus.APPROVED
    report = scan(hotel_db, tmp_path, "mts-02-amend-558120.eml")
    assert report.totals().changed == 1
    row = only(hotel_db, "558120")
    assert row.status == InboxStatus.PENDING and row.content == "modification"
    with hotel_db.read() as s:
        detail = inbox_detail(s, row.hotel_id, row.id or 0)
    assert detail.versions[-1].previous_status == "approved"


def test_a_resend_with_other_bytes_but_the_same_content_creates_nothing(
    hotel_db: Database, tmp_path: Path
) -> None:
    original = MAIL / "webb-01-new-93817264.eml"
    scan(hotel_db, tmp_path, original.name)
    resend = tmp_path / "webb-resend.eml"
    resend.write_bytes(original.read_bytes().replace(b"Message-ID: <", b"Message-ID: <resend.", 1))
    report = scan(hotel_db, tmp_path, resend)
    webb = report.operators[0]
    assert (webb.total, webb.new, webb.changed, webb.unchanged) == (1, 0, 0, 1)
    assert only(hotel_db, "93817264").version == 1


def test_card_numbers_are_masked_before_anything_is_stored(
    hotel_db: Database, tmp_path: Path
) -> None:
    scan(hotel_db, tmp_path, "w2m-01-new-4827391.eml")
    with hotel_db.read() as s:
        raw = s.exec(select(RawMessage)).one()
        versions = s.exec(select(InboxVersion)).all()
    assert b"XXXX XXXX XXXX 1111" in raw.content
    assert b"4111 1111 1111 1111" not in raw.content
    assert b"4111111111111111" not in raw.content
    assert all("4111 1111" not in str(v.data) for v in versions)


def test_attachments_are_documents_under_their_hash(hotel_db: Database, tmp_path: Path) -> None:
    scan(hotel_db, tmp_path, "bah-01-new-9LXWQT.eml")
    with hotel_db.read() as s:
        document = s.exec(select(InboxDocument)).one()
    assert document.file_name == "BAH_Voucher_9LXWQT.pdf"
    assert document.content_type == "application/pdf"
    stored = tmp_path / "docs" / document.stored_path
    assert stored.read_bytes().startswith(b"%PDF")
    assert document.stored_path == f"{document.sha256[:2]}/{document.sha256}.pdf"


def test_a_hostile_attachment_name_cannot_choose_a_path(hotel_db: Database, tmp_path: Path) -> None:
    data = (
        (MAIL / "bah-01-new-9LXWQT.eml")
        .read_bytes()
        .replace(b'filename="BAH_Voucher_9LXWQT.pdf"', b'filename="../../../etc/cron.d/evil.pdf"')
    )
    hostile = tmp_path / "hostile.eml"
    hostile.write_bytes(data)
    scan(hotel_db, tmp_path, hostile)
    with hotel_db.read() as s:
        document = s.exec(select(InboxDocument)).one()
    assert document.file_name == "evil.pdf"
    assert ".." not in document.stored_path
    assert (
        (tmp_path / "docs" / document.stored_path)
        .resolve()
        .is_relative_to((tmp_path / "docs").resolve())
    )


def test_a_20_mb_attachment_is_kept_in_the_archive_but_not_stored(
    hotel_db: Database, tmp_path: Path
) -> None:
    import base64

    big = base64.encodebytes(b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024))
    data = (MAIL / "bah-01-new-9LXWQT.eml").read_bytes()
    head, _, _ = data.partition(b'filename="BAH_Voucher_9LXWQT.pdf"')
    mail = head + b'filename="huge.pdf"\r\n\r\n' + big + b"\r\n--" + b"x" * 0
    # Close the MIME structure the way the original does.
    boundary = next(line for line in data.splitlines() if b"boundary=" in line)
    marker = boundary.split(b"boundary=")[1].strip(b'";')
    mail += marker + b"--\r\n"
    path = tmp_path / "huge.eml"
    path.write_bytes(mail)
    # A 28 MB mail is over the default scan.max_message_mb (20), which has to be raised for it.
    report = scan(hotel_db, tmp_path, path, max_message_mb=30)
    assert report.errors == 0
    assert any("over the 20 MB cap" in line.message for line in report.log)
    with hotel_db.read() as s:
        assert s.exec(select(func.count()).select_from(InboxDocument)).one() == 0
        assert s.exec(select(func.count()).select_from(InboxReservation)).one() == 1


def test_a_forwarded_mail_is_matched_by_its_original_sender(
    hotel_db: Database, tmp_path: Path
) -> None:
    report = scan(hotel_db, tmp_path, "jet2-04-forwarded-J2H8852390.eml")
    assert [(s.operator_code, s.new) for s in report.operators] == [("JET2", 1)]
    assert only(hotel_db, "J2H8852390").sender == "reservations@kivimahotel.example"


def test_bad_mail_is_archived_with_its_error_and_the_scan_goes_on(
    hotel_db: Database, tmp_path: Path
) -> None:
    scan(hotel_db, tmp_path, "dts-01-new-DTS-114573.eml")
    before = only(hotel_db, "DTS-114573")
    bad = sorted((MAIL / "bad").glob("*.eml"))
    report = scan(hotel_db, tmp_path, *bad, MAIL / "webb-01-new-93817264.eml")
    assert report.has_problems
    assert report.totals().new >= 1  # the good mail in the same scan was stored
    with hotel_db.read() as s:
        raws = {r.source_ref: r for r in s.exec(select(RawMessage))}
        logs = s.exec(select(ScanLogLine).where(ScanLogLine.level == "error")).all()
    for name in ("empty.eml", "malformed.eml", "nomatch.eml"):
        assert raws[name].parse_error, name
    assert "template MTS" in (raws["nomatch.eml"].parse_error or "")
    assert {line.message.split(":")[0] for line in logs} >= {
        "empty.eml",
        "malformed.eml",
        "nomatch.eml",
    }
    after = only(hotel_db, "DTS-114573")
    assert after.version == before.version and after.guest_names == before.guest_names


def test_mail_from_an_unknown_sender_is_archived_as_unmatched(
    hotel_db: Database, tmp_path: Path
) -> None:
    data = (
        (MAIL / "webb-01-new-93817264.eml")
        .read_bytes()
        .replace(b"noreply-bookings@webbeds.com", b"bookings@unknown-operator.example")
    )
    path = tmp_path / "stranger.eml"
    path.write_bytes(data)
    report = scan(hotel_db, tmp_path, path)
    assert report.unmatched == 1 and report.has_problems
    assert "add a sender rule" in report.log[0].message
    with hotel_db.read() as s:
        raw = s.exec(select(RawMessage)).one()
        assert raw.operator_id is None
        assert s.exec(select(func.count()).select_from(InboxReservation)).one() == 0


def test_inbox_listing_filters(hotel_db: Database, tmp_path: Path) -> None:
    scan(hotel_db, tmp_path, *sorted(p.name for p in MAIL.glob("*.eml")))
    with hotel_db.read() as s:
        hotel_id = s.exec(select(InboxReservation.hotel_id)).first() or 0
        cancelled = list_inbox(s, hotel_id, InboxFilter(content=Content.CANCELLATION))
        assert cancelled.total >= 4
        assert {r.content for r in cancelled.rows} == {"cancellation"}
        dts = list_inbox(s, hotel_id, InboxFilter(operator="dts"))
        assert {r.operator for r in dts.rows} == {"DTS"}
        turkish = list_inbox(s, hotel_id, InboxFilter(search="SUKRU dogan"))
        assert [r.voucher for r in turkish.rows] == ["DTS-114573"]
        missing = list_inbox(s, hotel_id, InboxFilter(missing_mappings=True))
        assert missing.total > 0
        page = list_inbox(s, hotel_id, limit=3, offset=3, sort="check_in", descending=False)
        everything = list_inbox(s, hotel_id, limit=100, sort="check_in", descending=False)
        assert [r.id for r in page.rows] == [r.id for r in everything.rows[3:6]]


def test_a_cancellation_without_dates_keeps_the_stay_it_cancels(
    hotel_db: Database, tmp_path: Path
) -> None:
    alpine = fixtures_dir() / "alpinebits"
    scan(hotel_db, tmp_path, alpine / "ALLT-01-guestrequests-AT3351207.xml")
    booked = only(hotel_db, "AT3351207")
    cancel = tmp_path / "ALLT-09-cancel.xml"
    cancel.write_bytes(
        (alpine / "ALLT-02-guestrequests-cancellation-AT3340918.xml")
        .read_bytes()
        .replace(b"AT3340918", b"AT3351207")
    )
    report = scan(hotel_db, tmp_path, cancel)
    assert [(s.operator_code, s.changed) for s in report.operators] == [("ALLT", 1)]
    cancelled = only(hotel_db, "AT3351207")
    assert cancelled.content == "cancellation"
    assert (cancelled.check_in, cancelled.check_out, cancelled.nights) == (
        booked.check_in,
        booked.check_out,
        booked.nights,
    )
    assert cancelled.guest_names == booked.guest_names


def test_a_dateless_cancellation_of_an_unknown_reservation_is_logged_not_invented(
    hotel_db: Database, tmp_path: Path
) -> None:
    alpine = fixtures_dir() / "alpinebits"
    report = scan(hotel_db, tmp_path, alpine / "ALLT-02-guestrequests-cancellation-AT3340918.xml")
    assert any("AT3340918, which is not in the inbox" in line.message for line in report.log)
    with hotel_db.read() as s:
        assert s.exec(select(func.count()).select_from(InboxReservation)).one() == 0
        assert s.exec(select(func.count()).select_from(RawMessage)).one() == 1
