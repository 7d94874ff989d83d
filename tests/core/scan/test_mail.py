"""Operator reservation mails: reading every fixture mail, applying the operators' templates,
and refusing broken mails and broken templates with the place named."""

from __future__ import annotations

import contextlib
import random
import tomllib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hotelops.core.errors import InputError
from hotelops.core.models import Content
from hotelops.core.scan.formats.mail import (
    MailMessage,
    MailTemplate,
    decode_bytes,
    explain_mail,
    html_to_text,
    load_template,
    load_templates,
    parse_mail,
    read_mail,
)
from hotelops.core.scan.model import ParsedReservation, ParseError

REPO = Path(__file__).resolve().parents[3]
MAILS = REPO / "fixtures" / "mail"
BAD = MAILS / "bad"
GOOD_FILES = sorted(path.name for path in MAILS.glob("*.eml"))


@pytest.fixture(scope="module")
def templates() -> dict[str, MailTemplate]:
    return load_templates()


@pytest.fixture(scope="module")
def sender_rules() -> list[tuple[str, str]]:
    demo = tomllib.loads((REPO / "fixtures" / "demo" / "kivima.toml").read_text("utf-8"))
    return [(rule["pattern"].lower(), rule["operator"]) for rule in demo["sender_rules"]]


def operator_for(address: str, rules: list[tuple[str, str]]) -> str:
    """The demo hotel's sender rule for an address: full address first, then @domain."""
    for pattern, operator in rules:
        if pattern == address:
            return operator
    for pattern, operator in rules:
        if pattern.startswith("@") and address.endswith(pattern):
            return operator
    return ""


def read(name: str) -> MailMessage:
    return read_mail((MAILS / name).read_bytes())


def parse(
    name: str, templates: dict[str, MailTemplate], rules: list[tuple[str, str]]
) -> list[ParsedReservation]:
    message = read(name)
    # A mail forwarded by the hotel's own staff is the operator's by its original sender.
    operator = operator_for(message.sender, rules) or operator_for(message.original_sender, rules)
    assert operator, f"{name}: no sender rule for {message.sender} / {message.original_sender}"
    return parse_mail(message, templates[operator])


