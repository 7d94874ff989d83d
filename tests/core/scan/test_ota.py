"""OpenTravel reservation messages: reading every shape we receive, refusing hostile XML, and
building a pull and an acknowledgement that the 2015A schemas accept."""

from __future__ import annotations

import os
import threading
import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from hotelops.core.models import Content
from hotelops.core.scan.formats import ota, xmlsafe
from hotelops.core.scan.formats.xmlsafe import parse_xml
from hotelops.core.scan.model import ParseError

REPO = Path(__file__).resolve().parents[3]
FIXTURES = REPO / "fixtures" / "ota"
OTA_XSD = REPO / "tests" / "standards" / "ota2015a"

# Written in the older 2011B style (CardNumber as an attribute) or without a namespace: these
# cannot be checked against the 2015A schemas.
NOT_2015A = {"PEGS-01-new-card-PG2620418.xml", "PEGS-02-new-nonamespace-PG2620502.xml"}


def schema(name: str) -> etree.XMLSchema:
    """A 2015A schema; the files include each other, so they load from their own folder."""
    return etree.XMLSchema(etree.parse(str(OTA_XSD / f"{name}.xsd")))


def read(name: str) -> list:
    return ota.parse((FIXTURES / name).read_bytes())


def message(room_stay: str = "", *, status: str = "Book", root: str = "", head: str = "") -> bytes:
    """A small OTA_HotelResNotifRQ around one RoomStay body."""
    stay = room_stay or '<TimeSpan Start="2026-07-01" End="2026-07-08"/>'
    head = head or '<UniqueID Type="14" ID="V1"/>'
    return (
        f'<OTA_HotelResNotifRQ xmlns="{ota.OTA_NS}" Version="6.000" {root}>'
        f'<HotelReservations><HotelReservation ResStatus="{status}">'
        f"{head}"
        f"<RoomStays><RoomStay>{stay}</RoomStay></RoomStays>"
        "</HotelReservation></HotelReservations></OTA_HotelResNotifRQ>"
    ).encode()


# ------------------------------------------------------------------------------ the fixtures


def test_worked_example_tui_partners_79194577_reads_every_field() -> None:
    [res] = read("TUIP-01-new-79194577.xml")
    assert res.voucher == "79194577"
    assert res.ack_id == "79194577"
    assert res.content is Content.NEW
    assert res.operator_status == "Book"
    assert res.operator_code == "TUIP"
    assert res.operator_agency == "TUI GASP"
    assert res.hotel_code == "KIV"
    assert (res.check_in, res.check_out, res.nights) == (date(2026, 8, 29), date(2026, 9, 5), 7)
    assert (res.room_type, res.board, res.market, res.rate_type) == (
        "STDLV",
        "UAI",
        "BATI AVRUPA",
        "KONTRAT",
    )
    assert (res.adults, res.children, res.infants, res.room_count) == (2, 0, 0, 1)
    assert res.price == Decimal("1899.00") and isinstance(res.price, Decimal)
    assert res.currency == "EUR"
    assert res.sale_date == date(2026, 2, 12)
    assert res.nationality == "DEU"
    assert res.operator_res_id == ""
    assert [(g.title, g.first_name, g.last_name, g.nationality) for g in res.guests] == [
        ("Mr", "Andre", "Graeser", "DEU"),
        ("Mrs", "Isabell Elisabeth", "Larbus", "DEU"),
    ]
    andre = res.guests[0]
    assert (andre.gender, andre.birth_date, andre.passport) == ("M", date(1984, 7, 19), "C7H2K9L41")
    assert (res.arrival_flight, res.arrival_route, res.arrival_flight_time) == (
        "X32140",
        "HAJ-AYT",
        "11:35",
    )
    assert (res.departure_flight, res.departure_flight_time) == ("X32141", "13:20")
    assert "Honeymoon couple" in res.agency_note


