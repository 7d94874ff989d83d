"""From raw bytes to parsed reservations: detect the format, find the operator, parse, mask.

Nothing here touches the database: ingest calls ``parse_message`` outside its transaction, so
the CPU work does not hold SQLite's write lock.
"""

from __future__ import annotations

import email
import email.encoders
import email.policy
from dataclasses import dataclass, field
from email.message import Message

from hotelops.core.scan.formats import jsonfeed, ota
from hotelops.core.scan.formats.mail import MailTemplate, parse_mail, read_mail
from hotelops.core.scan.masking import has_card, mask_bytes, mask_text
from hotelops.core.scan.model import ParsedReservation, ParseError
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
    archive = mask_bytes(item.data)
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
        archive_bytes=mask_bytes(item.data),
        operator_code=item.operator_code,
        message_id=item.message_id,
    )
    try:
        message = read_mail(item.data)
    except ParseError as exc:
        parsed.error = mask_text(str(exc))
        parsed.operator_code = parsed.operator_code or _hinted(item, set(templates))
        return parsed
    parsed.sender = message.sender
    parsed.message_id = parsed.message_id or message.message_id
    if has_card(message.text) or has_card(message.html):
        # The card is in an encoded part (base64, or split by quoted-printable): re-encode.
        parsed.archive_bytes = _mask_mail_parts(parsed.archive_bytes)
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
    return parsed


_TEXT_FIELDS = ("agency_note", "cancellation_note", "operator_agency")


def _masked(reservation: ParsedReservation) -> ParsedReservation:
    for name in _TEXT_FIELDS:
        value = getattr(reservation, name)
        if value:
            setattr(reservation, name, mask_text(value))
    return reservation


def _mask_mail_parts(data: bytes) -> bytes:
    message: Message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            text = payload.decode(charset, errors="replace")
        except LookupError:
            charset = "utf-8"
            text = payload.decode(charset, errors="replace")
        if not has_card(text):
            continue
        encoding = (part.get("Content-Transfer-Encoding") or "").lower()
        del part["Content-Transfer-Encoding"]
        part.set_payload(mask_text(text).encode(charset, errors="replace"))
        if encoding == "base64":
            email.encoders.encode_base64(part)
        elif encoding == "quoted-printable":
            email.encoders.encode_quopri(part)
        else:
            part["Content-Transfer-Encoding"] = encoding or "8bit"
    return message.as_bytes(policy=email.policy.compat32)
