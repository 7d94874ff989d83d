"""The documents that came with a reservation (vouchers, rooming lists): find and read them.

The scanner stores each attachment once under its content hash in the documents folder
(``documents_root``: ``scan.documents_dir`` when set, else beside the database;
``InboxDocument.stored_path`` is relative to it). ``document_text`` gives a
readable text for the detail screen and ``hotelops inbox document``: plain text and HTML are
decoded (HTML as its text, without tags, scripts or styles); a PDF's text is pulled from its
content streams when it is written plainly (no font re-encoding), which covers the simple
vouchers operators send, else the reader is told to open the file in a viewer. Nothing here ever
fails on binary content: an unreadable file is described, not decoded.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from lxml import html as lxml_html  # type: ignore[import-untyped, unused-ignore]
from sqlalchemy.engine import URL
from sqlmodel import Session, col, select

from hotelops.core.config import LoadedConfig, user_data_dir
from hotelops.core.db import parse_url, sqlite_path
from hotelops.core.errors import InputError, NotFound
from hotelops.core.models import InboxDocument, InboxReservation

#: The most text shown for one document (a long rooming list is cut here, and says so).
MAX_TEXT = 200_000

PDF_FALLBACK = "PDF: no text could be read from this file; press o to open it in a viewer"
BINARY_FALLBACK = "{type}: not a text document; press o to open it in a viewer"


@dataclass(frozen=True)
class DocumentInfo:
    """One document of a reservation, as listed."""

    id: int
    inbox_id: int
    file_name: str
    content_type: str
    size: int
    stored_path: str


def _info(doc: InboxDocument) -> DocumentInfo:
    return DocumentInfo(
        doc.id or 0,
        doc.inbox_reservation_id,
        doc.file_name,
        doc.content_type,
        doc.size,
        doc.stored_path,
    )


def list_documents(session: Session, hotel_id: int, inbox_id: int) -> list[DocumentInfo]:
    """The documents of one inbox reservation of the hotel, oldest first."""
    row = session.get(InboxReservation, inbox_id)
    if row is None or row.hotel_id != hotel_id:
        raise NotFound(f"no inbox reservation #{inbox_id} (see `hotelops inbox list`)")
    docs = session.exec(
        select(InboxDocument)
        .where(InboxDocument.inbox_reservation_id == inbox_id, InboxDocument.hotel_id == hotel_id)
        .order_by(col(InboxDocument.id))
    )
    return [_info(d) for d in docs]


def get_document(session: Session, hotel_id: int, document_id: int) -> DocumentInfo:
    """One document of the hotel by id."""
    doc = session.get(InboxDocument, document_id)
    if doc is None or doc.hotel_id != hotel_id:
        raise NotFound(
            f"no document #{document_id} in this hotel (hotelops inbox document ID lists a "
            "reservation's documents)"
        )
    return _info(doc)


def documents_root(config: LoadedConfig, database: URL | str) -> Path:
    """Where the documents of ``database`` are kept, absolute.

    ``scan.documents_dir`` when the config sets it; else beside the database, so that every
    command finds what the scanner (or the demo) stored: ``<file name>-documents/`` next to an
    SQLite file; for PostgreSQL, which has no file to stand beside,
    ``<database name>-documents/`` in the user's data folder (``~/.local/share/hotelops``).
    """
    configured = config.settings.scan.documents_dir
    if configured:
        return config.resolve(configured).absolute()
    url = parse_url(database) if isinstance(database, str) else database
    path = sqlite_path(url)
    if path is not None:
        return path.parent / f"{path.stem}-documents"
    return user_data_dir() / f"{url.database or 'hotelops'}-documents"


def document_file(config: LoadedConfig, session: Session, hotel_id: int, document_id: int) -> Path:
    """The stored file of a document; refused with the path when it is not there."""
    info = get_document(session, hotel_id, document_id)
    root = documents_root(config, session.get_bind().engine.url).resolve()
    path = (root / info.stored_path).resolve()
    if not path.is_relative_to(root):
        raise InputError(
            f"document #{document_id}: stored path {info.stored_path!r} points outside the "
            f"documents folder {root}"
        )
    if not path.is_file():
        raise NotFound(
            f"document #{document_id} ({info.file_name}): the file {path} is missing "
            "(the documents folder is scan.documents_dir in the config, else beside the "
            "database; or scan the message again)"
        )
    return path


def document_text(config: LoadedConfig, session: Session, hotel_id: int, document_id: int) -> str:
    """A document's text: text/plain and HTML decoded, a plain PDF's text, else a hint."""
    info = get_document(session, hotel_id, document_id)
    path = document_file(config, session, hotel_id, document_id)
    return text_of(path.read_bytes(), info.content_type, info.file_name)


def text_of(data: bytes, content_type: str, file_name: str = "") -> str:
    """The readable text of a file's bytes, by its type (and name, when the type is generic)."""
    kind = content_type.split(";")[0].strip().lower()
    suffix = Path(file_name).suffix.lower()
    charset = _charset(content_type)
    if kind == "application/pdf" or suffix == ".pdf" or data.startswith(b"%PDF-"):
        return _cut(pdf_text(data) or PDF_FALLBACK)
    if kind in ("text/html", "application/xhtml+xml") or suffix in (".html", ".htm"):
        return _cut(html_text(data, charset))
    if (
        kind.startswith("text/")
        or kind in ("application/json", "application/xml")
        or suffix
        in (
            ".txt",
            ".csv",
            ".xml",
            ".json",
        )
    ):
        return _cut(_decode(data, charset))
    if b"\x00" not in data[:4096]:
        try:
            return _cut(data.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return BINARY_FALLBACK.format(type=kind or "file")


def _cut(text: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT] + f"\n… (cut at {MAX_TEXT:,} characters; open the file for the rest)"


def _charset(content_type: str) -> str:
    match = re.search(r"charset=\"?([\w.-]+)", content_type, re.IGNORECASE)
    return match.group(1) if match else ""


def _decode(data: bytes, charset: str = "") -> str:
    for encoding in (charset, "utf-8"):
        if not encoding:
            continue
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def html_text(data: bytes, charset: str = "") -> str:
    """An HTML document as text: scripts and styles dropped, blocks on their own lines."""
    source = _decode(data, charset)
    if not source.strip():
        return ""
    try:
        try:
            tree = lxml_html.fromstring(source)
        except ValueError:  # an XML encoding declaration in a str: parse the UTF-8 bytes
            tree = lxml_html.fromstring(source.encode("utf-8"))
    except (ValueError, lxml_html.etree.ParserError):
        return re.sub(r"<[^>]+>", " ", source)
    for bad in tree.xpath("//script|//style|//head"):
        bad.drop_tree()
    for br in tree.xpath("//br"):
        br.tail = "\n" + (br.tail or "")
    for block in tree.xpath("//p|//div|//tr|//li|//h1|//h2|//h3|//h4|//table"):
        block.tail = "\n" + (block.tail or "")
    for cell in tree.xpath("//td|//th"):
        cell.tail = "  " + (cell.tail or "")
    text = tree.text_content()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


# -- PDF: the text operators of plain content streams -------------------------------------------

_STREAM = re.compile(rb"<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_TEXT_OP = re.compile(
    rb"\((?P<lit>(?:\\.|[^\\)])*)\)\s*(?:Tj|'|\")"  # (text) Tj
    rb"|\[(?P<arr>(?:\\.|[^\]\\])*)\]\s*TJ"  # [(te) -20 (xt)] TJ
    rb"|(?P<nl>T\*|Td|TD|ET)",  # line moves
    re.DOTALL,
)
_LITERAL = re.compile(rb"\((?:\\.|[^\\)])*\)", re.DOTALL)
_ESCAPES = {b"n": b"\n", b"r": b"", b"t": b"\t", b"b": b"", b"f": b"", b"(": b"(", b")": b")"}


def _unescape(raw: bytes) -> str:
    out = bytearray()
    i = 0
    while i < len(raw):
        ch = raw[i : i + 1]
        if ch == b"\\" and i + 1 < len(raw):
            nxt = raw[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            out += _ESCAPES.get(nxt, nxt if nxt != b"\n" else b"")
            i += 2
            continue
        out += ch
        i += 1
    return out.decode("cp1252", errors="replace")


def pdf_text(data: bytes) -> str:
    """The text of a PDF whose content streams show plain strings (``Tj``/``TJ``), or ``""``.

    Flate-compressed streams are inflated; fonts with their own encodings (CID fonts) give no
    readable text and yield ``""``, so the caller offers a viewer instead.
    """
    if not data.startswith(b"%PDF-"):
        return ""
    lines: list[str] = []
    try:
        for match in _STREAM.finditer(data):
            header, body = match.group(1), match.group(2)
            if b"/FlateDecode" in header:
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    continue
            elif b"/Filter" in header:
                continue  # another encoding (images, LZW ...): not text we can read
            if b"Tj" not in body and b"TJ" not in body:
                continue
            current = ""
            for op in _TEXT_OP.finditer(body):
                if op.group("nl"):
                    if current.strip():
                        lines.append(current.strip())
                    current = ""
                elif op.group("lit") is not None:
                    current += _unescape(op.group("lit"))
                else:
                    parts = _LITERAL.findall(op.group("arr") or b"")
                    current += "".join(_unescape(p[1:-1]) for p in parts)
            if current.strip():
                lines.append(current.strip())
    except (ValueError, RecursionError):
        return ""
    text = "\n".join(lines)
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    if not text or printable < 0.9 * len(text):
        return ""
    return text
