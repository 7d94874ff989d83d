"""First-time setup: the commented example config, written for a new installation."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import hotelops
from hotelops.core.config import validate
from hotelops.core.errors import ConfigError


def example_config_path() -> Path:
    """``config/hotelops.toml``: in the installed package, or in the repository."""
    package = Path(hotelops.__file__).resolve().parent
    for candidate in (
        package / "_data" / "hotelops.toml",
        package.parent / "config" / "hotelops.toml",
    ):
        if candidate.is_file():
            return candidate
    raise ConfigError(
        "the example config is missing from this installation "
        "(reinstall hotelops: pip install -e .)"
    )


def example_config_text(database: str | None = None) -> str:
    """The example config, its comments kept, pointing at ``database`` (default: beside it)."""
    text = example_config_path().read_text(encoding="utf-8")
    target = database or "hotelops.db"
    is_url = "://" in target
    section = re.search(r"(?ms)^\[database\]\n(.*?)(?=^\[|\Z)", text)
    if section is None:
        raise ConfigError(f"{example_config_path()}: no [database] table")
    body = section.group(1)
    quoted = target.replace("\\", "\\\\").replace('"', '\\"')
    if is_url:
        body = re.sub(r"(?m)^url = .*$", f'url = "{quoted}"', body, count=1)
    else:
        body = re.sub(r"(?m)^path = .*$", f'path = "{quoted}"', body, count=1)
    text = text[: section.start(1)] + body + text[section.end(1) :]
    validate(tomllib.loads(text), "example config")
    return text


def write_initial_config(path: Path, *, database: str | None = None) -> bool:
    """Write the example config to ``path`` unless a file is there; True when written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(example_config_text(database), encoding="utf-8")
    return True