def test_tui_partners_78856480_modify_notif_is_a_modification() -> None:
    [res] = read("TUIP-02-modification-78856480.xml")
    assert res.content is Content.MODIFICATION
    assert res.operator_status == "Modify"
    assert res.operator_agency == "TUI POL"
    assert (res.room_type, res.board, res.market) == ("DXK3", "AI", "POL")
    assert (res.check_in, res.check_out) == (date(2026, 5, 9), date(2026, 5, 17))
    assert res.adults == 4
    assert [g.last_name for g in res.guests] == ["Tessa"] * 4
    assert res.guests[0].passport == "EK4471093"
    assert res.nationality == "POL"
    assert "17.05" in res.agency_note


def test_tui_partners_78862479_cancel_keeps_the_stay_and_the_reason() -> None:
    [res] = read("TUIP-03-cancellation-78862479.xml")
    assert res.content is Content.CANCELLATION
    assert res.operator_status == "Cancel"
    assert (res.check_in, res.check_out) == (date(2026, 9, 5), date(2026, 9, 12))
    assert res.cancellation_date == date(2026, 5, 14)
    assert "illness" in res.cancellation_note
    assert res.agency_note == ""
    assert [g.last_name for g in res.guests] == ["Junik", "Junik"]


def test_sejour_48044_gives_one_reservation_per_room_stay_sharing_the_voucher() -> None:
    first, second = read("SEJR-01-multiroom-48044.xml")
    assert first.voucher == second.voucher == "48044"
    assert (first.operator_res_id, second.operator_res_id) == ("4804442", "4804443")
    assert first.ack_id == second.ack_id == "48044"
    assert [g.first_name for g in first.guests] == ["ISTVAN", "MAGDOLNA"]
    assert [g.first_name for g in second.guests] == ["PETER", "ANNA", "BENCE"]
    assert (first.adults, first.children) == (2, 0)
    assert (second.adults, second.children, second.child_ages) == (2, 1, [9])
    assert second.guests[2].kind == "child" and second.guests[2].age == 9
    assert (first.price, second.price) == (Decimal("1050.00"), Decimal("1295.00"))
    assert first.board == "ULTRA ALL INCLUSIVE"  # the operator's own word, from TPA_Extensions
    assert (first.market, first.operator_agency, first.room_type) == (
        "HUN",
        "SUMMER AVR",
        "STANDARD ROOM",
    )
    assert first.option_date == datetime(2026, 6, 5, 18, tzinfo=timezone(timedelta(hours=3)))


def test_tui_uk_reads_extension_board_minor_unit_total_children_and_infants() -> None:
    [res] = read("TUIUK-01-new-TUK4492271.xml")
    assert res.board == "All Inclusive"
    assert res.price == Decimal("1260.00")
    assert (res.adults, res.children, res.child_ages, res.infants) == (2, 1, [7], 1)
    assert [g.kind for g in res.guests] == ["adult", "adult", "child", "infant"]
    assert res.content is Content.NEW and res.operator_status == "Commit"
    assert res.operator_agency == "THP TUI UK Package"
    assert (res.arrival_flight, res.arrival_flight_time) == ("TOM1624", "14:30")
    assert res.agency_note == "Baby cot, please."
    assert res.nationality == "GBR"


def test_pegas_without_namespace_and_with_duration_parses() -> None:
    [res] = read("PEGS-02-new-nonamespace-PG2620502.xml")
    assert res.voucher == "PG2620502"
    assert (res.check_in, res.check_out) == (date(2026, 6, 27), date(2026, 7, 4))
    assert (res.board, res.operator_code, res.nationality) == ("AI", "PEGS", "RUS")


def test_pegas_card_message_parses_and_no_field_carries_the_card_number() -> None:
    [res] = read("PEGS-01-new-card-PG2620418.xml")
    assert res.voucher == "PG2620418"
    assert (res.children, res.child_ages) == (2, [6, 10])
    assert "4111111111111111" not in repr(res)


