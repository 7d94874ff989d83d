"""Card data is masked before anything is stored, logged or shown.

PCI DSS: a card's security code is never kept, and a card number keeps at most its last four
digits. Every digit masked becomes ``X``; separators and layout stay
(``XXXX XXXX XXXX 1111``, ``CVV XXX``).

Two kinds of rules:

- **Fields** that a format names as card data are masked whatever their digits (a number that
  fails the Luhn check is still a card number there): a card number keeps its last four digits
  (``mask_card_number``), a security code keeps none (``mask_security_code``). OpenTravel and
  AlpineBits: ``@CardNumber`` and ``@SeriesCode`` on any element (``PaymentCard``), the
  ``CardNumber``, ``SeriesCode`` and ``MagneticStripe`` elements with everything in them
  (``PlainText``), and any ``PlainText`` under a ``PaymentCard``. JSON: every key that names a
  card number (``card_number``, ``cardNumber``, ``pan``, ``cc_number`` ...) or a security code
  (``cvv``, ``cvc``, ``cvv2``, ``security_code`` ...), at any depth.
- **Free text** (``mask_text``): a Luhn-valid run of 13-19 digits, whole or in groups separated
  by spaces, dashes or dots; 13-19 digits written after the name of a card ("Card: ...",
  "kart no ...", Luhn-valid or not); and a security code written after its name (``CVV 737``,
  ``CVC: 319``, ``güvenlik kodu 123``). Between name and digits may stand a word like "no" or
  "number", separators, or HTML tags (``CVV</td><td>737``). Digits written as character
  references (``&#52;``) are read as the digits they stand for.

Containers are decoded first and re-encoded after (``mask_xml``, ``mask_json``, ``mask_mail``):
only what held card data changes, and a message with nothing to mask is archived byte for byte.
"""

from __future__ import annotations

import email
import email.encoders
import email.policy
import json
import quopri
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from email.header import Header
from email.message import Message
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from hotelops.core.documents import pdf_text
from hotelops.core.scan.formats.mail import MailMessage, decode_header_value
from hotelops.core.scan.formats.xmlsafe import parse_xml
from hotelops.core.scan.model import ParsedAttachment, ParseError

__all__ = [
    "MaskedMail",
    "has_card",
    "luhn_ok",
    "mask_bytes",
    "mask_card_number",
    "mask_json",
    "mask_mail",
    "mask_mail_bytes",
    "mask_security_code",
    "mask_text",
    "mask_xml",
    "screen_attachment",
]

MASK = "X"

# -- free text -----------------------------------------------------------------------------------

_SEPARATOR = "[ \t\u00a0\u2009\u202f.\\-\u2010\u2011\u2012\u2013]"
#: A run of at least 13 digits with at most 3 separators between two digits; the windows of
#: 13-19 digits inside it are tried one by one (a date or a phone number may stand next to a
#: card number in the same run). It starts with a digit, so the regex engine skips to digits.
_RUN = re.compile(rf"[0-9](?:{_SEPARATOR}{{0,3}}[0-9]){{12,}}")
_NUMBER_WORD = r"(?:code|kodu|kod|number|numaras[ıi]|nummer|num[eé]ro|no|nr|num)(?![A-Za-z])"
#: Separators, punctuation, HTML tags and entities ("CVV</td><td>737", "CVV:&nbsp;737").
_GAP = r"(?:[^\w<&]|<[^<>]{0,200}>|&\w{1,8};|&){0,16}?"
#: The name of a card number right before a run: the run is a card number whatever its digits.
_CARD_NAME_BEFORE = re.compile(
    r"(?<![A-Za-z])(?:card|credit\s+card|kart[ıi]?|kredi\s+kart[ıi]|tarjeta|carte|karte|cc|pan)"
    rf"(?![A-Za-z])(?:\s*{_NUMBER_WORD})?{_GAP}\Z",
    re.IGNORECASE,
)
#: A security code after its name.
_CVV = re.compile(
    r"(?<![A-Za-z])(?:cvv2?|cvc2?|cv2|cvn|cvd|card\s+security\s+code|security\s+code"
    r"|g[üu]venl[iİı]k\s+kodu|sicherheitscode|kartenprüfnummer|prüfnummer"
    r"|c[óo]digo\s+de\s+seguridad|cryptogramme)(?![A-Za-z])"
    rf"(?:\s*{_NUMBER_WORD})?{_GAP}(?P<code>[0-9]{{3,4}})(?![0-9])",
    re.IGNORECASE,
)
#: Cheap test before ``_CVV`` (in lower case): the names of a security code all hold one
#: ("venl", not "venlik": "İ".lower() is two characters).
_CVV_HINTS = ("cv", "security", "venl", "sicherheit", "prüf", "seguridad", "crypto")
_DIGIT_GROUP = re.compile(r"[0-9]+")
_ANY_DIGIT = re.compile(r"[0-9]")
#: Character references for digits and the separators a card number is written with.
_CHAR_REF = re.compile(r"&#(?:(4[5-9]|5[0-7]|32|160)|[xX](3[0-9]|2[0dDeE]|[aA]0));")


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


