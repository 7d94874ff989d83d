"""Parse untrusted XML safely: no entities, no network, no DTDs, no huge trees.

Operator payloads arrive from the internet and from mailboxes. An XML document that declares
entities can expand a few hundred bytes into gigabytes ("billion laughs") or read local files and
URLs (XXE). No reservation message needs a DTD, so any DOCTYPE that declares an entity is refused
before lxml sees it, and the parser itself resolves nothing and loads nothing.

Depth: libxml2 counts levels as it parses and stops at 256 (``huge_tree=False``), so no XML can
exhaust a stack; the parsed tree is then held to ``max_depth`` (``scan.max_depth``).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from hotelops.core.scan.limits import DEFAULT_LIMITS, too_deep
from hotelops.core.scan.model import ParseError

__all__ = ["parse_xml"]

# A DOCTYPE with an internal subset that declares an entity (general or parameter). Checked on the
# raw bytes so a hostile DTD never reaches libxml2; UTF-16 input is caught after parsing instead.
_DOCTYPE = re.compile(rb"<!DOCTYPE\s+([^\s\[>]+)", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_POSITION = re.compile(r",?\s*line \d+, column \d+$")
#: libxml2's own limit without ``huge_tree``; its message names an option users cannot set.
_EXCESSIVE_DEPTH = "Excessive depth"

# lxml parser objects must not be shared by threads parsing at the same time (the TUI scans in
# worker threads), so each thread creates its parser once and keeps it.
_local = threading.local()


def _parser() -> etree.XMLParser:
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            huge_tree=False,
            load_dtd=False,
            dtd_validation=False,
            remove_blank_text=False,
        )
        _local.parser = parser
    return parser


def _refuse_entities(data: bytes) -> None:
    doctype = _DOCTYPE.search(data)
    if doctype and _ENTITY.search(data, doctype.end()):
        name = doctype.group(1).decode("ascii", "replace")
        raise ParseError(f"XML declares entities (DOCTYPE {name}): refused")


@lru_cache(maxsize=8)
def _deeper_than(depth: int) -> etree.XPath:
    # The root is level 1: an element exists below ``depth`` levels when ``depth`` steps of
    # children from the root reach one. libxml2 evaluates it level by level, in C.
    return etree.XPath("boolean(" + "/".join(["*"] * depth) + ")")


def parse_xml(data: bytes, *, max_depth: int = DEFAULT_LIMITS.max_depth) -> etree._Element:
    """The root element of an untrusted XML document.

    Raises ``ParseError`` for an empty or malformed document (naming the line and column) and for
    any document whose DOCTYPE declares entities; ``LimitError`` for one whose elements nest
    deeper than ``max_depth`` levels.
    """
    # Some operators put a newline or spaces before the XML declaration; libxml2 rejects that.
    data = data.lstrip(b" \t\r\n")
    if not data:
        raise ParseError("XML is empty")
    _refuse_entities(data)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if _EXCESSIVE_DEPTH in (exc.msg or ""):
            raise too_deep("XML", max_depth) from None
        line, column = exc.position
        # lxml appends ", line L, column C" to libxml2's message; the position is said once.
        message = _POSITION.sub("", (exc.msg or str(exc)).strip())
        raise ParseError(
            f"XML is not well-formed at line {line}, column {column}: {message}"
        ) from None
    if root is None:
        raise ParseError("XML has no root element")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ParseError(f"XML declares entities (DOCTYPE {dtd.name}): refused")
    if _deeper_than(max_depth)(root):
        raise too_deep("XML", max_depth)
    return root
