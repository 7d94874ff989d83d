"""``hotelops contract`` and ``hotelops promo`` on the demo hotel."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotelops.cli.app import app
from hotelops.core.demo import fixtures_dir

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "160"})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    assert run("demo", "--path", str(path)).exit_code == 0
    return str(path)


def test_contract_list_show_and_export_round_trip(demo: str, tmp_path: Path) -> None:
    listed = json.loads(run("--db", demo, "contract", "list", "--json").stdout)
    assert {c["code"] for c in listed} >= {"TUI-GASP-26", "TUI-POL-26"}
    shown = run("--db", demo, "contract", "show", "TUI-GASP-26")
    assert shown.exit_code == 0 and "STDLV" in shown.output and "330.00" in shown.output
    exported = run("--db", demo, "contract", "export", "TUI-GASP-26")
    assert exported.exit_code == 0
    data = tomllib.loads(exported.stdout)
    assert data["contract"]["code"] == "TUI-GASP-26"
    assert all(isinstance(row["base"], str) for row in data["contract"]["prices"])
    again = tmp_path / "again.toml"
    again.write_text(exported.stdout)
    assert run("--db", demo, "contract", "import", str(again)).exit_code == 0
    assert run("--db", demo, "contract", "export", "TUI-GASP-26").stdout == exported.stdout
    missing = run("--db", demo, "contract", "show", "NOPE")
    assert missing.exit_code == 2


def test_a_bad_contract_file_exits_2_naming_file_and_key(demo: str, tmp_path: Path) -> None:
    text = (fixtures_dir() / "pricing" / "tui-pol-26.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('code = "TUI-POL-26"', 'code = "TUI-POL-26"\ncolour = "red"', 1))
    result = run("--db", demo, "contract", "import", str(bad))
    assert result.exit_code == 2
    assert str(bad) in result.output and "colour" in result.output


def test_promo_list_and_show(demo: str) -> None:
    listed = json.loads(run("--db", demo, "promo", "list", "--json").stdout)
    assert "EBD-03" in {p["code"] for p in listed}
    shown = run("--db", demo, "promo", "show", "EBD-03")
    assert shown.exit_code == 0 and "EBD-03" in shown.output


def test_map_missing_and_set_through_the_root_cli(demo: str) -> None:
    missing = json.loads(run("--db", demo, "map", "missing", "--json").stdout)
    jet2 = [m for m in missing if m["operator"] == "JET2" and m["kind"] == "room_type"]
    assert jet2 and jet2[0]["blocked"] >= 1
    value = jet2[0]["operator_value"]
    result = run("--db", demo, "map", "set", "JET2", "room_type", value, "STDLV")
    assert result.exit_code == 0, result.output
    after = json.loads(run("--db", demo, "map", "missing", "--json").stdout)
    assert value not in {m["operator_value"] for m in after if m["operator"] == "JET2"}
