"""A corpus of operator messages holding card data in every form hotelops must mask.

Each case is a file as an operator sends it (built from the bundled fixtures, so every one
parses into a reservation), the card numbers (PANs) and security codes (CVVs) it holds, and
what must be left of a PAN where it was (the last four digits). ``readable_forms`` and
``leaks`` are the test's own reading of stored data, independent of ``hotelops.core``: every
text a stored value holds once decoded (MIME parts, base64, quoted-printable, RFC 2047, XML and
HTML character references, JSON escapes, PDF streams), searched for each PAN with any
separators between its digits and for each CVV.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.header
import email.policy
import html
import json
import quopri
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import SQLModel, select
from typer.testing import CliRunner

from hotelops.cli.app import app
from hotelops.core.db import Database
from hotelops.core.demo import fixtures_dir
from hotelops.core.models import InboxReservation

FIXTURES = fixtures_dir()


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number][::-1]
    total = sum(
        d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
    )
    return total % 10 == 0


# One PAN per form, so a leak names the form that leaked. All Luhn-valid but one.
PAN_OTA_ATTRIBUTE = "5555555555554444"
PAN_OTA_LUHN_INVALID = "4111111111111112"
PAN_OTA_ELEMENT = "4012888888881881"
PAN_XML_CHAR_REFS = "378282246310005"
PAN_XML_DOTTED = "6011111111111117"
PAN_ALPINEBITS = "4444333322221111"
PAN_JSON_NESTED = "5200828282828210"
PAN_JSON_PAN = "4000056655665556"
PAN_JSON_NUMBER = "4242424242424242"
PAN_MAIL_QP = "3530111333300000"
PAN_MAIL_BASE64 = "6011000990139424"
PAN_MAIL_DOTTED = "5425233430109903"
PAN_MAIL_SUBJECT = "4917610000000000"
PAN_MAIL_HTML_REFS = "371449635398431"
PAN_ATTACHMENTS = "5105105105105100"

CVV_SERIES_ATTRIBUTE = "846"
CVV_SERIES_ELEMENT = "591"
CVV_JSON_CVC = "482"
CVV_JSON_CVV = "613"
CVV_MAIL = "737"
CVV_GUVENLIK = "123"
CVV_MAIL_DOTTED = "904"
CVV_HTML = "275"
CVV_ATTACHMENTS = "319"

#: A guest name that appears only in the body of the corpus's mails (for log checks).
GUEST_IN_BODY = "KARTALOVA"


def spaced(pan: str) -> str:
    """``4111111111111111`` → ``4111 1111 1111 1111``."""
    return " ".join(pan[i : i + 4] for i in range(0, len(pan), 4))


def char_refs(text: str) -> str:
    return "".join(f"&#{ord(c)};" for c in text)


@dataclass
class Case:
    """One file of the corpus."""

    name: str  # file name in the drop folder (an operator prefix where the format needs one)
    data: bytes
    voucher: str
    pans: list[str]
    cvvs: list[str]
    #: Masked text that must be in the archived message (the last four digits kept).
    archived: list[str] = field(default_factory=list)
    #: Masked text that must be in the reservation's agency note.
    noted: list[str] = field(default_factory=list)
    mail: bool = False


def _replace(data: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in data, f"the fixture changed: {old!r} is gone"
        data = data.replace(old, new)
    return data


# -- OpenTravel / AlpineBits ---------------------------------------------------------------------


def _ota_attributes() -> Case:
    """2011B style: PaymentCard/@CardNumber (Luhn-valid) and @SeriesCode."""
    text = (FIXTURES / "ota" / "PEGS-01-new-card-PG2620418.xml").read_text()
    text = _replace(
        text,
        ("PG2620418", "PGC10001"),
        (
            'CardCode="VI" CardNumber="4111111111111111"',
            f'CardCode="MC" CardNumber="{PAN_OTA_ATTRIBUTE}" SeriesCode="{CVV_SERIES_ATTRIBUTE}"',
        ),
        ("4111111111111111 is the well-known Visa test number.", "a card."),
    )
    return Case(
        "PEGS-cards-attributes.xml",
        text.encode(),
        "PGC10001",
        [PAN_OTA_ATTRIBUTE],
        [CVV_SERIES_ATTRIBUTE],
        archived=[f'CardNumber="XXXXXXXXXXXX{PAN_OTA_ATTRIBUTE[-4:]}"', 'SeriesCode="XXX"'],
    )


def _ota_luhn_invalid() -> Case:
    """A CardNumber that fails Luhn, copied by the operator into a comment (the agency note)."""
    text = (FIXTURES / "ota" / "PEGS-01-new-card-PG2620418.xml").read_text()
    text = _replace(
        text,
        ("PG2620418", "PGC10002"),
        ('CardNumber="4111111111111111"', f'CardNumber="{PAN_OTA_LUHN_INVALID}"'),
        ("4111111111111111 is the well-known Visa test number.", "a card."),
        (
            '<BasicPropertyInfo HotelCode="KIV" HotelName="Kivima Hotel"/>\n      </ResGlobalInfo>',
            '<Comments><Comment Name="guarantee"><Text>Guaranteed by card '
            f"{spaced(PAN_OTA_LUHN_INVALID)}, exp 08/28</Text></Comment></Comments>\n"
            '        <BasicPropertyInfo HotelCode="KIV" HotelName="Kivima Hotel"/>\n'
            "      </ResGlobalInfo>",
        ),
    )
    masked = "XXXX XXXX XXXX " + PAN_OTA_LUHN_INVALID[-4:]
    return Case(
        "PEGS-cards-luhn-invalid.xml",
        text.encode(),
        "PGC10002",
        [PAN_OTA_LUHN_INVALID],
        [],
        archived=[f'CardNumber="XXXXXXXXXXXX{PAN_OTA_LUHN_INVALID[-4:]}"', masked],
        noted=[masked],
    )


def _ota_elements() -> Case:
    """2015A: CardNumber and SeriesCode elements with PlainText; character references and a
    dotted number in the comments."""
    text = (FIXTURES / "ota" / "TUIP-01-new-79194577.xml").read_text()
    refs = char_refs(f"{PAN_XML_CHAR_REFS[:4]} {PAN_XML_CHAR_REFS[4:10]} {PAN_XML_CHAR_REFS[10:]}")
    dotted = ".".join(PAN_XML_DOTTED[i : i + 4] for i in range(0, 16, 4))
    text = _replace(
        text,
        ("79194577", "79190001"),
        (
            '<Total AmountAfterTax="1899.00" CurrencyCode="EUR"/>',
            '<Guarantee GuaranteeType="CC/DC/Voucher"><GuaranteesAccepted><GuaranteeAccepted>'
            '<PaymentCard CardCode="VI" ExpireDate="1127">'
            "<CardHolderName>ANDRE GRAESER</CardHolderName>"
            f'<CardNumber Mask="xxxxxxxxxxxx{PAN_OTA_ELEMENT[-4:]}">'
            f"<PlainText>{PAN_OTA_ELEMENT}</PlainText></CardNumber>"
            f"<SeriesCode><PlainText>{CVV_SERIES_ELEMENT}</PlainText></SeriesCode>"
            "</PaymentCard></GuaranteeAccepted></GuaranteesAccepted></Guarantee>\n"
            '          <Total AmountAfterTax="1899.00" CurrencyCode="EUR"/>',
        ),
        (
            "<Text>Honeymoon couple; quiet room on a high floor if possible.</Text>",
            f"<Text>Honeymoon couple; deposit paid with {refs}; spare card {dotted}.</Text>",
        ),
    )
    amex = f"XXXX XXXXXX X{PAN_XML_CHAR_REFS[-4:]}"
    dotted_masked = f"XXXX.XXXX.XXXX.{PAN_XML_DOTTED[-4:]}"
    return Case(
        "TUIP-cards-elements.xml",
        text.encode(),
        "79190001",
        [PAN_OTA_ELEMENT, PAN_XML_CHAR_REFS, PAN_XML_DOTTED],
        [CVV_SERIES_ELEMENT],
        archived=[f"XXXXXXXXXXXX{PAN_OTA_ELEMENT[-4:]}</PlainText>", amex, dotted_masked],
        noted=[amex, dotted_masked],
    )


def _alpinebits() -> Case:
    """AlpineBits GuestRequests: PaymentCard/CardNumber/PlainText, as in the standard's sample."""
    text = (FIXTURES / "alpinebits" / "ALLT-01-guestrequests-AT3351207.xml").read_text()
    text = _replace(
        text,
        ("AT3351207", "AT3350001"),
        (
            "      <ResGlobalInfo>\n",
            "      <ResGlobalInfo>\n"
            "        <Guarantee><GuaranteesAccepted><GuaranteeAccepted>"
            '<PaymentCard CardCode="VI" ExpireDate="1216">'
            "<CardHolderName>Otto Mustermann</CardHolderName>"
            f"<CardNumber><PlainText>{PAN_ALPINEBITS}\n</PlainText></CardNumber>"
            "</PaymentCard></GuaranteeAccepted></GuaranteesAccepted></Guarantee>\n",
        ),
    )
    return Case(
        "ALLT-cards-guestrequests.xml",
        text.encode(),
        "AT3350001",
        [PAN_ALPINEBITS],
        [],
        archived=[f"XXXXXXXXXXXX{PAN_ALPINEBITS[-4:]}"],
    )


