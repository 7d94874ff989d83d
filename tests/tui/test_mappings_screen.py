"""The operators and mappings screen (F3) on the demo hotel: operators, their unmapped codes,
the picker, accepting a suggestion, deleting a mapping, and the 80×24 layout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, TabbedContent
from textual.widgets._footer import FooterKey

from hotelops.core.db import Database, open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.hotels import get_hotel
from hotelops.core.mapping import list_mappings, missing
from hotelops.core.models import AuditEntry, Operator
from hotelops.tui.app import HotelopsApp
from hotelops.tui.screens.detail_modals import MappingPicker
from hotelops.tui.screens.grid import ReviewGrid
from hotelops.tui.screens.mappings import ConfirmDelete, MappingsScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "demo.db"
    build_demo(path)
    database = open_database(sqlite_url(path))
    yield database
    database.dispose()


def hotel_id(db: Database) -> int:
    with db.read() as session:
        return get_hotel(session, "KIV").id or 0


async def wait(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_screen(pilot: Pilot[None]) -> MappingsScreen:
    await wait(pilot)
    assert isinstance(pilot.app.screen, ReviewGrid)
    await pilot.press("f3")
    await wait(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MappingsScreen)
    return screen


async def choose_operator(pilot: Pilot[None], screen: MappingsScreen, code: str) -> None:
    table = screen.query_one("#ops-table", DataTable)
    table.move_cursor(row=table.get_row_index(code))
    await wait(pilot)
    assert screen.detail is not None and screen.detail.operator == code


def rows_of(screen: MappingsScreen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def status(screen: MappingsScreen) -> str:
    return str(screen.query_one("#ops-status", Static).render())


async def put_cursor_on(
    pilot: Pilot[None], screen: MappingsScreen, selector: str, value: str
) -> None:
    """Move a right-pane table's cursor to the row whose second column is ``value``."""
    values = [row[1] for row in rows_of(screen, selector)]
    table = screen.query_one(selector, DataTable)
    table.focus()
    table.move_cursor(row=values.index(value))
    await pilot.pause()


async def test_f3_and_the_palette_open_the_screen_with_the_demo_operators(db: Database) -> None:
    with db.read() as session:
        codes = sorted(session.exec(select(Operator.code)).all())
        gaps = missing(session, hotel_id(db), "HBD")
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_screen(pilot)
        ops = screen.query_one("#ops-table", DataTable)
        assert [row.value for row in ops.rows] == codes
        hbd = ops.get_row("HBD")
        assert (str(hbd[0]), str(hbd[1]), str(hbd[2]), str(hbd[3])) == (
            "HBD",
            str(len(gaps)),
            "3",
            "mail",
        )
        # the first operator's card is shown at once
        assert str(screen.query_one("#ops-summary", Static).render()).startswith(codes[0])
        # Escape goes back; the palette's "Operators and mappings" opens it again
        await pilot.press("escape")
        await wait(pilot)
        assert isinstance(app.screen, ReviewGrid)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"operators and mappings")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait(pilot)
        assert isinstance(app.screen, MappingsScreen)


async def test_missing_tab_lists_what_core_missing_reports(db: Database) -> None:
    with db.read() as session:
        gaps = missing(session, hotel_id(db), "MTS")
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_screen(pilot)
        await choose_operator(pilot, screen, "MTS")
        shown = [
            (kind, value, blocked) for kind, value, blocked, _ in rows_of(screen, "#missing-table")
        ]
        assert shown == [(g.kind.replace("_", " "), g.operator_value, str(g.blocked)) for g in gaps]
        best = {row[1]: row[3] for row in rows_of(screen, "#missing-table")}
        assert best["DELUXE KING + 2 SINGLE"] == "DXK3 0.90"
        assert best["DERTOUR KÖLN"] == "no suggestion"
        tabs = screen.query_one(TabbedContent)
        assert str(tabs.get_tab("tab-missing").label) == f"Missing {len(gaps)}"
        await pilot.press("3")
        await pilot.pause()
        assert rows_of(screen, "#senders-table") == [
            ["@mtsglobe.com", "MTS OTS/MTS"],
            ["booking.ayt@mtsglobe.com", "MTS OTS/MTS"],
        ]


