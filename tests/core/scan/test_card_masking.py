"""Card data at rest: nothing a card holder would object to is stored, logged or shown.

The corpus (``card_corpus.py``) holds a card in every form operators send one; it is scanned
through the real scan path, then every cell of every table, every file in the documents folder,
every scan log line and ``inbox show`` (text and JSON) are read back, decoded every way a reader
could, and searched for each card number (any separators) and each security code.
"""

from __future__ import annotations

import email
import json
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.models import InboxDocument, InboxReservation, RawMessage
from hotelops.core.scan.formats.mail import read_mail
from hotelops.core.scan.inspect import inspect_file
from hotelops.core.scan.masking import (
    mask_json,
    mask_mail,
    mask_text,
    mask_xml,
    screen_attachment,
)
from hotelops.core.scan.runner import ScanReport, ScanRequest, run_scan
from tests.core.scan import card_corpus
from tests.core.scan.card_corpus import Case, at_rest_leaks, leaks, readable_forms, shown_leaks

runner = CliRunner()


@pytest.fixture
def hotel_db(db: Database, demo_file: Path) -> Database:
    import_hotel(db, demo_file, user="tester")
    return db


def scan_folder(db: Database, tmp_path: Path, corpus: list[Case]) -> ScanReport:
    card_corpus.write(tmp_path / "drop", corpus)
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "docs"))), None)
    return run_scan(db, config, ScanRequest(folders=[tmp_path / "drop"]))


def archived(db: Database, case: Case) -> bytes:
    with db.read() as session:
        raw = session.exec(select(RawMessage).where(RawMessage.source_ref == case.name)).one()
    return raw.content


def inbox_row(db: Database, voucher: str) -> InboxReservation:
    with db.read() as session:
        return session.exec(
            select(InboxReservation).where(InboxReservation.voucher == voucher)
        ).one()


# -- the corpus, through a folder scan, on both engines ------------------------------------------


def test_no_card_number_or_security_code_is_kept_shown_or_logged_after_a_scan(
    hotel_db: Database, db_url: str, tmp_path: Path
) -> None:
    corpus = card_corpus.cases()
    report = scan_folder(hotel_db, tmp_path, corpus)

    # Every message became its reservation: masking broke none of them.
    assert report.errors == 0 and report.unmatched == 0
    assert report.totals().new == len(corpus)
    assert at_rest_leaks(hotel_db, tmp_path / "docs", corpus) == []
    assert [line.message for line in report.log if leaks(line.message, corpus)] == []
    assert shown_leaks(db_url, hotel_db, corpus) == []


def test_the_last_four_digits_stay_where_a_card_number_was(
    hotel_db: Database, tmp_path: Path
) -> None:
    corpus = card_corpus.cases()
    scan_folder(hotel_db, tmp_path, corpus)
    for case in corpus:
        forms = "\n".join(readable_forms(archived(hotel_db, case)))
        for text in case.archived:
            assert text in forms, f"{case.name}: {text!r} not in the archived message"
        note = inbox_row(hotel_db, case.voucher).agency_note
        for text in case.noted:
            assert text in note, f"{case.name}: {text!r} not in the note {note!r}"


