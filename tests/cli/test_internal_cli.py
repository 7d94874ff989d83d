"""``hotelops approve start|vote|status|print`` on the demo hotel, mailing a real SMTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from hotelops.cli.app import HotelopsGroup, app, main_callback
from hotelops.cli.internal import print_command, start_command, status_command, vote_command
from hotelops.core.demo import build_demo
from tests.servers.smtp_server import SmtpServer, free_port, smtp_server

root = typer.Typer(cls=HotelopsGroup)
root.callback()(main_callback)
approve = typer.Typer()
approve.command("start")(start_command)
approve.command("vote")(vote_command)
approve.command("status")(status_command)
approve.command("print")(print_command)
root.add_typer(approve, name="approve")

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(path)
    return path


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def setup(demo_db: Path, smtp: SmtpServer, tmp_path: Path) -> tuple[list[str], int]:
    """A fresh copy of the demo database, a config mailing the test server; the TUI example."""
    db = tmp_path / "hotelops.db"
    db.write_bytes(demo_db.read_bytes())
    config = tmp_path / "hotelops.toml"
    config.write_text(
        f'[office]\nuser = "emre.cakir"\n\n[database]\npath = "{db}"\n\n'
        f'[smtp]\nhost = "{smtp.host}"\nport = {smtp.port}\nstarttls = false\n'
        'from_address = "reservations@kivimahotel.example"\n',
        encoding="utf-8",
    )
    base = ["--config", str(config)]
    listing = runner.invoke(app, [*base, "inbox", "list", "--search", "79194577", "--json"])
    assert listing.exit_code == 0, listing.output
    return base, int(json.loads(listing.stdout)["rows"][0]["id"])


def run(*args: str) -> Result:
    return runner.invoke(root, list(args), env={"NO_COLOR": "1", "COLUMNS": "160"})


def test_start_vote_status_round_trip(setup: tuple[list[str], int], smtp: SmtpServer) -> None:
    base, rid = setup
    started = run(
        *base,
        "approve",
        "start",
        str(rid),
        "--approver",
        "selin.aydin",
        "--approver",
        "murat.ozturk",
        "--note",
        "price below contract",
    )
    assert started.exit_code == 0, started.output
    assert "started; 2 of 2 approver(s) mailed" in started.stdout
    assert "Selin Aydın (selin.aydin)" in started.stdout and "waiting" in started.stdout
    messages = smtp.wait_for(2)
    assert {m["To"] for m in messages} == {
        "selin.aydin@kivimahotel.example",
        "murat.ozturk@kivimahotel.example",
    }
    assert all(f"hotelops approve vote {rid} --user" in m.get_content() for m in messages)

    again = run(*base, "approve", "start", str(rid), "--approver", "ahmet.sahin")
    assert again.exit_code == 2 and "already started" in again.output

    missing = run(*base, "approve", "vote", str(rid), "--user", "selin.aydin")
    assert missing.exit_code == 2 and "--yes or --no" in missing.output

    yes = run(*base, "approve", "vote", str(rid), "--user", "selin.aydin", "--yes")
    assert yes.exit_code == 0, yes.output
    assert "selin.aydin voted yes" in yes.stdout and "is started" in yes.stdout
    assert "waiting for murat.ozturk" in yes.stdout

    twice = run(*base, "approve", "vote", str(rid), "--user", "selin.aydin", "--no")
    assert twice.exit_code == 2 and "already voted yes" in twice.output

    last = run(*base, "approve", "vote", str(rid), "--user", "murat.ozturk", "--yes")
    assert last.exit_code == 0 and "is approved" in last.stdout

    status = run(*base, "approve", "status", str(rid), "--json")
    assert status.exit_code == 0, status.output
    data = json.loads(status.stdout)
    assert data["status"] == "approved" and data["blocking"] is None
    assert data["started_by"] == "emre.cakir" and data["note"] == "price below contract"
    assert [(v["username"], v["vote"]) for v in data["votes"]] == [
        ("selin.aydin", "yes"),
        ("murat.ozturk", "yes"),
    ]
    assert all(v["voted_at"] and v["notified_at"] for v in data["votes"])
    text = run(*base, "approve", "status", str(rid))
    assert text.exit_code == 0 and "approved" in text.stdout and "Murat Öztürk" in text.stdout


def test_reject_and_status_without_approval(setup: tuple[list[str], int]) -> None:
    base, rid = setup
    none = run(*base, "approve", "status", str(rid))
    assert none.exit_code == 0 and "has no internal approval" in none.stdout
    assert json.loads(run(*base, "approve", "status", str(rid), "--json").stdout) is None
    assert run(*base, "approve", "status", "999999").exit_code == 2
    assert run(*base, "approve", "start", str(rid), "-a", "emre.cakir").exit_code == 0
    no = run(*base, "approve", "vote", str(rid), "--user", "emre.cakir", "--no", "--note", "full")
    assert (
        no.exit_code == 0 and "is rejected" in no.stdout and "rejected by emre.cakir" in no.stdout
    )
    stranger = run(*base, "approve", "vote", str(rid), "--user", "ahmet.sahin", "--yes")
    assert stranger.exit_code == 2


def test_start_refusals_and_smtp_down(setup: tuple[list[str], int], tmp_path: Path) -> None:
    base, rid = setup
    none = run(*base, "approve", "start", str(rid))
    assert none.exit_code == 2
    six = ["-a", "emre.cakir", "-a", "selin.aydin", "-a", "murat.ozturk", "-a", "gulsen.yilmaz"]
    six += ["-a", "ahmet.sahin", "-a", "x"]
    too_many = run(*base, "approve", "start", str(rid), *six)
    assert too_many.exit_code == 2 and "at most 5 approvers" in too_many.output
    unknown = run(*base, "approve", "start", str(rid), "-a", "ghost")
    assert unknown.exit_code == 2 and "unknown user(s): ghost" in unknown.output
    # SMTP down: the approval starts and the warning names the server.
    config = Path(base[1])
    config.write_text(_with_port(config.read_text(), free_port()), encoding="utf-8")
    down = run(*base, "approve", "start", str(rid), "-a", "emre.cakir")
    assert down.exit_code == 0, down.output
    assert "warning:" in down.output and "cannot send mail via SMTP 127.0.0.1" in down.output
    assert "0 of 1 approver(s) mailed" in down.stdout


def _with_port(text: str, port: int) -> str:
    lines = [f"port = {port}" if line.startswith("port = ") else line for line in text.splitlines()]
    return "\n".join(lines) + "\n"


def test_print_writes_text_and_html(setup: tuple[list[str], int], tmp_path: Path) -> None:
    base, rid = setup
    html = tmp_path / "form.html"
    printed = run(*base, "approve", "print", str(rid), "--html", str(html))
    assert printed.exit_code == 0, printed.output
    assert printed.stdout.startswith("Reservation confirmation - Kivima Hotel (KIV)")
    assert "79194577" in printed.stdout
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "79194577" in page
    assert run(*base, "approve", "print", "999999").exit_code == 2
