"""Confirming to the operator through its own channel: OTA over HTTP, e-mail over SMTP."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from hotelops.core.approval import decide, operator_notifier
from hotelops.core.config import ApiEndpoint, LoadedConfig, ScanSettings, Settings, SmtpSettings
from hotelops.core.db import open_database
from hotelops.core.demo import build_demo
from hotelops.core.hotels import get_hotel
from hotelops.core.models import InboxDecision, InboxReservation
from tests.servers.operator_http import run_operator_server
from tests.servers.smtp_server import smtp_server

ENV = {"HOTELOPS_TUIP_SECRET": "tui-secret"}


def _db(tmp_path: Path):  # type: ignore[no-untyped-def]
    build_demo(tmp_path / "demo.db")
    return open_database(str(tmp_path / "demo.db"))


def _row(db, voucher: str) -> InboxReservation:  # type: ignore[no-untyped-def]
    with db.read() as s:
        return s.exec(select(InboxReservation).where(InboxReservation.voucher == voucher)).one()


def test_an_ota_operator_gets_a_notif_report_for_the_confirmed_reservation(tmp_path: Path) -> None:
    db = _db(tmp_path)
    row = _row(db, "79194577")
    with run_operator_server(
        auth="basic", user="kivima", secret=ENV["HOTELOPS_TUIP_SECRET"]
    ) as server:
        endpoint = ApiEndpoint(
            operator="TUIP",
            base_url=server.url("ota"),
            format="ota",
            auth="basic",
            user="kivima",
            secret_env="HOTELOPS_TUIP_SECRET",
            retries=0,
        )
        config = LoadedConfig(Settings(scan=ScanSettings(api=[endpoint])), None)
        with db.read() as s:
            hotel = get_hotel(s, "KIV")
        outcome = decide(
            db,
            hotel,
            config,
            row.id or 0,
            confirm=True,
            save=False,
            user="emre",
            notify=operator_notifier(db, config, hotel, env=ENV),
        )
        assert outcome.channel == "ota"
        assert "79194577" in server.acked_ids("ota")[0]
    with db.read() as s:
        decision = s.exec(select(InboxDecision)).one()
    assert (decision.action, decision.channel) == ("confirm", "ota")
    assert _row(db, "79194577").status == "approved"


def test_a_mail_operator_gets_a_confirmation_mail(tmp_path: Path) -> None:
    db = _db(tmp_path)
    row = _row(db, "93817264")  # Webbeds, by e-mail
    with smtp_server() as server:
        smtp = SmtpSettings(
            host=server.host,
            port=server.port,
            starttls=False,
            from_address="reservations@kivimahotel.example",
        )
        config = LoadedConfig(Settings(smtp=smtp), None)
        with db.read() as s:
            hotel = get_hotel(s, "KIV")
        outcome = decide(
            db,
            hotel,
            config,
            row.id or 0,
            confirm=True,
            save=False,
            user="emre",
            notify=operator_notifier(db, config, hotel),
        )
        [mail] = server.wait_for(1)
    assert outcome.channel == "mail"
    assert mail["To"] == row.sender
    assert "93817264" in mail["Subject"]


def test_without_a_channel_the_confirmation_is_manual_and_says_so(tmp_path: Path) -> None:
    db = _db(tmp_path)
    row = _row(db, "93817264")
    config = LoadedConfig(Settings(), None)
    with db.read() as s:
        hotel = get_hotel(s, "KIV")
    outcome = decide(
        db,
        hotel,
        config,
        row.id or 0,
        confirm=True,
        save=False,
        user="emre",
        notify=operator_notifier(db, config, hotel),
    )
    assert outcome.channel == "manual" and "tell them yourself" in outcome.channel_result


def test_smtp_down_leaves_the_decision_and_warns(tmp_path: Path) -> None:
    db = _db(tmp_path)
    row = _row(db, "93817264")
    config = LoadedConfig(
        Settings(
            smtp=SmtpSettings(
                host="127.0.0.1", port=1, starttls=False, from_address="r@kivima.example"
            )
        ),
        None,
    )
    with db.read() as s:
        hotel = get_hotel(s, "KIV")
    outcome = decide(
        db,
        hotel,
        config,
        row.id or 0,
        confirm=True,
        save=False,
        user="emre",
        notify=operator_notifier(db, config, hotel),
    )
    assert outcome.channel == "failed"
    assert any("tell them by hand" in w for w in outcome.warnings)
    assert _row(db, "93817264").status == "approved"