# file → voucher, check-in, check-out, adults, children, room type, board, content
EXPECTED = {
    "bah-01-new-9LXWQT.eml": (
        "9LXWQT", date(2026, 9, 3), date(2026, 9, 10), 2, 0,
        "Deluxe Room King Bed", "All Inclusive", Content.NEW,
    ),
    "bah-02-amend-9LXWQT.eml": (
        "9LXWQT", date(2026, 9, 3), date(2026, 9, 11), 2, 0,
        "Deluxe Room King Bed", "All Inclusive", Content.MODIFICATION,
    ),
    "dts-01-new-DTS-114573.eml": (
        "DTS-114573", date(2026, 7, 17), date(2026, 7, 24), 2, 1,
        "Standart Oda Deniz Manzaralı", "Ultra Her Şey Dahil", Content.NEW,
    ),
    "dts-02-modify-DTS-114573.eml": (
        "DTS-114573", date(2026, 7, 17), date(2026, 7, 26), 2, 1,
        "Standart Oda Deniz Manzaralı", "Ultra Her Şey Dahil", Content.MODIFICATION,
    ),
    "dts-03-cancel-DTS-114573.eml": (
        "DTS-114573", date(2026, 7, 17), date(2026, 7, 26), 2, 1,
        "Standart Oda Deniz Manzaralı", "Ultra Her Şey Dahil", Content.CANCELLATION,
    ),
    "hbd-01-new-75-2461351.eml": (
        "75-2461351", date(2026, 7, 3), date(2026, 7, 10), 2, 0,
        "DOUBLE STANDARD LAND VIEW", "ALL INCLUSIVE", Content.NEW,
    ),
    "hbd-02-amend-75-2461351.eml": (
        "75-2461351", date(2026, 7, 4), date(2026, 7, 11), 2, 0,
        "DOUBLE SUPERIOR SEA VIEW", "ALL INCLUSIVE", Content.MODIFICATION,
    ),
    "hbd-03-cancel-75-2461351.eml": (
        "75-2461351", date(2026, 7, 4), date(2026, 7, 11), 2, 0,
        "DOUBLE SUPERIOR SEA VIEW", "ALL INCLUSIVE", Content.CANCELLATION,
    ),
    "hbd-04-multiroom-75-2498820.eml": (
        "75-2498820", date(2026, 8, 14), date(2026, 8, 24), 2, 0,
        "DOUBLE STANDARD LAND VIEW", "ALL INCLUSIVE", None,
    ),
    "jet2-01-new-J2H8841207.eml": (
        "J2H8841207", date(2026, 6, 12), date(2026, 6, 19), 2, 1,
        "Double Room Land View", "All Inclusive", Content.NEW,
    ),
    "jet2-02-amend-J2H8841207.eml": (
        "J2H8841207", date(2026, 6, 12), date(2026, 6, 22), 2, 1,
        "Double Room Land View", "All Inclusive", Content.MODIFICATION,
    ),
    "jet2-03-cancel-J2H8841207.eml": (
        "J2H8841207", date(2026, 6, 12), date(2026, 6, 22), 2, 1,
        "Double Room Land View", "All Inclusive", Content.CANCELLATION,
    ),
    "jet2-04-forwarded-J2H8852390.eml": (
        "J2H8852390", date(2026, 9, 5), date(2026, 9, 15), 2, 2,
        "Family Room", "All Inclusive", Content.NEW,
    ),
    "mts-01-new-558120.eml": (
        "558120", date(2026, 8, 4), date(2026, 8, 14), 2, 2,
        "DBL STANDARD LAND VIEW", "AI", Content.NEW,
    ),
    "mts-02-amend-558120.eml": (
        "558120", date(2026, 8, 4), date(2026, 8, 14), 2, 2,
        "DBL STANDARD SEA VIEW", "AI", Content.MODIFICATION,
    ),
    "mts-03-cancel-558120.eml": (
        "558120", date(2026, 8, 4), date(2026, 8, 14), 2, 2,
        "DBL STANDARD SEA VIEW", "AI", Content.CANCELLATION,
    ),
    "mts-04-new-558347.eml": (
        "558347", date(2026, 9, 19), date(2026, 10, 3), 2, 1,
        "DELUXE KING + 2 SINGLE", "UAI", Content.NEW,
    ),
    "w2m-01-new-4827391.eml": (
        "4827391", date(2026, 8, 22), date(2026, 8, 29), 2, 1,
        "Double Room Land View", "All Inclusive", Content.NEW,
    ),
    "w2m-02-cancel-4827391.eml": (
        "4827391", date(2026, 8, 22), date(2026, 8, 29), 2, 1,
        "Double Room Land View", "All Inclusive", Content.CANCELLATION,
    ),
    "webb-01-new-93817264.eml": (
        "93817264", date(2026, 7, 25), date(2026, 8, 1), 2, 0,
        "Deluxe Room King Bed", "All Inclusive", Content.NEW,
    ),
    "webb-02-new-93822051.eml": (
        "93822051", date(2026, 10, 2), date(2026, 10, 9), 2, 1,
        "Family Room", "Half Board", Content.NEW,
    ),
}  # fmt: skip


def test_every_good_fixture_has_an_expectation() -> None:
    assert set(GOOD_FILES) == set(EXPECTED)
    assert 20 <= len(GOOD_FILES) <= 25


@pytest.mark.parametrize("name", GOOD_FILES)
def test_every_good_fixture_parses_with_its_operators_template(
    name: str, templates: dict[str, MailTemplate], sender_rules: list[tuple[str, str]]
) -> None:
    voucher, check_in, check_out, adults, children, room, board, content = EXPECTED[name]
    first = parse(name, templates, sender_rules)[0]
    assert first.voucher == voucher
    assert (first.check_in, first.check_out) == (check_in, check_out)
    assert (first.adults, first.children) == (adults, children)
    assert (first.room_type, first.board) == (room, board)
    assert first.content == content
    assert first.guests, "every fixture names its guests"
    assert len(first.child_ages) == first.children
    assert isinstance(first.price, Decimal)
    assert first.currency in {"EUR", "GBP", "TRY"}


def test_the_bundled_templates_cover_the_demo_hotels_mail_operators(
    templates: dict[str, MailTemplate],
) -> None:
    demo = tomllib.loads((REPO / "fixtures" / "demo" / "kivima.toml").read_text("utf-8"))
    mail_operators = {op["code"] for op in demo["operators"] if op.get("kind") == "mail"}
    assert set(templates) == mail_operators == {"MTS", "JET2", "HBD", "WEBB", "BAH", "DTS", "W2M"}


