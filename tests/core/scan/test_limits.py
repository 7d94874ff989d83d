"""Each parser runs under the scan's limits: a message over one is a clear error, never a crash.

The messages that once raised RecursionError are built in ``tests/poison.py``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hotelops.core.scan import parse
from hotelops.core.scan.formats import jsonfeed, ota
from hotelops.core.scan.formats.mail import load_templates, read_mail
from hotelops.core.scan.formats.xmlsafe import parse_xml
from hotelops.core.scan.limits import DEFAULT_LIMITS, HEAD_BYTES, json_depth
from hotelops.core.scan.model import LimitError
from hotelops.core.scan.parse import parse_message
from hotelops.core.scan.senders import SenderRules
from hotelops.core.scan.sources.base import RawItem
from hotelops.core.scan.sources.folder import hints
from tests.poison import (
    FIX,
    MB,
    flat_mime,
    json_feed,
    nested_json,
    nested_mime,
    nested_xml,
    ota_stays,
)

OPERATORS = {"OTEL", "SEJR", "WEBB", "MTS"}


def read(data: bytes, name: str, **item: object) -> parse.ParsedMessage:
    """Parse one message as a scan does, with the default limits."""
    raw = RawItem(
        data,
        "folder:/drop",
        name,
        datetime(2026, 5, 1, tzinfo=UTC),
        operator_hints=hints(Path(name)),
        **item,  # type: ignore[arg-type]
    )
    return parse_message(
        raw,
        rules=SenderRules.from_pairs([("@webbeds.com", "WEBB")]),
        templates=load_templates(),
        operator_codes=OPERATORS,
    )


def test_a_json_feed_100000_arrays_deep_is_refused_before_json_reads_it() -> None:
    with pytest.raises(
        LimitError, match=r"JSON is nested more than 64 levels deep \(scan.max_depth\)"
    ):
        jsonfeed.parse(nested_json(100_000))


def test_json_depth_does_not_count_brackets_inside_strings() -> None:
    feed = json.loads((FIX / "json" / "OTEL-01-feed.json").read_text())
    feed["reservations"][0]["notes"] = '[[[[ VIP "quoted" \\ ' + "[" * 500
    data = json.dumps(feed).encode()

    # the feed, its reservations, one of them, its flights, the arrival
    assert json_depth(data) == 5
    assert json_depth(json.dumps(feed).encode("utf-16")) == 5
    assert next(r.voucher for r in jsonfeed.parse(data)) == "OTN558120"


def test_a_mail_with_5000_nested_mime_parts_is_refused_before_the_parser_reads_it() -> None:
    with pytest.raises(LimitError, match=r"MIME structure is nested more than 64 levels deep"):
        read_mail(nested_mime(5_000))


def test_a_mail_with_more_parts_than_the_limit_is_refused() -> None:
    assert len(read_mail(flat_mime(400)).text.splitlines()) == 400
    with pytest.raises(LimitError, match=r"more than 500 MIME parts \(scan.max_mime_parts\)"):
        read_mail(flat_mime(600))


def test_xml_nested_past_libxml2s_own_stop_names_our_limit() -> None:
    with pytest.raises(LimitError, match=r"XML is nested more than 64 levels deep"):
        parse_xml(nested_xml(100_000))


def test_xml_nested_past_the_configured_depth_is_refused() -> None:
    assert parse_xml(nested_xml(60)) is not None  # 62 levels with the root and the last
    with pytest.raises(LimitError, match="more than 64 levels"):
        parse_xml(nested_xml(70))
    with pytest.raises(LimitError, match="more than 20 levels"):
        parse_xml(nested_xml(30), max_depth=20)


def test_room_stays_over_the_limit_are_refused_before_they_are_built() -> None:
    limits = replace(DEFAULT_LIMITS, max_room_stays=10)

    assert len(ota.parse(ota_stays(10), limits=limits)) == 10
    with pytest.raises(LimitError, match=r"11 room stays, over the limit of 10"):
        ota.parse(ota_stays(11), limits=limits)
    with pytest.raises(LimitError, match=r"11 room stays, over the limit of 10"):
        jsonfeed.parse(json_feed(11), limits=limits)


POISON = {
    "json": (nested_json, 100_000, "OTEL-9-deep.json", "JSON is nested more than 64 levels deep"),
    "mail": (nested_mime, 5_000, "deep.eml", "MIME structure is nested more than 64 levels deep"),
    "xml": (nested_xml, 100_000, "SEJR-9-deep.xml", "XML is nested more than 64 levels deep"),
}


@pytest.mark.parametrize("kind", POISON)
def test_a_poison_message_is_an_error_of_its_own_operator(kind: str) -> None:
    make, depth, name, error = POISON[kind]
    data = make(depth)

    parsed = read(data, name)

    assert error in (parsed.error or "")
    assert parsed.over_limit
    assert parsed.reservations == []
    assert parsed.archive_bytes == data  # kept whole: it is within the size limit
    # by the file name's prefix, or for mail by the sender rule of its From header
    assert parsed.operator_code == {"json": "OTEL", "mail": "WEBB", "ota": "SEJR"}[parsed.format]


def test_a_message_over_the_size_limit_keeps_its_head_and_names_the_limit() -> None:
    head = (FIX / "mail" / "webb-01-new-93817264.eml").read_bytes()
    head += b"x" * (HEAD_BYTES - len(head))

    parsed = read(head, "big.eml", size=52 * MB, sha256="ab" * 32)

    assert parsed.error == (
        "the message is 52.0 MB, over the 20 MB limit (scan.max_message_mb): not read; "
        "its first 1.0 MB is kept in the archive"
    )
    assert parsed.archive_bytes == head
    assert parsed.operator_code == "WEBB"
    assert parsed.sender == "noreply-bookings@webbeds.com"


def test_xml_and_json_over_their_own_limit_are_not_parsed() -> None:
    data = ota_stays(1, size=6 * MB)

    parsed = read(data, "SEJR-1-big.xml")

    assert parsed.error == (
        "the XML message is 6.0 MB, over the 5 MB limit (scan.max_xml_json_mb): not read"
    )
    assert parsed.archive_bytes == data


def test_a_fault_in_a_parser_is_that_messages_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: bytes, **kwargs: object) -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(ota, "parse", broken)
    data = (FIX / "ota" / "TUIP-01-new-79194577.xml").read_bytes()

    parsed = read(data, "TUIP-01.xml")

    assert parsed.error is not None
    assert parsed.error.startswith("reading it failed: RuntimeError: a bug (a fault in hotelops")
    assert parsed.archive_bytes == data
