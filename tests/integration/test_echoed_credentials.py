"""An operator's API that quotes our request headers back: its credentials are never stored.

The operator server writes the request's headers into its answer (Basic, Bearer or an API-key
header); after a scan, no cell of any table (raw archive included), no scan-log line and no
log record holds the secret, the header value, or their base64 form.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest
from sqlmodel import SQLModel, select

from hotelops.core.config import ApiEndpoint, LoadedConfig, ScanSettings, Settings
from hotelops.core.db import Database
from hotelops.core.demo import DEMO_FILE, fixtures_dir
from hotelops.core.hotelfile import import_hotel
from hotelops.core.models import InboxReservation, Operator, RawMessage
from hotelops.core.scan.runner import ScanRequest, run_scan
from tests.servers.operator_http import REQUEST_HEADERS, run_operator_server

FIX = fixtures_dir()
USER = "kivima"
SECRET = "s3cret-operator-key"
ENV = {"HOTELOPS_OPERATOR_SECRET": SECRET}
API_KEY_HEADER = "X-Partner-Key"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def header_value(auth: str) -> str:
    """The value of the header that carries the credential."""
    if auth == "basic":
        return f"Basic {b64(f'{USER}:{SECRET}')}"
    return f"Bearer {SECRET}" if auth == "bearer" else SECRET


def forbidden(auth: str) -> list[str]:
    """What must not be stored: the secret, the header value, and their base64 forms."""
    values = [SECRET, b64(SECRET), header_value(auth), b64(header_value(auth))]
    if auth == "basic":
        values += [f"{USER}:{SECRET}", b64(f"{USER}:{SECRET}")]
    return values


def echoing(path: Path, text: str) -> bytes:
    """A fixture whose ``text`` (a note) is replaced by the request headers' placeholder."""
    data = path.read_bytes()
    assert text.encode() in data
    return data.replace(text.encode(), REQUEST_HEADERS)


def every_cell(db: Database) -> list[tuple[str, str, bytes]]:
    """(table, column, value as bytes) of every non-empty cell of every table."""
    cells = []
    with db.engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(table.select()).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else None
                    cells.append((table.name, column, raw or str(value).encode()))
    return cells


@pytest.mark.parametrize("auth", ["basic", "bearer", "api_key"])
def test_credentials_an_operator_echoes_back_are_stored_nowhere(
    db: Database, tmp_path: Path, auth: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    import_hotel(db, FIX / DEMO_FILE, user="tester")
    with run_operator_server(
        auth=auth, user=USER, secret=SECRET, api_key_header=API_KEY_HEADER
    ) as server:
        server.queue(
            "ota",
            echoing(
                FIX / "ota" / "TUIP-01-new-79194577.xml",
                "Honeymoon couple; quiet room on a high floor if possible.",
            ),
        )
        server.queue(
            "alpinebits",
            echoing(
                FIX / "alpinebits" / "ALLT-01-guestrequests-AT3351207.xml",
                "Wir reisen mit unserem Sohn (11). Bitte ein Zimmer mit Meerblick, möglichst "
                "weit oben.",
            ),
        )
        server.queue(
            "json",
            echoing(
                FIX / "json" / "OTEL-01-feed.json",
                "Geç giriş: misafirler 23:30 civarı otelde olacak.",
            ),
        )
        common = {
            "hotel": "KIV",
            "auth": auth,
            "user": USER,
            "secret_env": "HOTELOPS_OPERATOR_SECRET",
            "api_key_header": API_KEY_HEADER,
            "retries": 0,
        }
        endpoints = [
            ApiEndpoint(operator="TUIP", base_url=server.url("ota"), format="ota", **common),
            ApiEndpoint(
                operator="ALLT", base_url=server.url("alpinebits"), format="alpinebits", **common
            ),
            ApiEndpoint(operator="OTEL", base_url=server.url("json"), format="json", **common),
        ]
        scan = ScanSettings(
            folder=str(tmp_path / "none"), documents_dir=str(tmp_path / "docs"), api=endpoints
        )
        report = run_scan(
            db, LoadedConfig(Settings(scan=scan), None), ScanRequest(kinds={"http"}), env=ENV
        )
        # Every pull carried the credential, so every answer quoted it back.
        sent = {r.header(API_KEY_HEADER) or r.header("Authorization") for r in server.requests}
    assert sent == {header_value(auth)}

    assert report.errors == 0, report.log
    # The reservations were stored, each with the note the operator sent: its headers, the
    # credential masked.
    with db.read() as session:
        notes = {
            code: note
            for code, note in session.exec(
                select(Operator.code, InboxReservation.agency_note).join(
                    Operator, Operator.id == InboxReservation.operator_id
                )
            )
            if "user-agent" in note
        }
        raw_count = len(session.exec(select(RawMessage.id)).all())
    assert set(notes) == {"TUIP", "ALLT", "OTEL"}
    header = "authorization" if auth != "api_key" else API_KEY_HEADER.lower()
    assert all(f"{header}: ***" in note for note in notes.values()), notes
    assert raw_count == 3
    # The office is told the operator echoes credentials.
    assert {
        line.operator_code for line in report.log if "quoted our credentials" in line.message
    } == {
        "TUIP",
        "ALLT",
        "OTEL",
    }

    leaks = [
        (table, column, value)
        for table, column, cell in every_cell(db)
        for value in forbidden(auth)
        if value.encode() in cell
    ]
    assert leaks == []
    for value in forbidden(auth):
        assert all(value not in line.message for line in report.log)
        assert value not in caplog.text
