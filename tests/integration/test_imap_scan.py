"""Scanning a real IMAP server (pymap on 127.0.0.1): incremental, read-only, exactly once."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
import tomli_w
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from hotelops.cli.app import app
from hotelops.core.config import ImapAccount, LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.models import InboxReservation, RawMessage, SourceState
from hotelops.core.scan.runner import ScanReport, ScanRequest, run_scan
from tests.poison import MB, mail_with_attachment
from tests.servers.imap_server import USER, ImapServer, imap_server

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


# --- a mailbox that cannot be read, through `hotelops scan` on both engines ---------------------

runner = CliRunner()


@pytest.fixture
def hotel_url(db: Database, db_url: str, demo_file: Path) -> str:
    import_hotel(db, demo_file, user="tester")
    return db_url


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (the IMAP server is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def account(name: str, port: int, password_env: str) -> dict[str, object]:
    return {
        "name": name,
        "host": "127.0.0.1",
        "port": port,
        "ssl": False,
        "user": USER,
        "password_env": password_env,
        "search_back_days": 2,
    }


def write_config(tmp_path: Path, *accounts: dict[str, object], folder: str = "drop") -> Path:
    path = tmp_path / "hotelops.toml"
    scan = {"folder": folder, "documents_dir": "docs", "imap": list(accounts)}
    path.write_text(tomli_w.dumps({"scan": scan}))
    return path


def drop_folder(tmp_path: Path) -> Path:
    """The drop folder the config names, holding Webbeds' 93817264."""
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(MAIL / "webb-01-new-93817264.eml", drop)
    return drop