@pytest.mark.parametrize(
    "operator", ["jet2", "hbd", "mts", "dts", "w2m"], ids=lambda op: f"{op}-series"
)
def test_versions_of_one_voucher_sort_by_name_into_new_then_changes(
    operator: str, templates: dict[str, MailTemplate], sender_rules: list[tuple[str, str]]
) -> None:
    by_voucher: dict[str, list[Content | None]] = {}
    for name in GOOD_FILES:
        if name.startswith(f"{operator}-"):
            first = parse(name, templates, sender_rules)[0]
            by_voucher.setdefault(first.voucher, []).append(first.content)
    series = max(by_voucher.values(), key=len)
    assert series[0] == Content.NEW
    assert series[-1] == Content.CANCELLATION
    assert all(content == Content.MODIFICATION for content in series[1:-1])


def test_jet2_html_mail_reads_table_cells_flights_and_passengers(
    templates: dict[str, MailTemplate],
) -> None:
    message = read("jet2-01-new-J2H8841207.eml")
    assert message.sender == "noreplyjuniper@jet2holidays.com"
    assert message.html.startswith("<!DOCTYPE html")
    assert "Booking Reference | J2H8841207" in message.text
    assert message.date == datetime(2026, 2, 14, 9, 14, 22, tzinfo=UTC)
    [res] = parse_mail(message, templates["JET2"])
    assert res.operator_status == "Confirmation"
    assert res.sale_date == date(2026, 2, 14)
    assert res.child_ages == [8]
    assert res.price == Decimal("1482.60") and res.currency == "GBP"
    assert (res.arrival_flight, res.arrival_route, res.arrival_flight_time) == (
        "LS1695",
        "MAN-AYT",
        "12:40",
    )
    assert (res.departure_flight, res.departure_route, res.departure_flight_time) == (
        "LS1696",
        "AYT-MAN",
        "13:45",
    )
    assert [(g.title, g.first_name, g.last_name, g.kind, g.age) for g in res.guests] == [
        ("Mr", "James", "Hargreaves", "adult", None),
        ("Mrs", "Claire", "Hargreaves", "adult", None),
        ("Mstr", "Oliver", "Hargreaves", "child", 8),
    ]
    assert res.agency_note == "Ground floor room requested. Early check-in if possible."


def test_jet2_cancellation_carries_its_date_and_reason(
    templates: dict[str, MailTemplate], sender_rules: list[tuple[str, str]]
) -> None:
    [res] = parse("jet2-03-cancel-J2H8841207.eml", templates, sender_rules)
    assert res.cancellation_date == date(2026, 4, 28)
    assert res.cancellation_note == "Customer cancelled - medical reasons"
    assert res.departure_flight == "LS1698"


def test_forwarded_mail_keeps_the_forwarder_as_sender_and_finds_the_original_sender(
    templates: dict[str, MailTemplate], sender_rules: list[tuple[str, str]]
) -> None:
    message = read("jet2-04-forwarded-J2H8852390.eml")
    assert message.sender == "reservations@kivimahotel.example"
    assert message.original_sender == "noreplyjuniper@jet2holidays.com"
    assert operator_for(message.sender, sender_rules) == ""
    assert operator_for(message.original_sender, sender_rules) == "JET2"
    assert message.subject == "Fwd: Booking Confirmation - Kivima Hotel - J2H8852390"
    [res] = parse_mail(message, templates["JET2"])
    assert res.child_ages == [11, 5]
    assert res.price == Decimal("3912.00")
    assert (res.arrival_flight, res.arrival_route) == ("LS1841", "LBA-AYT")
    assert [g.first_name for g in res.guests] == ["Rajesh", "Anita", "Aisha", "Arjun"]
    assert [g.kind for g in res.guests] == ["adult", "adult", "child", "child"]


def test_a_direct_mail_has_no_original_sender() -> None:
    assert read("jet2-01-new-J2H8841207.eml").original_sender == ""
    assert read("mts-01-new-558120.eml").original_sender == ""


def test_a_mail_forwarded_as_an_attachment_takes_the_inner_from() -> None:
    inner = (MAILS / "mts-01-new-558120.eml").read_bytes()
    outer = (
        b"From: Selin Aydin <selin.aydin@kivimahotel.example>\n"
        b"Subject: FW: NEW BOOKING 558120\n"
        b'Content-Type: multipart/mixed; boundary="b1"\n\n'
        b"--b1\nContent-Type: text/plain\n\nsee attached\n"
        b"--b1\nContent-Type: message/rfc822\n\n" + inner + b"\n--b1--\n"
    )
    message = read_mail(outer)
    assert message.original_sender == "booking.ayt@mtsglobe.com"
    assert "VOUCHER NO    : 558120" in message.text


