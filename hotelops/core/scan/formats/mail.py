"""Operator reservation mails: read an RFC 5322 mail, then apply the operator's template.

Mail operators (OTS/MTS, Jet2, Hotelbeds, Webbeds, British Airways Holidays, DTS Türkiye, W2M)
send reservations as mails written for people, in their own words and codes. Each operator has
a TOML template in ``templates/`` that says where its mails put each field, so adding a mail
operator is a template file, not code.

Reading (``read_mail``) uses the stdlib parser with the ``compat32`` policy (``policy.default``
is about ten times slower) and decodes headers and charsets here: Turkish mail is often
labelled ``iso-8859-1`` but written in ``windows-1254``.

Template schema (one file per operator; unknown keys are refused)::

    operator = "JET2"                  # operator code (required, unique across files)
    name = "Jet2 Holidays booking mails"
    subject = 'Booking (Confirmation|Amendment|Cancellation)'  # optional: mails it handles;
                                       # unanchored, as forwarding prefixes "Fwd: "
    timezone = "Europe/London"         # optional: zone of times in the mail (option_date)
    date_format = ["%d/%m/%Y"]         # optional: default formats for every date field

    [[content]]                        # first rule that matches wins; none → content None
    match = 'Cancel'                   # regex, searched in the subject ...
    content = "cancellation"           # new | modification | cancellation
    search_in = "subject"              # ... or "text" or "all"

    [fields]                           # any field of ParsedReservation (agency → operator_agency)
    voucher = { label = "Booking Reference" }       # value after the label (":" "|" tab)
    check_in = { label = "Arrival", date_format = "%d/%m/%Y" }
    adults = { pattern = '(\\d+)\\s*ADL' }           # regex; one group (several: joined)
    arrival_route = { label = "Outbound", pattern = '([A-Z]{3}-[A-Z]{3})' }  # both: regex
    currency = { default = "GBP" }                  #   applied to the label's value
    # other keys: occurrence = 2 (the 2nd hit), search_in = "subject", join = "-",
    # map = { "N/A" = "", "-" = "" } (whole value → replacement, case-insensitive; "" drops
    # it); a bare string is a label: voucher = "Booking Reference".

    [guests]                           # optional
    start = "Passengers"               # label the list follows (optional: whole text)
    end = '^Flight'                    # optional regex; default: a blank line or a field label
    pattern = '(?P<title>Mr|Mrs) (?P<first_name>\\S+) (?P<last_name>\\S+)'   # named groups:
    # title first_name last_name name kind age birth_date gender passport nationality
    # or: style = "title first last" | "last/first title"

    [rooms]                            # optional: several rooms under one voucher
    start = '^Room (\\d+)'             # each match opens a room block; group = room number
    end = '^Total'                     # optional: where the last block ends

Labels match case-insensitively at the start of a line or of a table cell, followed by ":",
"|", a tab, two spaces or a space and a non-letter (so "Arrival" does not read "Arrival
Flight"). A label with nothing after it takes the next line. Regexes are compiled once per
template with IGNORECASE and MULTILINE. Dates without a ``date_format`` are read day first
(12/02/2026, 12.02.2026, 2026-02-12, 12 Feb 2026, Thu 12 Feb 2026); money with
``money.to_decimal``; the currency, when no field gives it, from the price text.

What the parser adds: ``check_out`` from ``nights`` when the mail gives no departure; adults,
children, infants and child ages from the guest list when no field gives them (a child's age
from its birth date at check-in); ``operator_code`` from the template; on a cancellation
without a cancellation date, the mail's date. With ``[rooms]`` every room block becomes its
own reservation, ``operator_res_id = "<voucher>-<room number>"``.

HTML-only mails are read as text (``html_to_text``): a line per table row or block, cells
joined by " | ". Card data is left as sent: ``parse`` masks it (``masking.mask_mail``) before
anything is stored.
"""

from __future__ import annotations

import binascii
import html as html_lib
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.feedparser import BytesFeedParser
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotelops.core.errors import InputError, Problem
from hotelops.core.models import Content
from hotelops.core.money import to_decimal
from hotelops.core.scan.limits import DEFAULT_LIMITS, ScanLimits, check_mime
from hotelops.core.scan.model import ParsedAttachment, ParsedGuest, ParsedReservation, ParseError
from hotelops.core.text import fold

#: Where the bundled templates live.
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

# --------------------------------------------------------------------------- the message


@dataclass
class MailMessage:
    """A mail as read: who sent it, what it says in text, and the files it carries."""

    sender: str
    original_sender: str = ""
    message_id: str = ""
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    #: The parsed MIME tree, kept so that masking need not parse the mail again.
    mime: Message | None = field(default=None, repr=False, compare=False)


def read_mail(data: bytes, *, limits: ScanLimits = DEFAULT_LIMITS) -> MailMessage:
    """Read the bytes of one mail; raise ``ParseError`` when they are not a readable mail,
    ``LimitError`` when its MIME parts nest too deep or are too many."""
    if not data.strip():
        raise ParseError("empty message: no headers and no body")
    check_mime(data, limits)  # the parser recurses once per level
    message = _parse_bytes(data)
    headers: dict[str, str] = {}
    for name, value in message.raw_items():
        headers.setdefault(name.lower(), value)
    if not headers:
        first = data.lstrip()[:40]
        raise ParseError(f"not a mail: no headers (the data starts with {first!r})")
    raw_from = headers.get("from", "")
    if not raw_from.strip():
        raise ParseError("mail has no From header: the operator cannot be told")
    sender = _address(raw_from)
    if not sender:
        raise ParseError(f"From header has no address: {decode_header_value(raw_from)!r}")
    body = _read_body(message)
    text = body.text
    if not text.strip() and body.html:
        text = html_to_text(body.html)
    return MailMessage(
        sender=sender,
        original_sender=body.forwarded_from or _forwarded_sender(text),
        message_id=decode_header_value(headers.get("message-id", "")).strip(),
        subject=decode_header_value(headers.get("subject", "")).strip(),
        date=_header_date(headers.get("date", "")),
        text=text,
        html=body.html,
        attachments=body.attachments,
        mime=message,
    )


def header_sender(data: bytes) -> str:
    """The sender's address from a mail's headers alone, or "" (for a mail not read whole)."""
    end = re.search(rb"\r?\n\r?\n", data[:65536])
    headers = BytesHeaderParser().parsebytes(data[: end.start() if end else 65536])
    return _address(str(headers.get("From", "")))


#: Bytes handed to the mail parser at a time: given a whole mail at once, it splits all of it
#: into lines before reading any, about eight times the mail's size in memory.
_FEED = 65_536


def _parse_bytes(data: bytes) -> Message:
    parser = BytesFeedParser(policy=compat32)  # compat32: the fast policy
    for start in range(0, len(data), _FEED):
        parser.feed(data[start : start + _FEED])
    return parser.close()


_ENCODED_WORD = re.compile(
    r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=(?:[ \t]+(?==\?[^?\s]+\?[QqBb]\?))?"
)
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def decode_header_value(raw: str) -> str:
    """A header as text: RFC 2047 words decoded, 8-bit bytes decoded, folding removed."""
    value = _FOLD.sub("", raw)
    if not value.isascii():
        # compat32 keeps undeclared 8-bit header bytes as surrogates; a parameter the parser
        # decoded itself (RFC 2231 file names) is text already.
        with suppress(UnicodeEncodeError):
            value = decode_bytes(value.encode("ascii", "surrogateescape"), "")
    if "=?" not in value:
        return value
    return _ENCODED_WORD.sub(_decode_word, value)


