"""The demo hotel: Kivima Hotel (KIV), built in a local SQLite file from ``fixtures/demo``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL
from sqlmodel import SQLModel, select

import hotelops
from hotelops.core.config import LoadedConfig, Settings
from hotelops.core.db import (
    Database,
    describe_url,
    open_database,
    parse_url,
    sqlite_path,
    sqlite_url,
)
from hotelops.core.errors import InputError
from hotelops.core.hotelfile import ImportResult, import_hotel
from hotelops.core.hotels import HotelSummary, get_hotel, summarize
from hotelops.core.models import Meta, StopSale
from hotelops.core.pricing.contracts import import_contract
from hotelops.core.pricing.promotions import import_promotions
from hotelops.core.rates import import_rates
from hotelops.core.scan.runner import ScanReport, ScanRequest, run_scan
from hotelops.core.scan.sources.base import RawItem, SourceLog
from hotelops.core.scan.sources.folder import FolderSource

DEMO_FILE = Path("demo") / "kivima.toml"
#: The demo's exchange rates: GBP, USD and TRY in EUR, every day of the 2026 season.
DEMO_RATES = Path("demo") / "rates.csv"
#: The operator messages the demo scans (each folder's bad/ examples are left out).
DEMO_FOLDERS = ("mail", "ota", "alpinebits", "json")
DEFAULT_DEMO_DB = Path("hotelops-demo.db")
#: The demo's messages arrive this far apart, in file-name order, the last one "now".
DEMO_RECEIVED_STEP = timedelta(minutes=3)


def fixtures_dir() -> Path:
    """The bundled fixtures: inside the installed package, or the repository's ``fixtures/``."""
    package = Path(hotelops.__file__).resolve().parent
    for candidate in (package / "_data" / "fixtures", package.parent / "fixtures"):
        if (candidate / DEMO_FILE).is_file():
            return candidate
    raise InputError(
        "the demo fixtures are missing from this installation "
        "(reinstall hotelops: pip install -e .)"
    )


@dataclass(frozen=True)
class DemoResult:
    """The demo database that was built and what it holds."""

    #: The database as a user names it: the SQLite file's path, or the URL without password.
    target: str
    #: The SQLite file (None on PostgreSQL).
    path: Path | None
    imported: ImportResult
    summary: HotelSummary
    scan: ScanReport


def demo_folders() -> list[Path]:
    """The fixture folders of operator messages the demo scans."""
    return [fixtures_dir() / name for name in DEMO_FOLDERS if (fixtures_dir() / name).is_dir()]


def demo_config(path: Path | str | None = None) -> LoadedConfig:
    """Settings for working on the demo database: the defaults, so documents are kept beside
    the database, where every other command looks for them (``documents.documents_root``)."""
    return LoadedConfig(Settings(), None)


class DemoFolderSource:
    """The demo's fixture folders, with reception times that do not depend on file times.

    A fresh clone gives every fixture file the checkout time as its mtime; the demo instead has
    its messages arrive ``DEMO_RECEIVED_STEP`` apart in file-name order, the last one at
    ``now`` (so a demo built with a fixed clock is the same, to the second, every time).
    """

    def __init__(self, folders: list[Path], now: datetime) -> None:
        self.folder = FolderSource(folders)
        self.name = self.label = self.folder.name
        self.own_operator = ""
        self.now = now

    def fetch(self) -> Iterator[RawItem]:
        """Every fixture file, in name order, with its demo reception time."""
        items = list(self.folder.fetch())
        for index, item in enumerate(items):
            item.received_at = self.now - DEMO_RECEIVED_STEP * (len(items) - 1 - index)
            yield item

    def acknowledge(self, ack_ids: list[str]) -> None:
        """Files need no acknowledgement."""

    def logs(self) -> list[SourceLog]:
        """The folder's own lines (an unreadable file)."""
        return self.folder.logs()


