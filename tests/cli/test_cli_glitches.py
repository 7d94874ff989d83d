"""CLI lines a user review found garbled: the price difference, in display money, said once."""

from __future__ import annotations

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from hotelops.cli.app import app
from hotelops.core.db import open_database
from hotelops.core.demo import build_demo
from hotelops.core.models import InboxReservation

runner = CliRunner()
DIFFERS = "79205560"  # TUIP: the operator sent 1,155.00, the contract says 1,440.00


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "160"})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(build_demo(tmp_path_factory.mktemp("demo") / "demo.db").path)


def inbox_id(db: str, voucher: str) -> int:
    database = open_database(db)
    try:
        with database.read() as s:
            row = s.exec(select(InboxReservation).where(InboxReservation.voucher == voucher))
            return row.one().id or 0
    finally:
        database.dispose()


def test_price_says_the_difference_once_on_the_price_line(demo: str) -> None:
    result = run("--db", demo, "price", str(inbox_id(demo, DIFFERS)))
    assert result.exit_code == 1  # a difference still fails the command (scripts rely on it)
    lines = result.output.splitlines()
    assert lines[-1] == (
        "hotel price 1,440.00 EUR   operator price 1,155.00 EUR   differs by -285.00 EUR"
    )
    assert "1155.00" not in result.output and "1440.00" not in result.output
    assert result.output.count("-285.00") == 1


def test_approve_check_prints_the_price_warning_in_display_money(demo: str) -> None:
    rid = inbox_id(demo, DIFFERS)
    result = run("--db", demo, "approve", "check", str(rid))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"#{rid}: ready",
        "  ! price differs by -285.00 EUR: operator 1,155.00 EUR, hotel 1,440.00 EUR",
    ]