def test_every_ota_fixture_parses_to_at_least_one_reservation() -> None:
    files = sorted(FIXTURES.glob("*.xml"))
    assert len(files) >= 7
    for path in files:
        reservations = ota.parse(path.read_bytes())
        assert reservations, path.name
        assert all(r.voucher and r.check_out > r.check_in for r in reservations), path.name


def test_ota_fixtures_are_valid_opentravel_2015a() -> None:
    schemas = {
        name: schema(name)
        for name in ("OTA_HotelResNotifRQ", "OTA_HotelResModifyNotifRQ", "OTA_ResRetrieveRS")
    }
    checked = 0
    for path in sorted(FIXTURES.glob("*.xml")):
        if path.name in NOT_2015A:
            continue
        document = etree.parse(str(path))
        validator = schemas[etree.QName(document.getroot()).localname]
        assert validator.validate(document), f"{path.name}: {validator.error_log}"
        checked += 1
    assert checked >= 5


# ----------------------------------------------------------------------------- hostile XML


def test_truncated_xml_names_line_and_column() -> None:
    with pytest.raises(ParseError, match=r"line \d+, column \d+"):
        ota.parse((FIXTURES / "bad" / "truncated.xml").read_bytes())


def test_billion_laughs_is_refused_at_once() -> None:
    started = time.perf_counter()
    with pytest.raises(ParseError, match=r"XML declares entities \(DOCTYPE .*\): refused"):
        ota.parse((FIXTURES / "bad" / "billion-laughs.xml").read_bytes())
    assert time.perf_counter() - started < 1.0


def test_xxe_fixture_is_refused() -> None:
    with pytest.raises(ParseError, match="declares entities"):
        ota.parse((FIXTURES / "bad" / "xxe.xml").read_bytes())


def _readers_of(fifo: Path, action: threading.Thread) -> bool:
    """Run ``action``; True if anything opened ``fifo`` for reading meanwhile.

    Opening a FIFO for writing without blocking fails (ENXIO) unless a reader has it open, and a
    reader that opens it blocks until a writer comes: so we both detect and unblock a reader.
    """
    opened = False
    action.start()
    deadline = time.monotonic() + 3
    while action.is_alive() and time.monotonic() < deadline:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            time.sleep(0.005)
            continue
        opened = True
        os.close(fd)
    action.join(timeout=3)
    assert not action.is_alive(), "the parser is stuck reading the external entity"
    return opened


def test_xxe_never_opens_the_external_file(tmp_path: Path) -> None:
    fifo = tmp_path / "passwd"
    os.mkfifo(fifo)
    document = (
        (FIXTURES / "bad" / "xxe.xml")
        .read_bytes()
        .replace(b"file:///etc/passwd", fifo.as_uri().encode())
    )
    errors: list[Exception] = []

    def parse() -> None:
        try:
            ota.parse(document)
        except ParseError as exc:
            errors.append(exc)

    assert not _readers_of(fifo, threading.Thread(target=parse))
    assert errors and "declares entities" in str(errors[0])


def test_parser_itself_resolves_no_entity_even_past_the_doctype_check(tmp_path: Path) -> None:
    # Defence in depth: the lxml parser alone (without the DOCTYPE refusal) opens nothing.
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    document = (f'<!DOCTYPE r [<!ENTITY x SYSTEM "{fifo.as_uri()}">]><r><n>&x;</n></r>').encode()
    texts: list[str] = []

    def parse() -> None:
        root = etree.fromstring(document, xmlsafe._parser())
        texts.append("".join(root.itertext()))

    assert not _readers_of(fifo, threading.Thread(target=parse))
    assert texts == ["&x;"]  # the reference stays a reference: nothing was substituted


def test_external_dtd_is_not_loaded_and_a_plain_doctype_is_accepted() -> None:
    root = parse_xml(b'<!DOCTYPE r SYSTEM "http://127.0.0.1:9/none.dtd"><r>ok</r>')
    assert root.text == "ok"


def test_empty_and_whitespace_documents_are_parse_errors() -> None:
    for data in (b"", b"  \n"):
        with pytest.raises(ParseError, match="empty"):
            parse_xml(data)


