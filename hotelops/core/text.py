"""Text folding for search and matching.

SQLite's ``lower()`` and ``LIKE`` fold ASCII only, and operators send the same guest as "İPEK",
"Ipek" or "IPEK". ``fold`` maps every spelling to one key: Turkish-aware case folding (İ/I/ı/i all
fold to "i"), accents stripped, letters without a decomposition (ø, ł, æ, ß ...) spelled out, and
whitespace collapsed. The folded value is stored in a ``*_folded`` column written by Python.
"""

from __future__ import annotations

import re
import unicodedata

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
