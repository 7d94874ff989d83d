"""The scanner status screen driven through Textual's Pilot on the demo hotel."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from anyio import to_thread
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, RichLog, Static

from hotelops.core.config import LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo, fixtures_dir
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import OperatorCount, operator_counts
from hotelops.core.scan import runner
from hotelops.core.scan.runner import ScanRequest, last_runs, run_scan
from hotelops.core.scan.sources.base import RawItem
from hotelops.core.scan.sources.folder import FolderSource
from hotelops.tui.screens.scanner import TOTAL_KEY, ScannerScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    # Each test gets its own demo: the scan test writes to the database.
    path = tmp_path / "demo.db"
    build_demo(path)
    database = open_database(sqlite_url(path))
    yield database
    database.dispose()


@pytest.fixture
def config(tmp_path: Path) -> LoadedConfig:
    return LoadedConfig(Settings(scan=ScanSettings(documents_dir=str(tmp_path / "docs"))), None)


@pytest.fixture
def new_mail_folder(tmp_path: Path) -> Path:
    """A folder holding one WEBB mail turned into a voucher the demo has not seen."""
    folder = tmp_path / "drop"
    folder.mkdir()
    source = fixtures_dir() / "mail" / "webb-01-new-93817264.eml"
    # The body is base64: replacing the raw bytes would change the Message-ID only.
    message = email.message_from_bytes(source.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    for header in ("Subject", "Message-ID"):
        message.replace_header(header, str(message[header]).replace("93817264", "93817299"))
    html = message.get_content().replace("93817264", "93817299")
    message.set_content(html, subtype="html", cte="base64")
    (folder / "webb-01-new-93817299.eml").write_bytes(message.as_bytes())
    return folder


class ScannerApp(App[None]):
    def __init__(self, screen: ScannerScreen) -> None:
        super().__init__()
        self.scanner = screen

    def on_mount(self) -> None:
        self.push_screen(self.scanner)


async def settle(pilot: Pilot[None]) -> ScannerScreen:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ScannerScreen)
    return screen


def cell(screen: ScannerScreen, row: str, column: str) -> str:
    return str(screen.query_one(DataTable).get_cell(row, column))


def log_lines(screen: ScannerScreen) -> list[str]:
    return [strip.text for strip in screen.query_one(RichLog).lines]


def status(screen: ScannerScreen) -> str:
    return str(screen.query_one("#scanner-status", Static).render())


def operator_counts_of(db: Database) -> list[OperatorCount]:
    with db.read() as session:
        return operator_counts(session, get_hotel(session).id or 0)


async def test_table_lists_each_operators_last_run_and_the_totals(
    db: Database, config: LoadedConfig
) -> None:
    with db.read() as session:
        hotel_id = get_hotel(session).id or 0
        runs = last_runs(session, hotel_id)
        operators = [op.code for op in operator_counts(session, hotel_id)]
    never = sorted(set(operators) - {run.operator_code for run in runs})
    assert never, "the demo has operators it does not scan"
    app = ScannerApp(ScannerScreen(db, None, config))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        table = screen.query_one(DataTable)
        assert table.row_count == len(runs) + len(never) + 1
        assert cell(screen, never[0], "last_scan") == "not scanned yet"
        names = {op.code: op.name for op in operator_counts_of(db)}
        assert cell(screen, never[0], "name") == names[never[0]]
        assert cell(screen, "TUIP", "name") == names["TUIP"]
        assert cell(screen, never[0], "total") == ""
        scanned = sum(1 for run in runs if run.operator_code)
        assert f"{scanned} of {len(operators)} operators scanned" in status(screen)
        total = sum(run.total for run in runs)
        errors = sum(run.errors for run in runs)
        assert f"read {total} ·" in status(screen) and f"errors {errors}" in status(screen)
        for code in ("TUIP", "JET2", "NOVA"):
            assert cell(screen, code, "operator") == code
        tuip = next(run for run in runs if run.operator_code == "TUIP")
        assert cell(screen, "TUIP", "total") == str(tuip.total)
        assert cell(screen, "TUIP", "new") == str(tuip.new)
        assert cell(screen, "NOVA", "errors") == "1"
        assert cell(screen, TOTAL_KEY, "operator") == "TOTAL"
        assert cell(screen, TOTAL_KEY, "total") == str(sum(run.total for run in runs))
        assert cell(screen, TOTAL_KEY, "errors") == str(sum(run.errors for run in runs))
        assert "timer off" in status(screen)
        tuip_scan = f"{tuip.started_at.astimezone():%Y-%m-%d %H:%M:%S}–"
        assert cell(screen, "TUIP", "last_scan").startswith(tuip_scan)


async def test_log_shows_the_nova_error_line(db: Database, config: LoadedConfig) -> None:
    app = ScannerApp(ScannerScreen(db, None, config))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        lines = log_lines(screen)
        assert any("error" in line and "NOVA" in line for line in lines), lines
        assert any("WEBB" in line and "93817264" in line for line in lines)


async def test_s_scans_in_a_worker_and_refreshes_the_table(
    db: Database, config: LoadedConfig, new_mail_folder: Path
) -> None:
    request = ScanRequest(folders=[new_mail_folder])
    app = ScannerApp(ScannerScreen(db, None, config, request=request))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        before = len(log_lines(screen))
        await pilot.press("s")
        screen = await settle(pilot)
        assert not screen.scanning
        assert int(cell(screen, "WEBB", "new")) >= 1
        assert cell(screen, "WEBB", "total") == "1"  # the new run replaced the demo's figures
        lines = log_lines(screen)
        assert len(lines) > before
        assert any("93817299" in line for line in lines[before:])


async def test_t_toggles_the_countdown(db: Database, config: LoadedConfig) -> None:
    app = ScannerApp(ScannerScreen(db, None, config, interval=60))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert screen.timer_on
        assert "next scan in 60s" in status(screen)
        screen._tick()
        assert "next scan in 59s" in status(screen)
        await pilot.press("t")
        await pilot.pause()
        assert not screen.timer_on
        assert "next scan in" not in status(screen)


async def test_escape_leaves_the_screen(db: Database, config: LoadedConfig) -> None:
    app = ScannerApp(ScannerScreen(db, None, config))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ScannerScreen)


async def test_the_timer_scans_when_the_countdown_runs_out(
    db: Database, config: LoadedConfig, new_mail_folder: Path
) -> None:
    request = ScanRequest(folders=[new_mail_folder])
    app = ScannerApp(ScannerScreen(db, None, config, request=request, interval=600))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("t")
        screen.remaining = 1
        screen._tick()  # the countdown reaches 0: a scan starts and the countdown restarts
        screen = await settle(pilot)
        assert int(cell(screen, "WEBB", "new")) >= 1
        assert "next scan in 600s" in status(screen)


async def test_a_scan_made_elsewhere_shows_up_while_the_screen_is_open(
    db: Database, config: LoadedConfig, new_mail_folder: Path, tmp_path: Path
) -> None:
    app = ScannerApp(ScannerScreen(db, None, config, live=0.2))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        assert cell(screen, "WEBB", "total") == "2"
        before = len(log_lines(screen))
        # another connection scans, as `hotelops scan --watch` in another process would
        other = open_database(sqlite_url(tmp_path / "demo.db"))
        try:
            await to_thread.run_sync(
                lambda: run_scan(other, config, ScanRequest(folders=[new_mail_folder]))
            )
        finally:
            other.dispose()
        for _ in range(20):
            await pilot.pause(0.1)
            if cell(screen, "WEBB", "total") == "1":
                break
        screen = await settle(pilot)
        assert cell(screen, "WEBB", "total") == "1"  # the new run's figures
        assert int(cell(screen, "WEBB", "new")) == 1
        new_lines = log_lines(screen)[before:]
        assert any("93817299" in line for line in new_lines), new_lines
        # each line once, though the screen reread the log several times meanwhile
        assert sum("new 93817299" in line for line in log_lines(screen)) == 1


async def test_a_missing_drop_folder_is_a_row_of_its_own_with_what_failed(
    db: Database, tmp_path: Path
) -> None:
    missing = tmp_path / "var" / "inbox"
    config = LoadedConfig(
        Settings(scan=ScanSettings(folder=str(missing), documents_dir=str(tmp_path / "docs"))),
        None,
    )
    app = ScannerApp(ScannerScreen(db, None, config))
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await settle(pilot)
        errors_before = int(cell(screen, TOTAL_KEY, "errors"))
        await pilot.press("s")
        screen = await settle(pilot)
        row = f"folder:{missing}"
        assert cell(screen, row, "operator") == row
        assert cell(screen, row, "errors") == "1"
        assert cell(screen, row, "name") == (
            f"folder {missing} does not exist (create it, or set scan.folder in a config file "
            "(hotelops init writes one))"
        )
        assert cell(screen, TOTAL_KEY, "errors") == str(errors_before + 1)
        summary = " ".join(line.strip() for line in log_lines(screen))
        assert f"scan done: 0 read, 0 new, 0 changed, 1 errors; not read: {row}" in summary


class StopsAtTheEnd(FolderSource):
    """A drop folder whose reading stops with Ctrl-C after its last message."""

    def fetch(self) -> Iterator[RawItem]:
        yield from super().fetch()
        raise KeyboardInterrupt


async def test_an_interrupted_scan_says_so_in_its_rows_the_status_line_and_the_log(
    db: Database, config: LoadedConfig, new_mail_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "BATCH", 1)  # the mail is stored before the scan stops
    with pytest.raises(KeyboardInterrupt):
        run_scan(db, config, ScanRequest(), sources=[StopsAtTheEnd([new_mail_folder])])
    app = ScannerApp(ScannerScreen(db, None, config))
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await settle(pilot)
        assert cell(screen, "WEBB", "last_scan").endswith(" interrupted")
        assert (cell(screen, "WEBB", "total"), cell(screen, "WEBB", "new")) == ("1", "1")
        assert not cell(screen, "TUIP", "last_scan").endswith(" interrupted")  # the demo's scan
        assert "last scan interrupted (1 message(s) stored)" in status(screen)
        log = " ".join(" ".join(log_lines(screen)).split())
        assert "was interrupted: it stopped (stopped by Ctrl-C); it stored 1 message(s)" in log
