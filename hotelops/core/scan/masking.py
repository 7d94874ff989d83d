"""Card numbers are masked before anything is stored or logged (keep the last four digits).

A card number is 13 to 19 digits, optionally grouped by spaces or dashes, that passes the Luhn
check; every digit but the last four becomes ``X`` and the separators stay, so the text keeps
its length and layout. Vouchers and phone numbers rarely pass Luhn at those lengths.
"""

from __future__ import annotations

import re

_CANDIDATE_TEXT = re.compile(r"(?<![\dA-Za-z])\d(?:[ -]?\d){12,18}(?![\dA-Za-z])")
_CANDIDATE_BYTES = re.compile(rb"(?<![\dA-Za-z])\d(?:[ -]?\d){12,18}(?![\dA-Za-z])")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a digit string."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _mask(run: str) -> str | None:
    digits = [c for c in run if c.isdigit()]
    if not 13 <= len(digits) <= 19 or not luhn_ok("".join(digits)):
        return None
    keep = len(digits) - 4
    out = []
    seen = 0
    for char in run:
        if char.isdigit():
            out.append("X" if seen < keep else char)
            seen += 1
        else:
            out.append(char)
    return "".join(out)


def mask_text(text: str) -> str:
    """``"Card 4111 1111 1111 1111"`` → ``"Card XXXX XXXX XXXX 1111"``."""
    if not text or not any(c.isdigit() for c in text):
        return text
    return _CANDIDATE_TEXT.sub(lambda m: _mask(m.group(0)) or m.group(0), text)


def mask_bytes(data: bytes) -> bytes:
    """The same over raw bytes (ASCII digits), for archived messages."""

    def replace(match: re.Match[bytes]) -> bytes:
        masked = _mask(match.group(0).decode("ascii"))
        return masked.encode("ascii") if masked else match.group(0)

    return _CANDIDATE_BYTES.sub(replace, data)


def has_card(text: str) -> bool:
    """True when the text holds an unmasked card number."""
    return any(_mask(m.group(0)) for m in _CANDIDATE_TEXT.finditer(text))
