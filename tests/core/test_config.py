"""Settings: lookup order, validation that names file and key, secrets only by env-var name."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from hotelops.core.config import (
    database_target,
    find_config,
    load_config,
    parse_value,
    secret,
    set_value,
)
from hotelops.core.errors import ConfigError
from hotelops.core.setup import example_config_path, example_config_text, write_initial_config


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_config_is_valid_and_complete() -> None:
    loaded = load_config(example_config_path())
    settings = loaded.settings
    assert settings.database.busy_timeout_ms == 15000
    assert str(settings.price.tolerance_amount) == "1.00"
    text = example_config_path().read_text()
    for section in (
        "[office]",
        "[database]",
        "[scan]",
        "[[scan.imap]]",
        "[[scan.api]]",
        "[price]",
        "[smtp]",
        "password_env",
        "secret_env",
    ):
        assert section in text


def test_lookup_order_explicit_then_env_then_local_then_user(tmp_path: Path) -> None:
    explicit = _write(tmp_path / "a.toml", "")
    from_env = _write(tmp_path / "b.toml", "")
    local = _write(tmp_path / "work" / "config" / "hotelops.toml", "")
    user = _write(tmp_path / "xdg-config" / "hotelops" / "hotelops.toml", "")
    env = {"HOTELOPS_CONFIG": str(from_env)}
    cwd = tmp_path / "work"
    assert find_config(explicit, cwd=cwd, env=env) == explicit
    assert find_config(None, cwd=cwd, env=env) == from_env
    assert find_config(None, cwd=cwd, env={}) == local
    assert find_config(None, cwd=tmp_path, env={}) == user
    user.unlink()
    assert find_config(None, cwd=tmp_path, env={}) is None


def test_a_missing_explicit_config_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        find_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="HOTELOPS_CONFIG"):
        find_config(None, env={"HOTELOPS_CONFIG": str(tmp_path / "nope.toml")})


def test_invalid_values_name_file_key_and_expectation(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "hotelops.toml",
        """
[database]
busy_timeout_ms = "soon"
pth = "x.db"

[[scan.imap]]
name = "res"
user = "res@kivima.example"
password_env = "IMAP_PW"
port = 99999
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert "database.busy_timeout_ms" in message and "valid integer" in message
    assert "database.pth: unknown key" in message and "valid keys here: url, path" in message
    assert "scan.imap[0].port" in message and "65535" in message
    assert caught.value.exit_code == 2
    assert len(caught.value.problems) == 3


def test_imap_port_follows_ssl_unless_it_is_given(tmp_path: Path) -> None:
    account = 'user = "res@kivima.example"\npassword_env = "IMAP_PW"\nhost = "imap.example.com"\n'
    path = _write(
        tmp_path / "hotelops.toml",
        f"""
[[scan.imap]]
name = "plain"
ssl = false
{account}
[[scan.imap]]
name = "tls"
ssl = true
{account}
[[scan.imap]]
name = "tls-by-default"
{account}
[[scan.imap]]
name = "plain-on-its-own-port"
ssl = false
port = 1143
{account}""",
    )
    accounts = load_config(path).settings.scan.imap
    assert [(a.name, a.ssl, a.port) for a in accounts] == [
        ("plain", False, 143),
        ("tls", True, 993),
        ("tls-by-default", True, 993),
        ("plain-on-its-own-port", False, 1143),
    ]


def test_broken_toml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "hotelops.toml", "[database]\npath = \n")
    with pytest.raises(ConfigError, match=r"hotelops.toml: not valid TOML: .*line 2"):
        load_config(path)


def test_a_secret_in_the_file_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "hotelops.toml",
        """
[smtp]
host = "smtp.kivima.example"
password = "hunter2"
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "smtp.password: secrets do not belong in the config file" in message
    assert "password_env" in message
    assert "hunter2" not in message


def test_secrets_come_from_the_named_environment_variable() -> None:
    assert secret("HOTELOPS_IMAP_PW", what="imap res", env={"HOTELOPS_IMAP_PW": "s3"}) == "s3"
    with pytest.raises(ConfigError, match=r"\$HOTELOPS_IMAP_PW is not set"):
        secret("HOTELOPS_IMAP_PW", what="imap res", env={})


def test_database_target_precedence(tmp_path: Path) -> None:
    path = _write(tmp_path / "cfg" / "hotelops.toml", '[database]\npath = "data/h.db"\n')
    config = load_config(path)
    assert database_target(config, None, env={}) == str(tmp_path / "cfg" / "data" / "h.db")
    env = {"HOTELOPS_DATABASE_URL": "postgresql://pg/h"}
    assert database_target(config, None, env=env) == "postgresql://pg/h"
    assert database_target(config, "/x.db", env=env) == "/x.db"
    no_file = load_config(None, cwd=tmp_path, env={})
    assert database_target(no_file, None, env={}).endswith("xdg-data/hotelops/hotelops.db")


def test_set_value_validates_then_writes_valid_toml(tmp_path: Path) -> None:
    path = tmp_path / "hotelops.toml"
    assert write_initial_config(path, database="/srv/hotelops/kiv.db")
    assert load_config(path).settings.database.path == "/srv/hotelops/kiv.db"
    set_value(path, "scan.interval_seconds", parse_value("60"))
    set_value(path, "office.hotel", parse_value("KIV"))
    data = tomllib.loads(path.read_text())
    assert data["scan"]["interval_seconds"] == 60
    assert data["office"]["hotel"] == "KIV"
    assert data["price"]["tolerance_amount"] == "1.00"
    assert path.with_suffix(".toml.bak").exists()
    before = path.read_text()
    with pytest.raises(ConfigError, match=r"scan\.interval_seconds"):
        set_value(path, "scan.interval_seconds", parse_value("'often'"))
    assert path.read_text() == before


def test_init_config_points_at_a_postgresql_url() -> None:
    text = example_config_text("postgresql+psycopg://postgres@127.0.0.1/kiv")
    assert 'url = "postgresql+psycopg://postgres@127.0.0.1/kiv"' in text
    assert "# hotelops configuration" in text
