"""Text folding for search and matching.

SQLite's ``lower()`` and ``LIKE`` fold ASCII only, and operators send the same guest as "İPEK",
"Ipek" or "IPEK". ``fold`` maps every spelling to one key: Turkish-aware case folding (İ/I/ı/i all
fold to "i"), accents stripped, letters without a decomposition (ø, ł, æ, ß ...) spelled out, and
whitespace collapsed. The folded value is stored in a ``*_folded`` column written by Python.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

_SPECIAL = str.maketrans(
    {
        "İ": "i",
        "I": "i",
        "ı": "i",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "ẞ": "ss",
        "’": "'",
        "‘": "'",
        "`": "'",
    }
)
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Search key for a name: ``fold("İPEK Işık-Şahin")`` is ``"ipek isik-sahin"``."""
    if not text:
        return ""
    translated = text.translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", translated)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def fold_pattern(query: str) -> str:
    """A ``LIKE`` pattern that finds the folded query anywhere in a folded column."""
    escaped = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def close_matches(value: str, choices: Iterable[str], n: int = 5) -> list[str]:
    """Choices that look like ``value`` (any spelling), best first: for "did you mean"."""
    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(fold(choice), choice)
    hits = difflib.get_close_matches(fold(value), list(by_key), n=n, cutoff=0.4)
    starts = [c for k, c in by_key.items() if k.startswith(fold(value)[:2]) and value]
    ordered = [by_key[h] for h in hits] + starts
    return list(dict.fromkeys(ordered))[:n]
