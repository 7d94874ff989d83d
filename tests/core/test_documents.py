"""A reservation's documents: the stored file and its text (PDF voucher, HTML mail, binary)."""

from __future__ import annotations

import email
import email.policy
import hashlib
import zlib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.documents import (
    PDF_FALLBACK,
    document_file,
    document_text,
    html_text,
    list_documents,
    pdf_text,
    text_of,
)
from hotelops.core.errors import NotFound
from hotelops.core.hotelfile import import_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.models import InboxDocument
from hotelops.core.scan.runner import ScanRequest, run_scan

BA_VOUCHER = "9LXWQT"  # fixtures/mail/bah-01: a voucher PDF attached


@dataclass
class Office:
    db: Database
    config: LoadedConfig
    hotel_id: int
    inbox_id: int


@pytest.fixture
def office(db: Database, demo_file: Path, tmp_path: Path) -> Office:
    imported = import_hotel(db, demo_file, user="test")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "docs"))), None)
    run_scan(
        db, config, ScanRequest(hotel_code=imported.hotel_code, folders=[fixtures_dir() / "mail"])
    )
    with db.read() as session:
        page = list_inbox(session, imported.hotel_id, InboxFilter(search=BA_VOUCHER))
    return Office(db, config, imported.hotel_id, page.rows[0].id)


def add_document(office: Office, name: str, content_type: str, data: bytes) -> int:
    """Store a document the way the scanner does (under its hash) and return its id."""
    digest = hashlib.sha256(data).hexdigest()
    relative = Path(digest[:2]) / f"{digest}{Path(name).suffix}"
    target = office.config.resolve(office.config.settings.scan.documents_dir) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    with office.db.write() as session:
        doc = InboxDocument(
            hotel_id=office.hotel_id,
            inbox_reservation_id=office.inbox_id,
            file_name=name,
            size=len(data),
            stored_path=str(relative),
            content_type=content_type,
            sha256=digest,
        )
        session.add(doc)
        session.flush()
        return doc.id or 0


def test_the_pdf_voucher_is_listed_and_read(office: Office) -> None:
    with office.db.read() as session:
        docs = list_documents(session, office.hotel_id, office.inbox_id)
        assert [(d.file_name, d.content_type) for d in docs] == [
            ("BAH_Voucher_9LXWQT.pdf", "application/pdf")
        ]
        path = document_file(office.config, session, office.hotel_id, docs[0].id)
        text = document_text(office.config, session, office.hotel_id, docs[0].id)
    assert path.read_bytes().startswith(b"%PDF-")
    assert path.stat().st_size == docs[0].size
    assert text.splitlines() == [
        "British Airways Holidays - Accommodation voucher 9LXWQT",
        "Kivima Hotel, Antalya - 3 Sep 2026 to 10 Sep 2026 - 7 nights",
        "Mr Oluwaseun Adeyemi, Mrs Priya Adeyemi - Deluxe Room King Bed, All Inclusive",
    ]


def test_an_html_mail_of_the_demo_reads_as_text(office: Office) -> None:
    raw = (fixtures_dir() / "mail" / "jet2-01-new-J2H8841207.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(("html",))
    assert body is not None
    html = body.get_content().encode("utf-8")
    doc = add_document(office, "confirmation.html", "text/html; charset=utf-8", html)
    with office.db.read() as session:
        text = document_text(office.config, session, office.hotel_id, doc)
    assert "Booking Reference J2H8841207" in text
    assert "Mr James Hargreaves Adult" in text
    assert "<" not in text and "font-family" not in text  # no tags, no style sheet


def test_plain_text_in_its_charset(office: Office) -> None:
    doc = add_document(
        office, "rooming.txt", "text/plain; charset=iso-8859-9", "Şükrü Öztürk".encode("iso-8859-9")
    )
    with office.db.read() as session:
        assert document_text(office.config, session, office.hotel_id, doc) == "Şükrü Öztürk"


def test_binary_and_unreadable_pdf_never_crash(office: Office) -> None:
    image = add_document(office, "passport.jpg", "image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    broken = add_document(office, "voucher.pdf", "application/pdf", b"%PDF-1.7\n\x00\x01 junk")
    with office.db.read() as session:
        assert document_text(office.config, session, office.hotel_id, image) == (
            "image/jpeg: not a text document; press o to open it in a viewer"
        )
        assert document_text(office.config, session, office.hotel_id, broken) == PDF_FALLBACK


def test_a_missing_file_is_named(office: Office, tmp_path: Path) -> None:
    elsewhere = LoadedConfig(
        Settings(scan=ScanSettings(documents_dir=str(tmp_path / "moved"))), None
    )
    with office.db.read() as session:
        doc = list_documents(session, office.hotel_id, office.inbox_id)[0]
        with pytest.raises(NotFound) as missing:
            document_file(elsewhere, session, office.hotel_id, doc.id)
        assert "BAH_Voucher_9LXWQT.pdf" in str(missing.value)
        assert "is missing" in str(missing.value) and "scan.documents_dir" in str(missing.value)
        with pytest.raises(NotFound, match="no document #424242"):
            document_text(office.config, session, office.hotel_id, 424242)


def test_compressed_pdf_streams_and_tj_arrays() -> None:
    content = b"BT /F1 12 Tf 50 700 Td [(Hotel ) -250 (Kivima)] TJ T* (Voucher \\(2\\)) Tj ET"
    packed = zlib.compress(content)
    pdf = (
        b"%%PDF-1.4\n4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed)
        + packed
        + b"\nendstream\nendobj\n%%EOF"
    )
    assert pdf_text(pdf) == "Hotel Kivima\nVoucher (2)"
    assert text_of(pdf, "application/octet-stream", "x.pdf") == "Hotel Kivima\nVoucher (2)"


def test_html_text_drops_scripts_and_keeps_lines() -> None:
    page = b"<html><script>alert(1)</script><body><p>A &amp; B</p><p>C<br>D</p></body></html>"
    assert html_text(page) == "A & B\nC\nD"