async def test_enter_opens_the_picker_and_the_chosen_code_is_mapped(db: Database) -> None:
    app = HotelopsApp(db, "KIV", user="clerk")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_screen(pilot)
        await choose_operator(pilot, screen, "JET2")
        await put_cursor_on(pilot, screen, "#missing-table", "Family Room")
        await pilot.press("enter")
        await wait(pilot)
        picker = app.screen
        assert isinstance(picker, MappingPicker)
        assert (picker.operator_code, picker.kind, picker.operator_value) == (
            "JET2",
            "room_type",
            "Family Room",
        )
        assert picker.query_one("#map-filter", Input).has_focus
        await pilot.press(*"FAM")
        await wait(pilot)
        await pilot.press("enter")
        await wait(pilot)
        assert app.screen is screen
        values = [row[1] for row in rows_of(screen, "#missing-table")]
        assert "Family Room" not in values
        assert "mapped JET2 room type 'Family Room' → FAM" in status(screen)
        await pilot.press("2")
        await pilot.pause()
        assert ["room type", "Family Room", "FAM", ""] in rows_of(screen, "#mappings-table")
    with db.read() as session:
        rows = list_mappings(session, hotel_id(db), "JET2", "room_type")
    assert ("Family Room", "FAM", "clerk") in {
        (r.operator_code, r.hotel_code, r.created_by) for r in rows
    }


async def test_y_accepts_a_sure_suggestion_and_refuses_an_unsure_one(db: Database) -> None:
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_screen(pilot)
        await choose_operator(pilot, screen, "MTS")
        await put_cursor_on(pilot, screen, "#missing-table", "DELUXE KING + 2 SINGLE")
        await pilot.press("y")
        await wait(pilot)
        assert "→ DXK3 (score 0.90 over 0.75)" in status(screen)
        assert "DELUXE KING + 2 SINGLE" not in [row[1] for row in rows_of(screen, "#missing-table")]
        # too low: HBD's "DOUBLE SUPERIOR SEA VIEW" scores 0.72 for STDSV
        await choose_operator(pilot, screen, "HBD")
        await put_cursor_on(pilot, screen, "#missing-table", "DOUBLE SUPERIOR SEA VIEW")
        await pilot.press("y")
        await wait(pilot)
        assert "STDSV scores 0.72, not over 0.75" in status(screen)
        assert screen.query_one("#ops-status", Static).has_class("-error")
        assert "DOUBLE SUPERIOR SEA VIEW" in [row[1] for row in rows_of(screen, "#missing-table")]
    with db.read() as session:
        mts = {r.operator_code: r.hotel_code for r in list_mappings(session, hotel_id(db), "MTS")}
        hbd = {r.operator_code for r in list_mappings(session, hotel_id(db), "HBD")}
    assert mts["DELUXE KING + 2 SINGLE"] == "DXK3"
    assert "DOUBLE SUPERIOR SEA VIEW" not in hbd


async def test_delete_asks_first_and_escape_keeps_the_mapping(db: Database) -> None:
    app = HotelopsApp(db, "KIV", user="clerk")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_screen(pilot)
        await choose_operator(pilot, screen, "TUIUK")
        await pilot.press("2")
        await pilot.pause()
        await put_cursor_on(pilot, screen, "#mappings-table", "DD01")
        await pilot.press("x")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmDelete)
        assert "'DD01' → STDLV" in app.screen.question
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is screen
        assert "kept the mapping" in status(screen)
        with db.read() as session:
            assert "DD01" in {
                r.operator_code for r in list_mappings(session, hotel_id(db), "TUIUK")
            }
        await pilot.press("delete")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmDelete)
        await pilot.press("y")
        await wait(pilot)
        assert app.screen is screen
        assert "deleted TUIUK room type 'DD01' → STDLV" in status(screen)
        assert "DD01" not in [row[1] for row in rows_of(screen, "#mappings-table")]
    with db.read() as session:
        left = {r.operator_code for r in list_mappings(session, hotel_id(db), "TUIUK")}
        audit = session.exec(select(AuditEntry).where(AuditEntry.action == "mapping.delete")).all()
    assert "DD01" not in left
    assert [(a.user, (a.before or {}).get("operator_code")) for a in audit] == [("clerk", "DD01")]


