"""From raw bytes to parsed reservations: detect the format, find the operator, parse, mask.

Nothing here touches the database: ingest calls ``parse_message`` outside its transaction, so
the CPU work does not hold SQLite's write lock.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field, fields

from hotelops.core.scan.formats import jsonfeed, ota
from hotelops.core.scan.formats.mail import MailTemplate, header_sender, parse_mail, read_mail
from hotelops.core.scan.limits import (
    DEFAULT_LIMITS,
    HEAD_BYTES,
    ScanLimits,
    check_room_stays,
    check_size,
    megabytes,
)
from hotelops.core.scan.masking import (
    mask_bytes,
    mask_json,
    mask_mail,
    mask_mail_bytes,
    mask_text,
    mask_xml,
)
from hotelops.core.scan.model import LimitError, ParsedGuest, ParsedReservation, ParseError
from hotelops.core.scan.senders import SenderRules
from hotelops.core.scan.sources.base import RawItem

FORMATS = ("ota", "alpinebits", "json", "mail")


@dataclass
class ParsedMessage:
    """One raw message, read: the bytes to archive (masked), its operator, its reservations."""

    format: str
    archive_bytes: bytes
    operator_code: str = ""
    sender: str = ""
    message_id: str = ""
    reservations: list[ParsedReservation] = field(default_factory=list)
    error: str | None = None
    unmatched: bool = False
    over_limit: bool = False  # refused for one of the scan's limits, not parsed
    warnings: list[str] = field(default_factory=list)


def detect_format(data: bytes, name: str = "") -> str:
    """``ota`` (OpenTravel and AlpineBits XML), ``json`` or ``mail``, by name then content."""
    lowered = name.lower()
    if lowered.endswith(".eml"):
        return "mail"
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith(".xml"):
        return "ota"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "ota"
    if head.startswith((b"{", b"[")):
        return "json"
    return "mail"


def parse_message(
    item: RawItem,
    *,
    rules: SenderRules,
    templates: dict[str, MailTemplate],
    operator_codes: set[str],
    limits: ScanLimits = DEFAULT_LIMITS,
) -> ParsedMessage:
    """Read one message. Errors are returned, not raised: a broken message is still archived.

    That holds for anything that goes wrong while reading it: a message over a limit (size,
    nesting, MIME parts, room stays) is refused before it is parsed, and an exception from a
    parser (a fault in hotelops, not in the message) is that message's error too.
    """
    fmt = item.format or detect_format(item.data, item.source_ref)
    try:
        check_size(item.full_size, limits.max_message_bytes, "the message", "max_message_mb")
        if fmt == "mail":
            return _parse_mail(item, rules, templates, limits)
        what = "the JSON message" if fmt == "json" else "the XML message"
        check_size(item.full_size, limits.max_xml_json_bytes, what, "max_xml_json_mb")
        return _parse_document(item, fmt, operator_codes, limits)
    except LimitError as exc:
        problem = str(exc)
        head_only = item.full_size > limits.max_message_bytes
        if head_only:
            problem += f"; its first {megabytes(HEAD_BYTES)} is kept in the archive"
        return _failed(
            item, fmt, problem, rules, operator_codes, head_only=head_only, over_limit=True
        )
    except Exception as exc:  # whatever it is, it must not stop the scan
        return _failed(
            item,
            fmt,
            f"reading it failed: {type(exc).__name__}: {exc} (a fault in hotelops, not in "
            "the message: please report it; the message is kept in the archive)",
            rules,
            operator_codes,
        )


def _failed(
    item: RawItem,
    fmt: str,
    problem: str,
    rules: SenderRules,
    operator_codes: set[str],
    *,
    head_only: bool = False,
    over_limit: bool = False,
) -> ParsedMessage:
    """A message that could not be read, archived with the problem (its head only, when the
    message is over the size limit), under the operator its source or its sender names.

    A message over a limit is masked as bytes (free text: reading its fields again is what
    the limit forbids); any other is masked by its format's card fields too.
    """
    if over_limit:
        archive = mask_bytes(item.data[:HEAD_BYTES] if head_only else item.data)
    else:
        archive = _masked_archive(fmt, item.data)
    parsed = ParsedMessage(
        format=fmt,
        archive_bytes=archive,
        operator_code=item.operator_code,
        message_id=item.message_id,
        error=mask_text(problem),
        over_limit=over_limit,
    )
    if fmt == "mail":
        with suppress(Exception):  # the headers alone may be unreadable too
            parsed.sender = header_sender(item.data)
            parsed.operator_code = parsed.operator_code or rules.match(parsed.sender) or ""
    parsed.operator_code = parsed.operator_code or _hinted(item, operator_codes)
    return parsed


def _masked_archive(fmt: str, data: bytes) -> bytes:
    """The bytes to archive, card fields and free text masked by the message's format."""
    if fmt == "mail":
        return mask_mail_bytes(data)
    return mask_json(data) if fmt == "json" else mask_xml(data)


