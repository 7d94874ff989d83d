"""``hotelops guests match`` and ``guests link`` on the demo database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlmodel import select
from typer.testing import CliRunner, Result

from hotelops.cli.app import HotelopsGroup, main_callback
from hotelops.cli.guests import app as guests_app
from hotelops.core.db import open_database
from hotelops.core.demo import build_demo
from hotelops.core.models import InboxGuest, InboxReservation

runner = CliRunner()
root = typer.Typer(cls=HotelopsGroup)
root.callback()(main_callback)
root.add_typer(guests_app, name="guests")


def run(*args: str) -> Result:
    return runner.invoke(root, list(args), env={"NO_COLOR": "1", "COLUMNS": "200"})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("guests") / "demo.db").path


def inbox_of(db_path: Path, voucher: str) -> tuple[int, list[int]]:
    db = open_database(str(db_path))
    try:
        with db.read() as session:
            row = session.exec(
                select(InboxReservation).where(InboxReservation.voucher == voucher)
            ).first()
            assert row is not None and row.id is not None
            guests = session.exec(
                select(InboxGuest)
                .where(InboxGuest.inbox_reservation_id == row.id)
                .order_by(InboxGuest.seq)  # type: ignore[arg-type]
            ).all()
            return row.id, [g.id or 0 for g in guests]
    finally:
        db.dispose()


def ipek_inbox(db_path: Path) -> tuple[int, list[int]]:
    db = open_database(str(db_path))
    try:
        with db.read() as session:
            guest = session.exec(select(InboxGuest).where(InboxGuest.last_name == "IRMAK")).one()
            voucher = session.get(InboxReservation, guest.inbox_reservation_id).voucher  # type: ignore[union-attr]
    finally:
        db.dispose()
    return inbox_of(db_path, voucher)


def test_match_shows_exact_profiles_flags_and_json(demo: Path) -> None:
    inbox_id, _ = ipek_inbox(demo)
    result = run("--db", str(demo), "guests", "match", str(inbox_id))
    assert result.exit_code == 0, result.output
    assert "İPEK IRMAK" in result.output and "exact" in result.output
    assert "VIP2" in result.output
    data = json.loads(run("--db", str(demo), "guests", "match", str(inbox_id), "--json").stdout)
    assert [g["status"] for g in data] == ["exact", "exact"]
    assert data[0]["flags"] == {"vip": "VIP2", "repeat": 5, "gray_list": False, "problem": False}
    assert data[0]["colour"] == "vip" and data[1]["colour"] == "repeat"


def test_link_and_unlink_a_guest(demo: Path) -> None:
    inbox_id, guest_ids = ipek_inbox(demo)
    aylin = guest_ids[1]
    data = json.loads(run("--db", str(demo), "guests", "match", str(inbox_id), "--json").stdout)
    profile_id = data[0]["profile_id"]
    linked = run("--db", str(demo), "guests", "link", str(aylin), str(profile_id))
    assert linked.exit_code == 0, linked.output
    assert f"linked to profile {profile_id}" in linked.output
    data = json.loads(run("--db", str(demo), "guests", "match", str(inbox_id), "--json").stdout)
    assert data[1]["status"] == "linked" and data[1]["linked_profile_id"] == profile_id
    unlinked = run("--db", str(demo), "guests", "link", str(aylin), "--unlink")
    assert unlinked.exit_code == 0 and "unlinked" in unlinked.output
    data = json.loads(run("--db", str(demo), "guests", "match", str(inbox_id), "--json").stdout)
    assert data[1]["status"] == "exact"


def test_bad_ids_exit_2(demo: Path) -> None:
    missing = run("--db", str(demo), "guests", "match", "999999")
    assert missing.exit_code == 2 and "no inbox reservation" in missing.output
    bad_profile = run("--db", str(demo), "guests", "link", "1", "999999")
    assert bad_profile.exit_code == 2 and "no guest profile" in bad_profile.output
    both = run("--db", str(demo), "guests", "link", "1", "2", "--unlink")
    assert both.exit_code == 2
    neither = run("--db", str(demo), "guests", "link", "1")
    assert neither.exit_code == 2