def test_leading_whitespace_before_the_declaration_is_tolerated() -> None:
    assert ota.parse(b"\n  " + message().replace(b"<OTA", b'<?xml version="1.0"?><OTA', 1))


# ------------------------------------------------------------------------- required data


def test_missing_timespan_names_the_element_path() -> None:
    with pytest.raises(ParseError) as error:
        ota.parse((FIXTURES / "bad" / "missing-timespan.xml").read_bytes())
    assert str(error.value).startswith(
        "OTA_HotelResNotifRQ/HotelReservations/HotelReservation[1]/RoomStays/RoomStay[1]/TimeSpan"
    )


def test_missing_voucher_names_the_element_path() -> None:
    with pytest.raises(ParseError, match=r"HotelReservation\[1\]/UniqueID: no reservation id"):
        ota.parse((FIXTURES / "bad" / "no-voucher.xml").read_bytes())


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ParseError, match="is not after"):
        ota.parse(message('<TimeSpan Start="2026-07-08" End="2026-07-01"/>'))


def test_a_bad_date_names_the_attribute() -> None:
    with pytest.raises(ParseError, match=r"TimeSpan/@Start: '2026-13-01' is not a date"):
        ota.parse(message('<TimeSpan Start="2026-13-01" End="2026-07-01"/>'))


def test_a_bad_amount_names_the_attribute() -> None:
    stay = '<TimeSpan Start="2026-07-01" End="2026-07-08"/><Total AmountAfterTax="12,5"/>'
    with pytest.raises(ParseError, match=r"Total/@AmountAfterTax: '12,5' is not an amount"):
        ota.parse(message(stay))


def test_errors_answer_is_a_parse_error_quoting_the_operator() -> None:
    data = (
        f'<OTA_ResRetrieveRS xmlns="{ota.OTA_NS}" Version="7.000"><Errors>'
        '<Error Type="6" Code="321">Hotel not connected</Error></Errors></OTA_ResRetrieveRS>'
    ).encode()
    with pytest.raises(ParseError, match=r"answered with errors: 321 \(type 6\): Hotel not"):
        ota.parse(data)


def test_other_roots_and_namespaces_are_refused() -> None:
    with pytest.raises(ParseError, match="not an OTA reservation message"):
        ota.parse(f'<OTA_PingRQ xmlns="{ota.OTA_NS}"/>'.encode())
    with pytest.raises(ParseError, match="is not OpenTravel"):
        ota.parse(b'<OTA_HotelResNotifRQ xmlns="urn:other"/>')


def test_a_message_inside_a_soap_envelope_is_read() -> None:
    inner = message().decode()
    data = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/>'
        f"<s:Body>{inner}</s:Body></s:Envelope>"
    ).encode()
    assert [r.voucher for r in ota.parse(data)] == ["V1"]


def test_empty_retrieve_answer_is_no_reservations() -> None:
    data = (
        f'<OTA_ResRetrieveRS xmlns="{ota.OTA_NS}"><Success/><ReservationsList/></OTA_ResRetrieveRS>'
    )
    assert ota.parse(data.encode()) == []


# ----------------------------------------------------------------------------- the mapping


@pytest.mark.parametrize(
    ("status", "content"),
    [
        ("Book", Content.NEW),
        ("Commit", Content.NEW),
        ("Reserved", Content.NEW),
        ("Requested", Content.NEW),
        ("Initiate", Content.NEW),
        ("Modify", Content.MODIFICATION),
        ("Modified", Content.MODIFICATION),
        ("Cancel", Content.CANCELLATION),
        ("Cancelled", Content.CANCELLATION),
        ("Pending", None),
    ],
)
def test_operator_status_decides_the_content(status: str, content: Content | None) -> None:
    [res] = ota.parse(message(status=status))
    assert res.content is content
    assert res.operator_status == status


def test_root_status_applies_when_the_reservation_has_none() -> None:
    [res] = ota.parse(message(status="", root='ResStatus="Cancel"'))
    assert (res.content, res.operator_status) == (Content.CANCELLATION, "Cancel")


