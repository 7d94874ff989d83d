"""A full scan of operator APIs on a real HTTP server: pull, store, acknowledge, exactly once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from hotelops.core.config import ApiEndpoint, LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.models import InboxReservation, RawMessage
from hotelops.core.scan.runner import ScanRequest, run_scan
from tests.servers.operator_http import OperatorServer, run_operator_server

FIX = fixtures_dir()
ENV = {"HOTELOPS_OPERATOR_SECRET": "s3cret-operator-key"}


@pytest.fixture
def hotel_db(tmp_path: Path) -> Database:
    db = open_database(str(tmp_path / "http.db"))
    import_hotel(db, FIX / DEMO_FILE, user="tester")
    return db


def endpoints(server: OperatorServer) -> list[ApiEndpoint]:
    common = {
        "hotel": "KIV",
        "auth": "basic",
        "user": "kivima",
        "secret_env": "HOTELOPS_OPERATOR_SECRET",
        "timeout_seconds": 2,
        "retries": 1,
    }
    return [
        ApiEndpoint(operator="TUIP", base_url=server.url("ota"), format="ota", **common),
        ApiEndpoint(
            operator="ALLT", base_url=server.url("alpinebits"), format="alpinebits", **common
        ),
        ApiEndpoint(operator="OTEL", base_url=server.url("json"), format="json", **common),
    ]


def config(server: OperatorServer, tmp_path: Path) -> LoadedConfig:
    scan = ScanSettings(
        folder=str(tmp_path / "none"), documents_dir=str(tmp_path / "docs"), api=endpoints(server)
    )
    return LoadedConfig(Settings(scan=scan), None)


def voucher(db: Database, value: str) -> InboxReservation:
    with db.read() as s:
        return s.exec(select(InboxReservation).where(InboxReservation.voucher == value)).one()


def test_ota_alpinebits_and_json_operators_are_pulled_stored_and_acknowledged(
    hotel_db: Database, tmp_path: Path
) -> None:
    with run_operator_server(
        auth="basic", user="kivima", secret=ENV["HOTELOPS_OPERATOR_SECRET"]
    ) as server:
        server.queue("ota", (FIX / "ota" / "TUIP-01-new-79194577.xml").read_bytes())
        server.queue(
            "alpinebits", (FIX / "alpinebits" / "ALLT-01-guestrequests-AT3351207.xml").read_bytes()
        )
        server.queue("json", (FIX / "json" / "OTEL-01-feed.json").read_bytes())
        report = run_scan(hotel_db, config(server, tmp_path), ScanRequest(kinds={"http"}), env=ENV)
        assert report.errors == 0, report.log
        figures = {s.operator_code: (s.new, s.changed) for s in report.operators}
        assert figures["TUIP"] == (1, 0) and figures["ALLT"] == (1, 0)
        assert figures["OTEL"][0] >= 1
        # What was stored is acknowledged, over each operator's own protocol.
        assert server.acked_ids("ota")
        assert server.acked_ids("alpinebits")
        assert server.acked_ids("json")
        # The secret travelled in the Authorization header, never in a URL or a log line.
        assert all(ENV["HOTELOPS_OPERATOR_SECRET"] not in r.path for r in server.requests)
        assert all(ENV["HOTELOPS_OPERATOR_SECRET"] not in line.message for line in report.log)

        # The worked example arrived whole: TUI Partners, 29.08.2026, 7 nights, 1,899.00 EUR.
        tui = voucher(hotel_db, "79194577")
        assert (str(tui.check_in), tui.nights, tui.adults) == ("2026-08-29", 7, 2)
        assert (tui.operator_price, tui.operator_currency) == (Decimal("1899.00"), "EUR")
        assert tui.operator_agency == "TUI GASP" and tui.operator_room_type == "STDLV"

        # The operator sends the same reservation again: nothing new is stored.
        server.queue("ota", (FIX / "ota" / "TUIP-01-new-79194577.xml").read_bytes())
        again = run_scan(hotel_db, config(server, tmp_path), ScanRequest(kinds={"http"}), env=ENV)
        assert again.totals().new == 0 and again.totals().changed == 0
        with hotel_db.read() as s:
            assert (
                s.exec(
                    select(func.count())
                    .select_from(InboxReservation)
                    .where(InboxReservation.voucher == "79194577")
                ).one()
                == 1
            )
            assert s.exec(select(func.count()).select_from(RawMessage)).one() == 3


def test_an_operator_that_keeps_failing_is_an_error_and_the_others_are_still_read(
    hotel_db: Database, tmp_path: Path
) -> None:
    with run_operator_server(
        auth="basic", user="kivima", secret=ENV["HOTELOPS_OPERATOR_SECRET"]
    ) as server:
        server.queue("json", (FIX / "json" / "TATB-01-feed.json").read_bytes())
        server.fail_next(2, status=503)  # the first operator's request and its one retry
        report = run_scan(hotel_db, config(server, tmp_path), ScanRequest(kinds={"http"}), env=ENV)
    errors = {s.operator_code: s.errors for s in report.operators}
    assert errors["TUIP"] == 1
    assert report.has_problems
    assert any("503" in line.message and line.operator_code == "TUIP" for line in report.log)
    # The JSON operator after it was still read.
    assert any(s.new for s in report.operators if s.operator_code == "OTEL")
