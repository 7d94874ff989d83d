"""The confirmation form (Yazdır): text and self-contained HTML, values escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.confirmation import render_html, render_text
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxDetail, InboxFilter, inbox_detail, list_inbox
from hotelops.core.models import Hotel
from hotelops.core.scan.runner import ScanRequest, run_scan


@pytest.fixture
def form(db: Database, demo_file: Path, tmp_path: Path) -> tuple[InboxDetail, Hotel]:
    imported = import_hotel(db, demo_file, user="test")
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "docs"))), None)
    run_scan(
        db, config, ScanRequest(hotel_code=imported.hotel_code, folders=[fixtures_dir() / "ota"])
    )
    with db.read() as session:
        row = list_inbox(session, imported.hotel_id, InboxFilter(search="79194577")).rows[0]
        return inbox_detail(session, imported.hotel_id, row.id), get_hotel(session)


def test_text_form_has_voucher_guests_dates_and_price(form: tuple[InboxDetail, Hotel]) -> None:
    detail, hotel = form
    r = detail.reservation
    text = render_text(detail, hotel)
    assert text.startswith("Reservation confirmation - Kivima Hotel (KIV)")
    assert r.voucher in text and detail.operator_name in text
    assert f"{r.check_in:%d.%m.%Y}" in text and f"{r.check_out:%d.%m.%Y}" in text
    assert re.search(rf"^Nights +{r.nights}$", text, flags=re.M)
    assert len(detail.guests) >= 2
    for guest in detail.guests:
        assert guest.first_name in text and guest.last_name in text
    assert r.operator_board in text and r.operator_room_type in text
    assert "Confirmed by Kivima Hotel." in text
    if r.operator_price is not None:
        assert "Operator price" in text


def test_html_form_is_self_contained_and_complete(form: tuple[InboxDetail, Hotel]) -> None:
    detail, hotel = form
    r = detail.reservation
    html = render_html(detail, hotel)
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert r.voucher in html
    assert f"{r.check_in:%d.%m.%Y}" in html and f"{r.check_out:%d.%m.%Y}" in html
    for guest in detail.guests:
        assert guest.last_name in html


def test_html_escapes_every_value(form: tuple[InboxDetail, Hotel]) -> None:
    detail, hotel = form
    detail.guests[0].first_name = "<script>alert('x')</script>"
    detail.reservation.agency_note = 'late arrival & "sea view" <b>'
    html = render_html(detail, hotel)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "late arrival &amp; &quot;sea view&quot; &lt;b&gt;" in html
    text = render_text(detail, hotel)
    assert "<script>alert('x')</script>" in text  # text is text: shown as sent


def test_option_date_is_printed_in_the_hotels_time_zone(form: tuple[InboxDetail, Hotel]) -> None:
    from datetime import UTC, datetime

    detail, hotel = form
    # 2026-08-01 21:30 UTC is 2026-08-02 00:30 in Istanbul (UTC+3): the form shows the local day.
    detail.reservation.option_date = datetime(2026, 8, 1, 21, 30, tzinfo=UTC)
    assert hotel.timezone == "Europe/Istanbul"
    text = render_text(detail, hotel)
    assert re.search(r"^Option date +2026-08-02 00:30$", text, flags=re.M)
