"""``hotelops inbox edit`` and ``hotelops inbox document`` on a copy of the demo database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hotelops.cli.app import app
from hotelops.core.db import open_database, sqlite_url
from hotelops.core.demo import build_demo
from hotelops.core.models import AuditEntry, InboxReservation

runner = CliRunner()

WORKED_VOUCHER = "79194577"
BA_VOUCHER = "9LXWQT"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path)
    return path


@dataclass
class Office:
    base: list[str]
    db: Path

    def run(self, *args: str) -> Result:
        return runner.invoke(app, [*self.base, *args], env={"NO_COLOR": "1", "COLUMNS": "160"})

    def inbox_id(self, voucher: str) -> int:
        listing = self.run("inbox", "list", "--search", voucher, "--json")
        assert listing.exit_code == 0, listing.output
        return int(json.loads(listing.stdout)["rows"][0]["id"])

    def row(self, inbox_id: int) -> InboxReservation:
        database = open_database(sqlite_url(self.db))
        try:
            with database.read() as session:
                found = session.get(InboxReservation, inbox_id)
                assert found is not None
                return found
        finally:
            database.dispose()

    def audit(self, action: str) -> list[AuditEntry]:
        from sqlmodel import select

        database = open_database(sqlite_url(self.db))
        try:
            with database.read() as session:
                return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))
        finally:
            database.dispose()


@pytest.fixture
def office(demo_db: Path, tmp_path: Path) -> Office:
    """A fresh copy of the demo and a config that finds its documents."""
    db = tmp_path / "hotelops.db"
    db.write_bytes(demo_db.read_bytes())
    documents = demo_db.parent / f"{demo_db.stem}-documents"
    config = tmp_path / "hotelops.toml"
    config.write_text(
        f'[office]\nuser = "selin.aydin"\n\n[database]\npath = "{db}"\n\n'
        f'[scan]\ndocuments_dir = "{documents}"\n',
        encoding="utf-8",
    )
    return Office(["--config", str(config)], db)


def test_edit_prints_what_changed_and_stores_it(office: Office) -> None:
    rid = office.inbox_id(WORKED_VOUCHER)
    result = office.run(
        "inbox",
        "edit",
        str(rid),
        "--price-code",
        "tui-pol-26",
        "--source",
        "PHONE",
        "--option-date",
        "2026-06-01 18:00",
        "--hotel-note",
        "quiet room",
    )
    assert result.exit_code == 0, result.output
    assert f"#{rid} {WORKED_VOUCHER}: 4 change(s)" in result.stdout
    assert "price code   - → TUI-POL-26" in result.stdout
    assert "option date  - → 2026-06-01 18:00" in result.stdout
    row = office.row(rid)
    assert (row.price_code, row.source_code, row.hotel_note) == (
        "TUI-POL-26",
        "PHONE",
        "quiet room",
    )
    entry = office.audit("inbox.sales")[0]
    assert entry.user == "selin.aydin" and entry.entity_id == rid
    shown = office.run("inbox", "show", str(rid))
    assert "2026-06-01 18:00" in shown.stdout  # the hotel's zone, as typed


def test_edit_json_and_nothing_changed(office: Office) -> None:
    rid = office.inbox_id(WORKED_VOUCHER)
    first = office.run("inbox", "edit", str(rid), "--segment", "OTA", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == {
        "inbox_id": rid,
        "voucher": WORKED_VOUCHER,
        "changed": {"segment_code": {"before": "", "after": "OTA"}},
    }
    again = office.run("inbox", "edit", str(rid), "--segment", "ota")
    assert again.exit_code == 0
    assert "nothing changed" in again.stdout
    cleared = office.run("inbox", "edit", str(rid), "--segment", "", "--json")
    assert json.loads(cleared.stdout)["changed"] == {"segment_code": {"before": "OTA", "after": ""}}
    assert office.row(rid).segment_code == ""


def test_edit_refusals_exit_2_naming_the_field(office: Office) -> None:
    rid = office.inbox_id(WORKED_VOUCHER)
    bad_source = office.run("inbox", "edit", str(rid), "--source", "FAX", "--hotel-note", "x")
    assert bad_source.exit_code == 2
    assert "source: 'FAX' is not one of the hotel's codes (API, MAIL" in bad_source.output
    past = office.run("inbox", "edit", str(rid), "--option-date", "2026-01-01")
    assert past.exit_code == 2
    assert "before the hotel's business date 2026-05-15" in past.output
    nothing = office.run("inbox", "edit", str(rid))
    assert nothing.exit_code == 2
    assert "give at least one of --price-code" in nothing.output
    missing = office.run("inbox", "edit", "999999", "--hotel-note", "x")
    assert missing.exit_code == 2
    assert "no inbox reservation #999999" in missing.output
    assert office.row(rid).hotel_note == ""
    assert office.audit("inbox.sales") == []


def test_document_lists_prints_and_saves(office: Office, tmp_path: Path) -> None:
    rid = office.inbox_id(BA_VOUCHER)
    listing = office.run("inbox", "document", str(rid), "--json")
    assert listing.exit_code == 0, listing.output
    docs = json.loads(listing.stdout)["documents"]
    assert [(d["file_name"], d["content_type"]) for d in docs] == [
        ("BAH_Voucher_9LXWQT.pdf", "application/pdf")
    ]
    table = office.run("inbox", "document", str(rid))
    assert "BAH_Voucher_9LXWQT.pdf" in table.stdout
    doc_id = str(docs[0]["id"])
    text = office.run("inbox", "document", str(rid), doc_id)
    assert text.exit_code == 0, text.output
    assert "Accommodation voucher 9LXWQT" in text.stdout
    assert "Mr Oluwaseun Adeyemi, Mrs Priya Adeyemi" in text.stdout
    saved = office.run("inbox", "document", str(rid), doc_id, "--save", str(tmp_path))
    assert saved.exit_code == 0, saved.output
    copy = tmp_path / "BAH_Voucher_9LXWQT.pdf"
    assert copy.read_bytes().startswith(b"%PDF-") and copy.stat().st_size == docs[0]["size"]


def test_document_refusals(office: Office) -> None:
    rid = office.inbox_id(BA_VOUCHER)
    wrong = office.run("inbox", "document", str(rid), "424242")
    assert wrong.exit_code == 2
    assert f"document #424242 is not one of #{rid}'s documents" in wrong.output
    other = office.inbox_id(WORKED_VOUCHER)
    empty = office.run("inbox", "document", str(other))
    assert empty.exit_code == 0
    assert f"#{other} has no documents" in empty.stdout