def test_a_text_attachment_is_masked_and_a_pdf_with_a_card_is_not_kept(
    hotel_db: Database, tmp_path: Path
) -> None:
    case = next(c for c in card_corpus.cases() if c.name == "bah-cards-attachments.eml")
    report = scan_folder(hotel_db, tmp_path, [case])

    with hotel_db.read() as session:
        documents = session.exec(select(InboxDocument)).all()
    assert [d.file_name for d in documents] == ["rooming-7KCRDX.txt"]
    stored = (tmp_path / "docs" / documents[0].stored_path).read_text()
    assert stored == card_corpus.ATTACHMENT_TEXT.replace(
        card_corpus.spaced(card_corpus.PAN_ATTACHMENTS), "XXXX XXXX XXXX 5100"
    ).replace("CVC 319", "CVC XXX")
    # In the archive, the PDF's part is a note saying why it is gone; the scan log says so too.
    message = email.message_from_bytes(archived(hotel_db, case))
    parts = [part for part in message.walk() if not part.is_multipart()]
    assert not any(part.get_payload(decode=True).startswith(b"%PDF") for part in parts)
    [note] = [part for part in parts if part["X-Hotelops-Removed"]]
    assert note.get_filename() == "BAH_Voucher_7KCRDX.pdf.removed.txt"
    assert "BAH_Voucher_7KCRDX.pdf (application/pdf" in note.get_payload(decode=True).decode()
    assert [line.message for line in report.log if line.level == "warning"] == [
        "bah-cards-attachments.eml: attachment BAH_Voucher_7KCRDX.pdf (application/pdf) holds "
        "card data: not stored as a document, and replaced in the archived mail by a note "
        "saying so (voucher 7KCRDX)"
    ]


# -- the rules, one by one -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Card 4111 1111 1111 1111.", "Card XXXX XXXX XXXX 1111."),
        ("4111-1111-1111-1111", "XXXX-XXXX-XXXX-1111"),
        ("pay 4111.1111.1111.1111 now", "pay XXXX.XXXX.XXXX.1111 now"),
        ("amex 3782 822463 10005", "amex XXXX XXXXXX X0005"),
        ("on 12.05.2026 ref 4111111111111111", "on 12.05.2026 ref XXXXXXXXXXXX1111"),
        ("CVV 737", "CVV XXX"),
        ("cvc2: 4826", "cvc2: XXXX"),
        ("Kart güvenlik kodu 123.", "Kart güvenlik kodu XXX."),
        ("GÜVENLİK KODU: 123", "GÜVENLİK KODU: XXX"),
        ("<td>CVV</td>\n<td class='v'>737</td>", "<td>CVV</td>\n<td class='v'>XXX</td>"),
        ("Card no: 4111 1111 1111 1112", "Card no: XXXX XXXX XXXX 1112"),
        ("&#52;&#49;&#49;&#49;&#32;1111 1111 1111", "XXXX XXXX XXXX 1111"),
    ],
)
def test_free_text_masks_card_numbers_and_security_codes(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Voucher 558120, 2 ADL + 2 CHD (4, 9), price 2.184,00 EUR",
        "TEL +90 242 310 00 00 / booked 21.04.2026 10:42",
        "Room 1234567890123 is not a card",  # 13 digits, fails Luhn, no card named
        "Flight SU2136 SVO-AYT 04.08.2026 ARR 11:50",
        "CVV: none given",
    ],
)
def test_free_text_without_card_data_is_left_alone(text: str) -> None:
    assert mask_text(text) is text


def test_a_message_without_card_data_is_archived_byte_for_byte() -> None:
    root = fixtures_dir()
    for path in sorted((root / "mail").glob("*.eml")):
        data = path.read_bytes()
        if b"4111 1111" in data:
            continue  # the W2M fixture shows a card
        assert mask_mail(data, read_mail(data)).archive is data, path.name
    for path in sorted([*root.glob("ota/*.xml"), *root.glob("alpinebits/*.xml")]):
        if b"CardNumber" not in path.read_bytes():
            assert mask_xml(path.read_bytes()) == path.read_bytes(), path.name
    for path in sorted(root.glob("json/*.json")):
        assert mask_json(path.read_bytes()) == path.read_bytes(), path.name


def test_xml_card_fields_are_masked_whatever_their_digits() -> None:
    data = (
        b'<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05">'
        b'<PaymentCard CardNumber="1234567890123456" SeriesCode="12">'
        b"<CardNumber><PlainText>99 88</PlainText></CardNumber>"
        b"<SeriesCode><PlainText>0042</PlainText></SeriesCode>"
        b"<CardHolderName>A 1234567890</CardHolderName>"
        b"</PaymentCard></OTA_HotelResNotifRQ>"
    )
    masked = mask_xml(data).decode()
    assert 'CardNumber="XXXXXXXXXXXX3456"' in masked and 'SeriesCode="XX"' in masked
    assert "<PlainText>99 88</PlainText>" in masked  # four digits: the last four, kept
    assert "<PlainText>XXXX</PlainText>" in masked
    assert "<CardHolderName>A 1234567890</CardHolderName>" in masked  # not card data


