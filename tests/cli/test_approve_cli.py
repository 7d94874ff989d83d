"""``hotelops approve`` and ``hotelops log`` on the demo hotel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotelops.cli.app import app

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "160"})


@pytest.fixture
def demo(tmp_path: Path) -> str:
    path = tmp_path / "demo.db"
    assert run("demo", "--path", str(path)).exit_code == 0
    return str(path)


def inbox_id(db: str, voucher: str) -> int:
    rows = json.loads(run("--db", db, "inbox", "list", "--search", voucher, "--json").stdout)
    return int(rows["rows"][0]["id"])


def test_approve_one_then_its_log(demo: str) -> None:
    rid = inbox_id(demo, "79194577")
    result = run("--db", demo, "approve", str(rid))
    assert result.exit_code == 0, result.output
    assert "created → hotel reservation #" in result.output
    log = json.loads(run("--db", demo, "log", str(rid), "--json").stdout)
    assert [e["action"] for e in log] == ["reservation.create", "approve.confirm+save"]
    assert log[1]["after"]["status"] == "approved"
    shown = json.loads(run("--db", demo, "inbox", "list", "--search", "79194577", "--json").stdout)
    assert shown["rows"][0]["status"] == "approved"


def test_bulk_preview_then_yes_reports_ready_and_blocked(demo: str) -> None:
    preview = run("--db", demo, "--json", "approve", "--pending", "--operator", "TUIP")
    assert preview.exit_code == 0, preview.output
    data = json.loads(preview.stdout)
    assert data["ready"] >= 1 and data["blocked"] >= 1
    blocked = [i for i in data["items"] if not i["ready"]]
    assert all(i["problems"] for i in blocked)
    # Nothing was decided by the preview.
    assert (
        json.loads(run("--db", demo, "inbox", "list", "--status", "approved", "--json").stdout)[
            "total"
        ]
        == 0
    )
    done = run("--db", demo, "--json", "approve", "--pending", "--operator", "TUIP", "--yes")
    assert done.exit_code == 1  # some were blocked
    result = json.loads(done.stdout)
    assert len(result["done"]) == data["ready"]
    assert len(result["blocked"]) == data["blocked"]


def test_reject_needs_a_reason_and_is_final(demo: str) -> None:
    rid = inbox_id(demo, "79194577")
    assert run("--db", demo, "approve", str(rid), "--reject", " ").exit_code == 2
    assert run("--db", demo, "approve", str(rid), "--reject", "double booked").exit_code == 0
    status = json.loads(
        run("--db", demo, "inbox", "list", "--search", "79194577", "--json").stdout
    )["rows"][0]["status"]
    assert status == "rejected"


def test_internal_approval_blocks_saving_until_approved(demo: str) -> None:
    rid = inbox_id(demo, "79194577")
    started = run(
        "--db",
        demo,
        "approve",
        "start",
        str(rid),
        "--approver",
        "emre.cakir",
        "--note",
        "VIP group, check the rate",
    )
    assert started.exit_code == 0, started.output
    refused = run("--db", demo, "approve", str(rid))
    assert refused.exit_code == 1 and "internal approval" in refused.output
    voted = run("--db", demo, "approve", "vote", str(rid), "--user", "emre.cakir", "--yes")
    assert voted.exit_code == 0, voted.output
    assert run("--db", demo, "approve", str(rid)).exit_code == 0


def test_check_forecast_and_print(demo: str, tmp_path: Path) -> None:
    rid = inbox_id(demo, "79194577")
    checked = json.loads(run("--db", demo, "approve", "check", str(rid), "--json").stdout)
    assert checked["ok"] is True
    forecast = json.loads(run("--db", demo, "approve", "forecast", str(rid), "--json").stdout)
    assert len(forecast) == 7 and all(n["room_type"] == "STDLV" for n in forecast)
    html = tmp_path / "form.html"
    printed = run("--db", demo, "approve", "print", str(rid), "--html", str(html))
    assert printed.exit_code == 0, printed.output
    assert "79194577" in printed.output and "79194577" in html.read_text()