def test_pdf_voucher_is_returned_with_its_name_and_bytes(
    templates: dict[str, MailTemplate],
) -> None:
    message = read("bah-01-new-9LXWQT.eml")
    [pdf] = message.attachments
    assert pdf.file_name == "BAH_Voucher_9LXWQT.pdf"
    assert pdf.content_type == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and pdf.data.rstrip().endswith(b"%%EOF")
    assert b"Accommodation voucher 9LXWQT" in pdf.data
    [res] = parse_mail(message, templates["BAH"])
    assert res.attachments == [pdf]
    # the text part is read, not the HTML alternative
    assert "Booking reference: 9LXWQT" in message.text
    assert "<table" in message.html


def test_bah_mail_reads_weekday_dates_and_flight_routes_in_brackets(
    templates: dict[str, MailTemplate],
) -> None:
    [res] = parse_mail(read("bah-01-new-9LXWQT.eml"), templates["BAH"])
    assert res.sale_date == date(2026, 3, 16)
    assert (res.arrival_flight, res.arrival_route, res.arrival_flight_time) == (
        "BA2668",
        "LGW-AYT",
        "15:55",
    )
    assert (res.departure_flight, res.departure_route, res.departure_flight_time) == (
        "BA2669",
        "AYT-LGW",
        "16:55",
    )
    assert res.price == Decimal("1214.00") and res.currency == "GBP"


def test_multi_room_hotelbeds_mail_gives_one_reservation_per_room(
    templates: dict[str, MailTemplate],
) -> None:
    rooms = parse_mail(read("hbd-04-multiroom-75-2498820.eml"), templates["HBD"])
    assert [r.operator_res_id for r in rooms] == ["75-2498820-1", "75-2498820-2"]
    assert {r.voucher for r in rooms} == {"75-2498820"}
    assert [r.room_type for r in rooms] == ["DOUBLE STANDARD LAND VIEW", "FAMILY ROOM TWO BEDROOMS"]
    assert [(r.adults, r.children, r.child_ages) for r in rooms] == [(2, 0, []), (2, 2, [9, 6])]
    assert [r.price for r in rooms] == [Decimal("1204.50"), Decimal("2318.00")]
    assert [len(r.guests) for r in rooms] == [2, 4]
    assert rooms[1].guests[1].first_name == "Ida Marie"
    # shared header and footer belong to every room
    assert {r.check_in for r in rooms} == {date(2026, 8, 14)}
    assert {r.nationality for r in rooms} == {"DNK"}
    assert {r.agency_note for r in rooms} == {
        "Two families travelling together, rooms close to each other please."
    }
    # no status word in the subject: ingest decides between new and modification
    assert {(r.content, r.operator_status) for r in rooms} == {(None, "")}


def test_single_room_hotelbeds_mail_keeps_the_room_id_in_every_version(
    templates: dict[str, MailTemplate], sender_rules: list[tuple[str, str]]
) -> None:
    names = [name for name in GOOD_FILES if "75-2461351" in name]
    ids = {parse(name, templates, sender_rules)[0].operator_res_id for name in names}
    assert ids == {"75-2461351-1"}


def test_turkish_names_decode_from_windows_1254(templates: dict[str, MailTemplate]) -> None:
    message = read("dts-01-new-DTS-114573.eml")
    assert message.subject == "DTS Türkiye - Yeni Rezervasyon - DTS-114573"
    [res] = parse_mail(message, templates["DTS"])
    assert [(g.title, g.first_name, g.last_name, g.gender) for g in res.guests] == [
        ("Bay", "Şükrü", "Doğan", "M"),
        ("Bayan", "İpek", "Doğan", "F"),
        ("", "Ege", "Doğan", ""),
    ]
    assert res.guests[2].kind == "child" and res.guests[2].age == 7
    assert res.operator_agency == "DTS İSTANBUL MERKEZ"
    assert res.price == Decimal("48650.00") and res.currency == "TRY"
    assert res.nationality == "TUR"
    # 18:00 Istanbul time is 15:00 UTC
    assert res.option_date == datetime(2026, 4, 15, 15, 0, tzinfo=UTC)


def test_turkish_mail_labelled_iso_8859_1_is_read_as_windows_1254(
    templates: dict[str, MailTemplate],
) -> None:
    raw = (MAILS / "dts-03-cancel-DTS-114573.eml").read_bytes()
    assert b"charset=iso-8859-1" in raw and "Şükrü".encode("windows-1254") in raw
    message = read_mail(raw)
    assert message.subject == "DTS Türkiye - Rezervasyon İptali - DTS-114573"
    assert "Ã" not in message.text and "Þ" not in message.text
    [res] = parse_mail(message, templates["DTS"])
    assert res.content == Content.CANCELLATION and res.operator_status == "İptal"
    assert res.cancellation_date == date(2026, 5, 28)
    assert res.cancellation_note == "Misafir talebi - cezasız"
    assert [g.first_name for g in res.guests] == ["Şükrü", "İpek", "Ege"]