def _mask_run(run: str) -> str | None:
    """The run with every Luhn-valid window of 13-19 digits masked, or None when there is none.

    A window is one group of digits, or consecutive groups of at least three digits each (a
    card is written 4-4-4-4, 4-6-5 ...; a date or an IP address has shorter groups). Digits of
    every valid window but its last four are masked, so a false match next to a real card can
    only hide more, never less.
    """
    sizes = [len(group) for group in _DIGIT_GROUP.findall(run)]
    digits = "".join(_DIGIT_GROUP.findall(run))
    hidden = bytearray(len(digits))
    found = False
    first = 0
    for i, size in enumerate(sizes):
        length = 0
        for j in range(i, len(sizes)):
            if j > i and (sizes[j] < 3 or size < 3):
                break
            length += sizes[j]
            if length > 19:
                break
            if length >= 13 and luhn_ok(digits[first : first + length]):
                hidden[first : first + length - 4] = b"\x01" * (length - 4)
                found = True
        first += size
    if not found:
        return None
    out: list[str] = []
    index = 0
    for char in run:
        if "0" <= char <= "9":
            out.append(MASK if hidden[index] else char)
            index += 1
        else:
            out.append(char)
    return "".join(out)


def _mask_free(text: str) -> str | None:
    """``text`` with its card numbers and security codes masked, or None when it has none."""
    hidden: list[int] = []  # positions of the digits to mask
    position = 0
    while match := _RUN.search(text, position):
        start, end = match.span()
        if start and text[start - 1].isascii() and text[start - 1].isalnum():
            # Glued to a word (a reference like AB1234...): its first group is not a number.
            position = _DIGIT_GROUP.match(text, start).end()  # type: ignore[union-attr]
            continue
        position = end
        run = match.group()
        digits = sum(char.isdigit() for char in run)
        if digits <= 19 and _CARD_NAME_BEFORE.search(text, max(0, start - 300), start):
            masked: str | None = mask_card_number(run)
        else:
            masked = _mask_run(run)
        if masked is not None:
            hidden.extend(start + i for i, char in enumerate(masked) if char == MASK)
    lowered = text.lower()
    if any(hint in lowered for hint in _CVV_HINTS):
        for match in _CVV.finditer(text):
            hidden.extend(range(*match.span("code")))
    if not hidden:
        return None
    chars = list(text)
    for index in hidden:
        chars[index] = MASK
    return "".join(chars)


def _digit_ref(match: re.Match[str]) -> str:
    decimal, hexadecimal = match.group(1), match.group(2)
    return chr(int(decimal) if decimal else int(hexadecimal, 16))


def mask_text(text: str) -> str:
    """Free text with card numbers and security codes masked; the same string when it has none.

    ``"Card 4111.1111.1111.1111 CVV 737"`` → ``"Card XXXX.XXXX.XXXX.1111 CVV XXX"``.
    """
    if not text or not _ANY_DIGIT.search(text):
        return text
    masked = _mask_free(text)
    if "&#" in text:
        # Digits written as character references: read them, and keep the text as written
        # unless reading them shows card data.
        decoded = _CHAR_REF.sub(_digit_ref, masked or text)
        if decoded != (masked or text):
            masked = _mask_free(decoded) or masked
    return text if masked is None else masked


