"""The CLI through Typer's runner: global options, init, demo, hotel, config, exit codes."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import tomli_w
from typer.testing import CliRunner

import hotelops
from hotelops.cli.app import app

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "120", **(env or {})})


def test_help_lists_only_commands_that_work() -> None:
    result = run("--help")
    assert result.exit_code == 0
    commands = set(re.findall(r"^│ (\w[\w-]*)\s{2,}", result.output, flags=re.M))
    assert commands == {
        "init",
        "demo",
        "hotel",
        "config",
        "scan",
        "inbox",
        "map",
        "contract",
        "promo",
        "price",
        "approve",
        "guests",
        "rate",
        "log",
        "tui",
    }
    for option in ("--config", "--db", "--json", "--verbose", "--version"):
        assert option in result.output


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"hotelops {hotelops.__version__}"


def test_demo_builds_the_demo_hotel_and_prints_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    result = run("demo", "--path", str(path))
    assert result.exit_code == 0, result.output
    assert "Kivima Hotel" in result.output and "KIV" in result.output
    assert "2026-05-15" in result.output
    assert re.search(r"total\s*│\s*│\s*300", result.output)
    assert "5 VIP, 13 repeat, 2 gray list, 2 problem" in result.output
    assert path.exists()

    again = run("--json", "demo", "--path", str(path))
    assert again.exit_code == 0, again.output
    data = json.loads(again.stdout)
    assert data["hotel"]["code"] == "KIV"
    assert data["hotel"]["total_rooms"] == 300
    assert data["hotel"]["business_date"] == "2026-05-15"
    assert data["imported"]["hotel_reservations"] == data["hotel"]["counts"]["hotel_reservations"]


def test_demo_never_overwrites_a_database_that_is_not_a_demo(tmp_path: Path) -> None:
    real = tmp_path / "real.db"
    assert run("--db", str(real), "init", "--path", str(tmp_path / "cfg.toml")).exit_code == 0
    result = run("demo", "--path", str(real))
    assert result.exit_code == 2
    assert "is not a hotelops demo database" in result.output


def test_hotel_show_and_list(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    assert run("demo", "--path", str(path)).exit_code == 0
    shown = run("--db", str(path), "hotel", "show", "--json")
    assert shown.exit_code == 0, shown.output
    card = json.loads(shown.stdout)
    assert card["name"] == "Kivima Hotel"
    assert card["reservations_by_status"]["in_house"] == 6
    assert [rt["code"] for rt in card["room_types"]][:2] == ["STDLV", "STDSV"]
    table = run("--db", str(path), "hotel", "show", "KIV")
    assert "STDLV" in table.output and "Standard Room" in table.output
    listed = run("--db", str(path), "--json", "hotel", "list")
    assert json.loads(listed.stdout) == [
        {
            "code": "KIV",
            "name": "Kivima Hotel",
            "currency": "EUR",
            "business_date": "2026-05-15",
            "city": "Antalya",
        }
    ]
    missing = run("--db", str(path), "hotel", "show", "XYZ")
    assert missing.exit_code == 2
    assert "no hotel with code 'XYZ' (hotels here: KIV)" in missing.output


def test_init_writes_a_valid_config_and_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("init", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    config = tmp_path / "config" / "hotelops.toml"
    assert data["config_created"] is True and Path(data["config"]) == config
    assert (tmp_path / "config" / "hotelops.db").exists()
    assert tomllib.loads(config.read_text())["database"]["path"] == "hotelops.db"
    # Found again through ./config/hotelops.toml; a second init keeps the file.
    again = run("init")
    assert again.exit_code == 0 and "kept the existing config" in again.output
    empty = run("hotel", "show")
    assert empty.exit_code == 2
    assert "holds no hotel yet" in empty.output


def test_hotel_import_through_the_cli(tmp_path: Path, demo_file: Path) -> None:
    db = tmp_path / "kiv.db"
    result = run("--db", str(db), "hotel", "import", str(demo_file), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["imported"]["room_types"] == 10
    twice = run("--db", str(db), "hotel", "import", str(demo_file))
    assert twice.exit_code == 2
    assert "already exists" in twice.output


def test_hotel_import_lists_every_problem_and_writes_nothing(
    tmp_path: Path, demo_file: Path
) -> None:
    data = tomllib.loads(demo_file.read_text(encoding="utf-8"))
    data["reservations"][5]["rate"] = 215.5
    data["reservations"][9]["room_type"] = "DBX"
    data["agencies"][2]["market"] = "GB"
    bad = tmp_path / "kivima.toml"
    bad.write_text(tomli_w.dumps(data), encoding="utf-8")
    db = tmp_path / "kiv.db"
    result = run("--db", str(db), "hotel", "import", str(bad))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: {bad}: 3 problem(s), nothing was imported"
    assert lines[1:] == [
        f"  {bad}: agencies[2].market (code TUI UK): unknown market 'GB' "
        "(define it under [[markets]] or fix the code)",
        f"  {bad}: reservations[5].rate (voucher J2H4478812): amount: 215.5 is a float; "
        'write money as a string ("215.5") so it stays exact, got 215.5',
        f"  {bad}: reservations[9].room_type (voucher 48044): unknown room type 'DBX' "
        "(define it under [[room_types]] or fix the code)",
    ]
    assert not db.exists()  # a refused file makes no database


def test_a_missing_database_is_refused_naming_it_and_never_created(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "hotel.db"
    result = run("--db", str(target), "hotel", "list", "--json")
    assert result.exit_code == 2
    assert f"no database at {target}" in result.output
    assert "hotelops init" in result.output and "hotelops demo" in result.output
    assert not (tmp_path / "deep").exists()
    beside = run("--db", str(tmp_path / "typo.db"), "inbox", "list")
    assert beside.exit_code == 2 and f"no database at {tmp_path / 'typo.db'}" in beside.output
    assert list(tmp_path.iterdir()) == []


def test_hotel_import_makes_the_database_and_its_folder(tmp_path: Path, demo_file: Path) -> None:
    target = tmp_path / "deep" / "er" / "hotel.db"
    result = run("--db", str(target), "hotel", "import", str(demo_file))
    assert result.exit_code == 0, result.output
    listed = run("--db", str(target), "hotel", "list", "--json")
    assert [h["code"] for h in json.loads(listed.stdout)] == ["KIV"]


def test_a_file_that_is_not_a_hotelops_database_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    result = run("--db", str(empty), "hotel", "list")
    assert result.exit_code == 2
    assert f"the SQLite file {empty} holds no hotelops database" in result.output
    assert empty.stat().st_size == 0  # nothing was created in it


def test_an_invalid_config_exits_2_naming_file_key_and_expectation(tmp_path: Path) -> None:
    config = tmp_path / "hotelops.toml"
    config.write_text('[scan]\ninterval_seconds = "often"\n')
    result = run("--config", str(config), "hotel", "list")
    assert result.exit_code == 2
    assert str(config) in result.output
    assert "scan.interval_seconds" in result.output and "valid integer" in result.output
    assert "Traceback" not in result.output


def test_an_unreachable_postgresql_is_one_clear_line_and_exit_2() -> None:
    result = run("--db", "postgresql+psycopg://postgres@127.0.0.1:1/hotelops", "hotel", "list")
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot connect to PostgreSQL at 127.0.0.1:1/hotelops")


def test_database_url_from_the_environment(pg_url: str, demo_file: Path) -> None:
    env = {"HOTELOPS_DATABASE_URL": pg_url}
    empty = run("hotel", "list", "--json", env=env)
    assert empty.exit_code == 2
    assert f"{pg_url.rsplit('/', 1)[1]} holds no hotelops database" in empty.output
    assert run("hotel", "import", str(demo_file), env=env).exit_code == 0
    result = run("hotel", "list", "--json", env=env)
    assert result.exit_code == 0, result.output
    assert [h["code"] for h in json.loads(result.stdout)] == ["KIV"]


def test_config_set_and_show(tmp_path: Path) -> None:
    config = tmp_path / "hotelops.toml"
    assert run("init", "--path", str(config)).exit_code == 0
    result = run("--config", str(config), "config", "set", "scan.interval_seconds", "60")
    assert result.exit_code == 0, result.output
    shown = json.loads(run("--config", str(config), "--json", "config", "show").stdout)
    assert shown["settings"]["scan"]["interval_seconds"] == 60
    assert shown["file"] == str(config)
    refused = run("--config", str(config), "config", "set", "smtp.password", '"x"')
    assert refused.exit_code == 2
    assert "secrets do not belong in the config file" in refused.output
