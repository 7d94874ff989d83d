"""Snapshots (pytest-textual-snapshot) of the grid, the detail screen and the scanner screen.

The demo is built with a fixed clock (``build_demo(now=...)``): reception times, scan runs and
scan-log lines then come out the same in every run. Times are shown in the local zone, so the
zone is fixed to UTC too; the scanner's timer is off (no countdown) and the header has no clock.
A reviewer regenerates the pictures on purpose: ``pytest tests/tui/test_snapshots.py
--snapshot-update``, then looks at each SVG before committing it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Tabs
from textual.widgets._tabs import Underline

from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.tui.app import HotelopsApp

SIZE = (120, 36)
DEMO_NOW = datetime(2026, 5, 11, 9, 30, tzinfo=UTC)

Compare = Callable[..., bool]


def still(app: HotelopsApp) -> HotelopsApp:
    """No animations: a tab's underline slides when its label grows (the counts arrive), and a
    picture taken mid-slide on a loaded machine would differ from the reference."""
    app.animation_level = "none"
    return app


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The demo hotel as of ``DEMO_NOW``, shown in UTC."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    path = tmp_path / "demo.db"
    build_demo(path, now=DEMO_NOW)
    db = open_database(sqlite_url(path))
    yield db
    db.dispose()
    monkeypatch.undo()
    time.tzset()


async def settle(pilot: Pilot[None]) -> None:
    """Until no worker runs (one worker may start another) and the screen has repainted."""
    await pilot.pause()
    for _ in range(20):
        if not any(w.is_running for w in pilot.app.workers):
            break
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    # The tabs move their underline under a label that grew with its count after the next
    # refresh: wait until every underline sits under its active tab (a loaded machine may take
    # a while), then let the screen paint.
    deadline = time.monotonic() + 10
    while not underlines_in_place(pilot.app) and time.monotonic() < deadline:
        await pilot.pause(0.05)
    await pilot.pause(0.2)
    await pilot.pause()


def underlines_in_place(app: object) -> bool:
    """True when each tab bar's underline spans its active tab's label."""
    screen = app.screen  # type: ignore[attr-defined]
    for tabs in screen.query(Tabs):
        active = tabs.query("#tabs-list > Tab.-active")
        if not active:
            continue
        tab = active.first()
        start, end = tab.virtual_region.shrink(tab.styles.gutter).column_span
        if end - start != tab.label.cell_length:  # laid out for its label as it is now
            return False
        underline = tabs.query_one(Underline)
        if (underline.highlight_start, underline.highlight_end) != (start, end):
            return False
    return True


def after(*keys: str) -> Callable[[Pilot[None]], object]:
    """A ``run_before`` that waits for the grid, presses ``keys``, and waits again."""

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def test_grid_snapshot(snap_compare: Compare, demo_db: Database) -> None:
    assert snap_compare(still(HotelopsApp(demo_db, "KIV")), terminal_size=SIZE, run_before=after())


def test_detail_snapshot(snap_compare: Compare, demo_db: Database) -> None:
    app = HotelopsApp(demo_db, "KIV", user="office")
    assert snap_compare(still(app), terminal_size=SIZE, run_before=after("enter"))


def test_scanner_snapshot(snap_compare: Compare, demo_db: Database) -> None:
    assert snap_compare(
        still(HotelopsApp(demo_db, "KIV")), terminal_size=SIZE, run_before=after("f2")
    )


def test_light_theme_grid_snapshot(snap_compare: Compare, demo_db: Database) -> None:
    app = HotelopsApp(demo_db, "KIV", theme="light")
    assert snap_compare(still(app), terminal_size=SIZE, run_before=after())