# -- JSON ----------------------------------------------------------------------------------------


def _json_feed() -> Case:
    """Card keys at depth, in the operator's own (x_) keys: card_number, pan, cvc, cvv, a number."""
    feed = json.loads((FIXTURES / "json" / "OTEL-01-feed.json").read_text())
    reservation = feed["reservations"][0]
    reservation["voucher"] = reservation["id"] = "OTN990001"
    feed["reservations"] = [reservation]
    reservation["x_payment"] = {
        "method": "card",
        "card": {"card_number": spaced(PAN_JSON_NESTED), "cvc": CVV_JSON_CVC, "expiry": "11/28"},
        "guarantee": [{"pan": PAN_JSON_PAN, "cvv": CVV_JSON_CVV}],
    }
    text = json.dumps(feed, ensure_ascii=False, indent=2)
    # A PAN sent as a JSON number, and one key written with a \u escape.
    text = text.replace('"method": "card"', f'"method": "card", "x_card_no": {PAN_JSON_NUMBER}')
    text = text.replace('"cvv": ', '"\\u0063vv": ')
    return Case(
        "OTEL-cards-feed.json",
        text.encode(),
        "OTN990001",
        [PAN_JSON_NESTED, PAN_JSON_PAN, PAN_JSON_NUMBER],
        [CVV_JSON_CVC, CVV_JSON_CVV],
        archived=[
            f'"card_number": "XXXX XXXX XXXX {PAN_JSON_NESTED[-4:]}"',
            '"cvc": "XXX"',
            f'"pan": "XXXXXXXXXXXX{PAN_JSON_PAN[-4:]}"',
            f'"x_card_no": "XXXXXXXXXXXX{PAN_JSON_NUMBER[-4:]}"',
        ],
    )