def has_card(text: str) -> bool:
    """True when free text holds an unmasked card number or security code."""
    return mask_text(text) is not text


def mask_bytes(data: bytes) -> bytes:
    """``mask_text`` over bytes in an ASCII-compatible encoding (UTF-8 or a single-byte page)."""
    if not data:
        return data
    text = data.decode("utf-8", "surrogateescape")
    masked = mask_text(text)
    return data if masked is text else masked.encode("utf-8", "surrogateescape")


# -- fields --------------------------------------------------------------------------------------


def mask_card_number(value: str) -> str:
    """A card-number field: every digit but the last four masked, whatever the digits."""
    total = sum(char.isdigit() for char in value)
    if total <= 4:
        return value
    keep_from = total - 4
    out: list[str] = []
    seen = 0
    for char in value:
        if char.isdigit():
            out.append(MASK if seen < keep_from else char)
            seen += 1
        else:
            out.append(char)
    return "".join(out)


def mask_security_code(value: str) -> str:
    """A security-code field (CVV, CVC, ``SeriesCode``): every digit masked."""
    if not any(char.isdigit() for char in value):
        return value
    return "".join(MASK if char.isdigit() else char for char in value)


_Rule = Callable[[str], str]


# -- OpenTravel / AlpineBits XML -----------------------------------------------------------------

_CARD_NUMBER_NAMES = frozenset({"CardNumber", "MaskedCardNumber"})
_SECURITY_CODE_NAMES = frozenset({"SeriesCode", "MagneticStripe", "CVV", "CVC"})
#: Words (in lower case) without which an XML document holds no card field; ``\x00``: UTF-16.
_XML_HINTS = (
    b"card",
    b"seriescode",
    b"magneticstripe",
    b"plaintext",
    b"cvv",
    b"cvc",
    b"&#",
    b"\x00",
)
_XML_CARD_ATTRIBUTE = re.compile(
    rb"""(\b(?:Masked)?CardNumber\s*=\s*)("[^"]*"|'[^']*')|(\b(?:SeriesCode|CVV|CVC)\s*=\s*)"""
    rb"""("[^"]*"|'[^']*')"""
)
_XML_CARD_ELEMENT = re.compile(
    rb"(<(?:[\w.-]+:)?(CardNumber|SeriesCode|MagneticStripe)\b[^>]*>)(.*?)(</(?:[\w.-]+:)?\2\s*>)",
    re.DOTALL,
)
_XML_DIGIT_REF = re.compile(rb"&#(?:(4[5-9]|5[0-7]|32)|[xX](3[0-9]|2[0dDeE]));")


def mask_xml(data: bytes) -> bytes:
    """An OpenTravel or AlpineBits document with its card fields and free text masked.

    A document with card data is parsed and written again (character references of masked
    text are written as characters); one without is returned as it came.
    """
    lowered = data.lower()
    if not any(hint in lowered for hint in _XML_HINTS) and mask_bytes(data) is data:
        return data
    try:
        root = parse_xml(data)
    except ParseError:
        return _mask_broken_xml(data)
    if not _mask_tree(root):
        return data
    tree = root.getroottree()
    encoding = tree.docinfo.encoding or "UTF-8"
    return bytes(etree.tostring(tree, xml_declaration=True, encoding=encoding))


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _apply(rule: _Rule | None, text: str | None) -> str | None:
    if not text:
        return text
    return rule(text) if rule is not None else mask_text(text)


def _mask_tree(root: etree._Element) -> bool:
    """Mask the tree in place; True when anything changed."""
    changed = False
    outside = [*root.itersiblings(preceding=True), *root.itersiblings()]
    for node in outside:  # comments and processing instructions around the root
        masked = _apply(None, node.text)
        if masked != node.text:
            node.text = masked
            changed = True
    # (element, the rule its text follows, inside a PaymentCard)
    stack: list[tuple[Any, _Rule | None, bool]] = [(root, None, False)]
    while stack:
        element, rule, in_card = stack.pop()
        if isinstance(element.tag, str):
            name = _local(element.tag)
            if name in _CARD_NUMBER_NAMES:
                rule = mask_card_number
            elif name in _SECURITY_CODE_NAMES:
                rule = mask_security_code
            elif name == "PlainText" and rule is None and in_card:
                rule = mask_security_code  # 3-D Secure values and the like
            in_card = in_card or name == "PaymentCard"
            for key, value in element.attrib.items():
                attribute = _local(key)
                if attribute in _CARD_NUMBER_NAMES or (attribute == "Mask" and rule):
                    masked = mask_card_number(value)
                elif attribute in _SECURITY_CODE_NAMES:
                    masked = mask_security_code(value)
                else:
                    masked = mask_text(value)
                if masked != value:
                    element.set(key, masked)
                    changed = True
        masked = _apply(rule, element.text)
        if masked != element.text:
            element.text = masked
            changed = True
        for child in element:
            tail = _apply(rule, child.tail)  # the tail is the parent's text
            if tail != child.tail:
                child.tail = tail
                changed = True
            stack.append((child, rule, in_card))
    return changed


