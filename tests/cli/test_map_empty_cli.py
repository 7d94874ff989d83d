"""``hotelops map set OP KIND ''`` and ``hotelops map default-agency``: codes never sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlmodel import select
from typer.testing import CliRunner, Result

from hotelops.cli import map as map_cli
from hotelops.cli.app import HotelopsGroup, main_callback
from hotelops.core.auditlog import entries
from hotelops.core.db import open_database
from hotelops.core.demo import build_demo
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.models import Agency, Operator

root = typer.Typer(cls=HotelopsGroup)
root.callback()(main_callback)
root.add_typer(map_cli.app, name="map")
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo") / "demo.db").path


@pytest.fixture
def db(demo_template: Path, tmp_path: Path) -> str:
    """A copy of the demo database (every demo message in the inbox)."""
    path = tmp_path / "demo.db"
    path.write_bytes(demo_template.read_bytes())
    return str(path)


def run(db: str, *args: str) -> Result:
    return runner.invoke(root, ["--db", db, *args], env={"NO_COLOR": "1", "COLUMNS": "200"})


def _odeo_marks(db: str) -> tuple[str, ...]:
    database = open_database(db)
    try:
        with database.read() as s:
            rows = list_inbox(s, 1, InboxFilter(search="ODN77120"), limit=5).rows
        return rows[0].missing
    finally:
        database.dispose()


def test_map_set_with_an_empty_code_maps_what_the_operator_never_sends(db: str) -> None:
    missing = json.loads(run(db, "map", "missing", "--json", "--operator", "ODEO").stdout)
    assert {(m["kind"], m["operator_value"]) for m in missing} == {
        ("agency", ""),
        ("room_type", "SUI"),
        ("board", ""),
    }
    table = run(db, "map", "missing", "--operator", "ODEO")
    assert "(none sent)" in table.output
    result = run(db, "map", "set", "ODEO", "board", "", "UAI")
    assert result.exit_code == 0, result.output
    assert "mapped: ODEO board (none sent) → UAI" in result.output
    assert "1 pending reservation(s) carry it, 0 unblocked" in result.output
    assert _odeo_marks(db) == ("agency", "room_type")
    listed = run(db, "map", "list", "--operator", "ODEO")
    line = next(x for x in listed.output.splitlines() if "board" in x)
    assert line.split() == ["ODEO", "board", "(none", "sent)", "UAI"]
    left = json.loads(run(db, "map", "missing", "--json", "--operator", "ODEO").stdout)
    assert ("board", "") not in {(m["kind"], m["operator_value"]) for m in left}


def test_map_default_agency_sets_the_card_and_refuses_an_unknown_agency(db: str) -> None:
    bad = run(db, "map", "default-agency", "ODEO", "TUI GSAP")
    assert bad.exit_code != 0
    assert "no agency 'TUI GSAP'" in bad.output and "TUI GASP" in bad.output
    good = run(db, "map", "default-agency", "odeo", "tui gasp")
    assert good.exit_code == 0, good.output
    assert "default agency: ODEO → TUI GASP" in good.output
    assert "1 pending reservation(s) carry it" in good.output
    assert _odeo_marks(db) == ("room_type", "board")
    database = open_database(db)
    try:
        with database.read() as s:
            operator = s.exec(select(Operator).where(Operator.code == "ODEO")).one()
            agency = s.get(Agency, operator.default_agency_id)
            log = entries(s, 1, entity="operator", entity_id=operator.id)
    finally:
        database.dispose()
    assert agency is not None and agency.code == "TUI GASP"
    assert [(e.action, e.after) for e in log] == [
        ("operator.default_agency", {"default_agency": "TUI GASP"})
    ]