def test_room_stay_status_wins_for_its_room() -> None:
    stay = '<TimeSpan Start="2026-07-01" End="2026-07-08"/>'
    data = message(stay).replace(b"<RoomStay>", b'<RoomStay RoomStayStatus="Cancelled">')
    [res] = ota.parse(data)
    assert res.content is Content.CANCELLATION


@pytest.mark.parametrize(
    ("code", "board"),
    [("1", "AI"), ("3", "BB"), ("10", "FB"), ("12", "HB"), ("14", "RO"), ("UAI", "UAI")],
)
def test_meal_plan_codes_map_to_boards_and_unknown_codes_stay(code: str, board: str) -> None:
    stay = (
        f'<RatePlans><RatePlan RatePlanCode="R"><MealsIncluded MealPlanCodes="{code}"/>'
        '</RatePlan></RatePlans><TimeSpan Start="2026-07-01" End="2026-07-08"/>'
    )
    [res] = ota.parse(message(stay))
    assert res.board == board


def test_meal_flags_without_codes_give_a_board() -> None:
    stay = (
        '<RatePlans><RatePlan><MealsIncluded Breakfast="true" Dinner="true"/></RatePlan>'
        '</RatePlans><TimeSpan Start="2026-07-01" End="2026-07-08"/>'
    )
    assert ota.parse(message(stay))[0].board == "HB"


def test_guest_counts_by_age_qualifying_code() -> None:
    stay = (
        '<GuestCounts><GuestCount AgeQualifyingCode="10" Count="2"/>'
        '<GuestCount AgeQualifyingCode="8" Age="4" Count="2"/>'
        '<GuestCount AgeQualifyingCode="7" Count="1"/></GuestCounts>'
        '<TimeSpan Start="2026-07-01" End="2026-07-08"/>'
    )
    [res] = ota.parse(message(stay))
    assert (res.adults, res.children, res.child_ages, res.infants) == (2, 2, [4, 4], 1)


@pytest.mark.parametrize(
    ("span", "stay"),
    [
        ('Start="2026-07-01" Duration="P7N"', (date(2026, 7, 1), date(2026, 7, 8))),
        ('End="2026-07-08" Duration="P7D"', (date(2026, 7, 1), date(2026, 7, 8))),
        (
            'Start="2026-07-01T14:00:00" End="2026-07-08T10:00:00"',
            (date(2026, 7, 1), date(2026, 7, 8)),
        ),
    ],
)
def test_time_span_forms(span: str, stay: tuple[date, date]) -> None:
    [res] = ota.parse(message(f"<TimeSpan {span}/>"))
    assert (res.check_in, res.check_out) == stay


def test_decimal_places_scale_integer_amounts_only() -> None:
    def price(total: str) -> Decimal | None:
        stay = f'<TimeSpan Start="2026-07-01" End="2026-07-08"/><Total {total}/>'
        return ota.parse(message(stay))[0].price

    assert price('AmountAfterTax="189900" DecimalPlaces="2" CurrencyCode="EUR"') == Decimal(
        "1899.00"
    )
    assert price('AmountAfterTax="1899.00" DecimalPlaces="2"') == Decimal("1899.00")
    assert price('AmountBeforeTax="1500"') == Decimal("1500")


def test_voucher_from_hotel_reservation_ids_when_there_is_no_unique_id() -> None:
    data = (
        f'<OTA_HotelResNotifRQ xmlns="{ota.OTA_NS}" Version="6.000"><HotelReservations>'
        "<HotelReservation><RoomStays><RoomStay>"
        '<TimeSpan Start="2026-07-01" End="2026-07-08"/></RoomStay></RoomStays>'
        "<ResGlobalInfo><HotelReservationIDs>"
        '<HotelReservationID ResID_Type="10" ResID_Value="PMS-1"/>'
        '<HotelReservationID ResID_Type="14" ResID_Value="OP-77"/>'
        '</HotelReservationIDs><BasicPropertyInfo HotelCode="KIV"/></ResGlobalInfo>'
        "</HotelReservation></HotelReservations></OTA_HotelResNotifRQ>"
    ).encode()
    [res] = ota.parse(data)
    assert (res.voucher, res.ack_id, res.hotel_code) == ("OP-77", "OP-77", "KIV")