def _mask_broken_xml(data: bytes) -> bytes:
    """Best effort for a document that does not parse (it is archived with its error)."""
    text = _XML_DIGIT_REF.sub(
        lambda m: chr(int(m.group(1)) if m.group(1) else int(m.group(2), 16)).encode(), data
    )

    def attribute(match: re.Match[bytes]) -> bytes:
        if match.group(1) is not None:
            return match.group(1) + _mask_bytes_with(mask_card_number, match.group(2))
        return match.group(3) + _mask_bytes_with(mask_security_code, match.group(4))

    def element(match: re.Match[bytes]) -> bytes:
        rule = mask_card_number if match.group(2) == b"CardNumber" else mask_security_code
        return match.group(1) + _mask_bytes_with(rule, match.group(3)) + match.group(4)

    text = _XML_CARD_ATTRIBUTE.sub(attribute, text)
    text = _XML_CARD_ELEMENT.sub(element, text)
    masked = mask_bytes(text)
    return data if masked == data else masked


def _mask_bytes_with(rule: _Rule, data: bytes) -> bytes:
    return rule(data.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")


# -- JSON ----------------------------------------------------------------------------------------

#: Key names (lower case, words joined) of a card number and of a security code. A key matches
#: when its last one, two or three words join to one of these (``x_payment_card_number``).
_CARD_NUMBER_KEYS = frozenset(
    {
        "pan",
        "cardnumber",
        "cardno",
        "cardnum",
        "cardnr",
        "ccnumber",
        "ccnum",
        "ccno",
        "creditcardnumber",
        "primaryaccountnumber",
        "kartno",
        "kartnumarasi",
        "kartennummer",
        "numerotarjeta",
    }
)
_SECURITY_CODE_KEYS = frozenset(
    {
        "cvv",
        "cvv2",
        "cvc",
        "cvc2",
        "cv2",
        "cvn",
        "cvd",
        "securitycode",
        "cardsecuritycode",
        "cardverificationcode",
        "cardverificationvalue",
        "seriescode",
        "guvenlikkodu",
    }
)
#: Under a key naming a card (``"card": {"number": ...}``), these name its number.
_NUMBER_UNDER_CARD = frozenset({"number", "no", "num", "nr", "plaintext"})
#: Words (in lower case) without which a JSON document holds no card key; ``\\u``: escapes.
_JSON_HINTS = (
    b"card",
    b"pan",
    b"cv",
    b"security",
    b"series",
    b"kart",
    b"tarjeta",
    b"venl",
    b"\\u",
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_JSON_PAIR = re.compile(
    rb'("(?:[^"\\]|\\.)*")(\s*:\s*)("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*)', re.DOTALL
)


class _Number(str):
    """A JSON number kept as written."""


class _Object(list[tuple[str, Any]]):
    """A JSON object kept as its pairs, in order (duplicate keys too)."""


def _words(key: str) -> list[str]:
    """A key's words in lower-case ASCII: ``GÜVENLİK_KODU`` → ``["guvenlik", "kodu"]``."""
    plain = unicodedata.normalize("NFKD", key.replace("ı", "i"))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return [word.lower() for word in _WORDS.findall(plain)]


def _key_rule(key: str, under_card: bool) -> _Rule | None:
    words = _words(key)
    for size in (1, 2, 3):
        if len(words) < size:
            break
        joined = "".join(words[-size:])
        if joined in _CARD_NUMBER_KEYS:
            return mask_card_number
        if joined in _SECURITY_CODE_KEYS:
            return mask_security_code
    if under_card and words and "".join(words[-1:]) in _NUMBER_UNDER_CARD:
        return mask_card_number
    return None


def _names_card(key: str) -> bool:
    return any(word in ("card", "kart", "tarjeta") for word in _words(key))


def mask_json(data: bytes) -> bytes:
    """A JSON document with its card keys (any depth) and free text masked.

    A document with card data is parsed and written again (UTF-8, numbers as written); one
    without is returned as it came.
    """
    lowered = data.lower()
    if not any(hint in lowered for hint in _JSON_HINTS) and mask_bytes(data) is data:
        return data
    try:
        document = json.loads(
            data,
            object_pairs_hook=_Object,
            parse_float=_Number,
            parse_int=_Number,
            parse_constant=_Number,
        )
    except (ValueError, RecursionError):
        return _mask_broken_json(data)
    changes: list[bool] = []
    masked = _mask_value(document, None, False, changes)
    if not changes:
        return data
    return _dump(masked).encode("utf-8")


def _mask_value(value: Any, rule: _Rule | None, under_card: bool, changes: list[bool]) -> Any:
    if isinstance(value, _Object):
        pairs = _Object()
        for key, item in value:
            key_rule = _key_rule(key, under_card) or rule
            # "card": {"number": ..., "expiry": ...}: the object names a card, and only the
            # keys inside it that name card data are masked as such.
            card = under_card or key_rule is not None or _names_card(key)
            pairs.append((key, _mask_value(item, key_rule, card, changes)))
        return pairs
    if isinstance(value, list):
        return [_mask_value(item, rule, under_card, changes) for item in value]
    if isinstance(value, str):  # a string, or a number as written
        masked = rule(value) if rule is not None else mask_text(value)
        if masked != value:
            changes.append(True)
            return str(masked)  # a masked number is written as a string
        return value
    return value  # true, false, null


def _dump(value: Any) -> str:
    if isinstance(value, _Object):
        return (
            "{"
            + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_dump(v)}" for k, v in value)
            + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(_dump(item) for item in value) + "]"
    if isinstance(value, _Number):
        return str.__str__(value)
    return json.dumps(value, ensure_ascii=False)


def _mask_broken_json(data: bytes) -> bytes:
    """Best effort for a document that does not parse (it is archived with its error)."""

    def text(raw: bytes) -> str:
        try:
            return str(json.loads(raw))
        except ValueError:
            return raw.decode("utf-8", "surrogateescape").strip('"')

    def pair(match: re.Match[bytes]) -> bytes:
        rule = _key_rule(text(match.group(1)), False)
        if rule is None:
            return match.group(0)
        value = json.dumps(rule(text(match.group(3))), ensure_ascii=False)
        return match.group(1) + match.group(2) + value.encode("utf-8", "surrogateescape")

    masked = mask_bytes(_JSON_PAIR.sub(pair, data))
    return data if masked == data else masked


# -- attachments ---------------------------------------------------------------------------------

_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/xhtml+xml",
        "application/csv",
        "application/x-csv",
    }
)
_TEXT_SUFFIXES = frozenset({".txt", ".csv", ".tsv", ".json", ".xml", ".html", ".htm", ".ics"})


