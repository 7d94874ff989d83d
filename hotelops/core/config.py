"""Settings: one TOML file, validated once into a typed object.

Lookup order: an explicit path (``--config``), ``$HOTELOPS_CONFIG``, ``./config/hotelops.toml``,
then the user config folder (``$XDG_CONFIG_HOME/hotelops/hotelops.toml``). With none of them the
defaults apply. Secrets never live in the file: a setting names the environment variable that
holds one (``password_env``, ``secret_env``) and ``secret()`` reads it when it is needed.
Commands that change settings write the file with tomli-w, atomically, and validate it first.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from hotelops.core.credentials import (
    IN_USERINFO,
    is_secret_setting,
    mask_settings,
    mask_url,
    url_credentials,
    without_credentials,
)
from hotelops.core.db import normalize_url
from hotelops.core.errors import ConfigError, InputError, Problem
from hotelops.core.validation import key_path, problems_from

ENV_CONFIG = "HOTELOPS_CONFIG"
ENV_DATABASE_URL = "HOTELOPS_DATABASE_URL"
LOCAL_CONFIG = Path("config") / "hotelops.toml"

#: Where psycopg finds a PostgreSQL password without it being in a URL.
PG_PASSWORD_FIX = "$PGPASSWORD or ~/.pgpass (psycopg reads both)"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OfficeSettings(_Section):
    """Who is working and on which hotel, unless a command says otherwise."""

    hotel: str = ""
    user: str = ""


class DatabaseSettings(_Section):
    """Where the data lives: ``url`` (PostgreSQL) wins over ``path`` (an SQLite file)."""

    url: str = ""
    path: str = "hotelops.db"
    busy_timeout_ms: int = Field(default=15_000, ge=0, le=600_000)


class ImapAccount(_Section):
    """A mailbox that receives booking e-mails; read-only unless ``read_only = false``.

    Without ``port``, IMAP's own: 993 with ``ssl`` (IMAPS), 143 without.
    """

    name: str
    hotel: str = ""
    provider: Literal["gmail", "outlook", "office365", "imap"] = "imap"
    host: str = ""
    port: int = Field(default=993, ge=1, le=65535)
    ssl: bool = True
    user: str
    password_env: str
    folder: str = "INBOX"
    search_back_days: int = Field(default=1, ge=0, le=3650)
    read_only: bool = True

    @model_validator(mode="before")
    @classmethod
    def _port_follows_ssl(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("port") is not None:
            return data
        try:
            use_ssl = TypeAdapter(bool).validate_python(data.get("ssl", True))
        except ValidationError:
            return data  # the ssl field reports its own error
        return {**data, "port": 993 if use_ssl else 143}


class ApiEndpoint(_Section):
    """How to reach one API operator (its code is the operator code in the database)."""

    operator: str
    hotel: str = ""
    base_url: str
    format: Literal["ota", "alpinebits", "json"] = "ota"
    auth: Literal["none", "basic", "bearer", "api_key"] = "none"
    user: str = ""
    secret_env: str = ""
    api_key_header: str = "X-API-Key"
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    retries: int = Field(default=3, ge=0, le=10)


class ScanSettings(_Section):
    """The scanner: drop folder, archive and document store, and its timer."""

    folder: str = "inbox"
    #: Empty: beside the database (``documents.documents_root``).
    documents_dir: str = ""
    interval_seconds: int = Field(default=300, ge=10)
    max_attachment_mb: int = Field(default=20, ge=1, le=200)
    #: Limits on one message (``hotelops.core.scan.limits``): a message over one is archived
    #: with its error and the scan goes on. A message over ``max_message_mb`` is not read
    #: whole: its first megabyte is archived.
    max_message_mb: int = Field(default=20, ge=1, le=1024)
    #: XML and JSON are parsed whole, taking about ten times their size in memory.
    max_xml_json_mb: int = Field(default=5, ge=1, le=200)
    #: Nesting of XML elements, JSON arrays and objects, and MIME parts. Capped at 128: deeper
    #: nesting would exhaust the stack of the standard library's mail parser.
    max_depth: int = Field(default=64, ge=8, le=128)
    max_mime_parts: int = Field(default=500, ge=10, le=100_000)
    max_room_stays: int = Field(default=2000, ge=1, le=100_000)
    imap: list[ImapAccount] = Field(default_factory=list)
    api: list[ApiEndpoint] = Field(default_factory=list)


class PriceSettings(_Section):
    """When the operator's price and ours differ enough to warn."""

    tolerance_amount: Decimal = Decimal("1.00")
    tolerance_percent: Decimal = Decimal("1")


