"""Secrets only from the environment: credentials inside URLs are refused, and shown masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotelops.core.config import (
    ApiEndpoint,
    LoadedConfig,
    ScanSettings,
    Settings,
    load_config,
    parse_value,
    refuse_credentials_on_command_line,
    set_value,
    settings_view,
)
from hotelops.core.credentials import mask_url, secret_forms
from hotelops.core.db import open_database
from hotelops.core.errors import ConfigError, DatabaseUnavailable, InputError


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_password_in_database_url_is_refused_naming_the_key_and_pgpass(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "hotelops.toml", '[database]\nurl = "postgresql://hotelops:pw-9f3k@db/kiv"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert caught.value.exit_code == 2
    assert f"{path}: database.url: credentials do not belong in a URL" in message
    assert 'write "postgresql://hotelops@db/kiv"' in message
    assert "$PGPASSWORD or ~/.pgpass" in message
    assert "pw-9f3k" not in message


@pytest.mark.parametrize(
    ("base_url", "found", "fix"),
    [
        ("https://api.example.test/ota?apikey=K3Y-991", "query parameter apikey", "api_key"),
        (
            "https://api.example.test/ota?hotel=KIV&Token=K3Y-991",
            "query parameter Token",
            "api_key",
        ),
        ("https://api.example.test/ota?access_token=K3Y-991", "access_token", "api_key"),
        ("https://kivima:K3Y-991@api.example.test/ota", "password (user:password@)", "basic"),
    ],
)
def test_credentials_in_an_api_base_url_are_refused(
    tmp_path: Path, base_url: str, found: str, fix: str
) -> None:
    path = _write(
        tmp_path / "hotelops.toml",
        f'[[scan.api]]\noperator = "TUIP"\nbase_url = "{base_url}"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "scan.api[0].base_url: credentials do not belong in a URL" in message
    assert found in message
    assert f'auth = "{fix}"' in message and "secret_env" in message
    assert "K3Y-991" not in message


def test_a_url_without_credentials_is_accepted(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "hotelops.toml",
        '[database]\nurl = "postgresql+psycopg://hotelops@db:5432/kiv?sslmode=require"\n'
        '[[scan.api]]\noperator = "TUIP"\nbase_url = "https://api.example.test/ota?hotel=KIV"\n'
        'auth = "api_key"\napi_key_header = "X-Api-Key"\nsecret_env = "TUIP_KEY"\n',
    )
    settings = load_config(path).settings
    assert settings.database.url.endswith("/kiv?sslmode=require")
    assert settings.scan.api[0].api_key_header == "X-Api-Key"


def test_every_problem_of_the_file_is_listed_together(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "hotelops.toml",
        """
[database]
url = "postgresql://hotelops:pw-9f3k@db/kiv"
busy_timeout_ms = "soon"

[[scan.api]]
operator = "TUIP"
base_url = "https://api.example.test/ota?apikey=K3Y-1"

[[scan.api]]
operator = "OTEL"
base_url = "https://otel:K3Y-2@feed.example.test/json"

[smtp]
host = "smtps://mailer:K3Y-3@smtp.example.test"
access_token = "K3Y-4"
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    fields = [problem.field for problem in caught.value.problems]
    assert sorted(fields) == [
        "database.busy_timeout_ms",
        "database.url",
        "scan.api[0].base_url",
        "scan.api[1].base_url",
        "smtp.access_token",
        "smtp.host",
    ]
    message = str(caught.value)
    assert "password_env" in message  # the fix for smtp.host
    assert not any(f"K3Y-{n}" in message for n in range(1, 5)) and "pw-9f3k" not in message


def test_config_set_refuses_a_credential_in_a_url_and_keeps_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "hotelops.toml", '[database]\npath = "kiv.db"\n')
    before = path.read_text()
    with pytest.raises(ConfigError, match=r"database\.url: credentials do not belong"):
        set_value(path, "database.url", parse_value('"postgresql://u:pw-9f3k@db/kiv"'))
    api = '[{operator = "TUIP", base_url = "https://x.example.test/ota?api_key=K3Y"}]'
    with pytest.raises(ConfigError, match=r"scan\.api\[0\]\.base_url: credentials do not"):
        set_value(path, "scan.api", parse_value(api))
    assert path.read_text() == before


def test_a_password_in_db_on_the_command_line_is_refused_naming_the_way_out() -> None:
    with pytest.raises(InputError) as caught:
        refuse_credentials_on_command_line("postgresql://hotelops:pw-9f3k@db/kiv", "--db")
    message = str(caught.value)
    assert message.startswith("--db: no credentials on the command line")
    assert '--db "postgresql://hotelops@db/kiv"' in message
    assert "$PGPASSWORD or ~/.pgpass" in message and "$HOTELOPS_DATABASE_URL" in message
    assert "pw-9f3k" not in message
    refuse_credentials_on_command_line("postgresql://hotelops@db/kiv", "--db")  # no password: fine
    refuse_credentials_on_command_line("/srv/hotelops/kiv.db", "--db")


def test_settings_view_masks_what_got_in_anyway() -> None:
    # Built in code, not read from a file, so nothing refused these credentials.
    endpoint = ApiEndpoint(
        operator="TUIP", base_url="https://kivima:K3Y-1@x.example.test/ota?sig=K3Y-2&hotel=KIV"
    )
    config = LoadedConfig(Settings(scan=ScanSettings(api=[endpoint])), None)
    env = {"HOTELOPS_DATABASE_URL": "postgresql://hotelops:pw-9f3k@db/kiv?password=pw-2"}
    view = settings_view(config, None, env)
    assert view["database"] == "postgresql+psycopg://hotelops:***@db/kiv?password=***"
    shown = view["settings"]["scan"]["api"][0]
    assert shown["base_url"] == "https://kivima:***@x.example.test/ota?sig=***&hotel=KIV"
    assert shown["auth"] == "none" and shown["api_key_header"] == "X-API-Key"
    assert "K3Y" not in str(view) and "pw-" not in str(view)


def test_masking_a_url_never_shows_its_password() -> None:
    assert mask_url("postgresql://u:p@ss@db/kiv") == "postgresql://u:***@db/kiv"
    assert mask_url("https://[::1/x?token=T0K3N") == "https://[::1/x?token=***"
    assert (
        mask_url("postgresql://u:p#s/s@db/kiv?api%5Fkey=K")
        == "postgresql://u:***@db/kiv?api%5Fkey=***"
    )
    assert mask_url("/srv/hotelops/kiv.db") == "/srv/hotelops/kiv.db"


def test_secret_forms_cover_base64_and_escapes() -> None:
    forms = secret_forms(["Basic a2l2aW1hOnMzY3JldA==", "kivima:s3cret"])
    assert "a2l2aW1hOnMzY3JldA==" in forms  # base64 of kivima:s3cret
    assert "kivima%3As3cret" in forms
    assert forms.index("Basic a2l2aW1hOnMzY3JldA==") < forms.index("kivima:s3cret")


def test_a_database_error_never_shows_the_password() -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        open_database("postgresql+psycopg://hotelops:pw-9f3k@127.0.0.1:1/kiv", create=False)
    assert "pw-9f3k" not in str(caught.value)
    with pytest.raises(InputError) as bad:
        open_database("postgresql+psycopg://hotelops:pw-9f3k@db:port/kiv", create=False)
    assert "is not valid" in str(bad.value) and "pw-9f3k" not in str(bad.value)