# -- mail ----------------------------------------------------------------------------------------

_MTS_BODY = """MTS GLOBE ANTALYA - HOTEL RESERVATION
=====================================
TO            : KIVIMA HOTEL / ANTALYA
FROM          : MTS GLOBE CONTRACTING AYT

STATUS        : NEW BOOKING
VOUCHER NO    : {voucher}
BOOKING DATE  : 21.04.2026
AGENCY        : ANEX TOUR MOSCOW
MARKET        : RUSSIA
CHECK IN      : 04.08.2026
CHECK OUT     : 14.08.2026
ROOM TYPE     : DBL STANDARD LAND VIEW
BOARD         : AI
ROOMS         : 1
PAX           : 2 ADL
PRICE         : 2.184,00 EUR (NET)

GUEST NAMES
1. {guest}/ELENA MRS 12.03.1986
2. {guest}/SERGEY MR 30.07.1983

REMARKS       : {remarks}

PLEASE CONFIRM BY RETURN MAIL WITH YOUR CONFIRMATION NUMBER.
"""


def _mts_mail(
    voucher: str, remarks: str, *, encoding: str, subject: str | None = None, guest: str = ""
) -> bytes:
    body = _MTS_BODY.format(voucher=voucher, remarks=remarks, guest=guest or GUEST_IN_BODY)
    raw = body.encode("utf-8")
    if encoding == "base64":
        payload = base64.encodebytes(raw).decode("ascii")
    elif encoding == "quoted-printable":
        payload = quopri.encodestring(raw).decode("ascii")
    else:
        payload = body
    head = (
        "From: MTS Globe Antalya <booking.ayt@mtsglobe.com>\n"
        "To: reservations@kivimahotel.example\n"
        f"Subject: {subject or f'NEW BOOKING {voucher} / KIVIMA HOTEL / 04.08.2026'}\n"
        "Date: Tue, 21 Apr 2026 10:42:17 +0300\n"
        f"Message-ID: <{voucher}.cards@res.mtsglobe.com>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="utf-8"\n'
        f"Content-Transfer-Encoding: {encoding}\n\n"
    )
    return (head + payload).encode("utf-8")


