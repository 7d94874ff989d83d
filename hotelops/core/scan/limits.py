"""Limits on one message, so that no message can crash a scan or exhaust its memory.

A message over a limit is an error of that message (``LimitError``): it is archived with the
error, and the scan goes on. The limits come from the ``[scan]`` settings:

- ``max_message_mb``: a larger message is not read whole; sources keep its first
  ``HEAD_BYTES`` (and, where they can, hash the whole of it), and that head is archived;
- ``max_xml_json_mb``: XML and JSON are parsed whole, into about ten times their size;
- ``max_depth``: nesting of XML elements, JSON arrays and objects, MIME parts. The standard
  library's ``json`` and ``email`` recurse once per level and raise ``RecursionError`` a few
  hundred levels down, so depth is measured on the bytes before they are handed to them;
  libxml2 counts as it parses (and stops at 256 levels whatever it is told), and the parsed
  tree is checked against the limit;
- ``max_mime_parts``: MIME parts in a mail, counted on the bytes before parsing;
- ``max_room_stays``: reservations (one per room stay) in one message, counted before they
  are built.
"""

from __future__ import annotations

import json
import re
from array import array
from dataclasses import dataclass
from itertools import accumulate, chain

from hotelops.core.config import ScanSettings
from hotelops.core.scan.model import LimitError

MB = 1_048_576
#: What is kept of a message over ``max_message_mb``: enough to see who sent it and what.
HEAD_BYTES = MB


@dataclass(frozen=True)
class ScanLimits:
    """The limits one message is read under (see the module's docstring)."""

    max_message_bytes: int
    max_xml_json_bytes: int
    max_depth: int
    max_mime_parts: int
    max_room_stays: int

    @classmethod
    def from_settings(cls, settings: ScanSettings) -> ScanLimits:
        """The limits of the ``[scan]`` settings."""
        return cls(
            max_message_bytes=settings.max_message_mb * MB,
            max_xml_json_bytes=settings.max_xml_json_mb * MB,
            max_depth=settings.max_depth,
            max_mime_parts=settings.max_mime_parts,
            max_room_stays=settings.max_room_stays,
        )


DEFAULT_LIMITS = ScanLimits.from_settings(ScanSettings())


def megabytes(size: int) -> str:
    """A size for a message: ``52.4 MB``."""
    return f"{size / MB:.1f} MB"


def check_size(size: int, limit: int, what: str, key: str) -> None:
    """``LimitError`` when ``size`` bytes are over ``limit``."""
    if size > limit:
        raise LimitError(
            f"{what} is {megabytes(size)}, over the {limit // MB} MB limit (scan.{key}): not read"
        )


def check_room_stays(count: int, limits: ScanLimits) -> None:
    """``LimitError`` when a message holds more room stays than the limit."""
    if count > limits.max_room_stays:
        raise LimitError(
            f"the message holds {count:,} room stays, over the limit of "
            f"{limits.max_room_stays:,} (scan.max_room_stays): not read; ask the operator to "
            "send them in smaller messages"
        )


def too_deep(what: str, max_depth: int) -> LimitError:
    """The error of a message nested deeper than the limit."""
    return LimitError(
        f"{what} is nested more than {max_depth} levels deep (scan.max_depth): not read"
    )


# --------------------------------------------------------------------------------- JSON

# A JSON string, escapes included; an unterminated one runs to the end. Possessive, so the
# scan is linear whatever the bytes are.
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_JSON_STRING_TEXT = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def json_depth(data: bytes) -> int:
    """How deeply the arrays and objects of a JSON document nest, without parsing it.

    Strings are cut out, every byte but a bracket is dropped, and the depth is the highest
    running count of open brackets. On invalid JSON the result may be too high, never lower
    than the depth ``json`` reaches before it finds the mistake.
    """
    encoding = json.detect_encoding(data)
    if encoding in ("utf-8", "utf-8-sig"):
        # No byte of a multi-byte UTF-8 character is ASCII: the bytes can be scanned as they are.
        structure = _JSON_STRING.sub(b"", data)
    else:
        try:
            text = data.decode(encoding, "surrogatepass")
        except UnicodeDecodeError:
            return 0  # json refuses it before reading any bracket
        structure = _JSON_STRING_TEXT.sub("", text).encode("ascii", "ignore")
    brackets = structure.translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(accumulate(array("b", brackets.translate(_STEPS))))


def check_json(data: bytes, limits: ScanLimits) -> None:
    """``LimitError`` when a JSON document nests deeper than the limit."""
    if json_depth(data) > limits.max_depth:
        raise too_deep("JSON", limits.max_depth)


# --------------------------------------------------------------------------------- MIME

# A Content-Type header of a multipart or message part (with its folded lines), or a line
# starting with "--" (a boundary delimiter, if it names a declared boundary). Lines after the
# first are found by their newline: a literal start lets the search skip ahead, where "^" with
# MULTILINE would try every byte.
_MIME_LINE = (
    rb"(?:content-type:[ \t]*(multipart|message)/([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)"
    rb"|--([^\r\n]+))"
)
_FIRST_MARK = re.compile(_MIME_LINE, re.IGNORECASE)
_MIME_MARK = re.compile(rb"\n" + _MIME_LINE, re.IGNORECASE)
_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))', re.IGNORECASE)


@dataclass
class MimeShape:
    """How a mail's parts nest and how many there are, as far as they were counted."""

    depth: int = 1
    parts: int = 1


def mime_shape(data: bytes, *, stop_depth: int = 0, stop_parts: int = 0) -> MimeShape:
    """The nesting depth and part count of a mail, from its bytes, without parsing it.

    Each multipart (and each attached message) opens a level; a delimiter line of an open
    boundary starts a part and closes the levels opened inside the previous one, its closing
    delimiter closes the multipart. A Content-Type line quoted in a text body counts too, so
    the figures can be too high, never lower than what the parser builds. Counting stops once
    ``stop_depth`` or ``stop_parts`` is passed.
    """
    shape = MimeShape()
    open_levels: list[bytes | None] = []  # boundaries of open multiparts; None: a message
    first = _FIRST_MARK.match(data)
    for mark in chain([first] if first else [], _MIME_MARK.finditer(data)):
        kind, params, delimiter = mark.groups()
        if kind is not None:
            boundary = None
            if kind.lower() == b"multipart":
                found = _BOUNDARY.search(params)
                boundary = (found.group(1) or found.group(2)) if found else b""
            else:
                shape.parts += 1
            open_levels.append(boundary)
            shape.depth = max(shape.depth, len(open_levels) + 1)
        else:
            name = delimiter.rstrip(b" \t")
            closing = name not in open_levels and name.endswith(b"--")
            if closing:
                name = name[:-2]
            if name not in open_levels:
                continue  # a text line that starts with "--"
            level = len(open_levels) - 1 - open_levels[::-1].index(name)
            del open_levels[level + (0 if closing else 1) :]
            if not closing:
                shape.parts += 1
        if (stop_depth and shape.depth > stop_depth) or (stop_parts and shape.parts > stop_parts):
            break
    return shape


def check_mime(data: bytes, limits: ScanLimits) -> None:
    """``LimitError`` when a mail's parts nest deeper, or are more, than the limits."""
    shape = mime_shape(data, stop_depth=limits.max_depth, stop_parts=limits.max_mime_parts)
    if shape.depth > limits.max_depth:
        raise too_deep("the mail's MIME structure", limits.max_depth)
    if shape.parts > limits.max_mime_parts:
        raise LimitError(
            f"the mail has more than {limits.max_mime_parts:,} MIME parts "
            "(scan.max_mime_parts): not read"
        )
