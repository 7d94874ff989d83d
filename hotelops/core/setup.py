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


#: The drop folder of a new installation, beside its config file.
DROP_FOLDER = "inbox"


def example_config_text(database: str | None = None) -> str:
    """The example config, its comments kept, pointing at ``database`` (default: beside it)
    and at the drop folder ``inbox/`` beside it."""
    text = example_config_path().read_text(encoding="utf-8")
    target = database or "hotelops.db"
    key = "url" if "://" in target else "path"
    text = _set_in_table(text, "database", key, target)
    text = _set_in_table(text, "scan", "folder", DROP_FOLDER)
    validate(tomllib.loads(text), "example config")
    return text


def _set_in_table(text: str, table: str, key: str, value: str) -> str:
    section = re.search(rf"(?ms)^\[{table}\]\n(.*?)(?=^\[|\Z)", text)
    if section is None:
        raise ConfigError(f"{example_config_path()}: no [{table}] table")
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    body = re.sub(rf"(?m)^{key} = .*$", lambda _: f'{key} = "{quoted}"', section.group(1), count=1)
    return text[: section.start(1)] + body + text[section.end(1) :]


def write_initial_config(path: Path, *, database: str | None = None) -> bool:
    """Write the example config to ``path`` unless a file is there, and make its drop folder;
    True when written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(example_config_text(database), encoding="utf-8")
    (path.parent / DROP_FOLDER).mkdir(exist_ok=True)
    return True