def test_iso_8859_9_modification_matches_the_inflected_subject(
    templates: dict[str, MailTemplate],
) -> None:
    message = read("dts-02-modify-DTS-114573.eml")
    assert message.subject == "DTS Türkiye - Rezervasyon Değişikliği - DTS-114573"
    [res] = parse_mail(message, templates["DTS"])
    assert res.content == Content.MODIFICATION
    assert res.nights == 9
    assert res.price == Decimal("62550.00")


def test_genuine_latin_1_german_is_not_mistaken_for_turkish(
    templates: dict[str, MailTemplate],
) -> None:
    message = read("mts-04-new-558347.eml")
    [res] = parse_mail(message, templates["MTS"])
    assert res.operator_agency == "DERTOUR KÖLN"
    assert [(g.title, g.first_name, g.last_name) for g in res.guests] == [
        ("MR", "JÖRG", "SCHÄFER"),
        ("MRS", "ANNELIESE", "SCHÄFER-MÜLLER"),
        ("", "LUKAS", "SCHÄFER"),
    ]


def test_mts_telex_mail_reads_pax_line_flights_and_ages_from_birth_dates(
    templates: dict[str, MailTemplate],
) -> None:
    [res] = parse_mail(read("mts-01-new-558120.eml"), templates["MTS"])
    assert (res.adults, res.children, res.child_ages, res.infants) == (2, 2, [4, 9], 0)
    assert res.price == Decimal("2184.00") and res.currency == "EUR"
    assert (res.market, res.operator_agency) == ("RUSSIA", "ANEX TOUR MOSCOW")
    assert (res.arrival_flight, res.arrival_route, res.arrival_flight_time) == (
        "SU2136",
        "SVO-AYT",
        "11:50",
    )
    assert (res.departure_flight, res.departure_route, res.departure_flight_time) == (
        "SU2137",
        "AYT-SVO",
        "13:15",
    )
    maksim = res.guests[2]
    assert (maksim.first_name, maksim.kind, maksim.birth_date, maksim.age) == (
        "MAKSIM",
        "child",
        date(2017, 5, 19),
        9,
    )


def test_encoded_subjects_and_sender_names_are_decoded() -> None:
    assert read("w2m-01-new-4827391.eml").subject.startswith("Confirmación de reserva")
    assert read("w2m-02-cancel-4827391.eml").subject.startswith("Cancelación de reserva")
    assert read("webb-01-new-93817264.eml").subject == (
        "Booking Confirmation – Kivima Hotel – WebBeds ID 93817264"
    )
    assert read("mts-02-amend-558120.eml").sender == "booking.ayt@mtsglobe.com"


def test_html_only_webbeds_mail_is_turned_into_label_value_lines(
    templates: dict[str, MailTemplate],
) -> None:
    message = read("webb-02-new-93822051.eml")
    assert "Check In | Fri, 02 Oct 2026" in message.text
    [res] = parse_mail(message, templates["WEBB"])
    assert res.nationality == "POL"
    assert res.child_ages == [6]
    assert [(g.first_name, g.last_name, g.kind) for g in res.guests] == [
        ("Paweł", "Wiśniewski", "adult"),
        ("Katarzyna", "Wiśniewska", "adult"),
        ("Zofia", "Wiśniewska", "child"),
    ]


def test_w2m_guests_written_surname_first_are_split_at_the_comma(
    templates: dict[str, MailTemplate],
) -> None:
    [res] = parse_mail(read("w2m-01-new-4827391.eml"), templates["W2M"])
    assert [(g.first_name, g.last_name, g.kind, g.age) for g in res.guests] == [
        ("María José", "García López", "adult", None),
        ("Alejandro", "Fernández Ruiz", "adult", None),
        ("Lucía", "Fernández García", "child", 10),
    ]
    assert res.price == Decimal("1456.70")
    assert res.market == "ES"


def test_card_numbers_are_left_for_ingest_to_mask() -> None:
    assert "Tarjeta / Card | 4111 1111 1111 1111" in read("w2m-01-new-4827391.eml").text


# ---------------------------------------------------------------------------- bad mails


def test_an_empty_mail_is_refused() -> None:
    with pytest.raises(ParseError, match="empty"):
        read_mail((BAD / "empty.eml").read_bytes())