def _is_text(content_type: str, file_name: str, data: bytes) -> bool:
    if content_type == "application/pdf" or data.startswith(b"%PDF-"):
        return False
    return (
        content_type.startswith("text/")
        or content_type in _TEXT_TYPES
        or Path(file_name).suffix.lower() in _TEXT_SUFFIXES
    )


def _text_codec(data: bytes, charset: str = "") -> str:
    """A codec that reads ``data`` and writes it back byte for byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    for codec in (charset, "utf-8"):
        if not codec:
            continue
        try:
            data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
        return codec
    return "latin-1"  # reads any byte; a single-byte Turkish text keeps its digits and "ü"


def mask_text_file(data: bytes, content_type: str, file_name: str = "", charset: str = "") -> bytes:
    """A text file (plain, HTML, CSV, XML, JSON) with its card data masked, in its encoding."""
    if content_type in ("application/xml", "text/xml") or file_name.lower().endswith(".xml"):
        return mask_xml(data)
    if content_type == "application/json" or file_name.lower().endswith(".json"):
        return mask_json(data)
    codec = _text_codec(data, charset)
    text = data.decode(codec)
    masked = mask_text(text)
    return data if masked is text else masked.encode(codec)


def screen_attachment(data: bytes, content_type: str, file_name: str = "") -> bytes | None:
    """The bytes to keep of an attachment: text with its card data masked, a binary file as it
    is, or None for a binary file (PDF, image ...) whose text holds card data — a PDF cannot be
    masked in place, so it is not kept at all."""
    kind = content_type.split(";")[0].strip().lower()
    if _is_text(kind, file_name, data):
        return mask_text_file(data, kind, file_name)
    if data.startswith(b"%PDF-"):
        # The text its pages show (a PDF's cross-reference table is digits: not read as text).
        return None if has_card(pdf_text(data)) else data
    # Other files: text that sits in them as plain bytes (a comment in an image, an old
    # word processor's file ...); what an image shows as pixels cannot be read here.
    view = data.decode("latin-1")
    return None if mask_text(view) is not view else data


# -- mail ----------------------------------------------------------------------------------------

#: Headers that carry structure and identifiers, never text a person wrote.
_STRUCTURAL_HEADERS = frozenset(
    {
        "content-type",
        "content-transfer-encoding",
        "content-disposition",
        "content-id",
        "mime-version",
        "message-id",
        "references",
        "in-reply-to",
        "received",
        "x-received",
        "dkim-signature",
        "arc-seal",
        "arc-message-signature",
        "arc-authentication-results",
        "authentication-results",
        "return-path",
    }
)
#: Written back as read: no ">From " quoting, and headers left as folded (or not) as they came.
_AS_READ = email.policy.compat32.clone(mangle_from_=False, max_line_length=0)

REMOVED_NOTE = (
    "hotelops removed this attachment before archiving the mail: {name} ({type}, {size:,} "
    "bytes) holds a payment card number or security code, which is never kept (PCI DSS). "
    "Ask the operator for a copy without card data if the document is needed.\n"
)


@dataclass
class MaskedMail:
    """A mail made safe to keep: its archive bytes and the attachments to store."""

    archive: bytes
    attachments: list[ParsedAttachment] = field(default_factory=list)
    #: Attachments left out (binary files holding card data): "name (type)".
    removed: list[str] = field(default_factory=list)


def mask_mail(data: bytes, mail: MailMessage) -> MaskedMail:
    """Mask a mail already read: its attachments, and the bytes to archive.

    ``mail`` is what ``read_mail`` made of ``data``: its decoded subject, text, HTML and
    attachments are checked as they are, then the headers and parts it did not decode. Only
    when something holds card data is the mail rewritten (``mask_mail_bytes``); otherwise it is
    archived as it came.
    """
    kept: list[ParsedAttachment] = []
    removed: list[str] = []
    dirty = False
    for attachment in mail.attachments:
        safe = screen_attachment(attachment.data, attachment.content_type, attachment.file_name)
        if safe is None:
            removed.append(f"{attachment.file_name} ({attachment.content_type})")
            dirty = True
            continue
        if safe is not attachment.data:
            dirty = True
            attachment = ParsedAttachment(attachment.file_name, attachment.content_type, safe)
        kept.append(attachment)
    dirty = (
        dirty
        or has_card(mail.subject)
        or has_card(mail.text)
        or has_card(mail.html)
        or _rest_has_card(mail.mime, {a.data for a in mail.attachments})
    )
    archive = mask_mail_bytes(data) if dirty else data
    return MaskedMail(archive, kept, removed)


def _rest_has_card(mime: Message | None, attachments: set[bytes]) -> bool:
    """Card data in what ``read_mail`` does not decode: other headers, other parts."""
    if mime is None:
        return True  # cannot tell: let the rewrite look at everything
    headers: list[str] = []
    for part in mime.walk():
        for name, value in part.raw_items():
            if name.lower() not in _STRUCTURAL_HEADERS:
                headers.append(decode_header_value(value) if "=?" in value else value)
        if part.is_multipart():
            for text in (part.preamble, part.epilogue):
                if text:
                    headers.append(text)
            continue
        if part.get_content_type() in ("text/plain", "text/html"):
            continue  # read_mail decoded it: the text, the HTML or an attachment
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload and payload not in attachments:
            name = _part_name(part)
            if screen_attachment(payload, part.get_content_type(), name) is not payload:
                return True
    return has_card("\n".join(headers))


def _part_name(part: Message) -> str:
    try:
        return str(part.get_filename() or "")
    except (TypeError, ValueError, LookupError):
        return ""


def mask_mail_bytes(data: bytes) -> bytes:
    """A mail written again with its card data masked, still a mail any reader reads.

    Every header is decoded (RFC 2047) and masked, and written back (encoded again when not
    ASCII); every text part is decoded (quoted-printable, base64, its charset), masked, and
    written back in its own transfer encoding and charset; an attachment is screened like a
    document (``screen_attachment``), and one that cannot be kept is replaced by a short
    text part saying why. Parts and headers without card data are left as they were.
    """
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        if not _mask_message(message):
            return data
        crlf = b"\r\n" in data[:4096]
        return message.as_bytes(policy=_AS_READ.clone(linesep="\r\n") if crlf else _AS_READ)
    except Exception:  # a mail the stdlib cannot write again is masked as bytes, never kept
        return mask_bytes(data)


def _mask_message(message: Message) -> bool:
    changed = False
    for part in message.walk():
        changed = _mask_headers(part) or changed
        if part.is_multipart():
            for attribute in ("preamble", "epilogue"):
                text = getattr(part, attribute)
                if text and mask_text(text) is not text:
                    setattr(part, attribute, mask_text(text))
                    changed = True
            continue
        changed = _mask_part(part) or changed
    return changed


def _mask_headers(part: Message) -> bool:
    masked: dict[str, list[str]] = {}
    dirty: set[str] = set()
    for name, value in part.raw_items():
        key = name.lower()
        if key in _STRUCTURAL_HEADERS:
            continue
        text = decode_header_value(value) if "=?" in value else value
        safe = mask_text(text)
        masked.setdefault(name, []).append(value if safe is text else _header_value(safe))
        if safe is not text:
            dirty.add(name)
    for name in dirty:
        del part[name]
        for value in masked[name]:
            part[name] = value
    return bool(dirty)


def _header_value(text: str) -> str:
    if text.isascii():
        return text
    return Header(text, "utf-8").encode()


def _mask_part(part: Message) -> bool:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload:
        return False
    kind = part.get_content_type()
    name = _part_name(part)
    if kind in ("text/plain", "text/html") and not name:
        safe: bytes | None = mask_text_file(payload, kind, "", part.get_content_charset() or "")
    else:
        safe = screen_attachment(payload, kind, name)
    if safe is payload:
        return False
    if safe is None:
        _replace_with_note(part, name or "attachment", kind, len(payload))
        return True
    _set_payload(part, safe)
    return True


def _set_payload(part: Message, data: bytes) -> None:
    """New bytes for a part, in the transfer encoding it had."""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    del part["Content-Transfer-Encoding"]
    part.set_payload(data)
    if encoding == "base64":
        email.encoders.encode_base64(part)
    elif encoding == "quoted-printable":
        # Spaces stay spaces (the stdlib encoder writes every one as =20).
        part.set_payload(quopri.encodestring(data).decode("ascii"))
        part["Content-Transfer-Encoding"] = "quoted-printable"
    else:
        part.set_payload(data.decode("ascii", "surrogateescape"))
        if encoding:
            part["Content-Transfer-Encoding"] = encoding


def _replace_with_note(part: Message, name: str, kind: str, size: int) -> None:
    for header in set(part.keys()):
        del part[header]
    note = REMOVED_NOTE.format(name=name, type=kind, size=size)
    part["Content-Type"] = 'text/plain; charset="utf-8"'
    part.add_header(
        "Content-Disposition", "attachment", filename=("utf-8", "", f"{name}.removed.txt")
    )
    part["X-Hotelops-Removed"] = "card data"
    part.set_payload(quopri.encodestring(note.encode("utf-8")).decode("ascii"))
    part["Content-Transfer-Encoding"] = "quoted-printable"
