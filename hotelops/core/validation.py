"""Turn pydantic validation errors into ``Problem`` records that name file, key and fix."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ValidationError

from hotelops.core.errors import Problem
from hotelops.core.money import to_decimal


def _exact(value: Any) -> Decimal:
    return to_decimal(value)


#: A money or percent value read exactly (strings or integers; floats are refused).
ExactDecimal = Annotated[Decimal, BeforeValidator(_exact)]


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f'{value!r} is not an ISO date (write e.g. "2026-08-29")') from None
    return value


#: A date written as ``"2026-08-29"`` (or a TOML date).
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def key_path(loc: tuple[Any, ...]) -> str:
    """``("scan", "imap", 0, "port")`` → ``scan.imap[0].port``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def problems_from(
    exc: ValidationError, source: str, root: type[BaseModel], *, at: str = "", record: str = ""
) -> list[Problem]:
    """One ``Problem`` per pydantic error, with the valid keys listed for an unknown one.

    ``at`` is where ``root`` sits in the file when it was validated alone (``reservations[3]``),
    ``record`` the record's own code to show with it.
    """
    return [_problem(error, source, root, at, record) for error in exc.errors()]


def unknown_key(source: str, field: str, known: Iterable[str], record: str = "") -> Problem:
    """A key the file's model does not have, with the keys it does."""
    listed = ", ".join(known)
    hint = f"valid keys here: {listed}" if listed else "remove it"
    return Problem(source, field, "unknown key", hint, record)


def _problem(error: Any, source: str, root: type[BaseModel], at: str, record: str) -> Problem:
    loc = tuple(error.get("loc", ()))
    path = key_path(loc)
    if at and path:
        path = f"{at}{path}" if path.startswith("[") else f"{at}.{path}"
    field = path or at
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        section = _model_at(root, loc[:-1])
        return unknown_key(source, field, section.model_fields if section else (), record)
    if kind == "missing":
        return Problem(source, field, "required key is missing", "add it", record)
    got = error.get("input")
    shown = type(got).__name__ if isinstance(got, dict | list) else repr(got)
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return Problem(source, field, f"{message}, got {shown}", "", record)


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model = root
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        if info is None:
            return None
        annotation = info.annotation
        inner = getattr(annotation, "__args__", None)
        candidate = inner[0] if inner else annotation
        if not (isinstance(candidate, type) and issubclass(candidate, BaseModel)):
            return None
        model = candidate
    return model
