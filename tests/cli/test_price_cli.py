"""``hotelops price`` on the demo hotel: one reservation, all pending, a quote, settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotelops.cli.app import app

runner = CliRunner()


def run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "160"})


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    assert run("demo", "--path", str(path)).exit_code == 0
    return str(path)


def worked_example_id(db: str) -> int:
    rows = json.loads(run("--db", db, "inbox", "list", "--search", "79194577", "--json").stdout)
    return int(rows["rows"][0]["id"])


def test_price_one_reservation_prints_the_nightly_table(demo: str) -> None:
    rid = worked_example_id(demo)
    table = run("--db", demo, "price", str(rid), "--explain")
    assert table.exit_code == 0, table.output
    assert "2,110.00" in table.output and "211.00" in table.output and "1,899.00" in table.output
    assert "promotions considered" in table.output and "EBD-03" in table.output
    data = json.loads(run("--db", demo, "price", str(rid), "--json").stdout)
    assert data["status"] == "priced" and data["hotel_price"] == "1899.00"
    assert data["price"]["nights"][0] == {
        "date": "2026-08-29",
        "period": data["price"]["nights"][0]["period"],
        "contract_price": "330.00",
        "discount": "33.00",
        "price": "297.00",
        "promotions": [{"code": "EBD-03", "amount": "33.00"}],
        "note": "",
    }


def test_price_pending_summarises_and_exits_1_when_some_cannot_be_priced(demo: str) -> None:
    result = run("--db", demo, "price", "--pending", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["counts"]["priced"] >= 1
    assert sum(data["counts"].values()) == len(data["items"])
    assert data["unpriced_reasons"]["unmapped code"] > 0
    text = run("--db", demo, "price", "--pending")
    assert "cannot be priced" in text.output and "unmapped code" in text.output


def test_quote(demo: str) -> None:
    result = run(
        "--db",
        demo,
        "price",
        "quote",
        "--contract",
        "TUI-GASP-26",
        "--room-type",
        "STDLV",
        "--arrival",
        "2026-08-29",
        "--nights",
        "7",
        "--adults",
        "2",
        "--agency",
        "TUI GASP",
        "--market",
        "DE",
        "--sale-date",
        "2026-02-12",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == "1899.00"
    bad = run(
        "--db",
        demo,
        "price",
        "quote",
        "--contract",
        "NOPE",
        "--room-type",
        "STDLV",
        "--arrival",
        "2026-08-29",
        "--nights",
        "7",
        "--adults",
        "2",
    )
    assert bad.exit_code == 2 and "no contract 'NOPE'" in bad.output


def test_price_set_then_show(demo: str, tmp_path: Path) -> None:
    rid = worked_example_id(demo)
    assert run("--db", demo, "price", "set", str(rid), "--no-discounts").exit_code == 0
    data = json.loads(run("--db", demo, "price", str(rid), "--json").stdout)
    assert data["price"]["total"] == "2110.00"
    assert data["options"]["discounts_active"] is False
    assert data["status"] == "differs"  # the operator sent 1,899.00
    assert run("--db", demo, "price", "set", str(rid), "--discounts").exit_code == 0
    assert json.loads(run("--db", demo, "price", str(rid), "--json").stdout)["status"] == "priced"


def test_price_set_clear_night_goes_back_to_the_contract(demo: str) -> None:
    rid = worked_example_id(demo)
    # 29.08 and 30.08 are 330.00 contract nights less 10% early booking (297.00 each).
    set_both = run(
        "--db", demo, "price", "set", str(rid), "--manual",
        "--night", "2026-08-29=250", "--night", "2026-08-30=260",
    )  # fmt: skip
    assert set_both.exit_code == 0, set_both.output
    cleared = run("--db", demo, "price", "set", str(rid), "--clear-night", "2026-08-29")
    assert cleared.exit_code == 0, cleared.output
    data = json.loads(run("--db", demo, "price", str(rid), "--json").stdout)
    assert data["options"]["manual_prices"] == {"2026-08-30": "260"}
    both = run(
        "--db", demo, "price", "set", str(rid),
        "--night", "2026-08-31=100", "--clear-night", "2026-08-31",
    )  # fmt: skip
    assert both.exit_code == 2 and "both priced and cleared" in both.output