def _mail_quoted_printable() -> Case:
    """QP text with "CVV 737", "güvenlik kodu 123", and a PAN split by a soft line break."""
    remarks = (
        f"PAYMENT BY CARD {spaced(PAN_MAIL_QP)} CVV {CVV_MAIL} / "
        f"KART GÜVENLİK KODU {CVV_GUVENLIK} / güvenlik kodu: {CVV_GUVENLIK}"
    )
    data = _mts_mail("558901", remarks, encoding="quoted-printable")
    # Put a soft line break inside the card number, as a long QP line would.
    split = spaced(PAN_MAIL_QP)[:12].encode()
    assert split in data
    data = data.replace(split, split[:7] + b"=\n" + split[7:])
    masked = f"XXXX XXXX XXXX {PAN_MAIL_QP[-4:]}"
    return Case(
        "mts-cards-qp.eml",
        data,
        "558901",
        [PAN_MAIL_QP],
        [CVV_MAIL, CVV_GUVENLIK],
        archived=[masked, "CVV XXX", "güvenlik kodu: XXX"],
        noted=[masked, "CVV XXX"],
        mail=True,
    )


def _mail_base64() -> Case:
    remarks = f"CC {spaced(PAN_MAIL_BASE64)} CVC: {CVV_MAIL}"
    masked = f"XXXX XXXX XXXX {PAN_MAIL_BASE64[-4:]}"
    return Case(
        "mts-cards-base64.eml",
        _mts_mail("558902", remarks, encoding="base64"),
        "558902",
        [PAN_MAIL_BASE64],
        [CVV_MAIL],
        archived=[masked],
        noted=[masked, "CVC: XXX"],
        mail=True,
    )


def _mail_dotted() -> Case:
    dotted = ".".join(PAN_MAIL_DOTTED[i : i + 4] for i in range(0, 16, 4))
    remarks = f"GUARANTEE {dotted} CVV2: {CVV_MAIL_DOTTED}"
    masked = f"XXXX.XXXX.XXXX.{PAN_MAIL_DOTTED[-4:]}"
    return Case(
        "mts-cards-dotted.eml",
        _mts_mail("558903", remarks, encoding="7bit"),
        "558903",
        [PAN_MAIL_DOTTED],
        [CVV_MAIL_DOTTED],
        archived=[masked, "CVV2: XXX"],
        noted=[masked],
        mail=True,
    )


def _mail_subject() -> Case:
    """An RFC 2047 (base64) Subject holding a card number."""
    subject = email.header.Header(
        f"NEW BOOKING 558904 / KİVİMA HOTEL / kart {spaced(PAN_MAIL_SUBJECT)}", "utf-8"
    ).encode()
    return Case(
        "mts-cards-subject.eml",
        _mts_mail("558904", "LATE ARRIVAL", encoding="7bit", subject=subject),
        "558904",
        [PAN_MAIL_SUBJECT],
        [],
        mail=True,
    )


