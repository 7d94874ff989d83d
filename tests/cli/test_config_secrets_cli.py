"""Secrets at the front door: refused in the file and on the command line, never printed."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hotelops.cli.app import app

runner = CliRunner()
PASSWORD = "pw-9f3k-Secret"
WITH_PASSWORD = f"postgresql://hotelops:{PASSWORD}@127.0.0.1:1/kiv"


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "200", **(env or {})})


def test_config_show_never_prints_a_password_from_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "hotelops.toml"
    assert run("init", "--path", str(config)).exit_code == 0
    env = {"HOTELOPS_DATABASE_URL": f"{WITH_PASSWORD}?sslpassword={PASSWORD}"}
    table = run("--config", str(config), "config", "show", env=env)
    shown = run("--config", str(config), "config", "show", "--json", env=env)
    assert table.exit_code == 0 and shown.exit_code == 0, table.output + shown.output
    masked = "postgresql+psycopg://hotelops:***@127.0.0.1:1/kiv?sslpassword=***"
    assert json.loads(shown.stdout)["database"] == masked
    assert f"database:    {masked}" in table.output
    assert PASSWORD not in table.output + shown.output


def test_a_password_in_the_file_stops_every_command_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "hotelops.toml"
    config.write_text(
        f'[database]\nurl = "{WITH_PASSWORD}"\n[[scan.api]]\noperator = "TUIP"\n'
        f'base_url = "https://x.example.test/ota?apikey={PASSWORD}"\n'
    )
    result = run("--config", str(config), "config", "show")
    assert result.exit_code == 2
    assert f"{config}: database.url: credentials do not belong in a URL" in result.output
    assert "$PGPASSWORD or ~/.pgpass" in result.output
    assert "scan.api[0].base_url: credentials do not belong in a URL" in result.output
    assert PASSWORD not in result.output


def test_config_set_refuses_a_password_in_database_url(tmp_path: Path) -> None:
    config = tmp_path / "hotelops.toml"
    assert run("init", "--path", str(config)).exit_code == 0
    before = config.read_text()
    result = run("--config", str(config), "config", "set", "database.url", f'"{WITH_PASSWORD}"')
    assert result.exit_code == 2
    assert "database.url: credentials do not belong in a URL" in result.output
    assert "$PGPASSWORD" in result.output and PASSWORD not in result.output
    assert config.read_text() == before


def test_a_password_in_db_on_the_command_line_is_refused(tmp_path: Path) -> None:
    for args in (("hotel", "list"), ("demo", "--no-tui"), ("config", "show")):
        result = run("--db", WITH_PASSWORD, *args)
        assert result.exit_code == 2, args
        assert result.output.startswith("error: --db: no credentials on the command line")
        assert '--db "postgresql://hotelops@127.0.0.1:1/kiv"' in result.output
        assert PASSWORD not in result.output
    init = run("init", "--path", str(tmp_path / "h.toml"), "--database", WITH_PASSWORD)
    assert init.exit_code == 2 and "--database: no credentials" in init.output
    assert not (tmp_path / "h.toml").exists()


def test_a_password_from_the_environment_is_used_but_never_shown_in_errors() -> None:
    result = run("hotel", "list", env={"HOTELOPS_DATABASE_URL": WITH_PASSWORD})
    assert result.exit_code == 2
    assert result.output.startswith("error: cannot connect to PostgreSQL at 127.0.0.1:1/kiv")
    assert PASSWORD not in result.output