class SmtpSettings(_Section):
    """Outgoing mail: operator confirmations and internal-approval requests."""

    host: str = ""
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    ssl: bool = False
    user: str = ""
    password_env: str = ""
    from_address: str = ""


class Settings(_Section):
    """Everything in ``hotelops.toml``."""

    office: OfficeSettings = Field(default_factory=OfficeSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    scan: ScanSettings = Field(default_factory=ScanSettings)
    price: PriceSettings = Field(default_factory=PriceSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)


@dataclass(frozen=True)
class LoadedConfig:
    """The settings and where they came from (``path`` is None when no file was found)."""

    settings: Settings
    path: Path | None
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the file are read against."""
        return self.path.parent if self.path else user_data_dir()

    def resolve(self, relative: str) -> Path:
        """A path from the file, made absolute against the config file's folder."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.base_dir / candidate


def user_config_dir() -> Path:
    """``$XDG_CONFIG_HOME/hotelops`` (``~/.config/hotelops``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "hotelops"


def user_data_dir() -> Path:
    """``$XDG_DATA_HOME/hotelops`` (``~/.local/share/hotelops``): the database without a config."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hotelops"


def find_config(
    explicit: Path | None = None, *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Path | None:
    """The config file to use, in lookup order; an explicit or env path must exist."""
    environ = os.environ if env is None else env
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file {explicit} does not exist (check --config)")
        return explicit
    from_env = environ.get(ENV_CONFIG)
    if from_env:
        path = Path(from_env).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path} named by ${ENV_CONFIG} does not exist")
        return path
    local = (cwd or Path.cwd()) / LOCAL_CONFIG
    if local.is_file():
        return local
    user = user_config_dir() / "hotelops.toml"
    return user if user.is_file() else None


def load_config(
    explicit: Path | None = None, *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> LoadedConfig:
    """Find, read and validate the settings; every problem is reported at once."""
    path = find_config(explicit, cwd=cwd, env=env)
    if path is None:
        return LoadedConfig(Settings(), None, {})
    raw = read_toml(path)
    return LoadedConfig(validate(raw, str(path)), path, raw)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error names the file, line and column."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def validate(raw: dict[str, Any], source: str) -> Settings:
    """Check a parsed file against the schema; raise ``ConfigError`` listing every problem."""
    problems = _secret_problems(raw, source, ())
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        # A secret's key is unknown to the schema too; it is reported once, as a secret.
        secrets = {problem.field for problem in problems}
        problems.extend(p for p in problems_from(exc, source, Settings) if p.field not in secrets)
    else:
        if not problems:
            return settings
    lines = "\n".join(f"  {problem}" for problem in problems)
    raise ConfigError(f"{source}: invalid configuration\n{lines}", problems)


def _secret_problems(node: Any, source: str, loc: tuple[Any, ...]) -> list[Problem]:
    """Secrets in the file: a key named like one, or a credential inside a URL."""
    problems: list[Problem] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = (*loc, key)
            if is_secret_setting(str(key)):
                problems.append(
                    Problem(
                        source,
                        key_path(here),
                        "secrets do not belong in the config file",
                        f"put it in an environment variable and name that variable in {key}_env",
                    )
                )
            else:
                problems.extend(_secret_problems(value, source, here))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            problems.extend(_secret_problems(value, source, (*loc, index)))
    elif isinstance(node, str):
        found = url_credentials(node)
        if found:
            problems.append(
                Problem(
                    source,
                    key_path(loc),
                    f"credentials do not belong in a URL: found {' and '.join(found)}",
                    _url_fix(loc, node, found),
                )
            )
    return problems


def _url_fix(loc: tuple[Any, ...], url: str, found: list[str]) -> str:
    """How to give the credential of a URL setting instead (the URL shown without it)."""
    clean = without_credentials(url)
    write = f'write "{clean}" and ' if clean else ""
    if loc[:1] == ("database",):
        return f"{write}give the password in {PG_PASSWORD_FIX}"
    if loc[:2] == ("scan", "api"):
        if found[0] in IN_USERINFO:
            return (
                f'{write}set auth = "basic", user, and secret_env = the environment variable '
                "that holds the password"
            )
        return (
            f'{write}send the key in a header: auth = "api_key" (the header named by '
            'api_key_header) or "bearer", and secret_env = the environment variable that holds it'
        )
    return f"{write}name the environment variable that holds the password in password_env"


def secret(env_name: str, *, what: str, env: dict[str, str] | None = None) -> str:
    """Read a secret from the environment variable the settings name; never from the file."""
    environ = os.environ if env is None else env
    if not env_name:
        raise ConfigError(f"{what}: no environment variable is named for its secret")
    value = environ.get(env_name)
    if not value:
        raise ConfigError(f"{what}: environment variable ${env_name} is not set (export it)")
    return value


def database_target(
    config: LoadedConfig, override: str | None = None, env: dict[str, str] | None = None
) -> str:
    """Which database to open: ``--db``, then ``$HOTELOPS_DATABASE_URL``, then the file."""
    environ = os.environ if env is None else env
    if override:
        return override
    if environ.get(ENV_DATABASE_URL):
        return environ[ENV_DATABASE_URL]
    if config.settings.database.url:
        return config.settings.database.url
    return str(config.resolve(config.settings.database.path))


def refuse_credentials_on_command_line(target: str, option: str) -> None:
    """A database URL typed on the command line must carry no password: other users see it in
    ``ps`` and it stays in the shell history. ``$HOTELOPS_DATABASE_URL`` may carry one."""
    found = url_credentials(target)
    if not found:
        return
    clean = without_credentials(target)
    instead = f'{option} "{clean}"' if clean else "the URL without it"
    raise InputError(
        f"{option}: no credentials on the command line, where other users see them in `ps` "
        f"and the shell history keeps them (found {' and '.join(found)}): give {instead} and "
        f"the password in {PG_PASSWORD_FIX}, or the whole URL in ${ENV_DATABASE_URL}"
    )


def settings_view(
    config: LoadedConfig, override: str | None = None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """What ``config show`` prints: the file, the database in force and the settings, with
    anything credential-like masked (a URL from ``$HOTELOPS_DATABASE_URL`` may hold one)."""
    return {
        "file": str(config.path) if config.path else None,
        "database": mask_url(normalize_url(database_target(config, override, env))),
        "settings": mask_settings(config.settings.model_dump(mode="json")),
    }


def parse_value(text: str) -> Any:
    """A value typed on the command line, read as TOML (``30``, ``true``, ``"x"``), else text."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def set_value(path: Path, key: str, value: Any) -> Settings:
    """Set ``section.key`` in the file, validate the result, and write it (a ``.bak`` is kept)."""
    raw = read_toml(path) if path.exists() else {}
    parts = key.split(".")
    node = raw
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{path}: {key}: {part} is not a table")
        node = child
    node[parts[-1]] = value
    settings = validate(raw, str(path))
    write_toml(path, raw)
    return settings


def write_toml(path: Path, data: dict[str, Any]) -> None:
    """Write TOML atomically (temp file + rename), keeping the previous file as ``.bak``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = tomli_w.dumps(_tomlable(data))
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(payload, encoding="utf-8")
    if path.exists():
        path.with_suffix(path.suffix + ".bak").write_bytes(path.read_bytes())
    tmp.replace(path)


def _tomlable(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _tomlable(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_tomlable(value) for value in node]
    if isinstance(node, Decimal):
        return str(node)
    return node