def _address(value: str) -> str:
    """The address of a From value ("Name <a@b.c>" or "a@b.c"), lower case, or ""."""
    # Not email.utils.parseaddr: that reads the whole display-name grammar at ~10 µs a call,
    # and only the address is needed.
    start = value.rfind("<")
    if start >= 0:
        stop = value.find(">", start)
        inner = value[start + 1 : stop if stop > start else len(value)].strip()
        if "@" in inner and " " not in inner:
            return inner.lower()
    found = _ADDRESS.search(value)
    return found.group(0).lower() if found else ""


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.group(1), match.group(2).upper(), match.group(3)
    charset = charset.split("*", 1)[0]  # RFC 2231 language suffix
    try:
        if encoding == "Q":
            data = binascii.a2b_qp(payload.encode("ascii", "replace"), header=True)
        else:
            data = binascii.a2b_base64(payload.encode("ascii") + b"===")
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_bytes(data, charset)


# Turkish letters in windows-1254/iso-8859-9 (Ğ İ Ş ğ ı ş) next to another letter: in real
# iso-8859-1 text these bytes (Ð Ý Þ ð ý þ) are Icelandic and all but absent.
_TURKISH_BYTES = re.compile(
    rb"[A-Za-z\xc0-\xff][\xd0\xdd\xde\xf0\xfd\xfe]|[\xd0\xdd\xde\xf0\xfd\xfe][A-Za-z\xc0-\xff]"
)
# Labels mail software writes when it does not know better.
_WEAK_CHARSETS = frozenset(
    {"", "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252",
     "cp1252"}
)  # fmt: skip


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode text bytes with their declared charset, falling back to the Turkish code pages.

    A missing, ASCII or Latin-1 label on bytes that hold Turkish letters, a wrong label
    (bytes that do not decode) and an unknown charset name all end in windows-1254, then
    ISO-8859-9. Valid UTF-8 under a single-byte label is read as UTF-8 (the label is stale).
    Never raises.
    """
    if data.isascii():
        return data.decode("ascii")
    label = (charset or "").strip().strip("\"'").lower()
    single_byte = label in _WEAK_CHARSETS or label.startswith(
        ("iso-8859", "iso8859", "windows-125", "cp125", "latin")
    )
    if single_byte:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if label in _WEAK_CHARSETS and (not label or _TURKISH_BYTES.search(data)):
        return _decode_turkish(data)
    try:
        return data.decode(label or "windows-1254")
    except (LookupError, UnicodeDecodeError):
        return _decode_turkish(data)


def _decode_turkish(data: bytes) -> str:
    for codec in ("windows-1254", "iso-8859-9"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")  # pragma: no cover - iso-8859-9 reads any byte


def _header_date(raw: str) -> datetime | None:
    if not raw.strip():
        return None
    try:
        when = parsedate_to_datetime(_FOLD.sub("", raw).strip())
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@dataclass
class _Body:
    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    forwarded_from: str = ""


def _read_body(message: Message) -> _Body:
    body = _Body()
    texts: list[str] = []
    htmls: list[str] = []
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype.startswith("multipart/") and not part.is_multipart():
            boundary = part.get_param("boundary")
            problem = "has no boundary" if not boundary else f"never uses its boundary {boundary!r}"
            raise ParseError(f"broken MIME: {ctype} {problem}; its parts cannot be separated")
        if ctype == "message/rfc822":
            # A mail forwarded as an attachment: its own From is the original sender.
            inner = part.get_payload(0) if part.is_multipart() else None
            if isinstance(inner, Message) and not body.forwarded_from:
                body.forwarded_from = _address(str(inner.get("From", "")))
            continue
        if part.is_multipart():
            continue
        raw_disposition = str(part.get("Content-Disposition", ""))
        disposition = raw_disposition.split(";", 1)[0].strip().lower()
        # A file name sits in a "filename" or "name" parameter; skip the parameter parsing
        # (the costly part) when neither header has one.
        maybe_named = "name" in f"{raw_disposition}{part.get('Content-Type', '')}".lower()
        name = _file_name(part) if maybe_named else ""
        inline = disposition == "inline" or (not disposition and "Content-ID" in part)
        if (name and not inline) or ctype == "application/pdf":
            body.attachments.append(
                ParsedAttachment(
                    file_name=name or f"attachment-{len(body.attachments) + 1}.pdf",
                    content_type=ctype,
                    data=_attachment_bytes(part),
                )
            )
            continue
        if ctype not in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        raw = payload if isinstance(payload, bytes) else b""
        charset = part.get_content_charset() or ""
        if ctype == "text/html":
            if not charset:
                meta = _META_CHARSET.search(raw[:2048])
                charset = meta.group(1).decode("ascii") if meta else ""
            htmls.append(decode_bytes(raw, charset))
        else:
            texts.append(_clean_text(decode_bytes(raw, charset)))
    body.text = "\n".join(texts)
    body.html = "\n".join(htmls)
    return body


def _attachment_bytes(part: Message) -> bytes:
    """A file's bytes. Base64 (nearly every attachment) is decoded straight from the text:
    ``get_payload(decode=True)`` makes three copies of it on the way, megabytes each."""
    payload = part.get_payload()
    if isinstance(payload, str) and str(part.get("Content-Transfer-Encoding", "")).lower() == (
        "base64"
    ):
        with suppress(binascii.Error, ValueError):  # broken padding: the parser mends it
            return binascii.a2b_base64(payload)
    decoded = part.get_payload(decode=True)
    return decoded if isinstance(decoded, bytes) else b""


_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.I)


def _file_name(part: Message) -> str:
    name = part.get_filename()
    if not name:
        return ""
    name = decode_header_value(str(name))
    return " ".join(name.split())


def _clean_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")


# Both run over the text padded with a newline (a leading "\n" scans fast; see _PADDED_LEAD).
_FORWARD_MARKER = re.compile(
    r"\n[ \t>]*(?:-{2,}[ \t]*(?:Forwarded message|Original Message|Weitergeleitete Nachricht"
    r"|İletilen ileti|Özgün İleti|Mensaje original|Mensaje reenviado)[ \t]*-*"
    r"|Begin forwarded message:)",
    re.I | re.M,
)
_FORWARD_FROM = re.compile(
    r"\n[ \t>*]*(?:From|Von|De|Kimden|Gönderen)[ \t]*:\*?[ \t]*(.+)$"
    r"(?=(?:\n.*){0,4}\n[ \t>*]*(?:Sent|Date|To|Subject|Gesendet|Datum|An|Betreff|Tarih"
    r"|Gönderildi|Kime|Konu|Enviado|Fecha|Para|Asunto)[ \t]*:)",
    re.I | re.M,
)
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _forwarded_sender(text: str) -> str:
    """The address in the first From line of a forwarded block, or ""."""
    padded = _pad(text)
    marker = _FORWARD_MARKER.search(padded)
    start = marker.end() if marker else 0
    # Without a marker, a From line followed by Date/To/Subject lines is still a header block.
    found = _FORWARD_FROM.search(padded, start)
    if not found:
        return ""
    address = _ADDRESS.search(found.group(1))
    return address.group(0).lower() if address else ""


# --------------------------------------------------------------------------- HTML to text

# <head>, <style>, <script>, <title> and comments carry no text; written "unrolled" (no .*?)
# so the scan does not crawl character by character through a long style sheet.
_HTML_SKIP = re.compile(
    r"<(?:(script|style|head|title)\b[^<]*(?:<(?!/\1\b)[^<]*)*</\1\s*|!--[^-]*(?:-(?!->)[^-]*)*--)>",
    re.I,
)
# A cell starts at <td>/<th> (closing tags go with all other tags).
_HTML_CELL = re.compile(r"<[tT][dDhH]\b[^>]*>")
# Outlook and Word wrap every cell's text in <p class=MsoNormal>: a paragraph that fills a
# cell is not a paragraph of the text (it would cut "Label | value" rows in two).
# Starts with a bare "<" so the scan jumps from tag to tag; the replacement "<\1>" keeps the
# <td ...> and leaves an empty "<>" for a dropped </p>, which the tag pass removes.
_HTML_CELL_PARAGRAPH = re.compile(
    r"<(?:(t[dh]\b[^>]*)>\s*<(?:p|div)\b[^>]*|/(?:p|div)\s*(?=>\s*</t[dh]\s*>))>", re.I
)
# The end of a paragraph, list or table is a blank line (a guest list ends there); any other
# block edge is a line break, so table rows and a heading with its text stay together.
_HTML_PARAGRAPH = re.compile(r"</(?:p|table|ul|ol|blockquote|pre)\s*>|<hr\b[^>]*>", re.I)
_HTML_BREAK = re.compile(
    r"<(?:br|tr|table|thead|tbody|tfoot)\b[^>]*>|</?(?:p|div|ul|ol|li|h[1-6]|blockquote|pre"
    r"|section|article|header|footer|center|dl|dt|dd|address|caption)\b[^>]*>",
    re.I,
)
_HTML_TAG = re.compile(r"<[^>]*>")
_PARAGRAPH_MARK = "\x00"  # not whitespace, so strip() keeps it


def html_to_text(markup: str) -> str:
    """Plain text of an HTML mail: a line per row or block, cells joined by " | "."""
    # Measured: a substitution per tag kind plus one loop over lines beats both a Python
    # callback per tag and more whole-text substitutions (each replacement has a cost).
    text = _HTML_SKIP.sub(" ", markup)
    text = " ".join(text.split())  # source line breaks mean nothing in HTML
    if "Mso" in text:  # Word/Outlook markup (class=MsoNormal); other mails skip the pass
        text = _HTML_CELL_PARAGRAPH.sub(r"<\1>", text)
    text = _HTML_CELL.sub("\t", text)
    text = _HTML_PARAGRAPH.sub(f"\n{_PARAGRAPH_MARK}\n", text)
    text = _HTML_TAG.sub("", _HTML_BREAK.sub("\n", text))
    text = html_lib.unescape(text).replace("\xa0", " ")
    lines: list[str] = []
    for line in text.split("\n"):
        if "\t" in line:
            line = " | ".join(cell for cell in map(str.strip, line.split("\t")) if cell)
        else:
            line = line.strip()
        if line == _PARAGRAPH_MARK:
            if lines and lines[-1]:
                lines.append("")
        elif line:
            lines.append(line)
    return "\n".join(lines).strip()


# --------------------------------------------------------------------------- templates

#: Template field → value kind. "agency" lands in ``ParsedReservation.operator_agency``.
FIELD_KINDS: dict[str, str] = {
    "voucher": "text",
    "hotel_code": "text",
    "check_in": "date",
    "check_out": "date",
    "nights": "int",
    "sale_date": "date",
    "adults": "int",
    "children": "int",
    "child_ages": "ints",
    "infants": "int",
    "room_type": "text",
    "board": "text",
    "market": "text",
    "rate_type": "text",
    "room_count": "int",
    "price": "money",
    "currency": "currency",
    "agency": "text",
    "agency_note": "text",
    "option_date": "datetime",
    "cancellation_date": "date",
    "cancellation_note": "text",
    "arrival_flight": "flight",
    "arrival_route": "route",
    "arrival_flight_time": "time",
    "departure_flight": "flight",
    "departure_route": "route",
    "departure_flight_time": "time",
    "nationality": "country",
}
_TOP_KEYS = frozenset(
    {"operator", "name", "description", "subject", "timezone", "date_format", "content",
     "fields", "guests", "rooms"}
)  # fmt: skip
_FIELD_KEYS = frozenset(
    {"label", "pattern", "date_format", "default", "occurrence", "search_in", "join", "map"}
)
_CONTENT_KEYS = frozenset({"match", "content", "search_in"})
_GUEST_KEYS = frozenset({"start", "end", "pattern", "style"})
_ROOM_KEYS = frozenset({"start", "end"})
_GUEST_GROUPS = frozenset(
    {"title", "first_name", "last_name", "name", "kind", "age", "birth_date", "gender",
     "passport", "nationality"}
)  # fmt: skip
_FLAGS = re.IGNORECASE | re.MULTILINE

_TITLES = r"MSTR|MASTER|MISS|MRS|MR|MS|DR|CHD|CHILD|INF|INFANT|BAYAN|BAY|HERR|FRAU|SRTA|SRA|SR"
_NAME_WORD = r"[^\W\d][^\s|,;()/]*"
GUEST_STYLES: dict[str, str] = {
    "title first last": (
        rf"(?<!\w)(?P<title>{_TITLES})\.?[ \t]+"
        rf"(?P<first_name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD})*?)[ \t]+"
        rf"(?P<last_name>{_NAME_WORD})(?=[ \t]*(?:[,;|(\n]|$))"
        r"(?:[ \t]*\((?:(?P<kind>[^\W\d]+)[ \t]*)?(?P<age>\d{1,2})?[^)\n]*\))?"
    ),
    "last/first title": (
        r"(?P<last_name>[^\W\d][^/\n|,;]*?)[ \t]*/[ \t]*(?P<first_name>[^\W\d][^/\n|,;]*?)"
        rf"[ \t]+(?P<title>{_TITLES})\b\.?"
    ),
}

# A label starts a line or a table cell; bullets and quote marks before it are ignored.
_LEAD = r"(?:^|(?<=[|\t]))[ \t>*•\-]*"
# The same over a text padded with a leading newline: a regex that starts with a character
# set is scanned in C from candidate to candidate, about twice as fast as "^" or a lookbehind.
_PADDED_LEAD = r"[\n|\t][ \t>*•\-]*"
# What separates a label from its value (see the module docstring).
_SEP = r"(?:(?:[ \t]*[:|\t][ \t]*)+|[ \t]{2,}|[ \t](?![^\W\d_])|[ \t]*(?=\n|$))"


def _label_source(label: str) -> str:
    return re.escape(label.strip().rstrip(":").strip()).replace("\\ ", r"[ \t]+")


@dataclass
class FieldRule:
    """How one field is found: a label, a pattern, or both (pattern over the label's value)."""

    name: str
    label: str = ""
    pattern: str = ""
    date_formats: tuple[str, ...] = ()
    default: str = ""
    occurrence: int = 0  # 0: the first value that reads as the field's kind
    search_in: str = "text"  # "text" | "subject"
    join: str = " "
    value_map: dict[str, str] = field(default_factory=dict)
    label_index: int = -1  # which label of the template's combined label regex
    description: str = ""  # ``describe()``, kept: it is shown for every field of every mail
    date_patterns: tuple[re.Pattern[str], ...] = field(default=(), repr=False)
    compiled_label: re.Pattern[str] | None = field(default=None, repr=False)
    compiled_pattern: re.Pattern[str] | None = field(default=None, repr=False)

    def describe(self) -> str:
        """The rule in words, as ``explain_mail`` shows it."""
        parts = []
        if self.label:
            parts.append(f"label {self.label!r}")
        if self.pattern:
            parts.append(f"pattern /{self.pattern}/")
        if self.occurrence:
            parts.append(f"occurrence {self.occurrence}")
        where = " in subject" if self.search_in == "subject" else ""
        text = " + ".join(parts) + where
        if self.default:
            text = f"{text}, default {self.default!r}" if text else f"default {self.default!r}"
        return text


@dataclass
class ContentRule:
    """A regex whose match says what the mail does (new, modification, cancellation)."""

    match: str
    content: Content
    search_in: str = "subject"  # "subject" | "text" | "all"
    compiled: re.Pattern[str] | None = field(default=None, repr=False)


@dataclass
class GuestRule:
    """Where the guest list is and how one guest reads."""

    pattern: str
    start: str = ""
    end: str = ""
    compiled: re.Pattern[str] | None = field(default=None, repr=False)
    compiled_start: re.Pattern[str] | None = field(default=None, repr=False)
    compiled_end: re.Pattern[str] | None = field(default=None, repr=False)


@dataclass
class RoomRule:
    """How a mail with several rooms under one voucher is cut into room blocks."""

    start: str
    end: str = ""
    compiled_start: re.Pattern[str] | None = field(default=None, repr=False)
    compiled_end: re.Pattern[str] | None = field(default=None, repr=False)


@dataclass
class MailTemplate:
    """One operator's mail layout, loaded from TOML with every regex compiled once."""

    operator: str
    name: str = ""
    path: Path | None = None
    subject: str = ""
    timezone: str = "UTC"
    fields: dict[str, FieldRule] = field(default_factory=dict)
    content_rules: list[ContentRule] = field(default_factory=list)
    guests: GuestRule | None = None
    rooms: RoomRule | None = None
    compiled_subject: re.Pattern[str] | None = field(default=None, repr=False)
    # Every text label of the template in one regex over the padded text (see ``_pad``):
    # group i + 1 is the value of label i. One pass over the text finds them all.
    labels: re.Pattern[str] | None = field(default=None, repr=False)

    def handles(self, message: MailMessage) -> bool:
        """Whether the mail's subject is one this template reads (no ``subject``: every mail)."""
        return self.compiled_subject is None or bool(self.compiled_subject.search(message.subject))


def load_templates(directory: Path | None = None) -> dict[str, MailTemplate]:
    """Every ``*.toml`` template in ``directory`` (default: the bundled ones) by operator code.

    Raises ``InputError`` listing every problem (file and key named) when any file is bad.
    """
    folder = directory if directory is not None else TEMPLATE_DIR
    if not folder.is_dir():
        raise InputError(f"{folder}: no such mail template folder")
    templates: dict[str, MailTemplate] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            template = load_template(path)
        except InputError as exc:
            problems.extend(exc.problems or [Problem(str(path), "", str(exc))])
            continue
        if template.operator in templates:
            other = templates[template.operator].path
            problems.append(
                Problem(
                    str(path),
                    "operator",
                    f"{template.operator!r} already has a template ({other})",
                    "one template per operator",
                )
            )
            continue
        templates[template.operator] = template
    if problems:
        raise _template_error(problems)
    return templates


def load_template(path: Path) -> MailTemplate:
    """Read and compile one template file; ``InputError`` names the file and the bad key."""
    source = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _template_error([Problem(source, "", f"not valid TOML: {exc}")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _template_error([Problem(source, "", f"cannot read: {exc}")]) from None
    template, problems = _build_template(raw, source, path)
    if problems:
        raise _template_error(problems)
    return template


def _template_error(problems: list[Problem]) -> InputError:
    if len(problems) == 1:
        return InputError(f"mail template {problems[0]}", problems)
    lines = "\n".join(f"  {problem}" for problem in problems)
    return InputError(f"mail templates: {len(problems)} problems\n{lines}", problems)


class _Checker:
    """Collects the problems of one template file, each with the key it is about."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.source, key, message, hint))

    def unknown(self, table: Mapping[str, Any], allowed: frozenset[str], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                self.problem(
                    f"{prefix}{key}", "unknown key", f"allowed: {', '.join(sorted(allowed))}"
                )

    def regex(self, value: Any, key: str) -> re.Pattern[str] | None:
        if not isinstance(value, str) or not value:
            self.problem(key, "expected a regular expression (a non-empty string)")
            return None
        try:
            return re.compile(value, _FLAGS)
        except re.error as exc:
            self.problem(key, f"bad regular expression: {exc}")
            return None

    def text(self, table: Mapping[str, Any], key: str, prefix: str, default: str = "") -> str:
        value = table.get(key, default)
        if not isinstance(value, str):
            self.problem(f"{prefix}{key}", f"expected a string, got {type(value).__name__}")
            return default
        return value

    def formats(self, value: Any, key: str) -> tuple[str, ...]:
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) and item for item in items):
            self.problem(key, 'expected a format or a list of formats, e.g. "%d/%m/%Y"')
            return ()
        return tuple(items)

    def table(self, raw: Mapping[str, Any], key: str) -> dict[str, Any] | None:
        value = raw.get(key)
        if value is not None and not isinstance(value, dict):
            self.problem(key, f"expected a [{key}] table")
            return None
        return value


def _build_template(
    raw: dict[str, Any], source: str, path: Path
) -> tuple[MailTemplate, list[Problem]]:
    check = _Checker(source)
    check.unknown(raw, _TOP_KEYS, "")
    operator = check.text(raw, "operator", "").strip()
    if not operator:
        check.problem("operator", "missing", 'name the operator code, e.g. operator = "JET2"')
    template = MailTemplate(operator=operator, name=check.text(raw, "name", ""), path=path)
    template.timezone = check.text(raw, "timezone", "", "UTC") or "UTC"
    try:
        ZoneInfo(template.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        check.problem(
            "timezone", f"unknown time zone {template.timezone!r}", 'e.g. "Europe/Istanbul"'
        )
        template.timezone = "UTC"
    template.subject = check.text(raw, "subject", "")
    if template.subject:
        template.compiled_subject = check.regex(template.subject, "subject")
    template.content_rules = _content_rules(raw.get("content", []), check)
    base_formats = check.formats(raw.get("date_format"), "date_format")
    fields_table = check.table(raw, "fields") or {}
    for name, spec in fields_table.items():
        rule = _field_rule(name, spec, base_formats, template.timezone, check)
        if rule is not None:
            template.fields[name] = rule
    for required in ("voucher", "check_in"):
        if required not in fields_table:
            check.problem(f"fields.{required}", "missing: every template must find it")
    if "check_out" not in fields_table and "nights" not in fields_table:
        check.problem("fields.check_out", "missing: give check_out or nights")
    guests = check.table(raw, "guests")
    if guests is not None:
        template.guests = _guest_rule(guests, check)
    rooms = check.table(raw, "rooms")
    if rooms is not None:
        check.unknown(rooms, _ROOM_KEYS, "rooms.")
        room = RoomRule(
            start=check.text(rooms, "start", "rooms."), end=check.text(rooms, "end", "rooms.")
        )
        room.compiled_start = check.regex(room.start, "rooms.start")
        if room.end:
            room.compiled_end = check.regex(room.end, "rooms.end")
        template.rooms = room
    _compile_labels(template)
    return template, check.problems


def _content_rules(items: Any, check: _Checker) -> list[ContentRule]:
    if not isinstance(items, list):
        check.problem("content", "expected [[content]] tables")
        return []
    rules = []
    for index, item in enumerate(items):
        prefix = f"content[{index}]."
        if not isinstance(item, dict):
            check.problem(f"content[{index}]", "expected a table with match and content")
            continue
        check.unknown(item, _CONTENT_KEYS, prefix)
        try:
            content = Content(check.text(item, "content", prefix))
        except ValueError:
            check.problem(f"{prefix}content", "expected new, modification or cancellation")
            continue
        search_in = check.text(item, "search_in", prefix, "subject")
        if search_in not in ("subject", "text", "all"):
            check.problem(f"{prefix}search_in", "expected subject, text or all")
        rule = ContentRule(
            match=check.text(item, "match", prefix), content=content, search_in=search_in
        )
        rule.compiled = check.regex(rule.match, f"{prefix}match")
        rules.append(rule)
    return rules


def _field_rule(
    name: str, spec: Any, base_formats: tuple[str, ...], timezone: str, check: _Checker
) -> FieldRule | None:
    key = f"fields.{name}"
    if name not in FIELD_KINDS:
        check.problem(key, "unknown field", f"fields are: {', '.join(FIELD_KINDS)}")
        return None
    if isinstance(spec, str):
        spec = {"label": spec}
    if not isinstance(spec, dict):
        check.problem(key, "expected a label string or a table { label = ..., pattern = ... }")
        return None
    prefix = f"{key}."
    check.unknown(spec, _FIELD_KEYS, prefix)
    rule = FieldRule(
        name=name,
        label=check.text(spec, "label", prefix).strip().rstrip(":").strip(),
        pattern=check.text(spec, "pattern", prefix),
        default=check.text(spec, "default", prefix),
        join=check.text(spec, "join", prefix, " "),
        search_in=check.text(spec, "search_in", prefix, "text"),
    )
    if rule.search_in not in ("text", "subject"):
        check.problem(f"{prefix}search_in", "expected text or subject")
    occurrence = spec.get("occurrence", 0)
    if not isinstance(occurrence, int) or isinstance(occurrence, bool) or occurrence < 0:
        check.problem(f"{prefix}occurrence", "expected a whole number from 1")
    else:
        rule.occurrence = occurrence
    mapping = spec.get("map", {})
    if isinstance(mapping, dict) and all(isinstance(value, str) for value in mapping.values()):
        rule.value_map = {fold(item): value for item, value in mapping.items()}
    else:
        check.problem(f"{prefix}map", 'expected a table of strings, e.g. { "Yeni" = "..." }')
    rule.date_formats = (
        check.formats(spec["date_format"], f"{prefix}date_format")
        if "date_format" in spec
        else base_formats
    )
    if FIELD_KINDS[name] in ("date", "datetime"):
        patterns = [_date_pattern(fmt) for fmt in rule.date_formats]
        for fmt, pattern in zip(rule.date_formats, patterns, strict=True):
            if pattern is None:
                check.problem(
                    f"{prefix}date_format",
                    f"cannot read {fmt!r}",
                    "use %d %m %Y %y %b %B %a %A %H %M and literal characters",
                )
        rule.date_patterns = tuple(pattern for pattern in patterns if pattern is not None)
    if not (rule.label or rule.pattern or rule.default):
        check.problem(key, "needs a label, a pattern or a default")
    if rule.pattern:
        rule.compiled_pattern = check.regex(rule.pattern, f"{prefix}pattern")
        if rule.compiled_pattern is not None and rule.compiled_pattern.groups == 0:
            check.problem(f"{prefix}pattern", "needs a group: (...) around the value")
    if rule.label and rule.search_in == "subject":
        rule.compiled_label = re.compile(
            _LEAD + _label_source(rule.label) + _SEP + r"([^|\t\n]*)", _FLAGS
        )
    if rule.default and _convert(rule, rule.default, timezone) is None:
        check.problem(f"{prefix}default", f"{rule.default!r} is not a valid {FIELD_KINDS[name]}")
    rule.description = rule.describe()
    return rule


def _guest_rule(table: dict[str, Any], check: _Checker) -> GuestRule | None:
    check.unknown(table, _GUEST_KEYS, "guests.")
    pattern = check.text(table, "pattern", "guests.")
    style = check.text(table, "style", "guests.")
    if style:
        if style not in GUEST_STYLES:
            check.problem(
                "guests.style", f"unknown style {style!r}", f"one of: {', '.join(GUEST_STYLES)}"
            )
            return None
        pattern = pattern or GUEST_STYLES[style]
    rule = GuestRule(pattern=pattern)
    rule.compiled = check.regex(pattern, "guests.pattern")
    if rule.compiled is not None:
        names = set(rule.compiled.groupindex)
        if not names & {"first_name", "last_name", "name"}:
            check.problem("guests.pattern", "needs a first_name, last_name or name group")
        for extra in sorted(names - _GUEST_GROUPS):
            check.problem(
                "guests.pattern",
                f"unknown group {extra!r}",
                f"use: {', '.join(sorted(_GUEST_GROUPS))}",
            )
    rule.start = check.text(table, "start", "guests.").strip().rstrip(":").strip()
    if rule.start:
        rule.compiled_start = re.compile(_PADDED_LEAD + _label_source(rule.start) + _SEP, _FLAGS)
    rule.end = check.text(table, "end", "guests.")
    if rule.end:
        rule.compiled_end = check.regex(rule.end, "guests.end")
    return rule


def _compile_labels(template: MailTemplate) -> None:
    labels: dict[str, str] = {}  # folded label → label as written
    for rule in template.fields.values():
        if rule.label and rule.search_in == "text":
            labels.setdefault(" ".join(fold(rule.label).split()), rule.label)
    if not labels:
        return
    # Longer labels first, so "Arrival Flight" is tried before "Arrival" at the same spot.
    # Each label has its own value group: ``match.lastindex - 1`` says which label it was.
    order = sorted(labels, key=lambda key: -len(key))
    position = {key: rank for rank, key in enumerate(order)}
    for rule in template.fields.values():
        if rule.label and rule.search_in == "text":
            rule.label_index = position[" ".join(fold(rule.label).split())]
    body = "|".join(f"{_label_source(labels[key])}{_SEP}([^|\t\n]*)" for key in order)
    template.labels = re.compile(f"{_PADDED_LEAD}(?:{body})", _FLAGS)


# --------------------------------------------------------------------------- value reading

# Titles, kinds, month names and countries repeat across mails: fold each spelling once.
_fold = lru_cache(maxsize=4096)(fold)

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # Turkish, German, Spanish/Italian spellings operators use
    "oca": 1, "sub": 2, "nis": 4, "haz": 6, "tem": 7, "agu": 8, "eyl": 9, "eki": 10, "kas": 11,
    "ara": 12, "mai": 5, "okt": 10, "dez": 12, "ene": 1, "abr": 4, "ago": 8, "dic": 12,
    "set": 9, "gen": 1, "giu": 6, "lug": 7, "ott": 10,
}  # fmt: skip
_DATE = re.compile(
    r"(?<!\d)(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?!\d)"
    r"|(?<!\d)(?P<nd>\d{1,2})[./-](?P<nm>\d{1,2})[./-](?P<ny>\d{4}|\d{2})(?!\d)"
    r"|(?<!\d)(?P<td>\d{1,2})(?:st|nd|rd|th)?\.?[ \t-]+(?P<tm>[^\W\d_]{3,})\.?,?[ \t-]+"
    r"(?P<ty>\d{4}|\d{2}(?![\d:]))"
    r"|(?P<mm>[^\W\d_]{3,})\.?[ \t]+(?P<md>\d{1,2})(?:st|nd|rd|th)?,?[ \t]+(?P<my>\d{4})",
    re.I,
)
_TIME = re.compile(r"(?<!\d)(\d{1,2})[:.](\d{2})(?!\d)")
_INT = re.compile(r"\d+")
_AMOUNT = re.compile(r"\d[\d.,]*")
# An IATA flight: airline designator (two characters, not both digits, or three letters) and
# number, written in capitals by every operator; lower case would read "to 2026" as a flight.
_FLIGHT = re.compile(r"\b((?:[A-Z]{2}|[A-Z]\d|\d[A-Z])[A-Z]?)[ \t]?(\d{1,4}[A-Z]?)\b")
_ROUTE = re.compile(r"\b([A-Z]{3})\b[ \t]*(?:->|-|–|/|>|→|TO)[ \t]*\b([A-Z]{3})\b")
_CURRENCY = re.compile(
    r"(?<![A-Za-z])(EUR|GBP|USD|TRY|TL|RUB|PLN|CHF|SEK|NOK|DKK|HUF|RON|BGN|CZK|UAH|AED)(?![A-Za-z])"
    r"|(€|£|\$|₺|₽)",
    re.I,
)
_SYMBOLS = {"€": "EUR", "£": "GBP", "$": "USD", "₺": "TRY", "₽": "RUB", "TL": "TRY"}
_COUNTRIES = {
    # alpha-2 and the names operators write → ISO 3166 alpha-3
    "gb": "GBR", "uk": "GBR", "united kingdom": "GBR", "great britain": "GBR", "british": "GBR",
    "england": "GBR", "ie": "IRL", "ireland": "IRL", "de": "DEU", "germany": "DEU",
    "deutschland": "DEU", "german": "DEU", "almanya": "DEU", "nl": "NLD", "netherlands": "NLD",
    "dutch": "NLD", "be": "BEL", "belgium": "BEL", "fr": "FRA", "france": "FRA", "es": "ESP",
    "spain": "ESP", "espana": "ESP", "it": "ITA", "italy": "ITA", "at": "AUT", "austria": "AUT",
    "ch": "CHE", "switzerland": "CHE", "pl": "POL", "poland": "POL", "polska": "POL",
    "ru": "RUS", "russia": "RUS", "russian federation": "RUS", "rusya": "RUS", "ua": "UKR",
    "ukraine": "UKR", "se": "SWE", "sweden": "SWE", "no": "NOR", "norway": "NOR", "dk": "DNK",
    "denmark": "DNK", "fi": "FIN", "finland": "FIN", "hu": "HUN", "hungary": "HUN",
    "ro": "ROU", "romania": "ROU", "bg": "BGR", "bulgaria": "BGR", "cz": "CZE",
    "czech republic": "CZE", "tr": "TUR", "turkey": "TUR", "turkiye": "TUR", "turk": "TUR",
    "us": "USA", "usa": "USA", "united states": "USA", "il": "ISR", "israel": "ISR",
    "kz": "KAZ", "kazakhstan": "KAZ",
}  # fmt: skip


_FORMAT_PARTS = {
    "d": r"(?P<d>\d{1,2})",
    "m": r"(?P<m>\d{1,2})",
    "Y": r"(?P<Y>\d{4})",
    "y": r"(?P<y>\d{2})",
    "b": r"(?P<b>[^\W\d_]{3,})\.?",
    "B": r"(?P<b>[^\W\d_]{3,})\.?",
    "a": r"[^\W\d_]{2,}\.?",
    "A": r"[^\W\d_]{2,}\.?",
    "H": r"(?P<H>\d{1,2})",
    "M": r"(?P<M>\d{2})",
    "%": "%",
}


def _date_pattern(fmt: str) -> re.Pattern[str] | None:
    """A ``strptime`` format as a regex: locale-free, found inside longer text, and much
    cheaper than ``strptime``. None when the format cannot be read."""
    parts: list[str] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        if char == "%":
            part = _FORMAT_PARTS.get(fmt[index + 1 : index + 2])
            if part is None:
                return None
            parts.append(part)
            index += 2
        elif char.isspace():
            while index < len(fmt) and fmt[index].isspace():
                index += 1
            parts.append(r",?\s+")  # "Thu, 3 Sep 2026" reads with "%a %d %b %Y"
        else:
            parts.append(re.escape(char))
            index += 1
    try:
        pattern = re.compile(r"(?<!\d)" + "".join(parts), re.IGNORECASE)
    except re.error:
        return None  # a directive given twice
    names = set(pattern.groupindex)
    if "d" not in names or not names & {"m", "b"} or not names & {"Y", "y"}:
        return None
    return pattern


def _to_date(year: str, month: str, day: str) -> date | None:
    number = int(month) if month.isdigit() else _MONTHS.get(_fold(month)[:3], 0)
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    try:
        return date(full_year, number, int(day))
    except ValueError:
        return None


def _read_date(
    value: str, patterns: tuple[re.Pattern[str], ...]
) -> tuple[date | None, re.Match[str] | None]:
    """The first date in the value, read with the template's formats or, without any, with
    the usual operator spellings (12/02/2026, 12.02.2026, 2026-02-12, Thu 12 Feb 2026)."""
    for pattern in patterns:
        found = pattern.search(value)
        if found:
            parts = found.groupdict()
            year = parts.get("Y") or parts.get("y") or ""
            month = parts.get("m") or parts.get("b") or ""
            return _to_date(year, month, parts["d"]), found
    if patterns:
        return None, None
    found = _DATE.search(value)
    if not found:
        return None, None
    parts = found.groupdict()
    if parts["iy"]:
        return _to_date(parts["iy"], parts["im"], parts["id"]), found
    if parts["nd"]:
        return _to_date(parts["ny"], parts["nm"], parts["nd"]), found
    if parts["td"]:
        return _to_date(parts["ty"], parts["tm"], parts["td"]), found
    return _to_date(parts["my"], parts["mm"], parts["md"]), found


def _parse_date(value: str, patterns: tuple[re.Pattern[str], ...] = ()) -> date | None:
    return _read_date(value, patterns)[0]


def _parse_datetime(
    value: str, patterns: tuple[re.Pattern[str], ...], timezone: str
) -> datetime | None:
    day, found = _read_date(value, patterns)
    if day is None or found is None:
        return None
    parts = found.groupdict()
    if parts.get("H"):
        hour, minute = int(parts["H"]), int(parts.get("M") or 0)
    else:
        time = _TIME.search(value, found.end())
        hour, minute = (int(time.group(1)), int(time.group(2))) if time else (0, 0)
    if hour > 23 or minute > 59:
        return None
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


def _text(value: str, rule: FieldRule, timezone: str) -> object:
    return value


def _date_value(value: str, rule: FieldRule, timezone: str) -> object:
    return _parse_date(value, rule.date_patterns)


def _datetime_value(value: str, rule: FieldRule, timezone: str) -> object:
    return _parse_datetime(value, rule.date_patterns, timezone)


def _int_value(value: str, rule: FieldRule, timezone: str) -> object:
    number = _INT.search(value)
    return int(number.group(0)) if number else None


def _ints_value(value: str, rule: FieldRule, timezone: str) -> object:
    return [int(item) for item in _INT.findall(value)] or None


def _money_value(value: str, rule: FieldRule, timezone: str) -> object:
    amount = _AMOUNT.search(value)
    if not amount:
        return None
    try:
        return to_decimal(amount.group(0).rstrip(".,"))
    except ValueError:
        return None


def _currency_value(value: str, rule: FieldRule, timezone: str) -> object:
    code = _CURRENCY.search(value)
    if code:
        return _currency_code(code.group(0))
    return value.upper() if len(value) == 3 and value.isalpha() and value.isascii() else None


def _currency_code(token: str) -> str:
    return _SYMBOLS.get(token.upper(), _SYMBOLS.get(token, token.upper()))


def _flight_value(value: str, rule: FieldRule, timezone: str) -> object:
    flight = _FLIGHT.search(value)
    return flight.group(1) + flight.group(2) if flight else None


def _route_value(value: str, rule: FieldRule, timezone: str) -> object:
    route = _ROUTE.search(value.upper())
    if route:
        return f"{route.group(1)}-{route.group(2)}"
    return value if len(value) <= 32 else None  # a route in words ("Manchester - Antalya")


def _time_value(value: str, rule: FieldRule, timezone: str) -> object:
    time = _TIME.search(value)
    if not time or int(time.group(1)) > 23:
        return None
    return f"{int(time.group(1)):02d}:{time.group(2)}"


def _country_value(value: str, rule: FieldRule, timezone: str) -> object:
    return _COUNTRIES.get(_fold(value), value.upper() if len(value) == 3 else value)


_CONVERTERS = {
    "text": _text,
    "date": _date_value,
    "datetime": _datetime_value,
    "int": _int_value,
    "ints": _ints_value,
    "money": _money_value,
    "currency": _currency_value,
    "flight": _flight_value,
    "route": _route_value,
    "time": _time_value,
    "country": _country_value,
}


def _convert(rule: FieldRule, raw: str, timezone: str) -> object:
    """The raw text as the field's kind, or None when it does not read as one."""
    value = " ".join(raw.split())
    if rule.value_map:
        value = rule.value_map.get(_fold(value), value)
    if not value:
        return None
    return _CONVERTERS[FIELD_KINDS[rule.name]](value, rule, timezone)


# --------------------------------------------------------------------------- extraction


@dataclass(slots=True)
class _Found:
    """What a rule found: the value (None: nothing usable), the rule, the raw text."""

    value: object
    rule: str
    raw: str = ""
    note: str = ""  # why there is no value

    def explained(self) -> str:
        return f"{self.rule} ({self.note})" if self.note else self.rule


class _Area:
    """A piece of the mail (the whole text, a room block) with its labels scanned once."""

    def __init__(self, text: str, template: MailTemplate) -> None:
        self.text = text
        self.padded = _pad(text)
        self._template = template
        self._hits: dict[int, list[str]] | None = None

    def hits(self) -> dict[int, list[str]]:
        if self._hits is None:
            self._hits = _scan_labels(self._template.labels, self.padded)
        return self._hits


def _pad(text: str) -> str:
    return "\n" + text


def _scan_labels(labels: re.Pattern[str] | None, padded: str) -> dict[int, list[str]]:
    hits: dict[int, list[str]] = {}
    if labels is None:
        return hits
    for found in labels.finditer(padded):
        group = found.lastindex or 1
        value = (found.group(group) or "").strip()
        if not value:
            value = _next_line(labels, padded, found.end())
        hits.setdefault(group - 1, []).append(value)
    return hits


def _next_line(labels: re.Pattern[str], padded: str, end: int) -> str:
    """The value of a label that stands alone on its line: the next line, unless a label."""
    newline = padded.find("\n", end)
    if newline < 0:
        return ""
    stop = padded.find("\n", newline + 1)
    line = padded[newline + 1 : stop if stop >= 0 else len(padded)]
    if not line.strip() or labels.match(padded, newline):
        return ""
    return line.split("|", 1)[0].split("\t", 1)[0].strip()


def _candidates(rule: FieldRule, area: _Area, subject: str) -> Iterator[str]:
    """The rule's raw values in the area, in text order; lazy, as the first usually does."""
    pattern = rule.compiled_pattern
    if rule.label:
        if rule.search_in == "subject":
            assert rule.compiled_label is not None
            values: Iterable[str] = (
                m.group(1).strip() for m in rule.compiled_label.finditer(subject)
            )
        else:
            values = area.hits().get(rule.label_index, ())
        if pattern is None:
            yield from values
            return
        for value in values:
            found = pattern.search(value)
            if found:
                yield _joined(found, rule.join)
    elif pattern is not None:
        haystack = subject if rule.search_in == "subject" else area.text
        for found in pattern.finditer(haystack):
            yield _joined(found, rule.join)


def _joined(found: re.Match[str], join: str) -> str:
    groups = found.re.groups
    if groups == 1:
        return (found.group(1) or "").strip()
    if not groups:
        return found.group(0).strip()
    return join.join(part.strip() for part in found.groups() if part and part.strip())


def _find(rule: FieldRule, areas: Iterable[_Area], subject: str, timezone: str) -> _Found:
    """The first value the rule reads in the areas (a room block, then the whole mail)."""
    seen = ""
    for area in areas:
        values = _candidates(rule, area, subject)
        if rule.occurrence:
            values = islice(values, rule.occurrence - 1, rule.occurrence)
        for raw in values:
            value = _convert(rule, raw, timezone)
            if value is not None:
                return _Found(value, rule.description, raw)
            seen = seen or raw
        if rule.search_in == "subject":
            break  # the subject is the same for every area
    if rule.default:
        return _Found(_convert(rule, rule.default, timezone), f"default {rule.default!r}")
    if seen:
        kind = FIELD_KINDS[rule.name]
        return _Found(None, rule.description, seen, f"found {seen!r}: not a {kind}")
    return _Found(None, rule.description, note="not found")


@dataclass
class _Room:
    """One reservation's worth of findings."""

    number: str
    found: dict[str, _Found]
    guests: list[ParsedGuest]
    guest_rule: str


def _extract(template: MailTemplate, message: MailMessage) -> list[_Room]:
    whole = _Area(message.text, template)
    blocks: list[tuple[str, _Area]] = []
    shared = whole
    if template.rooms is not None and template.rooms.compiled_start is not None:
        starts = list(template.rooms.compiled_start.finditer(message.text))
        if starts:
            end = len(message.text)
            if template.rooms.compiled_end is not None:
                closing = template.rooms.compiled_end.search(message.text, starts[-1].end())
                end = closing.start() if closing else end
            text = message.text
            shared = _Area(text[: starts[0].start()] + "\n" + text[end:], template)
            for index, start in enumerate(starts):
                stop = starts[index + 1].start() if index + 1 < len(starts) else end
                number = start.group(1) if start.re.groups and start.group(1) else str(index + 1)
                blocks.append((number, _Area(text[start.start() : stop], template)))
    if not blocks:
        blocks = [("", whole)]
        shared = whole
    rooms: list[_Room] = []
    for number, block in blocks:
        areas = [block] if block is shared else [block, shared]
        found = {
            name: _find(rule, areas, message.subject, template.timezone)
            for name, rule in template.fields.items()
        }
        check_in = found["check_in"].value if "check_in" in found else None
        guests: list[ParsedGuest] = []
        guest_rule = ""
        if template.guests is not None:
            guest_rule = _describe_guests(template.guests)
            for area in areas:
                guests = _guests(template, template.guests, area.text, check_in)
                if guests:
                    break
        rooms.append(_Room(number, found, guests, guest_rule))
    return rooms


def _describe_guests(rule: GuestRule) -> str:
    where = f" after label {rule.start!r}" if rule.start else ""
    return f"pattern /{rule.pattern}/{where}"


def _guest_block(template: MailTemplate, rule: GuestRule, text: str) -> str:
    if rule.compiled_start is None:
        return text
    padded = _pad(text)
    found = rule.compiled_start.search(padded)
    if not found:
        return ""
    lines: list[str] = []
    rest = padded[found.end() :].split("\n")
    for number, line in enumerate(rest):
        if not line.strip():
            if lines:
                break
            continue
        if number and (
            (rule.compiled_end is not None and rule.compiled_end.search(line))
            or (template.labels is not None and template.labels.match(_pad(line)))
        ):
            break
        lines.append(line)
    return "\n".join(lines)


_TITLE_INFO = {  # folded title → gender, kind ("" when the title does not tell)
    "mr": ("M", ""), "mrs": ("F", ""), "ms": ("F", ""), "miss": ("F", ""), "mstr": ("M", "child"),
    "master": ("M", "child"), "bay": ("M", ""), "bayan": ("F", ""), "herr": ("M", ""),
    "frau": ("F", ""), "sr": ("M", ""), "sra": ("F", ""), "srta": ("F", ""), "mme": ("F", ""),
}  # fmt: skip
_KINDS = {
    "adt": "adult", "ad": "adult", "adl": "adult", "adult": "adult", "yetiskin": "adult",
    "chd": "child", "ch": "child", "chld": "child", "child": "child", "cocuk": "child",
    "kid": "child", "nino": "child", "inf": "infant", "infant": "infant", "bebek": "infant",
    "baby": "infant", "bebe": "infant",
}  # fmt: skip
_GENDERS = {"m": "M", "male": "M", "erkek": "M", "f": "F", "female": "F", "kadin": "F"}


def _guests(
    template: MailTemplate, rule: GuestRule, text: str, check_in: object
) -> list[ParsedGuest]:
    if rule.compiled is None:
        return []
    block = _guest_block(template, rule, text)
    guests = []
    for found in rule.compiled.finditer(block):
        parts = {key: " ".join((value or "").split()) for key, value in found.groupdict().items()}
        guest = ParsedGuest(
            first_name=parts.get("first_name", ""),
            last_name=parts.get("last_name", ""),
            passport=parts.get("passport", ""),
            nationality=_COUNTRIES.get(
                _fold(parts.get("nationality", "")), parts.get("nationality", "")
            ),
        )
        if parts.get("name") and not (guest.first_name or guest.last_name):
            name = parts["name"]
            if "," in name:  # "García López, María José"
                guest.last_name, guest.first_name = (p.strip() for p in name.split(",", 1))
            else:
                first, _, last = name.rpartition(" ")
                guest.first_name, guest.last_name = first, last
        if not (guest.first_name or guest.last_name):
            continue
        title = parts.get("title", "").rstrip(".")
        kind_word = parts.get("kind", "")
        kind = _KINDS.get(_fold(kind_word).split(" ")[0]) if kind_word else None
        if _fold(title) in _KINDS:  # "CHD", "INF", "Çocuk" written where a title goes
            kind = kind or _KINDS[_fold(title)]
            title = ""
        guest.title = title
        gender, title_kind = _TITLE_INFO.get(_fold(title), ("", ""))
        guest.gender = _GENDERS.get(_fold(parts.get("gender", "")), gender)
        if parts.get("birth_date"):
            guest.birth_date = _parse_date(parts["birth_date"])
        if parts.get("age"):
            guest.age = int(parts["age"])
        elif guest.birth_date and isinstance(check_in, date):
            born = guest.birth_date
            guest.age = (
                check_in.year
                - born.year
                - ((check_in.month, check_in.day) < (born.month, born.day))
            )
        if not kind:
            kind = title_kind
        if not kind and guest.age is not None:
            kind = "infant" if guest.age < 2 else "child" if guest.age < 18 else "adult"
        guest.kind = kind or "adult"
        guests.append(guest)
    return guests


def _content(template: MailTemplate, message: MailMessage) -> tuple[Content | None, str, str]:
    for rule in template.content_rules:
        if rule.compiled is None:
            continue
        places = {"subject": (message.subject,), "text": (message.text,)}.get(
            rule.search_in, (message.subject, message.text)
        )
        for place in places:
            found = rule.compiled.search(place)
            if found:
                word = found.group(1) if found.re.groups and found.group(1) else found.group(0)
                return (
                    rule.content,
                    word.strip(),
                    f"content rule /{rule.match}/ in {rule.search_in}",
                )
    return None, "", "no content rule matched (new or modification by diff)"


# --------------------------------------------------------------------------- public API


def parse_mail(message: MailMessage, template: MailTemplate) -> list[ParsedReservation]:
    """Apply the operator's template to a mail: one reservation per room block (usually one).

    Raises ``ParseError`` naming the template, the missing field(s) and the rule it tried when
    the voucher or the stay dates cannot be found.
    """
    if not template.handles(message):
        raise ParseError(
            f"template {template.operator}: subject {message.subject!r} does not match "
            f"{template.subject!r}; this mail is not a reservation it reads"
        )
    content, status, _ = _content(template, message)
    rooms = _extract(template, message)
    reservations = []
    for room in rooms:
        reservation = _reservation(template, room)
        reservation.content = content
        reservation.operator_status = status
        reservation.attachments = list(message.attachments)
        if content is Content.CANCELLATION and reservation.cancellation_date is None:
            reservation.cancellation_date = message.date.date() if message.date else None
        if len(rooms) > 1 or room.number:
            reservation.operator_res_id = f"{reservation.voucher}-{room.number}"
        reservations.append(reservation)
    return reservations


def _reservation(template: MailTemplate, room: _Room) -> ParsedReservation:
    found = room.found

    def value(name: str) -> object:
        item = found.get(name)
        return item.value if item is not None else None

    def text(name: str) -> str:
        item = value(name)
        return item if isinstance(item, str) else ""

    def number(name: str) -> int | None:
        item = value(name)
        return item if isinstance(item, int) else None

    def day(name: str) -> date | None:
        item = value(name)
        return item if isinstance(item, date) else None

    voucher, check_in, check_out = text("voucher"), day("check_in"), day("check_out")
    nights = number("nights")
    if check_out is None and check_in is not None and nights:
        check_out = check_in + timedelta(days=nights)
    missing = []
    where = f"room {room.number}: " if room.number else ""
    if not voucher:
        missing.append(f"voucher ({_tried(found, 'voucher')})")
    if check_in is None:
        missing.append(f"check_in ({_tried(found, 'check_in')})")
    if check_out is None and not (check_in is None and nights):  # nights alone would do
        tried = "; ".join(_tried(found, name) for name in ("check_out", "nights") if name in found)
        missing.append(f"check_out ({tried})")
    if missing:
        raise ParseError(f"template {template.operator}: {where}no {', no '.join(missing)}")
    assert check_in is not None and check_out is not None
    if check_out <= check_in:
        raise ParseError(
            f"template {template.operator}: {where}check_out {check_out} is not after "
            f"check_in {check_in} (voucher {voucher})"
        )
    guests = room.guests
    ages = value("child_ages")
    child_ages = (
        list(ages)
        if isinstance(ages, list)
        else [guest.age for guest in guests if guest.kind == "child" and guest.age is not None]
    )
    adults, children, infants = number("adults"), number("children"), number("infants")
    price = value("price")
    currency = text("currency")
    if not currency and "price" in found and found["price"].raw:
        detected = _CURRENCY.search(found["price"].raw)
        if detected:
            currency = _currency_code(detected.group(0))
    option = value("option_date")
    return ParsedReservation(
        voucher=voucher,
        check_in=check_in,
        check_out=check_out,
        operator_code=template.operator,
        hotel_code=text("hotel_code"),
        operator_agency=text("agency"),
        sale_date=day("sale_date"),
        adults=adults if adults is not None else sum(g.kind == "adult" for g in guests),
        children=children if children is not None else sum(g.kind == "child" for g in guests),
        child_ages=child_ages,
        infants=infants if infants is not None else sum(g.kind == "infant" for g in guests),
        nationality=text("nationality"),
        room_type=text("room_type"),
        board=text("board"),
        market=text("market"),
        rate_type=text("rate_type"),
        room_count=number("room_count") or 1,
        price=price if isinstance(price, Decimal) else None,
        currency=currency,
        agency_note=text("agency_note"),
        option_date=option if isinstance(option, datetime) else None,
        cancellation_date=day("cancellation_date"),
        cancellation_note=text("cancellation_note"),
        arrival_flight=text("arrival_flight"),
        arrival_route=text("arrival_route"),
        arrival_flight_time=text("arrival_flight_time"),
        departure_flight=text("departure_flight"),
        departure_route=text("departure_route"),
        departure_flight_time=text("departure_flight_time"),
        guests=guests,
    )


def _tried(found: dict[str, _Found], name: str) -> str:
    item = found.get(name)
    if item is None:
        return "no rule in the template"
    found_but_unreadable = item.note and item.note != "not found"
    return f"tried {item.rule}" + (f", {item.note}" if found_but_unreadable else "")


def explain_mail(message: MailMessage, template: MailTemplate) -> list[tuple[str, str, str]]:
    """What the template reads in the mail: ``(field, value or "", rule)`` for every rule.

    Never raises for missing fields; this is the view for writing and fixing templates.
    """
    content, status, content_rule = _content(template, message)
    rows: list[tuple[str, str, str]] = [
        ("content", content.value if content else "", content_rule),
        ("operator_status", status, content_rule),
    ]
    if template.compiled_subject is not None:
        rows.append(
            (
                "subject",
                message.subject,
                f"subject /{template.subject}/"
                + ("" if template.handles(message) else " (does not match)"),
            )
        )
    rooms = _extract(template, message)
    if template.rooms is not None:
        numbers = ", ".join(room.number for room in rooms if room.number) or "none"
        rows.append(("rooms", numbers, f"rooms start /{template.rooms.start}/"))
    for room in rooms:
        suffix = f" [room {room.number}]" if len(rooms) > 1 else ""
        for name, item in room.found.items():
            rows.append((name + suffix, _show(item.value), item.explained()))
        if template.guests is not None:
            names = "; ".join(
                " ".join(part for part in (g.title, g.first_name, g.last_name) if part)
                + (f" ({g.kind} {g.age})" if g.age is not None else f" ({g.kind})")
                for g in room.guests
            )
            rows.append(("guests" + suffix, names, room.guest_rule))
    if message.attachments:
        files = ", ".join(a.file_name for a in message.attachments)
        rows.append(("attachments", files, "non-inline parts with a file name, or PDF"))
    return rows


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
