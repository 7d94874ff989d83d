"""The dashboard's wiring: Enter opens a reservation's detail, F2 the scanner, Escape returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotelops.core.db import open_database
from hotelops.core.demo import build_demo
from hotelops.tui.app import HotelopsApp
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