def test_json_card_keys_are_masked_at_any_depth_and_the_rest_is_kept() -> None:
    data = (
        b'{"a": {"b": [{"cardNumber": "1234 5678 9012 3456", "CVV2": 123, "securityCode": "77",'
        b' "price": 10.50, "card": {"number": "9999888877776666", "expiry": "11/28"}}]}}'
    )
    document = json.loads(mask_json(data))
    item = document["a"]["b"][0]
    assert item["cardNumber"] == "XXXX XXXX XXXX 3456"
    assert item["CVV2"] == "XXX" and item["securityCode"] == "XX"
    assert item["card"] == {"number": "XXXXXXXXXXXX6666", "expiry": "11/28"}
    assert b'"price": 10.50' in mask_json(data)  # numbers as written


def test_a_binary_attachment_without_card_data_is_kept_as_it_is() -> None:
    pdf = card_corpus.voucher_pdf("Voucher 7KCRDX - Mr Oluwaseun Adeyemi, 7 nights")
    assert screen_attachment(pdf, "application/pdf", "voucher.pdf") is pdf
    with_card = card_corpus.voucher_pdf("card 5105 1051 0510 5100")
    assert screen_attachment(with_card, "application/pdf", "voucher.pdf") is None


def test_a_document_that_does_not_parse_is_masked_all_the_same() -> None:
    broken_xml = (
        b'<OTA_HotelResNotifRQ><PaymentCard CardNumber="4111111111111112" SeriesCode="737">'
    )
    assert mask_xml(broken_xml) == (
        b'<OTA_HotelResNotifRQ><PaymentCard CardNumber="XXXXXXXXXXXX1112" SeriesCode="XXX">'
    )
    broken_json = b'{"reservations": [{"voucher": "V1", "x_cvv": "737", "x_pan": "4111111111111112"'
    assert mask_json(broken_json) == (
        b'{"reservations": [{"voucher": "V1", "x_cvv": "XXX", "x_pan": "XXXXXXXXXXXX1112"'
    )


def test_a_card_in_any_header_is_masked_and_the_rest_of_the_mail_is_kept() -> None:
    data = (
        b"From: MTS Globe <booking.ayt@mtsglobe.com>\r\n"
        b"Subject: NEW BOOKING 558120\r\n"
        b"X-Payment: =?utf-8?q?kart_4111_1111_1111_1111_G=C3=BCvenlik_kodu_737?=\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"VOUCHER NO    : 558120=0D=0AREMARKS : G=C3=9CVENL=C4=B0K KODU 123\r\n"
    )
    archive = mask_mail(data, read_mail(data)).archive
    mail = read_mail(archive)
    assert mail.mime is not None
    assert mail.mime["X-Payment"] == "=?utf-8?q?kart_XXXX_XXXX_XXXX_1111_G=C3=BCvenlik_kodu_XXX?="
    assert mail.text == "VOUCHER NO    : 558120\nREMARKS : GÜVENLİK KODU XXX\n"
    assert mail.subject == "NEW BOOKING 558120" and archive.count(b"\r\n") >= 6


def test_scan_parse_shows_no_card_data(hotel_db: Database) -> None:
    corpus = card_corpus.cases()
    for case in corpus:
        operator = None if case.mail else case.name.split("-")[0]  # as its file name says
        result = inspect_file(case.data, case.name, operator=operator, db=hotel_db)
        assert result.error is None and result.reservations, case.name
        shown = json.dumps([result.fields, result.reservations], ensure_ascii=False)
        assert leaks(shown, corpus) == [], case.name