async def test_enter_on_a_code_the_operator_never_sent_maps_it_with_the_picker(
    db: Database,
) -> None:
    with db.read() as session:
        gap = next(g for g in missing(session, hotel_id(db), "MELI") if g.kind == "agency")
    assert gap.operator_value == ""
    app = HotelopsApp(db, "KIV", user="clerk")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_screen(pilot)
        await choose_operator(pilot, screen, "MELI")
        await put_cursor_on(pilot, screen, "#missing-table", "(none sent)")
        await pilot.press("y")
        await wait(pilot)
        assert app.screen is screen  # no suggestion to accept for a code never sent
        assert "Enter picks the hotel agency for it by hand" in status(screen)
        await pilot.press("enter")
        await wait(pilot)
        picker = app.screen
        assert isinstance(picker, MappingPicker)
        assert (picker.operator_code, picker.kind, picker.operator_value) == ("MELI", "agency", "")
        await pilot.press(*"ETS")
        await wait(pilot)
        await pilot.press("enter")
        await wait(pilot)
        assert app.screen is screen
        assert "mapped MELI agency (none sent) → ETS" in status(screen)
        assert "(none sent)" not in [row[1] for row in rows_of(screen, "#missing-table")]
        await pilot.press("2")
        await pilot.pause()
        assert ["agency", "(none sent)", "ETS", ""] in rows_of(screen, "#mappings-table")
    with db.read() as session:
        mapped = {
            (m.kind, m.operator_code): m.hotel_code
            for m in list_mappings(session, hotel_id(db), "MELI")
        }
        left = {(g.kind, g.operator_value) for g in missing(session, hotel_id(db), "MELI")}
    assert mapped[("agency", "")] == "ETS"
    assert ("agency", "") not in left


async def test_x_outside_the_mappings_tab_is_refused_in_words(db: Database) -> None:
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_screen(pilot)
        await choose_operator(pilot, screen, "TUIUK")
        await pilot.press("x")
        await wait(pilot)
        assert app.screen is screen
        assert "x deletes a mapping on the Mappings tab (press 2)" in status(screen)
    with db.read() as session:
        assert len(list_mappings(session, hotel_id(db), "TUIUK")) == 5


def footer_keys(pilot: Pilot[None]) -> set[str]:
    keys = list(pilot.app.screen.query(FooterKey))
    palette = [key for key in keys if key.has_class("-command-palette")]
    limit = palette[0].region.x if palette else pilot.app.size.width
    return {key.description for key in keys if key.region.width and key.region.right <= limit}


async def test_at_80x24_both_panes_and_the_keys_are_in_view(db: Database) -> None:
    app = HotelopsApp(db, "KIV")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_screen(pilot)
        ops = screen.query_one("#ops-table", DataTable)
        gaps = screen.query_one("#missing-table", DataTable)
        for widget in (ops, gaps):
            assert widget.region.width > 0 and widget.region.height >= 10
            assert widget.region.bottom <= 23
        assert ops.region.right <= gaps.region.x  # side by side
        # the operator code and its figures fit the narrow left pane
        assert sum(c.get_render_width(ops) for c in ops.ordered_columns[:3]) <= ops.region.width
        assert sum(c.get_render_width(gaps) for c in gaps.ordered_columns) <= gaps.region.width
        assert {"Accept", "Delete", "Back", "Quit"} <= footer_keys(pilot)
        await pilot.press("tab")
        await pilot.pause()
        assert gaps.has_focus
        assert {"Map code", "Accept", "Delete", "Back"} <= footer_keys(pilot)
