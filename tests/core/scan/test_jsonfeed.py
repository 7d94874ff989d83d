"""The hotelops JSON feed: the documented schema, read strictly, every problem with its path."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hotelops.core.models import Content
from hotelops.core.scan.formats import jsonfeed
from hotelops.core.scan.model import ParseError

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "json"


def feed(*reservations: dict[str, Any], **top: Any) -> bytes:
    document = {"operator": "OTEL", "hotel": "KIV", "reservations": list(reservations), **top}
    return json.dumps(document).encode()


def minimal(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "voucher": "V1",
        "check_in": "2026-07-01",
        "check_out": "2026-07-08",
        "adults": 2,
    }
    base.update(fields)
    return base


def problems(data: bytes) -> list[str]:
    with pytest.raises(ParseError) as error:
        jsonfeed.parse(data)
    return str(error.value).splitlines()


def test_otelsnet_feed_reads_three_reservations() -> None:
    new, changed, cancelled = jsonfeed.parse((FIXTURES / "OTEL-01-feed.json").read_bytes())
    assert [r.content for r in (new, changed, cancelled)] == [
        Content.NEW,
        Content.MODIFICATION,
        Content.CANCELLATION,
    ]
    assert (new.voucher, new.ack_id, new.operator_code, new.hotel_code) == (
        "OTN558120",
        "OTN-558120-1",
        "OTEL",
        "KIV",
    )
    assert (new.check_in, new.check_out, new.nights) == (date(2026, 6, 12), date(2026, 6, 16), 4)
    assert (new.adults, new.children, new.child_ages, new.infants) == (2, 1, [5], 0)
    assert new.price == Decimal("1360.00") and isinstance(new.price, Decimal)
    assert new.option_date == datetime(2026, 5, 20, 18, tzinfo=timezone(timedelta(hours=3)))
    assert (new.arrival_flight, new.arrival_route, new.arrival_flight_time) == (
        "PC2012",
        "SAW-AYT",
        "21:45",
    )
    assert new.guests[1].first_name == "Şeyma"
    assert new.guests[2].kind == "child" and new.guests[2].nationality == "TUR"  # "TR" sent
    assert new.nationality == "TUR"
    assert changed.child_ages == [8, 11]
    assert changed.guests[0].passport == "U27741903"
    assert cancelled.cancellation_date == date(2026, 5, 14)
    assert "ceza yok" in cancelled.cancellation_note


def test_tatilbudur_feed_keeps_turkish_names() -> None:
    [res] = jsonfeed.parse((FIXTURES / "TATB-01-feed.json").read_bytes())
    assert (res.guests[0].first_name, res.guests[0].last_name) == ("İPEK", "IRMAK")
    assert res.guests[1].last_name == "Oğuzler"
    assert res.board == "UAI"


def test_bad_feed_reports_every_problem_with_its_path() -> None:
    lines = problems((FIXTURES / "bad" / "OTEL-02-bad-feed.json").read_bytes())
    assert "reservations[1].status: 'booked' is not one of new, modification, cancellation" in lines
    assert "reservations[1].adults: expected a whole number, got a string" in lines
    assert any(line.startswith("reservations[1].price: 899.5 is a JSON number") for line in lines)
    assert "reservations[2].check_in: '2026-13-01' is not a date" in lines
    assert any(
        "reservations[2].chek_out: unknown key (did you mean 'check_out'?" in x for x in lines
    )
    assert "reservations[2].check_out: required" in lines
    assert any(line.startswith("reservations[2].guests[0].nationality") for line in lines)
    assert not any(line.startswith("reservations[0]") for line in lines)


def test_the_documented_example_message() -> None:
    data = feed(minimal(), minimal(), minimal(check_in="2026-13-01"))
    assert problems(data) == ["reservations[2].check_in: '2026-13-01' is not a date"]


@pytest.mark.parametrize("price", [1899.0, 1899.5, 1899])
def test_money_as_a_json_number_is_refused(price: float) -> None:
    [line] = problems(feed(minimal(price=price, currency="EUR")))
    assert line.startswith("reservations[0].price: ")
    assert "money must be a string" in line or "write money as a string" in line


def test_money_as_a_string_is_exact() -> None:
    [res] = jsonfeed.parse(feed(minimal(price="0.10", currency="EUR")))
    assert res.price == Decimal("0.10")


def test_money_needs_a_currency_and_a_plain_amount() -> None:
    assert problems(feed(minimal(price="100.00"))) == [
        "reservations[0].currency: required when price is given"
    ]
    [line] = problems(feed(minimal(price="1.899,00", currency="EUR")))
    assert line.startswith("reservations[0].price: '1.899,00' is not an amount")


def test_operator_keys_starting_with_x_are_ignored() -> None:
    [res] = jsonfeed.parse(feed(minimal(x_channel="mobile"), x_batch=7))
    assert res.voucher == "V1"


def test_check_out_must_follow_check_in() -> None:
    assert problems(feed(minimal(check_out="2026-07-01"))) == [
        "reservations[0].check_out: 2026-07-01 is not after check_in 2026-07-01"
    ]


def test_option_date_needs_a_time_and_an_offset() -> None:
    [line] = problems(feed(minimal(option_date="2026-06-01T18:00:00")))
    assert line.startswith("reservations[0].option_date: '2026-06-01T18:00:00' is not")


def test_without_status_ingest_decides() -> None:
    [res] = jsonfeed.parse(feed(minimal()))
    assert res.content is None and res.operator_status == ""
    assert res.ack_id == "V1"  # the voucher when there is no id


def test_guest_fields_are_checked() -> None:
    guests = [{"first_name": "A", "gender": "X", "age": -1, "kind": "baby"}]
    lines = problems(feed(minimal(guests=guests)))
    assert "reservations[0].guests[0].gender: 'X' is not M, F or empty" in lines
    assert "reservations[0].guests[0].age: -1 is not an age between 0 and 120" in lines
    assert "reservations[0].guests[0].kind: 'baby' is not one of adult, child, infant" in lines


def test_flights_are_read_and_checked() -> None:
    flights = {"arrival": {"flight": "TK2412", "route": "IST-AYT", "time": "9:05"}}
    [line] = problems(feed(minimal(flights=flights)))
    assert (
        line == "reservations[0].flights.arrival.time: '9:05' is not a time of day (e.g. \"14:30\")"
    )


def test_top_level_shape_is_checked() -> None:
    assert problems(b"[]")[0].startswith("$: expected an object")
    assert problems(json.dumps({"hotel": "KIV", "reservations": []}).encode()) == [
        "operator: required"
    ]
    assert problems(feed(version=2))[0].startswith("version: 2 is not a supported feed version")


def test_invalid_json_names_line_and_column() -> None:
    with pytest.raises(ParseError, match=r"JSON is not valid at line 2, column \d+"):
        jsonfeed.parse(b'{"operator": "OTEL",\n "hotel": }')


def test_an_empty_feed_is_no_reservations() -> None:
    assert jsonfeed.parse(feed()) == []