def _mail_html_char_refs() -> Case:
    """An HTML mail (quoted-printable) writing the card as character references, CVC in a cell."""
    text = (FIXTURES / "mail" / "w2m-01-new-4827391.eml").read_text()
    refs = char_refs(
        f"{PAN_MAIL_HTML_REFS[:4]} {PAN_MAIL_HTML_REFS[4:10]} {PAN_MAIL_HTML_REFS[10:]}"
    )
    text = _replace(
        text,
        ("4827391", "4827399"),
        (
            "<td>4111 1111 1111 1111</td></tr>",
            f'<td>{refs}</td></tr>\n<tr><td class=3D"l">CVC</td><td>{CVV_HTML}</td></tr>',
        ),
    )
    return Case(
        "w2m-cards-html.eml",
        text.encode(),
        "4827399",
        [PAN_MAIL_HTML_REFS],
        [CVV_HTML],
        archived=[f"XXXX XXXXXX X{PAN_MAIL_HTML_REFS[-4:]}"],
        mail=True,
    )


ATTACHMENT_TEXT = (
    "Rooming list 7KCRDX\n"
    f"Payment: card {spaced(PAN_ATTACHMENTS)} exp 11/28 CVC {CVV_ATTACHMENTS}\n"
    "Mr Oluwaseun Adeyemi, Mrs Priya Adeyemi\n"
)


