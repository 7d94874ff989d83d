"""Every message is isolated, and a scan records itself as it goes (SQLite and PostgreSQL).

A poison message (nested past the limits, over the size limit, refused by the database) is
archived with its error and the scan goes on; a scan that stops half-way leaves figures and
log lines equal to what it stored.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database
from hotelops.core.demo import fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.models import InboxReservation, RawMessage, Scan, ScanLogLine, ScanState
from hotelops.core.scan import journal, runner
from hotelops.core.scan.runner import ScanRequest, run_scan, scan_status
from hotelops.core.scan.sources.base import RawItem
from hotelops.core.scan.sources.folder import FolderSource
from tests.poison import MB, mts_mails, nested_json, nested_mime, nested_xml, ota_stays

FIX = fixtures_dir()
GOOD = {
    FIX / "mail" / "webb-01-new-93817264.eml": ["93817264"],
    FIX / "ota" / "TUIP-01-new-79194577.xml": ["79194577"],
    FIX / "json" / "OTEL-01-feed.json": ["OTN556311", "OTN557904", "OTN558120"],
}


@pytest.fixture
def hotel_db(db: Database, demo_file: Path) -> Database:
    import_hotel(db, demo_file, user="tester")
    return db


def config(tmp_path: Path, **scan: int) -> LoadedConfig:
    settings = ScanSettings(documents_dir=str(tmp_path / "docs")).model_copy(update=scan)
    return LoadedConfig(Settings(scan=settings), None)


def vouchers(db: Database) -> list[str]:
    with db.read() as session:
        return sorted(row.voucher for row in session.exec(select(InboxReservation)))


def archived(db: Database) -> dict[str, tuple[int, int, str | None]]:
    """Each archived message: (size, bytes kept, error), by file name."""
    with db.read() as session:
        return {
            raw.source_ref: (raw.size, len(raw.content), raw.parse_error)
            for raw in session.exec(select(RawMessage))
        }


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_good_messages_are_stored_and_each_poison_one_is_archived_with_its_error(
    hotel_db: Database, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for path in GOOD:
        shutil.copy(path, drop)
    (drop / "OTEL-90-deep.json").write_bytes(nested_json(100_000))
    (drop / "WEBB-91-deep.eml").write_bytes(nested_mime(5_000))
    (drop / "SEJR-92-deep.xml").write_bytes(nested_xml(100_000))
    big = ota_stays(1_700, size=2 * MB + 1)  # over a 2 MB message limit, under the stays limit
    (drop / "SEJR-93-big.xml").write_bytes(big)
    settings = config(tmp_path, max_message_mb=2, max_xml_json_mb=2)

    report = run_scan(hotel_db, settings, ScanRequest(folders=[drop]))

    assert report.has_problems
    assert vouchers(hotel_db) == sorted(v for found in GOOD.values() for v in found)
    files = archived(hotel_db)
    assert {name: error for name, (_, _, error) in files.items() if error} == {
        "OTEL-90-deep.json": "JSON is nested more than 64 levels deep (scan.max_depth): not read",
        "WEBB-91-deep.eml": "the mail's MIME structure is nested more than 64 levels deep "
        "(scan.max_depth): not read",
        "SEJR-92-deep.xml": "XML is nested more than 64 levels deep (scan.max_depth): not read",
        "SEJR-93-big.xml": "the message is 2.0 MB, over the 2 MB limit (scan.max_message_mb): "
        "not read; its first 1.0 MB is kept in the archive",
    }
    assert files["SEJR-93-big.xml"][:2] == (len(big), MB)  # its size, and the head kept
    errors = [(line.operator_code, line.message) for line in report.log if line.level == "error"]
    assert [code for code, _ in errors] == ["OTEL", "SEJR", "SEJR", "WEBB"]
    assert [row.errors for row in report.operators] == [1, 2, 0, 1]  # OTEL SEJR TUIP WEBB

    again = run_scan(hotel_db, settings, ScanRequest(folders=[drop]))

    assert not again.has_problems
    assert again.skipped == 7  # every file is known, the poison ones too
    assert count(hotel_db, RawMessage) == 7


@pytest.mark.postgres
def test_a_message_the_database_refuses_is_archived_without_its_reservations(
    pg_url: str, demo_file: Path, tmp_path: Path
) -> None:
    db = open_database(pg_url)
    import_hotel(db, demo_file, user="tester")
    feed = json.loads((FIX / "json" / "OTEL-01-feed.json").read_text())
    long_voucher = "V" * 100  # PostgreSQL refuses it: vouchers are 64 characters at most
    feed["reservations"][0]["voucher"] = long_voucher
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "OTEL-02-long.json").write_text(json.dumps(feed))
    shutil.copy(FIX / "mail" / "webb-01-new-93817264.eml", drop)

    try:
        report = run_scan(db, config(tmp_path), ScanRequest(folders=[drop]))

        assert vouchers(db) == ["93817264"]  # the other message of the batch is stored
        assert archived(db)["OTEL-02-long.json"][2] == (
            "the database refused it (value too long for type character varying(64)): "
            "archived without its reservations"
        )
        assert [(row.operator_code, row.errors) for row in report.operators] == [
            ("OTEL", 1),
            ("WEBB", 0),
        ]
        with db.read() as session:
            lines = session.exec(select(ScanLogLine.message).order_by(ScanLogLine.id)).all()
        assert lines[0].startswith("OTEL-02-long.json: the database refused it")
        assert lines[1].startswith("new 93817264 ")
    finally:
        db.dispose()


class StopsAfter(FolderSource):
    """A drop folder whose reading stops with an exception after ``limit`` messages."""

    def __init__(self, folder: Path, limit: int, error: BaseException) -> None:
        super().__init__([folder])
        self.limit = limit
        self.error = error

    def fetch(self) -> Iterator[RawItem]:
        for index, item in enumerate(super().fetch()):
            if index == self.limit:
                raise self.error
            yield item


def test_a_scan_that_stops_half_way_keeps_the_log_and_figures_of_what_it_stored(
    hotel_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "BATCH", 10)
    stored = mts_mails(35, tmp_path / "drop")
    source = StopsAfter(tmp_path / "drop", 25, KeyboardInterrupt())

    with pytest.raises(KeyboardInterrupt):
        run_scan(hotel_db, config(tmp_path), ScanRequest(), sources=[source])

    # Two batches of ten were committed; the next five were read but never stored.
    assert vouchers(hotel_db) == sorted(stored[:20])
    with hotel_db.read() as session:
        hotel_id = get_hotel(session).id or 0
        status = scan_status(session, hotel_id, now=datetime.now(UTC))
        lines = session.exec(select(ScanLogLine.message)).all()
    assert [(run.operator_code, run.total, run.new) for run in status.runs] == [("MTS", 20, 20)]
    assert [status.state(run) for run in status.runs] == [ScanState.INTERRUPTED]
    assert status.latest is not None
    assert (status.latest.state, status.latest.messages) == (ScanState.INTERRUPTED, 20)
    assert status.latest.problem == "stopped by Ctrl-C"
    assert sorted(line.split()[1] for line in lines) == sorted(stored[:20])

    report = run_scan(hotel_db, config(tmp_path), ScanRequest(folders=[tmp_path / "drop"]))

    assert (report.skipped, report.totals().new) == (20, 15)
    with hotel_db.read() as session:
        status = scan_status(session, hotel_id, now=datetime.now(UTC))
    assert status.latest is not None and status.latest.state == ScanState.DONE
    assert status.latest.messages == 15


def scan_row(host: str, updated: datetime, state: ScanState = ScanState.RUNNING) -> Scan:
    started = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    return Scan(
        hotel_id=1,
        run_id="r1",
        host=host,
        pid=4242,
        state=state,
        started_at=started,
        updated_at=updated,
    )


@pytest.mark.parametrize(
    ("host", "alive", "silent_for", "shown"),
    [
        ("here", True, timedelta(hours=5), ScanState.RUNNING),  # its process runs: running
        ("here", False, timedelta(seconds=1), ScanState.INTERRUPTED),  # its process is gone
        ("there", False, timedelta(minutes=5), ScanState.RUNNING),  # another host, recent
        ("there", True, timedelta(minutes=31), ScanState.INTERRUPTED),  # silent 30 minutes
    ],
)
def test_a_running_scan_whose_process_is_gone_is_shown_as_interrupted(
    host: str, alive: bool, silent_for: timedelta, shown: ScanState
) -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    scan = scan_row(host, now - silent_for)

    assert journal.scan_state(scan, now=now, host="here", alive=lambda *_: alive) == shown


def test_a_finished_scan_says_so_whatever_its_process_does() -> None:
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    for state in (ScanState.DONE, ScanState.INTERRUPTED):
        scan = scan_row("here", now, state)
        assert journal.scan_state(scan, now=now, host="here", alive=lambda *_: True) == state


def test_a_process_id_taken_over_by_another_process_is_not_the_scans() -> None:
    started = journal.process_started(os.getpid())
    assert started is not None  # Linux

    assert journal.process_alive(os.getpid(), started)
    # The scan's process started a day earlier: this one only has its id.
    assert not journal.process_alive(os.getpid(), started - timedelta(days=1))