def demo_stop_sale(hotel_id: int, user: str, at: datetime) -> StopSale:
    """The demo's stop sale, so the guard can be tried: two nights of the Deluxe King rooms
    (DXK1, 20-21 July 2026), which only TUI Partners' pending 79205518 (18-25 July) stays on."""
    return StopSale(
        hotel_id=hotel_id,
        room_type="DXK1",
        date_from=date(2026, 7, 20),
        date_to=date(2026, 7, 21),
        note="Deluxe King block closed for pool works (demo)",
        created_by=user,
        created_at=at,
    )


def build_demo(
    target: str | Path = DEFAULT_DEMO_DB, *, user: str = "demo", now: datetime | None = None
) -> DemoResult:
    """Build the demo hotel in ``target``: an SQLite file (made fresh) or a PostgreSQL URL.

    An earlier demo there is replaced; any other database is refused, so a real database can
    never be overwritten by mistake. ``now`` (UTC-aware) fixes the clock of the scan: every
    reception, scan-run and scan-log time then follows from it, so two demos built with the
    same ``now`` show the same screens (the snapshot tests rely on it).
    """
    if now is not None and now.tzinfo is None:
        raise InputError("build_demo: now must carry a time zone (e.g. datetime(..., tzinfo=UTC))")
    clock: Callable[[], datetime] = (
        (lambda: now) if now is not None else (lambda: datetime.now(UTC))
    )
    url = parse_url(str(target))
    db = _fresh_demo_database(url)
    try:
        with db.write() as session:
            session.add(Meta(key="demo", value="true"))
        imported = import_hotel(db, fixtures_dir() / DEMO_FILE, user=user)
        pricing = fixtures_dir() / "pricing"
        for contract_file in sorted(pricing.glob("*.toml")):
            if contract_file.name != "promotions.toml":
                import_contract(db, imported.hotel_code, contract_file, user=user)
        if (pricing / "promotions.toml").is_file():
            import_promotions(db, imported.hotel_code, pricing / "promotions.toml", user=user)
        import_rates(db, imported.hotel_code, fixtures_dir() / DEMO_RATES, user=user)
        with db.write() as session:
            session.add(demo_stop_sale(imported.hotel_id, user, clock()))
        source = DemoFolderSource(demo_folders(), clock())
        report = run_scan(
            db,
            demo_config(),
            ScanRequest(hotel_code=imported.hotel_code),
            sources=[source],
            now=clock,
        )
        with db.read() as session:
            summary = summarize(session, get_hotel(session, imported.hotel_code))
    finally:
        db.dispose()
    path = sqlite_path(url)
    shown = str(path) if path is not None else describe_url(url)
    return DemoResult(shown, path, imported, summary, report)


def _fresh_demo_database(url: URL) -> Database:
    """An empty database at ``url`` with every table; an earlier demo there is removed first."""
    path = sqlite_path(url)
    if path is not None:
        if path.exists():
            if not is_demo_database(path):
                raise InputError(
                    f"{path} exists and is not a hotelops demo database; choose another --path"
                )
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return open_database(str(path))
    db = open_database(url.render_as_string(hide_password=False), tables=False)
    try:
        if db.has_tables():
            if not _is_demo(db):
                raise InputError(
                    f"the database {db.url} holds a hotelops database that is not the demo; "
                    "choose another --db"
                )
            SQLModel.metadata.drop_all(db.engine)
        elif inspect(db.engine).get_table_names():
            raise InputError(
                f"the database {db.url} holds other tables; give the demo an empty database"
            )
        db.create_all()
    except BaseException:
        db.dispose()
        raise
    return db


def is_demo_database(path: Path) -> bool:
    """True when ``path`` is an SQLite database that ``build_demo`` made."""
    try:
        db = open_database(sqlite_url(path), create=False, tables=False)
    except Exception:
        return False
    try:
        return _is_demo(db)
    finally:
        db.dispose()


def _is_demo(db: Database) -> bool:
    try:
        with db.read() as session:
            row = session.exec(select(Meta).where(Meta.key == "demo")).first()
            return row is not None and row.value == "true"
    except Exception:
        return False