def test_ack_ids_carry_the_unique_id_type_when_it_is_not_14() -> None:
    assert ota.ack_id_for("14", "791") == "791"
    assert ota.ack_id_for("15", "c24e") == "15:c24e"
    assert ota.split_ack_id("15:c24e") == ("15", "c24e")
    assert ota.split_ack_id("791") == ("14", "791")
    assert ota.split_ack_id("TB-2026:1") == ("14", "TB-2026:1")


def test_country_codes_become_alpha3() -> None:
    assert ota.country_alpha3("de") == "DEU"
    assert ota.country_alpha3("TR") == "TUR"
    assert ota.country_alpha3("UK") == "GBR"
    assert ota.country_alpha3("DEU") == "DEU"
    assert ota.country_alpha3("ZZ") == "ZZ"


# ---------------------------------------------------------------------------------- build


def test_read_rq_for_undelivered_reservations_is_valid_2015a() -> None:
    data = ota.build_read_rq(
        "KIV",
        requestor_id="kivima",
        echo_token="echo-1",
        timestamp=datetime(2026, 5, 15, 8, tzinfo=UTC),
    )
    validator = schema("OTA_ReadRQ")
    document = etree.fromstring(data)
    assert validator.validate(document), validator.error_log
    assert document.get("EchoToken") == "echo-1"
    assert document.get("TimeStamp") == "2026-05-15T08:00:00+00:00"
    ns = {"o": ota.OTA_NS}
    assert document.xpath("string(//o:HotelReadRequest/@HotelCode)", namespaces=ns) == "KIV"
    assert (
        document.xpath("string(//o:SelectionCriteria/@SelectionType)", namespaces=ns)
        == "Undelivered"
    )


def test_read_rq_since_a_date_is_valid_2015a() -> None:
    data = ota.build_read_rq("KIV", requestor_id="k", echo_token="e", since=date(2026, 5, 1))
    validator = schema("OTA_ReadRQ")
    document = etree.fromstring(data)
    assert validator.validate(document), validator.error_log
    criteria = document.find(f".//{{{ota.OTA_NS}}}SelectionCriteria")
    assert criteria is not None and criteria.get("Start") == "2026-05-01"


def test_notif_report_rq_acknowledges_each_id_and_is_valid_2015a() -> None:
    data = ota.build_notif_report_rq(["79194577", "15:c24e"], echo_token="ack-1")
    validator = schema("OTA_NotifReportRQ")
    document = etree.fromstring(data)
    assert validator.validate(document), validator.error_log
    ids = [(u.get("Type"), u.get("ID")) for u in document.iter(f"{{{ota.OTA_NS}}}UniqueID")]
    assert ids == [("14", "79194577"), ("15", "c24e")]


def test_notif_report_rq_escapes_ids_and_needs_at_least_one() -> None:
    data = ota.build_notif_report_rq(['A<&>"1'], echo_token="e")
    assert etree.fromstring(data).find(f".//{{{ota.OTA_NS}}}UniqueID").get("ID") == 'A<&>"1'
    with pytest.raises(ValueError):
        ota.build_notif_report_rq([], echo_token="e")


def test_a_bad_guest_value_names_that_guest_among_all_rooms() -> None:
    data = (FIXTURES / "SEJR-01-multiroom-48044.xml").read_bytes()
    data = data.replace(b'AgeQualifyingCode="8" Age="9">', b'AgeQualifyingCode="8" Age="nine">')
    with pytest.raises(ParseError, match=r"HotelReservation\[1\]/ResGuests/ResGuest\[5\]/@Age"):
        ota.parse(data)
