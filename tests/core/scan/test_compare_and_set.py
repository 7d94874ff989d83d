"""A scan's update of an inbox row holds only if the row is still as the scan read it.

Each test forces one ordering of a scan bringing a modification and something else changing the
same reservation: a decision (or another scan) between the scan's read and its write, and a
decision whose guards ran before the scan's write and whose save comes after it. The free-running
race between two processes is in ``tests/integration/test_scan_decide_race.py``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from hotelops.core import approval
from hotelops.core.approval import Changed, decide, decisions
from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database
from hotelops.core.demo import fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import inbox_detail
from hotelops.core.models import HotelReservation, InboxReservation
from hotelops.core.pricing.contracts import import_contract
from hotelops.core.pricing.promotions import import_promotions
from hotelops.core.scan import ingest
from hotelops.core.scan.ingest import Ingestor, ScanConflict
from hotelops.core.scan.runner import ScanReport, ScanRequest, run_scan

FIX = fixtures_dir()
WORKED = "79194577"  # TUIP, fully mapped and priced: confirm and save go through


def _booking(*, departure: str = "2026-09-05", remark: str = "") -> str:
    text = (FIX / "ota" / "TUIP-01-new-79194577.xml").read_text()
    if departure != "2026-09-05":
        text = text.replace('ResStatus="Book"', 'ResStatus="Modify"')
        text = text.replace('End="2026-09-05"', f'End="{departure}"')
    # Other bytes, same content: a resend of whatever the rest of the file says.
    return text.replace("</OTA_HotelResNotifRQ>", f"<!-- {remark} --></OTA_HotelResNotifRQ>")


def _scan(db: Database, tmp_path: Path, text: str) -> ScanReport:
    drop = tmp_path / f"drop{len(list(tmp_path.glob('drop*')))}"
    drop.mkdir()
    (drop / "message.xml").write_text(text)
    config = LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "d"))), None)
    return run_scan(db, config, ScanRequest(folders=[drop], folder_operator="TUIP"))


def _decide(db: Database) -> approval.Outcome:
    """Confirm and save WORKED as ``hotelops approve ID`` does (the row as it is now)."""
    with db.read() as s:
        hotel = get_hotel(s, "KIV")
        row = _row_in(s)
    return decide(
        db, hotel, LoadedConfig(Settings(), None), row.id or 0, confirm=True, save=True, user="fo"
    )


def _row_in(session: Session) -> InboxReservation:
    return session.exec(select(InboxReservation).where(InboxReservation.voucher == WORKED)).one()


def _state(db: Database) -> tuple[str, int, str, list[tuple[str, int]], list[str]]:
    """What the office sees: status, version, "was ...", decisions, bookings' departures."""
    with db.read() as s:
        row = _row_in(s)
        inbox_id = row.id or 0
        versions = inbox_detail(s, row.hotel_id, inbox_id).versions
        done = [(d.action, d.version) for d in decisions(s, inbox_id)]
        books = s.exec(
            select(HotelReservation).where(HotelReservation.inbox_reservation_id == inbox_id)
        ).all()
    departures = [b.departure.isoformat() for b in books]
    return str(row.status), row.version, versions[-1].previous_status, done, departures


def _setup(db: Database, demo_file: Path, tmp_path: Path) -> None:
    import_hotel(db, demo_file, user="t")
    import_contract(db, "KIV", FIX / "pricing" / "tui-gasp-26.toml", user="t")
    import_promotions(db, "KIV", FIX / "pricing" / "promotions.toml", user="t")
    assert _scan(db, tmp_path, _booking(remark="first")).totals().new == 1


@pytest.fixture
def hotel_db(db: Database, demo_file: Path, tmp_path: Path) -> Database:
    _setup(db, demo_file, tmp_path)
    return db


