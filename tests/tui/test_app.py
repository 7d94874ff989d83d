"""The dashboard's shell: Enter opens a reservation's detail, F2 the scanner, Escape returns;
the command palette, the theme, and ``hotelops demo`` outside a terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import func, select
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import RichLog, Tabs
from typer.testing import CliRunner

from hotelops.cli.app import app as cli_app
from hotelops.core.db import open_database
from hotelops.core.demo import build_demo, demo_config, demo_folders, is_demo_database
from hotelops.core.models import InboxReservation
from hotelops.core.scan.runner import ScanRequest
from hotelops.core.scan.sources.folder import FolderSource
from hotelops.tui.app import DARK_THEME, LIGHT_THEME, HotelopsApp
from hotelops.tui.screens.detail import DetailScreen
from hotelops.tui.screens.grid import ReviewGrid
from hotelops.tui.screens.scanner import ScannerScreen


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_enter_opens_the_detail_and_f2_the_scanner(tmp_path: Path) -> None:
    build_demo(tmp_path / "demo.db")
    db = open_database(str(tmp_path / "demo.db"))
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ReviewGrid)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        await app.workers.wait_for_complete()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewGrid)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, ScannerScreen)
        await app.workers.wait_for_complete()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReviewGrid)
    db.dispose()


async def open_palette_and_run(pilot: Pilot[None], command: str) -> None:
    """Open the command palette (ctrl+p), type a command's name, run the first hit."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*command)
    await pilot.pause(0.3)  # the palette searches in the background
    await pilot.press("enter")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def palette_titles(app: HotelopsApp) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


@pytest.mark.anyio
async def test_the_palette_offers_the_shell_and_screen_commands(tmp_path: Path) -> None:
    build_demo(tmp_path / "demo.db")
    db = open_database(str(tmp_path / "demo.db"))
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        titles = palette_titles(app)
        for title in ("Scanner status", "Review grid", "Toggle light/dark theme", "Quit"):
            assert title in titles
        assert "Search" in titles  # the grid's own keys, named as in the footer
        assert "All" in titles  # and those the footer has no room for (the tabs, 1-4)
        await open_palette_and_run(pilot, "All")
        assert app.screen.query_one("#status-tabs", Tabs).active == "all"
        await open_palette_and_run(pilot, "scanner status")
        assert isinstance(app.screen, ScannerScreen)
        assert "Scan now" in palette_titles(app)
        await open_palette_and_run(pilot, "toggle light")
        assert app.theme == LIGHT_THEME
        await open_palette_and_run(pilot, "review grid")
        assert isinstance(app.screen, ReviewGrid)
        assert app.theme == LIGHT_THEME
    db.dispose()


@pytest.mark.anyio
async def test_the_chosen_theme_holds_on_every_screen(tmp_path: Path) -> None:
    build_demo(tmp_path / "demo.db")
    db = open_database(str(tmp_path / "demo.db"))
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.theme == DARK_THEME
        await pilot.press("ctrl+t")
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, DetailScreen)
        assert app.theme == LIGHT_THEME
        await pilot.press("f2")
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, ScannerScreen)
        assert app.theme == LIGHT_THEME
        # the palette's "Review grid" closes the scanner and the detail screen over the grid
        app.action_review_grid()
        await pilot.pause()
        assert isinstance(app.screen, ReviewGrid)
        assert app.theme == LIGHT_THEME
        await pilot.press("ctrl+t")
        assert app.theme == DARK_THEME
    db.dispose()


@pytest.mark.anyio
async def test_tui_starts_in_the_light_theme_when_asked(tmp_path: Path) -> None:
    build_demo(tmp_path / "demo.db")
    db = open_database(str(tmp_path / "demo.db"))
    app = HotelopsApp(db, "KIV", theme="light")
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.theme == LIGHT_THEME
        assert not app.current_theme.dark
    db.dispose()


def test_demo_in_a_pipe_prints_the_summary_and_opens_no_dashboard(tmp_path: Path) -> None:
    # CliRunner's stdin and stdout are not terminals: as under cron or in a pipe.
    path = tmp_path / "demo.db"
    result = CliRunner().invoke(
        cli_app, ["demo", "--path", str(path)], env={"NO_COLOR": "1", "COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    assert "Kivima Hotel (KIV)" in result.output
    assert f"hotelops --db {path} tui" in result.output  # how to open the dashboard
    assert is_demo_database(path)
    again = CliRunner().invoke(cli_app, ["demo", "--no-tui", "--path", str(path)])
    assert again.exit_code == 0, again.output
    assert "demo database" in again.output


@pytest.mark.anyio
async def test_the_demo_dashboards_scanner_rescans_the_demo_folders(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    build_demo(path)
    db = open_database(str(path))
    with db.read() as session:
        before = session.exec(select(func.count()).select_from(InboxReservation)).one()
    request = ScanRequest(hotel_code="KIV", folders=demo_folders())
    app = HotelopsApp(db, "KIV", config=demo_config(path), scan_request=request)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("f2")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("s")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ScannerScreen)
        assert not screen.scanning
        log = " ".join(strip.text.strip() for strip in screen.query_one(RichLog).lines)
        files = len(FolderSource(demo_folders()).files())  # every one archived by the build
        assert f"scan done: 0 read, 0 new, 0 changed, 0 errors, {files} already archived" in log
    with db.read() as session:
        assert session.exec(select(func.count()).select_from(InboxReservation)).one() == before
    db.dispose()


def test_tui_refuses_a_database_without_the_hotel_before_it_starts(tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli_app, ["--db", str(tmp_path / "missing.db"), "tui"])
    assert missing.exit_code == 2
    assert "no database at" in missing.output and "hotelops demo" in missing.output
    assert not (tmp_path / "missing.db").exists()
    open_database(str(tmp_path / "empty.db")).dispose()
    empty = CliRunner().invoke(cli_app, ["--db", str(tmp_path / "empty.db"), "tui"])
    assert empty.exit_code == 2
    assert "holds no hotel yet" in empty.output and "hotelops demo" in empty.output
    build_demo(tmp_path / "demo.db")
    wrong = CliRunner().invoke(cli_app, ["--db", str(tmp_path / "demo.db"), "tui", "--hotel", "XX"])
    assert wrong.exit_code == 2
    assert "no hotel with code 'XX' (hotels here: KIV)" in wrong.output