def _parse_document(
    item: RawItem, fmt: str, operator_codes: set[str], limits: ScanLimits
) -> ParsedMessage:
    parsed = ParsedMessage(
        format=fmt,
        archive_bytes=item.data,
        operator_code=item.operator_code,
        message_id=item.message_id,
    )
    try:
        # Parsed under the limits first: only a document within them is read again to mask it.
        reservations = (
            jsonfeed.parse(item.data, limits=limits)
            if fmt == "json"
            else ota.parse(item.data, limits=limits)
        )
    except LimitError:
        raise
    except ParseError as exc:
        parsed.archive_bytes = _masked_archive(fmt, item.data)
        parsed.error = mask_text(str(exc))
        parsed.operator_code = parsed.operator_code or _hinted(item, operator_codes)
        return parsed
    parsed.archive_bytes = _masked_archive(fmt, item.data)
    parsed.reservations = [_masked(r) for r in reservations]
    if not parsed.operator_code:
        parsed.operator_code = _operator_from(reservations, operator_codes)
    if not parsed.operator_code:
        parsed.operator_code = _hinted(item, operator_codes)
    if not parsed.operator_code:
        parsed.unmatched = True
        parsed.error = (
            "the message names no known operator: scan it with --operator CODE, or "
            "configure the operator's API endpoint"
        )
    return parsed


def _hinted(item: RawItem, operator_codes: set[str]) -> str:
    by_upper = {code.upper(): code for code in operator_codes}
    return next((by_upper[h] for h in item.operator_hints if h in by_upper), "")


def _operator_from(reservations: list[ParsedReservation], operator_codes: set[str]) -> str:
    by_upper = {code.upper(): code for code in operator_codes}
    for reservation in reservations:
        code = by_upper.get(reservation.operator_code.strip().upper())
        if code:
            return code
    return ""


def _parse_mail(
    item: RawItem, rules: SenderRules, templates: dict[str, MailTemplate], limits: ScanLimits
) -> ParsedMessage:
    parsed = ParsedMessage(
        format="mail",
        archive_bytes=item.data,
        operator_code=item.operator_code,
        message_id=item.message_id,
    )
    try:
        message = read_mail(item.data, limits=limits)
    except LimitError:
        raise
    except ParseError as exc:
        parsed.archive_bytes = mask_mail_bytes(item.data)
        parsed.error = mask_text(str(exc))
        parsed.operator_code = parsed.operator_code or _hinted(item, set(templates))
        return parsed
    masked = mask_mail(item.data, message)
    parsed.archive_bytes = masked.archive
    message.attachments = masked.attachments
    parsed.warnings = [
        f"attachment {name} holds card data: not stored as a document, and replaced in the "
        "archived mail by a note saying so"
        for name in masked.removed
    ]
    parsed.sender = message.sender
    parsed.message_id = parsed.message_id or message.message_id
    if not parsed.operator_code:
        parsed.operator_code = (
            rules.match(message.sender)
            or rules.match(message.original_sender)
            or _hinted(item, set(templates))
            or ""
        )
    if not parsed.operator_code:
        parsed.unmatched = True
        parsed.error = (
            f"unknown sender {message.sender}"
            + (f" (forwarded from {message.original_sender})" if message.original_sender else "")
            + ": add a sender rule for it, or scan it with --operator CODE"
        )
        return parsed
    template = templates.get(parsed.operator_code)
    if template is None:
        parsed.error = (
            f"no mail template for operator {parsed.operator_code}: add "
            f"hotelops/core/scan/templates/<name>.toml"
        )
        return parsed
    try:
        reservations = parse_mail(message, template)
        check_room_stays(len(reservations), limits)
        parsed.reservations = [_masked(r) for r in reservations]
    except LimitError:
        raise
    except ParseError as exc:
        parsed.error = mask_text(str(exc))
    if parsed.warnings and parsed.reservations:
        vouchers = ", ".join(sorted({r.voucher for r in parsed.reservations}))
        parsed.warnings = [f"{line} (voucher {vouchers})" for line in parsed.warnings]
    return parsed


#: What identifies a reservation is kept as sent; every other text field is free text.
_IDENTITY = frozenset({"voucher", "operator_res_id", "ack_id", "operator_code", "hotel_code"})
_TEXT_FIELDS = tuple(
    f.name for f in fields(ParsedReservation) if f.type in ("str", str) and f.name not in _IDENTITY
)
_GUEST_TEXT_FIELDS = tuple(f.name for f in fields(ParsedGuest) if f.type in ("str", str))


def _masked(reservation: ParsedReservation) -> ParsedReservation:
    """Card data in the free text the reservation carries (notes, names ...) masked."""
    for name in _TEXT_FIELDS:
        value = getattr(reservation, name)
        if value:
            setattr(reservation, name, mask_text(value))
    for guest in reservation.guests:
        for name in _GUEST_TEXT_FIELDS:
            value = getattr(guest, name)
            if value:
                setattr(guest, name, mask_text(value))
    return reservation
