"""AlpineBits GuestRequests: every published sample reads, and what we send is valid AlpineBits.

Decision for the samples without a reservation: ``-reservation-empty`` reads as no reservations,
and ``-error`` (an OTA ``Errors`` answer) raises ``ParseError`` quoting the operator's error, so
the failure is shown instead of looking like an empty inbox.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from hotelops.core.models import Content
from hotelops.core.scan.formats import alpinebits, ota
from hotelops.core.scan.model import ParseError

REPO = Path(__file__).resolve().parents[3]
STANDARDS = REPO / "tests" / "standards"
FIXTURES = REPO / "fixtures" / "alpinebits"
RELEASES = ("2020_10", "2022_10", "2024_10")


def samples() -> list[Path]:
    return sorted(STANDARDS.glob("alpinebits/*/guestrequests/**/*.xml"))


def alpinebits_schema(release: str) -> etree.XMLSchema:
    return etree.XMLSchema(
        etree.parse(str(STANDARDS / "alpinebits" / f"v_{release}" / "alpinebits.xsd"))
    )


def sample(name: str) -> bytes:
    [path] = [p for p in samples() if p.name == name]
    return path.read_bytes()


# ------------------------------------------------------------------------- the samples


def test_every_published_guestrequests_sample_reads() -> None:
    found = samples()
    assert len(found) > 0, f"no AlpineBits samples under {STANDARDS}"
    for path in found:
        if path.name.endswith("-error.xml"):
            with pytest.raises(ParseError, match="answered with errors"):
                alpinebits.parse(path.read_bytes())
        elif path.name.endswith("-empty.xml"):
            assert alpinebits.parse(path.read_bytes()) == [], path.name
        else:
            reservations = alpinebits.parse(path.read_bytes())
            assert reservations, path.name
            assert all(r.voucher and r.ack_id for r in reservations), path.name


def test_sample_reservation_reads_rooms_guests_price_and_comments() -> None:
    [res] = alpinebits.parse(sample("GuestRequests-OTA_ResRetrieveRS-reservation.xml"))
    assert (res.voucher, res.ack_id) == ("6b34fe24ac2ff810", "6b34fe24ac2ff810")
    assert (res.content, res.operator_status) == (Content.NEW, "Reserved")
    assert (res.check_in, res.check_out) == (date(2012, 1, 1), date(2012, 1, 12))
    assert (res.room_type, res.rate_type, res.board) == ("bigsuite", "123456-xyz", "AI")
    assert (res.adults, res.children, res.child_ages) == (2, 2, [9, 3])
    assert (res.price, res.currency) == (Decimal("299"), "EUR")
    assert (res.hotel_code, res.operator_agency) == ("123", "ACME Travel Agency")
    assert res.sale_date == date(2012, 3, 21)
    [guest] = res.guests
    assert (guest.title, guest.first_name, guest.last_name) == ("Herr", "Otto", "Mustermann")
    assert (guest.gender, guest.birth_date) == ("M", date(1980, 1, 1))
    assert "included services: Parkplatz, Schwimmbad, Skipass" in res.agency_note
    assert "Sind Hunde erlaubt?" in res.agency_note
    assert "4444333322221111" not in repr(res)


def test_sample_cancellation_has_no_stay_and_acknowledges_as_type_15() -> None:
    [res] = alpinebits.parse(sample("GuestRequests-OTA_ResRetrieveRS-cancellation.xml"))
    assert res.content is Content.CANCELLATION
    assert res.voucher == "c24e8b15ca469388"
    assert res.ack_id == "15:c24e8b15ca469388"
    assert res.check_in == res.check_out == ota.STAY_NOT_SENT
    assert res.cancellation_date == date(2012, 3, 21)


def test_sample_request_with_a_date_window_takes_the_earliest_arrival() -> None:
    [res] = alpinebits.parse(sample("GuestRequests-OTA_ResRetrieveRS-request-with-roomtype.xml"))
    assert (res.content, res.operator_status) == (Content.NEW, "Requested")
    assert (res.check_in, res.check_out) == (date(2017, 10, 3), date(2017, 10, 7))
    assert (res.room_type, res.adults) == ("A", 1)


# ------------------------------------------------------------------------ our fixtures


def test_our_fixtures_are_valid_alpinebits_in_every_release() -> None:
    files = sorted(FIXTURES.glob("*.xml"))
    assert len(files) >= 5
    for release in RELEASES:
        validator = alpinebits_schema(release)
        for path in files:
            document = etree.parse(str(path))
            assert validator.validate(document), f"{release} {path.name}: {validator.error_log}"


def test_alltours_fixture_reads_the_travel_agent_and_child() -> None:
    [res] = alpinebits.parse((FIXTURES / "ALLT-01-guestrequests-AT3351207.xml").read_bytes())
    assert (res.voucher, res.operator_agency, res.hotel_code) == ("AT3351207", "ALLTOURS", "KIV")
    assert (res.adults, res.children, res.child_ages) == (2, 1, [11])
    assert (res.board, res.price) == ("AI", Decimal("3920.00"))


def test_alltours_cancellation_fixture() -> None:
    data = (FIXTURES / "ALLT-02-guestrequests-cancellation-AT3340918.xml").read_bytes()
    [res] = alpinebits.parse(data)
    assert (res.voucher, res.ack_id, res.content) == (
        "AT3340918",
        "15:AT3340918",
        Content.CANCELLATION,
    )


def test_melino_fixture_holds_a_new_request_and_a_change() -> None:
    first, second = alpinebits.parse((FIXTURES / "MELI-01-guestrequests-two.xml").read_bytes())
    assert (first.content, first.board) == (Content.NEW, "HB")
    assert (second.content, second.board, second.child_ages) == (
        Content.MODIFICATION,
        "BB",
        [4, 12],
    )
    assert second.price == Decimal("2870.50")


def test_novanta_fixtures_empty_and_error() -> None:
    assert alpinebits.parse((FIXTURES / "NOVA-01-guestrequests-empty.xml").read_bytes()) == []
    with pytest.raises(ParseError, match="Invalid hotel code KIV"):
        alpinebits.parse((FIXTURES / "NOVA-02-guestrequests-error.xml").read_bytes())


# ------------------------------------------------------------------------------- build


@pytest.mark.parametrize("release", RELEASES)
def test_read_rq_is_valid_in_each_release(release: str) -> None:
    validator = alpinebits_schema(release)
    for data in (
        alpinebits.build_read_rq("KIV", "Kivima Hotel"),
        alpinebits.build_read_rq("KIV", since=datetime(2026, 5, 1, 6, tzinfo=UTC)),
    ):
        document = etree.fromstring(data)
        assert validator.validate(document), validator.error_log


def test_read_rq_carries_hotel_and_selection_start() -> None:
    data = alpinebits.build_read_rq(
        "KIV", "Kivima Hotel", since=datetime(2026, 5, 1, 6, tzinfo=UTC)
    )
    ns = {"o": ota.OTA_NS}
    document = etree.fromstring(data)
    assert document.xpath("string(//o:HotelReadRequest/@HotelCode)", namespaces=ns) == "KIV"
    assert document.xpath("string(//o:HotelReadRequest/@HotelName)", namespaces=ns) == (
        "Kivima Hotel"
    )
    assert document.xpath("string(//o:SelectionCriteria/@Start)", namespaces=ns) == (
        "2026-05-01T06:00:00+00:00"
    )


@pytest.mark.parametrize("release", RELEASES)
def test_notif_report_is_valid_in_each_release_and_keeps_the_types(release: str) -> None:
    data = alpinebits.build_notif_report(["AT3351207", "15:AT3340918"])
    document = etree.fromstring(data)
    validator = alpinebits_schema(release)
    assert validator.validate(document), validator.error_log
    ids = [(u.get("Type"), u.get("ID")) for u in document.iter(f"{{{ota.OTA_NS}}}UniqueID")]
    assert ids == [("14", "AT3351207"), ("15", "AT3340918")]


def test_version_is_a_parameter_from_2018_10_to_2024_10() -> None:
    for version in ("2018-10", "2020-10", "2022-10", "2024-10"):
        assert alpinebits.request_headers("hotelops", version=version) == {
            "X-AlpineBits-ClientProtocolVersion": version,
            "X-AlpineBits-ClientID": "hotelops",
        }
        assert alpinebits.build_read_rq("KIV", version=version)
    with pytest.raises(ValueError, match="not supported"):
        alpinebits.build_notif_report(["x"], version="2014-04")


def test_form_fields_and_protocol_errors() -> None:
    assert alpinebits.form_fields(alpinebits.ACTION_READ, b"<x/>") == {
        "action": "OTA_Read:GuestRequests",
        "request": "<x/>",
    }
    with pytest.raises(ValueError):
        alpinebits.form_fields("OTA_Ping:Handshaking", b"<x/>")
    assert alpinebits.protocol_error(b"ERROR:no such action") == "no such action"
    assert alpinebits.protocol_error(b"<OTA_ResRetrieveRS/>") == ""


def test_nothing_to_acknowledge_is_an_error() -> None:
    with pytest.raises(ValueError):
        alpinebits.build_notif_report([])