def voucher_pdf(line: str) -> bytes:
    """A one-page PDF whose (Flate-compressed) page shows ``line``."""
    stream = zlib.compress(f"BT /F1 11 Tf 56 780 Td ({line}) Tj ET".encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def _mail_attachments() -> Case:
    """A text attachment and a PDF attachment, both with a card number and its CVC."""
    text = (FIXTURES / "mail" / "bah-01-new-9LXWQT.eml").read_text()
    start = text.index("--mixed-4d0e8b6f21\nContent-Type: application/pdf")
    pdf = voucher_pdf(
        f"Voucher 7KCRDX - card {spaced(PAN_ATTACHMENTS)} exp 11/28 CVC {CVV_ATTACHMENTS}"
    )
    attachments = (
        "--mixed-4d0e8b6f21\n"
        'Content-Type: text/plain; charset="utf-8"; name="rooming-7KCRDX.txt"\n'
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="rooming-7KCRDX.txt"\n\n'
        + base64.encodebytes(ATTACHMENT_TEXT.encode()).decode()
        + "--mixed-4d0e8b6f21\n"
        'Content-Type: application/pdf; name="BAH_Voucher_7KCRDX.pdf"\n'
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="BAH_Voucher_7KCRDX.pdf"\n\n'
        + base64.encodebytes(pdf).decode()
        + "--mixed-4d0e8b6f21--\n"
    )
    text = text[:start] + attachments
    text = text.replace("9LXWQT", "7KCRDX")
    return Case(
        "bah-cards-attachments.eml",
        text.encode(),
        "7KCRDX",
        [PAN_ATTACHMENTS],
        [CVV_ATTACHMENTS],
        archived=[
            f"card XXXX XXXX XXXX {PAN_ATTACHMENTS[-4:]} exp 11/28 CVC XXX",
            "removed this attachment before archiving the mail: BAH_Voucher_7KCRDX.pdf",
        ],
        mail=True,
    )


def cases() -> list[Case]:
    """Every case of the corpus."""
    built = [
        _ota_attributes(),
        _ota_luhn_invalid(),
        _ota_elements(),
        _alpinebits(),
        _json_feed(),
        _mail_quoted_printable(),
        _mail_base64(),
        _mail_dotted(),
        _mail_subject(),
        _mail_html_char_refs(),
        _mail_attachments(),
    ]
    for case in built:
        for pan in case.pans:
            assert luhn_valid(pan) == (pan != PAN_OTA_LUHN_INVALID), pan
    return built


def write(folder: Path, selected: list[Case] | None = None) -> list[Case]:
    """Write the corpus into a drop folder."""
    chosen = cases() if selected is None else selected
    folder.mkdir(parents=True, exist_ok=True)
    for case in chosen:
        (folder / case.name).write_bytes(case.data)
    return chosen


# -- reading what was stored ---------------------------------------------------------------------

_BASE64_RUN = re.compile(rb"(?:[A-Za-z0-9+/]{40,}={0,2}\s*){2,}")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def _texts_of_bytes(data: bytes) -> list[str]:
    forms = [data.decode("utf-8", "replace"), data.decode("latin-1")]
    forms.append(quopri.decodestring(data).decode("utf-8", "replace"))
    for run in _BASE64_RUN.findall(data):
        with contextlib.suppress(ValueError):
            forms.append(base64.b64decode(b"".join(run.split())).decode("latin-1"))
    for stream in _STREAM.findall(data):
        with contextlib.suppress(zlib.error):
            forms.append(zlib.decompress(stream).decode("latin-1"))
    if re.match(rb"[A-Za-z-]+:", data.lstrip()):
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        for part in message.walk():
            for _name, value in part.raw_items():
                forms.append(str(email.header.make_header(email.header.decode_header(value))))
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                forms.append(payload.decode("utf-8", "replace"))
                forms.extend(_texts_of_bytes(payload) if payload.startswith(b"%PDF") else [])
    return forms


def readable_forms(value: object) -> list[str]:
    """Every text a stored value holds, decoded every way a reader could decode it."""
    if value is None:
        return []
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    forms = _texts_of_bytes(value) if isinstance(value, bytes) else [str(value)]
    more = []
    for form in forms:
        more.append(html.unescape(form))
        stripped = form.strip()
        if stripped.startswith(("{", "[")):
            with contextlib.suppress(ValueError):
                more.append(json.dumps(json.loads(stripped), ensure_ascii=False))
    return forms + more


def pan_pattern(pan: str) -> re.Pattern[str]:
    """The PAN's digits in order, with up to three separators of any kind between them."""
    return re.compile(r"(?<![0-9])" + r"[^0-9A-Za-z]{0,3}".join(pan) + r"(?![0-9])")


def cvv_pattern(cvv: str) -> re.Pattern[str]:
    """The security code as a number of its own (not inside a longer number or a word)."""
    return re.compile(rf"(?<![0-9A-Za-z]){cvv}(?![0-9A-Za-z])")


def leaks(value: object, corpus: list[Case]) -> list[str]:
    """Which PANs and CVVs of the corpus a stored value still shows, once decoded."""
    found = []
    forms = readable_forms(value)
    for case in corpus:
        for pan in case.pans:
            if any(pan_pattern(pan).search(form) for form in forms):
                found.append(f"PAN {pan} ({case.name})")
        for cvv in case.cvvs:
            if any(cvv_pattern(cvv).search(form) for form in forms):
                found.append(f"CVV {cvv} ({case.name})")
    return found


# -- what is stored and shown ---------------------------------------------------------------------


def every_cell(db: Database) -> Iterator[tuple[str, str, object]]:
    """(table, column, value) of every cell of every table."""
    with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(table.select()):
                for column, value in zip(table.columns, row, strict=True):
                    yield table.name, column.name, value


def at_rest_leaks(db: Database, documents: Path, corpus: list[Case]) -> list[str]:
    """Every card number or security code still readable in the database or the documents."""
    found = []
    for table, column, value in every_cell(db):
        # A security code is text; an integer id that happens to read "123" is not one.
        text_like = isinstance(value, (str, bytes, dict, list))
        for leak in leaks(value if text_like else str(value), corpus):
            if text_like or leak.startswith("PAN"):
                found.append(f"{table}.{column}: {leak}")
    for path in sorted(documents.rglob("*")):
        if path.is_file():
            found.extend(
                f"document {path.name}: {leak}" for leak in leaks(path.read_bytes(), corpus)
            )
    return found


def shown_leaks(url: str, db: Database, corpus: list[Case]) -> list[str]:
    """Card data in what ``hotelops inbox show`` prints, as text and as JSON."""
    found = []
    with db.read() as session:
        ids = [row.id for row in session.exec(select(InboxReservation))]
    for inbox_id in ids:
        for args in (["inbox", "show", str(inbox_id)], ["--json", "inbox", "show", str(inbox_id)]):
            result = CliRunner().invoke(
                app, ["--db", url, *args], env={"NO_COLOR": "1", "COLUMNS": "200"}
            )
            assert result.exit_code == 0, result.output
            found.extend(f"{' '.join(args)}: {leak}" for leak in leaks(result.output, corpus))
    return found
