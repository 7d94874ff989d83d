"""Messages that once stopped the scanner, and big ones at the limits, made on the fly.

Written into a test's ``tmp_path``, never into the repository.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

from hotelops.core.demo import fixtures_dir

FIX = fixtures_dir()
MB = 1_048_576


WEBBEDS = b"WebBeds Bookings <noreply-bookings@webbeds.com>"
_FEED = b'{"operator": "OTEL", "hotel": "KIV", "reservations": '
_ROOT = b'<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05">'


def nested_json(depth: int) -> bytes:
    """An Otelsnet feed whose reservations are ``depth`` arrays, one in the other."""
    return _FEED + b"[" * depth + b"]" * depth + b"}"


def nested_mime(depth: int, sender: bytes = WEBBEDS) -> bytes:
    """A mail whose multiparts nest ``depth`` levels deep around one text part."""
    lines = [b"From: " + sender, b"Subject: booking", b"MIME-Version: 1.0"]
    for level in range(depth):
        lines += [b'Content-Type: multipart/mixed; boundary="b%d"' % level, b"", b"--b%d" % level]
    lines += [b"Content-Type: text/plain", b"", b"Booking Reference: 1"]
    lines += [b"--b%d--" % level for level in reversed(range(depth))]
    return b"\r\n".join(lines) + b"\r\n"


def flat_mime(parts: int, sender: bytes = WEBBEDS) -> bytes:
    """A mail with ``parts`` text parts side by side."""
    lines = [
        b"From: " + sender,
        b"Subject: booking",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="flat"',
        b"",
    ]
    for index in range(parts):
        lines += [b"--flat", b"Content-Type: text/plain", b"", b"part %d" % index]
    lines.append(b"--flat--")
    return b"\r\n".join(lines) + b"\r\n"


def nested_xml(depth: int) -> bytes:
    """An OTA message whose elements nest ``depth`` levels below its root."""
    return _ROOT + b"<Nest>" * depth + b"</Nest>" * depth + b"</OTA_HotelResNotifRQ>"


_OTA_HEAD = b"""<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" EchoToken="BIG" Version="6.000">
<POS><Source><RequestorID Type="11" ID="SEJR"/></Source></POS>
<HotelReservations>
"""
_OTA_TAIL = b"</HotelReservations>\n</OTA_HotelResNotifRQ>\n"
_GUEST = (
    '<ResGuest ResGuestRPH="{rph}"><Profiles><ProfileInfo><Profile ProfileType="1">'
    "<Customer><PersonName><GivenName>Guest{rph}</GivenName><Surname>Levai{n}</Surname>"
    "</PersonName></Customer></Profile></ProfileInfo></Profiles></ResGuest>"
)
_STAY = (
    '<HotelReservation ResStatus="Book"><UniqueID Type="14" ID="{prefix}{n:06d}"/>'
    '<RoomStays><RoomStay><RoomTypes><RoomType RoomTypeCode="STANDARD ROOM"/></RoomTypes>'
    '<GuestCounts><GuestCount AgeQualifyingCode="10" Count="{guests}"/></GuestCounts>'
    '<TimeSpan Start="2026-07-05" End="2026-07-12"/>'
    '<Total AmountAfterTax="1050.00" CurrencyCode="EUR"/><ResGuestRPHs>{rphs}</ResGuestRPHs>'
    "</RoomStay></RoomStays><ResGuests>{guest_list}</ResGuests></HotelReservation>\n"
)


def ota_stays(stays: int, *, size: int = 0, guests: int = 2, prefix: str = "BIG") -> bytes:
    """A Sejour OTA message with ``stays`` reservations of one room each, padded with a
    comment to ``size`` bytes when that is larger."""
    body = "".join(
        _STAY.format(
            prefix=prefix,
            n=n,
            guests=guests,
            rphs=" ".join(str(rph) for rph in range(1, guests + 1)),
            guest_list="".join(_GUEST.format(rph=rph, n=n) for rph in range(1, guests + 1)),
        )
        for n in range(stays)
    ).encode()
    data = _OTA_HEAD + body + _OTA_TAIL
    padding = size - len(data) - len(b"<!--\n-->\n")
    if padding > 0:
        data = _OTA_HEAD + b"<!--" + b"x" * padding + b"\n-->\n" + body + _OTA_TAIL
    return data


def json_feed(reservations: int, *, size: int = 0) -> bytes:
    """An Otelsnet feed with ``reservations`` bookings, padded in their notes to ``size``."""
    template = json.loads((FIX / "json" / "OTEL-01-feed.json").read_text())
    first = template["reservations"][0]
    entries = []
    for n in range(reservations):
        entry = dict(first, id=f"OTN-BIG-{n}", voucher=f"OTNBIG{n:06d}")
        entries.append(entry)
    feed = dict(template, reservations=entries)
    data = json.dumps(feed).encode()
    note = 0
    while size - len(data) >= reservations:  # twice at most: the first notes replace others
        note += (size - len(data)) // reservations
        for entry in entries:
            entry["notes"] = "n" * note
        data = json.dumps(feed).encode()
    return data


def mail_with_attachment(size: int) -> bytes:
    """The MTS new-booking mail with a PDF attached, ``size`` bytes in all."""
    text = (FIX / "mail" / "mts-01-new-558120.eml").read_bytes()
    head, _, body = text.partition(b"\n\n")
    headers = [
        line
        for line in head.split(b"\n")
        if not line.lower().startswith((b"content-type", b"content-transfer", b"mime-version"))
    ]
    # base64 writes 3 bytes as 4, in lines of 76 characters and a newline
    raw = b"%PDF-1.4\n" + b"0" * int((size - len(text) - 1000) * 3 / 4 * 76 / 77)
    encoded = base64.encodebytes(raw)
    return b"\n".join(
        [
            *headers,
            b"MIME-Version: 1.0",
            b'Content-Type: multipart/mixed; boundary="att"',
            b"",
            b"--att",
            b"Content-Type: text/plain; charset=utf-8",
            b"",
            body,
            b"--att",
            b'Content-Type: application/pdf; name="voucher.pdf"',
            b'Content-Disposition: attachment; filename="voucher.pdf"',
            b"Content-Transfer-Encoding: base64",
            b"",
            encoded,
            b"--att--",
            b"",
        ]
    )


def mts_mails(count: int, folder: Path, first: int = 700_000) -> list[str]:
    """``count`` MTS booking mails, one new voucher each, written to ``folder``; their
    vouchers."""
    source = (FIX / "mail" / "mts-01-new-558120.eml").read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    vouchers = []
    for index in range(count):
        voucher = str(first + index)
        (folder / f"mts-{index:05d}.eml").write_bytes(source.replace(b"558120", voucher.encode()))
        vouchers.append(voucher)
    return vouchers


def run_measured(
    args: list[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run a command in a process of its own; its result and its peak memory in MB."""
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(done.stderr)\n"
        "sys.stdout.write(done.stdout)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024\n"
        "sys.stderr.write(f'\\nPEAK_MB={peak}\\n')\n"
        "sys.exit(done.returncode)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, env=env
    )
    marker = done.stderr.rsplit("PEAK_MB=", 1)
    peak = int(marker[1].split()[0]) if len(marker) == 2 else -1
    done.stderr = marker[0]
    return done, peak