@pytest.fixture
def pg(pg_url: str, demo_file: Path, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """The hotel on PostgreSQL, and a second connection pool to it, as another process has."""
    scanner, other = open_database(pg_url), open_database(pg_url)
    _setup(scanner, demo_file, tmp_path)
    yield scanner, other
    scanner.dispose()
    other.dispose()


def _between_read_and_write(
    monkeypatch: pytest.MonkeyPatch, action: Callable[[Session], None]
) -> None:
    """Run ``action`` once, right after the scan read the inbox rows it holds."""
    original = Ingestor._existing
    calls = []

    def existing(self: Ingestor, session: Session, stored: Any) -> Any:
        rows = original(self, session, stored)
        if not calls:
            calls.append(1)
            action(session)
        return rows

    monkeypatch.setattr(Ingestor, "_existing", existing)


@pytest.mark.postgres
def test_a_decision_between_the_scans_read_and_write_is_kept_and_the_row_back_to_pending(
    pg: tuple[Database, Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scanner, office = pg
    decided: list[approval.Outcome] = []
    _between_read_and_write(monkeypatch, lambda _session: decided.append(_decide(office)))
    report = _scan(scanner, tmp_path, _booking(departure="2026-09-06"))
    assert decided[0].status == "approved"  # the decision went through, at version 1
    assert report.totals().changed == 1
    # The scan read the row again: pending at the new version, "was approved", and the
    # decision in the history; the booking is the one decided, for the office to update.
    assert _state(scanner) == ("pending", 2, "approved", [("confirm+save", 1)], ["2026-09-05"])


@pytest.mark.postgres
def test_two_scans_of_one_modification_at_once_store_one_version(
    pg: tuple[Database, Database], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scanner, other = pg
    reports: list[ScanReport] = []

    def other_scan(_session: Session) -> None:
        reports.append(_scan(other, tmp_path, _booking(departure="2026-09-06", remark="again")))

    _between_read_and_write(monkeypatch, other_scan)
    report = _scan(scanner, tmp_path, _booking(departure="2026-09-06", remark="first time"))
    assert reports[0].totals().changed == 1
    # Read again, the row already holds this content: a resend, not a third version.
    assert (report.totals().changed, report.totals().unchanged) == (0, 1)
    assert _state(scanner) == ("pending", 2, "", [], [])


def test_a_row_changed_after_the_scan_read_it_is_read_again_on_each_engine(
    hotel_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite no other process can write inside the scan's transaction (it holds the
    # database's lock), so the change a confirmation makes goes through the scan's own
    # connection: the same conditional update that must then miss and read the row again.
    # (Core on the table: what another connection does, unseen by the scan's session.)
    inbox = InboxReservation.__table__.c  # type: ignore[attr-defined]

    def confirmed_meanwhile(session: Session) -> None:
        session.connection().execute(
            update(InboxReservation.__table__)  # type: ignore[attr-defined]
            .where(inbox.voucher == WORKED)
            .values(status="approved", decision_seq=inbox.decision_seq + 1)
        )

    _between_read_and_write(monkeypatch, confirmed_meanwhile)
    report = _scan(hotel_db, tmp_path, _booking(departure="2026-09-06"))
    assert report.totals().changed == 1
    status, version, was, _done, _books = _state(hotel_db)
    assert (status, version, was) == ("pending", 2, "approved")
    with hotel_db.read() as s:
        assert _row_in(s).check_out.isoformat() == "2026-09-06"


def test_a_decision_checked_before_the_scans_write_is_refused_as_changed(
    hotel_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = approval.check
    scanned: list[ScanReport] = []

    def guards_then_scan(*args: Any, **kwargs: Any) -> approval.Check:
        result = original(*args, **kwargs)
        # The guards passed on version 1; the modification is stored before the save.
        scanned.append(_scan(hotel_db, tmp_path, _booking(departure="2026-09-06")))
        return result

    monkeypatch.setattr(approval, "check", guards_then_scan)
    with pytest.raises(Changed, match="changed since you looked at it"):
        _decide(hotel_db)
    assert scanned[0].totals().changed == 1
    # Nothing decided, nothing in the books: the office decides on version 2.
    assert _state(hotel_db) == ("pending", 2, "", [], [])


def test_a_decision_waiting_on_the_scans_write_is_refused_as_changed(
    hotel_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked = threading.Event()
    original_check = approval.check

    def check_then_signal(*args: Any, **kwargs: Any) -> approval.Check:
        result = original_check(*args, **kwargs)
        checked.set()
        return result

    monkeypatch.setattr(approval, "check", check_then_signal)
    verdict: list[BaseException | approval.Outcome] = []

    def office() -> None:
        try:
            verdict.append(_decide(hotel_db))
        except BaseException as exc:  # reported by the assertions below
            verdict.append(exc)

    original_write = Ingestor._write

    def written_not_committed(self: Ingestor, session: Session, pendings: Any) -> None:
        original_write(self, session, pendings)
        # The scan has written version 2 and not committed: the decision, its guards passed on
        # version 1, now tries to save and must wait for the scan (row lock or write lock).
        thread.start()
        assert checked.wait(30)
        time.sleep(0.3)

    thread = threading.Thread(target=office)
    monkeypatch.setattr(Ingestor, "_write", written_not_committed)
    report = _scan(hotel_db, tmp_path, _booking(departure="2026-09-06"))
    thread.join(60)
    assert report.totals().changed == 1
    assert isinstance(verdict[0], Changed), verdict
    assert _state(hotel_db) == ("pending", 2, "", [], [])


def test_a_row_that_keeps_changing_stops_the_batch_and_the_next_scan_stores_it(
    hotel_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def always_changed(_session: Session, _row: Any) -> bool:
        return False

    modification = _booking(departure="2026-09-06")
    with monkeypatch.context() as patched:
        patched.setattr(ingest, "_compare_and_set", always_changed)
        with pytest.raises(ScanConflict, match=r"kept changing .* \(5 tries\): scan again"):
            _scan(hotel_db, tmp_path, modification)
    # Nothing of the batch was stored, not even the archived message: it is read again.
    assert _state(hotel_db) == ("pending", 1, "", [], [])
    assert _scan(hotel_db, tmp_path, modification).totals().changed == 1
    assert _state(hotel_db) == ("pending", 2, "", [], [])
