"""The demo hotel with names, codes, notes and files that look like Rich or Textual markup.

An unmatched ``[/b]`` is a ``MarkupError`` when read as markup, a style tag vanishes, and the
``[[room_types]]`` of a hotel-file hint printed as ``[]``. The CLI and dashboard tests check that
each of these shows as written. Everything is made the way users make it: the hotel file imported,
the operator's feed scanned from a folder, the hotel note edited, a reservation rejected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotelops.core.approval import reject
from hotelops.core.db import open_database, sqlite_url
from hotelops.core.demo import DEMO_FILE, demo_config, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.sales import set_sales
from hotelops.core.scan.runner import ScanRequest, run_scan

HOTEL_NAME = "Kivima [[room_types]] Hotel"
ROOM_NAME = "Junior Suite [/b] Sea View"
OPERATOR_NAME = "Otelsnet [bold red]x[/]"
VOUCHER = "OTN[/b]9"
REJECTED_VOUCHER = "OTN[/b]10"
GUEST = "Ann [/b]"
AGENCY = "[[room_types]]"
ROOM_TYPE = "[bold red]x[/]"
AGENCY_NOTE = "see [[room_types]] and [/b]"
HOTEL_NOTE = "[bold red]late[/] arrival [/b]"
REASON = "[red]no[/] rooms [/b]"
BROKEN_FILE = "[bold]broken.json"


@dataclass(frozen=True)
class MarkedHotel:
    """The database and the inbox ids of the two marked reservations."""

    path: Path
    reservation: int  # VOUCHER: pending, with the hotel note
    rejected: int  # REJECTED_VOUCHER: rejected for REASON


def markup_folder(root: Path) -> Path:
    """A new folder whose path reads ``.../in [/b] drop``."""
    folder = root / "in [" / "b] drop"
    folder.mkdir(parents=True)
    return folder


def demo_file(**replace: str) -> str:
    """The demo hotel file's text, each ``old=new`` replaced once."""
    text = (fixtures_dir() / DEMO_FILE).read_text()
    for old, new in replace.items():
        text = text.replace(old, new, 1)
    return text


def operator_feed() -> dict[str, Any]:
    """Otelsnet's feed with two reservations whose values look like markup."""
    feed = json.loads((fixtures_dir() / "json" / "OTEL-01-feed.json").read_text())
    first, second = feed["reservations"][0], dict(feed["reservations"][0])
    first.update(id="OTN-9", voucher=VOUCHER, room_type=ROOM_TYPE, agency=AGENCY, notes=AGENCY_NOTE)
    first["guests"][0].update(first_name=GUEST, last_name="Lee")
    second.update(id="OTN-10", voucher=REJECTED_VOUCHER, guests=first["guests"][1:])
    feed["reservations"] = [first, second]
    return feed


def build_marked_hotel(root: Path) -> MarkedHotel:
    """The demo hotel under marked names, Otelsnet's marked feed and a broken file scanned."""
    hotel_file = root / "hotel.toml"
    hotel_file.write_text(
        demo_file(
            **{
                'name = "Kivima Hotel"': f'name = "{HOTEL_NAME}"',
                'name = "Otelsnet"': f'name = "{OPERATOR_NAME}"',
                'name = "Junior Suite Sea View"': f'name = "{ROOM_NAME}"',
            }
        )
    )
    folder = markup_folder(root)
    (folder / "feed.json").write_text(json.dumps(operator_feed()))
    (folder / BROKEN_FILE).write_text('{"reservations": [')
    path = root / "hotel.db"
    db = open_database(sqlite_url(path))
    try:
        code = import_hotel(db, hotel_file, user="office").hotel_code
        run_scan(db, demo_config(path), ScanRequest(hotel_code=code, folders=[folder]))
        with db.read() as session:
            hotel = get_hotel(session, code)
            rows = list_inbox(session, hotel.id or 0, InboxFilter(operator="OTEL")).rows
        ids = {row.voucher: row.id for row in rows}
        set_sales(db, code, ids[VOUCHER], user="office", hotel_note=HOTEL_NOTE)
        reject(db, hotel, ids[REJECTED_VOUCHER], REASON, user="office")
    finally:
        db.dispose()
    return MarkedHotel(path, ids[VOUCHER], ids[REJECTED_VOUCHER])