def hotelops(url: str, config: Path, *args: str, env: dict[str, str | None] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(
        app,
        ["--config", str(config), "--db", url, *args],
        env={"NO_COLOR": "1", "COLUMNS": "200", **(env or {})},
    )


def rows(result) -> list[tuple[str, str, int, int]]:  # type: ignore[no-untyped-def]
    """The scanner table from ``scan --json``: (operator, failed source, new, errors)."""
    return [
        (row["operator_code"], row["failed_source"], row["new"], row["errors"])
        for row in json.loads(result.stdout)["operators"]
    ]


def vouchers(db: Database) -> list[str]:
    with db.read() as s:
        return sorted(row.voucher for row in s.exec(select(InboxReservation)))


def test_a_refused_login_is_the_mailboxs_row_and_the_drop_folder_is_still_read(
    hotel_url: str, db: Database, tmp_path: Path
) -> None:
    drop_folder(tmp_path)
    with imap_server() as server:
        server.append(mails("jet2-01-new-J2H8841207.eml"))
        config = write_config(tmp_path, account("kivima-bookings", server.port, "KIVIMA_IMAP_PW"))
        env = {"KIVIMA_IMAP_PW": "not-the-password"}
        result = hotelops(hotel_url, config, "--json", "scan", env=env)
        table = hotelops(hotel_url, config, "scan", env=env)

    problem = f"login refused by 127.0.0.1:{server.port} for {USER} (check $KIVIMA_IMAP_PW)"
    assert result.exit_code == 1, result.output
    assert rows(result) == [("WEBB", "", 1, 0), ("", "imap:kivima-bookings", 0, 1)]
    assert json.loads(result.stdout)["operators"][1]["problem"] == problem
    assert vouchers(db) == ["93817264"]  # the drop folder's mail, not the mailbox's
    assert "not-the-password" not in result.output + table.output
    # The table names the mailbox, not "(unmatched)" (mail from an unknown sender).
    assert table.exit_code == 1
    assert "imap:kivima-bookings" in table.stdout and "(unmatched)" not in table.output
    assert f"error imap:kivima-bookings: {problem}" in table.output
    # What a cron run leaves behind.
    log = json.loads(hotelops(hotel_url, config, "scan", "log", "--json").stdout)
    assert [(line["source"], line["message"]) for line in log if line["level"] == "error"] == [
        ("imap:kivima-bookings", problem),
        ("imap:kivima-bookings", problem),
    ]
    status = json.loads(hotelops(hotel_url, config, "scan", "status", "--json").stdout)
    assert [(row["operator"], row["failed_source"], row["problem"]) for row in status] == [
        ("WEBB", "", ""),
        ("", "imap:kivima-bookings", problem),
    ]
    shown = hotelops(hotel_url, config, "scan", "status")
    assert "imap:kivima-bookings" in shown.stdout and "(unmatched)" not in shown.output


def test_a_mailbox_whose_server_is_down_is_its_row_and_the_drop_folder_is_still_read(
    hotel_url: str, db: Database, tmp_path: Path
) -> None:
    drop_folder(tmp_path)
    port = closed_port()
    config = write_config(tmp_path, account("kivima-bookings", port, "KIVIMA_IMAP_PW"))

    result = hotelops(hotel_url, config, "--json", "scan", env={"KIVIMA_IMAP_PW": "pw"})

    assert result.exit_code == 1, result.output
    assert rows(result) == [("WEBB", "", 1, 0), ("", "imap:kivima-bookings", 0, 1)]
    assert json.loads(result.stdout)["operators"][1]["problem"] == (
        f"cannot connect to 127.0.0.1:{port}: connection refused"
    )
    assert vouchers(db) == ["93817264"]


def test_an_unset_password_is_that_mailboxs_error_and_the_other_sources_are_read(
    hotel_url: str, db: Database, tmp_path: Path
) -> None:
    drop_folder(tmp_path)
    with imap_server() as server:
        server.append(mails("jet2-01-new-J2H8841207.eml"))
        config = write_config(
            tmp_path,
            account("kivima-bookings", server.port, "KIVIMA_IMAP_PW"),
            account("reservations", server.port, "HOTELOPS_IMAP_PASSWORD"),
        )
        result = hotelops(hotel_url, config, "--json", "scan", env={"KIVIMA_IMAP_PW": None, **ENV})

    assert result.exit_code == 1, result.output
    assert rows(result) == [
        ("JET2", "", 1, 0),
        ("WEBB", "", 1, 0),
        ("", "imap:kivima-bookings", 0, 1),
    ]
    assert json.loads(result.stdout)["operators"][2]["problem"] == (
        f"password of {USER}: environment variable $KIVIMA_IMAP_PW is not set (export it)"
    )
    assert vouchers(db) == ["93817264", "J2H8841207"]


def test_a_missing_drop_folder_is_its_row_and_the_mailbox_is_still_read(
    hotel_url: str, db: Database, tmp_path: Path
) -> None:
    with imap_server() as server:
        server.append(mails("jet2-01-new-J2H8841207.eml"))
        config = write_config(
            tmp_path, account("reservations", server.port, "HOTELOPS_IMAP_PASSWORD")
        )
        result = hotelops(hotel_url, config, "--json", "scan", env=ENV)

    drop = tmp_path / "drop"
    assert result.exit_code == 1, result.output
    assert rows(result) == [("JET2", "", 1, 0), ("", f"folder:{drop}", 0, 1)]
    assert json.loads(result.stdout)["operators"][1]["problem"] == (
        f"folder {drop} does not exist (create it or fix scan.folder in {config})"
    )
    assert vouchers(db) == ["J2H8841207"]


def test_a_mail_over_the_size_limit_is_fetched_head_only_and_archived_with_its_error(
    hotel_db: Database, tmp_path: Path
) -> None:
    # over a 1 MB limit; with CRLF line ends, as the server keeps it
    big = mail_with_attachment(int(1.5 * MB)).replace(b"\n", b"\r\n")
    with imap_server() as server:
        base = config_for(server, tmp_path)
        settings = base.settings.scan.model_copy(update={"max_message_mb": 1})
        config = LoadedConfig(base.settings.model_copy(update={"scan": settings}), None)
        server.append([big, *mails("webb-01-new-93817264.eml")])

        first = scan(hotel_db, config)

        assert [(s.operator_code, s.new, s.errors) for s in first.operators] == [
            ("MTS", 0, 1),
            ("WEBB", 1, 0),
        ]
        with hotel_db.read() as s:
            raw = s.exec(select(RawMessage).where(RawMessage.size == len(big))).one()
        assert raw.content == big[:MB]  # the head, as the server sent it
        assert raw.parse_error == (
            "the message is 1.5 MB, over the 1 MB limit (scan.max_message_mb): not read; its "
            "first 1.0 MB is kept in the archive"
        )
        assert all(flags == () for flags in server.flags().values())  # still read-only
        again = scan(hotel_db, config)
        assert again.totals().total == 0 and not again.has_problems  # the position moved on