def test_a_multipart_without_a_boundary_is_refused() -> None:
    with pytest.raises(ParseError, match="broken MIME: multipart/mixed has no boundary"):
        read_mail((BAD / "malformed.eml").read_bytes())


@pytest.mark.parametrize(
    "data",
    [b"hello, this is not a mail at all\n", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"],
    ids=["text", "pdf"],
)
def test_bytes_without_headers_are_not_a_mail(data: bytes) -> None:
    with pytest.raises(ParseError, match="not a mail: no headers"):
        read_mail(data)


def test_a_mail_without_from_is_refused() -> None:
    with pytest.raises(ParseError, match="no From header"):
        read_mail(b"To: reservations@kivimahotel.example\nSubject: test\n\nbody\n")
    with pytest.raises(ParseError, match="From header has no address"):
        read_mail(b"From: Jet2 Holidays\nSubject: test\n\nbody\n")


def test_a_newsletter_the_template_cannot_read_names_the_missing_fields(
    templates: dict[str, MailTemplate],
) -> None:
    message = read_mail((BAD / "nomatch.eml").read_bytes())
    assert message.sender == "booking.ayt@mtsglobe.com"
    with pytest.raises(ParseError) as caught:
        parse_mail(message, templates["MTS"])
    text = str(caught.value)
    assert text.startswith("template MTS: ")
    for part in ("no voucher", "'VOUCHER NO'", "no check_in", "'CHECK IN'", "no check_out"):
        assert part in text


def test_a_mail_whose_subject_the_template_does_not_handle_is_refused(
    templates: dict[str, MailTemplate],
) -> None:
    message = read("mts-01-new-558120.eml")
    with pytest.raises(ParseError, match=r"template JET2: subject .* does not match"):
        parse_mail(message, templates["JET2"])


def test_a_mail_declaring_utf_8_but_written_in_windows_1254_decodes_turkish_letters(
    templates: dict[str, MailTemplate],
) -> None:
    raw = (BAD / "wrong-charset.eml").read_bytes()
    assert b"charset=utf-8" in raw
    message = read_mail(raw)
    assert "Gülşah Kılıç" in message.text and "\ufffd" not in message.text
    [res] = parse_mail(message, templates["DTS"])
    assert res.voucher == "DTS-114902"
    assert [g.first_name for g in res.guests] == ["Oğuz", "Gülşah", "Işıl", "Çağan"]
    assert res.child_ages == [9, 12]
    assert res.room_type == "Aile Odası İki Yatak Odalı"


def test_attachment_names_in_rfc_2231_and_rfc_2047_are_decoded() -> None:
    data = (
        b"From: DTS <noreply@dtsturkiye.com>\n"
        b'Content-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain; charset=utf-8\n\nsee the vouchers\n"
        b"--b\nContent-Type: application/octet-stream\n"
        b"Content-Disposition: attachment; filename*=utf-8''Voucher%20%C3%96zel.txt\n\nA\n"
        b"--b\nContent-Type: application/octet-stream\n"
        b'Content-Disposition: attachment; filename="=?windows-1254?Q?=DDptal.txt?="\n\nB\n'
        b"--b\nContent-Type: application/octet-stream\n"
        b"Content-Disposition: attachment; filename*=utf-8''%FF%FE.txt\n\nC\n"
        b"--b\nContent-Type: image/png; name=logo.png\nContent-ID: <logo>\n\nPNG\n--b--\n"
    )
    message = read_mail(data)
    names = [attachment.file_name for attachment in message.attachments]
    assert names[:2] == ["Voucher Özel.txt", "İptal.txt"]
    assert len(names) == 3, "an inline image with a Content-ID is not an attachment"
    assert message.text.strip() == "see the vouchers"


def test_damaged_mails_raise_parse_error_or_nothing(templates: dict[str, MailTemplate]) -> None:
    """Truncated and garbled copies of the fixtures: never any other exception."""
    rnd = random.Random(2026)
    for name in GOOD_FILES[::3]:
        data = (MAILS / name).read_bytes()
        for _ in range(15):
            damaged = bytearray(data[: rnd.randrange(len(data))])
            for _ in range(10):
                if damaged:
                    damaged[rnd.randrange(len(damaged))] = rnd.randrange(256)
            try:
                message = read_mail(bytes(damaged))
            except ParseError:
                continue
            for template in templates.values():
                explain_mail(message, template)
                with contextlib.suppress(ParseError):
                    parse_mail(message, template)


# ---------------------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("Şükrü Doğan".encode("windows-1254"), "iso-8859-1", "Şükrü Doğan"),
        ("Şükrü Doğan".encode("windows-1254"), "", "Şükrü Doğan"),
        ("Işıl Kılıç".encode("windows-1254"), "utf-8", "Işıl Kılıç"),
        ("Gülşah".encode("iso-8859-9"), "x-unknown-charset", "Gülşah"),
        ("Åsa Nygård".encode(), "iso-8859-1", "Åsa Nygård"),  # a stale label on UTF-8
        ("Jörg Schäfer".encode("iso-8859-1"), "iso-8859-1", "Jörg Schäfer"),
        (b"plain ascii", "koi8-r", "plain ascii"),
    ],
)
def test_text_decodes_with_its_charset_or_the_turkish_code_pages(
    data: bytes, charset: str, expected: str
) -> None:
    assert decode_bytes(data, charset) == expected


