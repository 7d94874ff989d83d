"""From raw bytes to parsed reservations: detect the format, find the operator, parse, mask.

Nothing here touches the database: ingest calls ``parse_message`` outside its transaction, so
the CPU work does not hold SQLite's write lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from hotelops.core.scan.formats import jsonfeed, ota
from hotelops.core.scan.formats.mail import MailTemplate, parse_mail, read_mail
from hotelops.core.scan.masking import mask_json, mask_mail, mask_mail_bytes, mask_text, mask_xml
from hotelops.core.scan.model import ParsedGuest, ParsedReservation, ParseError
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
) -> ParsedMessage:
    """Read one message. Errors are returned, not raised: a broken message is still archived."""
    fmt = item.format or detect_format(item.data, item.source_ref)
    if fmt == "mail":
        return _parse_mail(item, rules, templates)
    archive = mask_json(item.data) if fmt == "json" else mask_xml(item.data)
    parsed = ParsedMessage(
        format=fmt,
        archive_bytes=archive,
        operator_code=item.operator_code,
        message_id=item.message_id,
    )
    try:
        reservations = jsonfeed.parse(item.data) if fmt == "json" else ota.parse(item.data)
    except ParseError as exc:
        parsed.error = mask_text(str(exc))
        parsed.operator_code = parsed.operator_code or _hinted(item, operator_codes)
        return parsed
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
    item: RawItem, rules: SenderRules, templates: dict[str, MailTemplate]
) -> ParsedMessage:
    parsed = ParsedMessage(
        format="mail",
        archive_bytes=item.data,
        operator_code=item.operator_code,
        message_id=item.message_id,
    )
    try:
        message = read_mail(item.data)
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
        parsed.reservations = [_masked(r) for r in parse_mail(message, template)]
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
