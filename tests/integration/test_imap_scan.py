"""Scanning a real IMAP server (pymap on 127.0.0.1): incremental, read-only, exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from hotelops.core.config import ImapAccount, LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.models import InboxReservation, RawMessage, SourceState
from hotelops.core.scan.runner import ScanReport, ScanRequest, run_scan
from tests.servers.imap_server import ImapServer, imap_server

MAIL = fixtures_dir() / "mail"
ENV = {"HOTELOPS_IMAP_PASSWORD": "imap-test-password"}


@pytest.fixture
def hotel_db(tmp_path: Path) -> Database:
    db = open_database(str(tmp_path / "imap.db"))
    import_hotel(db, fixtures_dir() / DEMO_FILE, user="tester")
    return db


def config_for(
    server: ImapServer, tmp_path: Path, password_env: str = "HOTELOPS_IMAP_PASSWORD"
) -> LoadedConfig:
    account = ImapAccount(
        name="reservations",
        hotel="KIV",
        provider="imap",
        host=server.host,
        port=server.port,
        ssl=False,
        user=server.user,
        password_env=password_env,
        folder="INBOX",
        search_back_days=2,
    )
    settings = Settings(
        scan=ScanSettings(
            folder=str(tmp_path / "no-drop-folder"),
            documents_dir=str(tmp_path / "docs"),
            imap=[account],
        )
    )
    return LoadedConfig(settings, None)


def scan(db: Database, config: LoadedConfig) -> ScanReport:
    return run_scan(db, config, ScanRequest(kinds={"imap"}), env=ENV)


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def mails(*names: str) -> list[bytes]:
    return [(MAIL / name).read_bytes() for name in names]


def test_imap_scan_is_incremental_read_only_and_exactly_once(
    hotel_db: Database, tmp_path: Path
) -> None:
    with imap_server() as server:
        config = config_for(server, tmp_path)
        server.append(
            mails("jet2-01-new-J2H8841207.eml", "mts-01-new-558120.eml", "webb-01-new-93817264.eml")
        )
        first = scan(hotel_db, config)
        assert first.errors == 0
        assert sorted((s.operator_code, s.new) for s in first.operators) == [
            ("JET2", 1),
            ("MTS", 1),
            ("WEBB", 1),
        ]
        # Read-only: the scanner set no flag (not even \Seen) on any message.
        assert all(flags == () for flags in server.flags().values())

        second = scan(hotel_db, config)
        assert second.totals().total == 0 and second.skipped == 0  # not even fetched again

        server.append(mails("jet2-02-amend-J2H8841207.eml"))
        third = scan(hotel_db, config)
        assert [(s.operator_code, s.total, s.changed) for s in third.operators] == [("JET2", 1, 1)]
        with hotel_db.read() as s:
            row = s.exec(
                select(InboxReservation).where(InboxReservation.voucher == "J2H8841207")
            ).one()
            raws = s.exec(select(RawMessage)).all()
            state = {st.key: st.value for st in s.exec(select(SourceState))}
        assert row.version == 2 and row.content == "modification"
        assert {raw.source for raw in raws} == {"imap:reservations/INBOX"}
        assert all(raw.message_id for raw in raws)
        assert int(state["last_uid"]) == max(server.flags())


def test_a_new_uidvalidity_rescans_and_finds_nothing_twice(
    hotel_db: Database, tmp_path: Path
) -> None:
    names = ("jet2-01-new-J2H8841207.eml", "mts-01-new-558120.eml")
    with imap_server() as server:
        server.append(mails(*names))
        scan(hotel_db, config_for(server, tmp_path))
    before = count(hotel_db, InboxReservation)
    assert before == 2
    # pymap starts with a new UIDVALIDITY: the old UIDs mean nothing any more.
    with imap_server() as server:
        server.append(mails(*names, "webb-01-new-93817264.eml"))
        report = scan(hotel_db, config_for(server, tmp_path))
    assert any("UIDVALIDITY changed" in line.message for line in report.log)
    assert report.totals().new == 1
    assert count(hotel_db, InboxReservation) == 3
    assert count(hotel_db, RawMessage) == 3


def test_a_refused_login_is_one_operator_error_and_other_sources_still_run(
    hotel_db: Database, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "webb.eml").write_bytes((MAIL / "webb-01-new-93817264.eml").read_bytes())
    with imap_server() as server:
        config = config_for(server, tmp_path, password_env="WRONG_PASSWORD_ENV")
        settings = config.settings.model_copy(
            update={"scan": config.settings.scan.model_copy(update={"folder": str(drop)})}
        )
        report = run_scan(
            hotel_db,
            LoadedConfig(settings, None),
            ScanRequest(kinds={"imap", "folder"}),
            env={**ENV, "WRONG_PASSWORD_ENV": "not-the-password"},
        )
    assert report.has_problems
    assert any(
        "login refused" in line.message and "$WRONG_PASSWORD_ENV" in line.message
        for line in report.log
    )
    assert "not-the-password" not in " ".join(line.message for line in report.log)
    assert [(s.operator_code, s.new) for s in report.operators if s.new] == [("WEBB", 1)]