def test_outlook_cell_paragraphs_do_not_split_label_and_value() -> None:
    markup = (
        "<table><tr><td><p class=MsoNormal><b>Booking Ref<o:p></o:p></b></p></td>"
        "<td><p class=MsoNormal>J2H1<o:p></o:p></p></td></tr>"
        "<tr><td>Arrival</td><td>12/06/2026&nbsp;</td></tr></table><p>Next &amp; last</p>"
    )
    assert html_to_text(markup) == "Booking Ref | J2H1\nArrival | 12/06/2026\n\nNext & last"


# ---------------------------------------------------------------------------- explain


def test_explain_mail_lists_each_field_with_its_value_and_rule(
    templates: dict[str, MailTemplate],
) -> None:
    rows = explain_mail(read("jet2-01-new-J2H8841207.eml"), templates["JET2"])
    by_field = {name: (value, rule) for name, value, rule in rows}
    assert by_field["content"] == ("new", "content rule /Confirmation/ in subject")
    assert by_field["voucher"] == ("J2H8841207", "label 'Booking Reference'")
    assert by_field["check_in"][0] == "2026-06-12"
    assert by_field["price"][0] == "1482.60"
    assert by_field["cancellation_date"] == ("", "label 'Cancellation Date' (not found)")
    assert "Mstr Oliver Hargreaves (child 8)" in by_field["guests"][0]
    assert set(templates["JET2"].fields) <= set(by_field)


def test_explain_mail_shows_what_a_failing_mail_lacks_without_raising(
    templates: dict[str, MailTemplate],
) -> None:
    rows = explain_mail(read_mail((BAD / "nomatch.eml").read_bytes()), templates["MTS"])
    by_field = {name: (value, rule) for name, value, rule in rows}
    assert by_field["voucher"] == ("", "label 'VOUCHER NO' (not found)")
    assert by_field["content"][0] == ""


def test_explain_mail_names_each_room_of_a_multi_room_mail(
    templates: dict[str, MailTemplate],
) -> None:
    rows = explain_mail(read("hbd-04-multiroom-75-2498820.eml"), templates["HBD"])
    by_field = {name: value for name, value, _ in rows}
    assert by_field["rooms"] == "1, 2"
    assert by_field["room_type [room 2]"] == "FAMILY ROOM TWO BEDROOMS"
    assert by_field["price [room 1]"] == "1204.50"


# ---------------------------------------------------------------------------- templates

MINIMAL = """
operator = "TEST"
[fields]
voucher = { label = "Ref" }
check_in = { label = "Arrival" }
nights = { label = "Nights" }
"""


