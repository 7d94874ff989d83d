"""``hotelops approve`` when someone else takes the last room at the same moment: exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from hotelops.cli.app import app
from hotelops.core.approval import decide, reject
from hotelops.core.config import LoadedConfig, Settings
from hotelops.core.db import Database
from hotelops.core.hotels import get_hotel
from hotelops.core.models import HotelReservation, InboxReservation
from tests.servers.races import ROOM_TYPE, competing, last_room, meanwhile, race_hotel, surname

LAUNCHER = Path(__file__).resolve().parents[1] / "servers" / "cli_at_go.py"
TRIALS = 5


def _approve_at_once(db_url: str, folder: Path, ids: tuple[int, int]) -> list[tuple[int, str, str]]:
    """Both ``hotelops --db URL approve ID`` started together: (exit code, stdout, stderr)."""
    folder.mkdir()
    go = folder / "go"
    ready = [folder / f"ready-{n}" for n in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, str(LAUNCHER), str(flag), str(go), "--db", db_url, "approve", str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
            cwd=folder,  # no ./config/hotelops.toml here: the isolated config of the test
        )
        for flag, i in zip(ready, ids, strict=True)
    ]
    deadline = time.monotonic() + 120
    while not all(f.exists() for f in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    results = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        results.append((p.returncode, stdout, stderr))
    return results


@pytest.mark.slow
def test_two_terminals_approving_for_the_last_room_the_second_exits_1(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    pairs = competing("CLI", TRIALS)
    ids = race_hotel(db, tmp_path, [b for pair in pairs for b in pair])
    last_room(db)
    with db.read() as s:
        hotel = get_hotel(s, "KIV")
    for n, (a, b) in enumerate(pairs):
        pair = (ids[a[0]], ids[b[0]])
        results = _approve_at_once(db_url, tmp_path / f"trial-{n}", pair)
        assert sorted(code for code, _, _ in results) == [0, 1], (db.dialect, n, results)
        [(_, won, _)] = [r for r in results if r[0] == 0]
        [(_, _, refused)] = [r for r in results if r[0] == 1]
        loser = pair[[code for code, _, _ in results].index(1)]
        assert "created → hotel reservation #" in won
        assert f"✗ #{loser} " in refused
        assert f"overbooking: {ROOM_TYPE} has 0 room(s) left on 2026-08-29" in refused
        with db.read() as s:
            row = s.get(InboxReservation, loser)
            assert row is not None and str(row.status) == "pending"
            assert (
                s.exec(
                    select(HotelReservation).where(HotelReservation.voucher == row.voucher)
                ).all()
                == []
            )
        # The office gives the room back (the booking is cancelled) for the next trial.
        winner = pair[1 - pair.index(loser)]
        reject(db, hotel, winner, "the room goes back", user="t")


def test_bulk_approve_refuses_what_was_booked_meanwhile_and_exits_1(
    db: Database, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = race_hotel(
        db, tmp_path, [("FIRST", (surname(0), surname(1))), ("OTHER", (surname(2), surname(3)))]
    )
    last_room(db)
    with db.read() as s:
        hotel = get_hotel(s, "KIV")
    # A colleague's terminal saves OTHER just after the bulk run checked FIRST.
    meanwhile(
        monkeypatch,
        lambda: decide(
            db,
            hotel,
            LoadedConfig(Settings(), None),
            ids["OTHER"],
            confirm=True,
            save=True,
            user="selin.aydin",
        ),
    )
    result = CliRunner().invoke(
        app,
        ["--db", db_url, "--json", "approve", "--pending", "--operator", "TUIP", "--yes"],
        env={"NO_COLOR": "1"},
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["done"] == []
    blocked = {b["id"]: b["reason"] for b in report["blocked"]}
    assert f"overbooking: {ROOM_TYPE} has 0 room(s) left on 2026-08-29" in blocked[ids["FIRST"]]
    with db.read() as s:
        booked = s.exec(select(HotelReservation.voucher)).all()
    assert "OTHER" in booked and "FIRST" not in booked
