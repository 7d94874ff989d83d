"""A configured source that cannot be read is a row of that source; the other sources are read.

The drop folder here; mailboxes on a real IMAP server are in tests/integration/test_imap_scan.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import tomli_w
from sqlmodel import select

from hotelops.core.config import ApiEndpoint, LoadedConfig, ScanSettings, Settings, load_config
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.models import InboxReservation
from hotelops.core.scan.runner import (
    ScanRequest,
    last_runs,
    log_subject,
    run_label,
    run_scan,
    scan_log,
    source_problems,
)

WEBB_MAIL = fixtures_dir() / "mail" / "webb-01-new-93817264.eml"


@pytest.fixture
def hotel_db(db: Database, demo_file: Path) -> Database:
    import_hotel(db, demo_file, user="tester")
    return db


def config_file(tmp_path: Path, scan: dict[str, object]) -> Path:
    """A config file in tmp_path/config, with the scan section given."""
    path = tmp_path / "config" / "hotelops.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps({"scan": {"documents_dir": "../docs", **scan}}))
    return path


def vouchers(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(row.voucher for row in session.exec(select(InboxReservation)))


def status(db: Database) -> tuple[list[tuple[str, int]], dict[str, str], list[tuple[str, str]]]:
    """What ``scan status`` and ``scan log`` show: rows (name, errors), problems, log lines."""
    with db.read() as session:
        hotel_id = get_hotel(session).id or 0
        runs = last_runs(session, hotel_id)
        lines = scan_log(session, hotel_id)
        return (
            [(run_label(run), run.errors) for run in runs],
            source_problems(session, hotel_id, runs),
            [(log_subject(line), line.message) for line in lines if line.level == "error"],
        )


def test_a_missing_drop_folder_is_its_own_row_until_it_is_read(
    hotel_db: Database, tmp_path: Path
) -> None:
    path = config_file(tmp_path, {"folder": "../var/inbox"})
    inbox = tmp_path / "var" / "inbox"
    request = ScanRequest(kinds={"folder"})

    report = run_scan(hotel_db, load_config(path), request)

    problem = f"folder {inbox} does not exist (create it or fix scan.folder in {path})"
    assert report.has_problems
    assert [(row.label, row.errors, row.problem) for row in report.operators] == [
        (f"folder:{inbox}", 1, problem)
    ]
    # Kept for `scan status`, the dashboard and a cron run's log.
    assert status(hotel_db) == (
        [(f"folder:{inbox}", 1)],
        {f"folder:{inbox}": problem},
        [(f"folder:{inbox}", problem)],
    )

    inbox.mkdir(parents=True)
    shutil.copy(WEBB_MAIL, inbox)
    again = run_scan(hotel_db, load_config(path), request)

    assert not again.has_problems
    assert [(row.label, row.new) for row in again.operators] == [("WEBB", 1)]
    assert vouchers(hotel_db) == ["93817264"]
    rows, problems, _ = status(hotel_db)
    assert rows == [("WEBB", 0)] and problems == {}  # read again: the failure is gone


def test_without_a_config_file_the_missing_folder_says_how_to_make_one(
    hotel_db: Database, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere"
    config = LoadedConfig(Settings(scan=ScanSettings(folder=str(missing))), None)

    report = run_scan(hotel_db, config, ScanRequest())

    assert [(row.label, row.problem) for row in report.failed_sources] == [
        (
            f"folder:{missing}",
            f"folder {missing} does not exist (create it, or set scan.folder in a config "
            "file (hotelops init writes one))",
        )
    ]


def test_a_file_where_the_drop_folder_should_be_is_the_folders_error(
    hotel_db: Database, tmp_path: Path
) -> None:
    path = config_file(tmp_path, {"folder": "inbox.eml"})
    shutil.copy(WEBB_MAIL, path.parent / "inbox.eml")

    report = run_scan(hotel_db, load_config(path), ScanRequest())

    assert [(row.label, row.problem) for row in report.operators] == [
        (
            f"folder:{path.parent / 'inbox.eml'}",
            f"{path.parent / 'inbox.eml'} is a file, not a folder "
            f"(create it or fix scan.folder in {path})",
        )
    ]
    assert vouchers(hotel_db) == []


def test_an_empty_scan_folder_reads_no_folder_and_is_no_error(
    hotel_db: Database, tmp_path: Path
) -> None:
    # Not the config file's own folder, even when a message file sits beside the config.
    path = config_file(tmp_path, {"folder": ""})
    shutil.copy(WEBB_MAIL, path.parent)

    report = run_scan(hotel_db, load_config(path), ScanRequest())

    assert report.operators == [] and not report.has_problems
    assert vouchers(hotel_db) == []


def test_an_operator_api_with_a_bad_url_is_that_operators_error_and_the_folder_is_read(
    hotel_db: Database, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(WEBB_MAIL, inbox)
    api = ApiEndpoint(operator="TUIP", base_url="ftp://partners.example.test/ota")
    config = LoadedConfig(
        Settings(
            scan=ScanSettings(folder=str(inbox), documents_dir=str(tmp_path / "docs"), api=[api])
        ),
        None,
    )

    report = run_scan(hotel_db, config, ScanRequest())

    assert [(row.label, row.new, row.errors) for row in report.operators] == [
        ("TUIP", 0, 1),
        ("WEBB", 1, 0),
    ]
    assert [(log_subject(line), line.message) for line in report.log if line.level == "error"] == [
        ("TUIP", "TUIP: base_url must be an http(s) URL")
    ]
    assert vouchers(hotel_db) == ["93817264"]