def write_template(folder: Path, text: str, name: str = "test.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def message(text: str, subject: str = "Booking") -> MailMessage:
    return MailMessage(sender="res@operator.example", subject=subject, text=text)


@pytest.mark.parametrize(
    "written",
    ["12/02/2026", "12.02.2026", "12 Feb 2026", "2026-02-12", "Thu 12 Feb 2026", "12-Feb-26"],
)
def test_dates_in_the_usual_operator_spellings_are_read(tmp_path: Path, written: str) -> None:
    template = load_template(write_template(tmp_path, MINIMAL))
    [res] = parse_mail(message(f"Ref: A1\nArrival: {written}\nNights: 7\n"), template)
    assert (res.check_in, res.check_out, res.nights) == (date(2026, 2, 12), date(2026, 2, 19), 7)


def test_an_explicit_date_format_decides_day_and_month(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        '{ label = "Arrival" }', '{ label = "Arrival", date_format = "%m/%d/%Y" }'
    )
    template = load_template(write_template(tmp_path, text))
    [res] = parse_mail(message("Ref: A1\nArrival: 08/29/2026 (Sat)\nNights: 7\n"), template)
    assert res.check_in == date(2026, 8, 29)


def test_labels_match_in_any_case_and_not_as_the_prefix_of_a_longer_label(
    tmp_path: Path,
) -> None:
    template = load_template(write_template(tmp_path, MINIMAL))
    text = "REF | A7\nArrival Flight: LS1695\nARRIVAL:\n29/08/2026\nnights 10\n"
    [res] = parse_mail(message(text), template)
    assert (res.voucher, res.check_in, res.nights) == ("A7", date(2026, 8, 29), 10)


def test_a_template_with_an_unknown_key_is_refused_naming_file_and_key(tmp_path: Path) -> None:
    path = write_template(tmp_path, MINIMAL.replace('{ label = "Ref" }', '{ lable = "Ref" }'))
    with pytest.raises(InputError) as caught:
        load_template(path)
    assert str(path) in str(caught.value) and "fields.voucher.lable" in str(caught.value)
    assert caught.value.problems[0].field == "fields.voucher.lable"


def test_a_template_with_an_unknown_field_is_refused(tmp_path: Path) -> None:
    path = write_template(tmp_path, MINIMAL + 'room_view = { label = "View" }\n')
    with pytest.raises(InputError, match=r"fields\.room_view: unknown field"):
        load_template(path)


def test_a_template_with_a_bad_regex_is_refused_naming_file_and_key(tmp_path: Path) -> None:
    path = write_template(tmp_path, MINIMAL + "adults = { pattern = '(\\d+ ADL' }\n")
    with pytest.raises(InputError) as caught:
        load_template(path)
    message_text = str(caught.value)
    assert str(path) in message_text
    assert "fields.adults.pattern: bad regular expression" in message_text


def test_a_template_pattern_without_a_group_is_refused(tmp_path: Path) -> None:
    path = write_template(tmp_path, MINIMAL + "adults = { pattern = '\\d+ ADL' }\n")
    with pytest.raises(InputError, match=r"fields\.adults\.pattern: needs a group"):
        load_template(path)


def test_a_template_without_voucher_or_dates_is_refused(tmp_path: Path) -> None:
    path = write_template(tmp_path, 'operator = "TEST"\n[fields]\nboard = "Board"\n')
    with pytest.raises(InputError) as caught:
        load_template(path)
    fields = {problem.field for problem in caught.value.problems}
    assert {"fields.voucher", "fields.check_in", "fields.check_out"} <= fields


def test_a_template_that_is_not_toml_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = write_template(tmp_path, "operator = \n")
    with pytest.raises(InputError, match="not valid TOML") as caught:
        load_template(path)
    assert str(path) in str(caught.value)


def test_load_templates_reports_every_bad_file_and_duplicate_operators(tmp_path: Path) -> None:
    write_template(tmp_path, MINIMAL, "a.toml")
    write_template(tmp_path, MINIMAL, "b.toml")
    write_template(tmp_path, MINIMAL.replace('"TEST"', '"OTHER"') + "x = { }\n", "c.toml")
    with pytest.raises(InputError) as caught:
        load_templates(tmp_path)
    problems = {(Path(p.source).name, p.field) for p in caught.value.problems}
    assert ("b.toml", "operator") in problems
    assert ("c.toml", "fields.x") in problems


def test_content_rules_give_the_operators_word_and_none_when_nothing_matches(
    tmp_path: Path,
) -> None:
    text = MINIMAL + (
        '\n[[content]]\nmatch = "Cancel(?:led|lation)"\ncontent = "cancellation"\n'
        '\n[[content]]\nmatch = "Amend(?:ed|ment)"\ncontent = "modification"\n'
    )
    template = load_template(write_template(tmp_path, text))
    body = "Ref: A1\nArrival: 12/02/2026\nNights: 7\n"
    [cancelled] = parse_mail(message(body, "Booking Cancellation A1"), template)
    [amended] = parse_mail(message(body, "FW: Booking amended A1"), template)
    [plain] = parse_mail(message(body, "Booking A1"), template)
    assert (cancelled.content, cancelled.operator_status) == (
        Content.CANCELLATION,
        "Cancellation",
    )
    assert (amended.content, amended.operator_status) == (Content.MODIFICATION, "amended")
    assert (plain.content, plain.operator_status) == (None, "")


def test_check_out_before_check_in_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace('nights = { label = "Nights" }', 'check_out = { label = "Departure" }')
    template = load_template(write_template(tmp_path, text))
    body = "Ref: A1\nArrival: 12/02/2026\nDeparture: 10/02/2026\n"
    with pytest.raises(ParseError, match="check_out 2026-02-10 is not after check_in"):
        parse_mail(message(body), template)
