"""Names, codes, notes, file names and messages print as written: Rich never reads them as markup
(the data: tests/marked_hotel.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from hotelops.cli.app import app
from tests.marked_hotel import (
    AGENCY,
    AGENCY_NOTE,
    BROKEN_FILE,
    GUEST,
    HOTEL_NAME,
    HOTEL_NOTE,
    OPERATOR_NAME,
    REASON,
    ROOM_NAME,
    ROOM_TYPE,
    VOUCHER,
    MarkedHotel,
    build_marked_hotel,
    demo_file,
    markup_folder,
    operator_feed,
)

runner = CliRunner()


def run(*args: str) -> Result:
    result = runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "160"})
    # A MarkupError (or any crash) is an exception the runner caught, not an exit code.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def hotel(tmp_path_factory: pytest.TempPathFactory) -> MarkedHotel:
    return build_marked_hotel(tmp_path_factory.mktemp("marked"))


@pytest.fixture
def db(hotel: MarkedHotel) -> str:
    return str(hotel.path)


def test_a_hotel_file_error_names_the_table_to_define_the_code_in(tmp_path: Path) -> None:
    hotel_file = markup_folder(tmp_path) / "hotel.toml"
    hotel_file.write_text(demo_file(**{'room_type = "DXK3"': 'room_type = "DBX"'}))
    result = run("--db", str(tmp_path / "new.db"), "hotel", "import", str(hotel_file))
    assert result.exit_code != 0
    assert (
        f"{hotel_file}: reservations[0].room_type (voucher 78856480): unknown room type 'DBX' "
        "(define it under [[room_types]] or fix the code)"
    ) in result.output


def test_a_missing_file_is_named_as_typed(tmp_path: Path) -> None:
    missing = tmp_path / "gone [/b].eml"
    result = run("scan", "parse", str(missing))
    assert result.exit_code == 2
    assert f"'{missing}' does not exist" in result.output


def test_a_missing_config_file_is_named_as_typed(tmp_path: Path) -> None:
    missing = tmp_path / "office [/b].toml"
    result = run("--config", str(missing), "hotel", "show")
    assert result.exit_code != 0
    assert f"config file {missing} does not exist" in result.output


def test_hotel_show_prints_the_hotel_and_room_names_as_written(db: str) -> None:
    result = run("--db", db, "hotel", "show")
    assert f"{HOTEL_NAME} (KIV)" in result.output
    assert f"│ SUI     │ {ROOM_NAME}" in result.output


def test_inbox_list_prints_voucher_guest_and_room_type_as_sent(db: str) -> None:
    result = run("--db", db, "inbox", "list", "--operator", "OTEL")
    row = next(line for line in result.output.splitlines() if VOUCHER in line)
    assert f"{GUEST} Lee / Şeyma" in row
    assert row.rstrip().endswith(ROOM_TYPE)


def test_inbox_show_prints_names_codes_and_notes_as_written(db: str, hotel: MarkedHotel) -> None:
    result = run("--db", db, "inbox", "show", str(hotel.reservation))
    assert f"{OPERATOR_NAME} (OTEL)  voucher {VOUCHER}" in result.output
    assert f"agency     {AGENCY}  unmapped" in result.output
    assert f"room type  {ROOM_TYPE}  unmapped" in result.output
    assert f"agency note       {AGENCY_NOTE}" in result.output
    assert f"hotel note        {HOTEL_NOTE}" in result.output
    assert f"│ Mr    │ {GUEST}   │ Lee" in result.output
    assert "in [/b] drop" in result.output  # the version's source


def test_scan_prints_the_operator_name_and_the_problem_as_written(db: str, tmp_path: Path) -> None:
    folder = markup_folder(tmp_path)
    feed = operator_feed()
    feed["reservations"] = feed["reservations"][:1]
    feed["reservations"][0].update(id="OTN-11", voucher="OTN[/b]11")
    (folder / "feed.json").write_text(json.dumps(feed))
    (folder / "[bold]also broken.json").write_text("{")
    result = run("--db", db, "scan", "--folder", str(folder))
    assert result.exit_code == 1  # the broken file
    assert f"│ OTEL        │ {OPERATOR_NAME} │     1 │   1 │" in result.output
    assert "error (unmatched): [bold]also broken.json: JSON is not valid" in result.output


def test_scan_log_prints_the_file_and_the_message_as_written(db: str) -> None:
    result = run("--db", db, "scan", "log")
    assert f"new {VOUCHER} (#" in result.output
    assert f"│ {BROKEN_FILE}: JSON is not valid" in result.output


def test_scan_parse_prints_a_marked_file_name_and_its_values(db: str, tmp_path: Path) -> None:
    message = markup_folder(tmp_path) / "[bold]feed.json"
    message.write_text(json.dumps(operator_feed()))
    result = run("--db", db, "scan", "parse", str(message))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("[bold]feed.json: format json, operator OTEL")
    for field, value in [
        ("voucher", VOUCHER),
        ("operator_agency", AGENCY),
        ("room_type", ROOM_TYPE),
        ("agency_note", AGENCY_NOTE),
    ]:
        assert f"│ {field:<21} │ {value} " in result.output


def test_map_missing_and_map_list_print_operator_codes_as_sent(db: str) -> None:
    missing = run("--db", db, "map", "missing", "--operator", "OTEL")
    assert f"OTEL       agency      {AGENCY}" in missing.output
    assert f"OTEL       room_type   {ROOM_TYPE}" in missing.output
    mapped = run("--db", db, "map", "set", "OTEL", "room_type", ROOM_TYPE, "SUI")
    assert mapped.exit_code == 0, mapped.output
    listed = run("--db", db, "map", "list", "--operator", "OTEL", "--kind", "room_type")
    assert f"OTEL       room_type   {ROOM_TYPE}" in listed.output


def test_price_and_approve_check_print_the_core_reasons_as_written(
    db: str, hotel: MarkedHotel
) -> None:
    reservation = str(hotel.reservation)
    price = run("--db", db, "price", reservation)
    assert price.exit_code == 1
    assert f"unpriced: OTEL agency {AGENCY!r} is not mapped" in price.output
    checked = run("--db", db, "approve", "check", reservation)
    assert checked.exit_code == 1
    assert f"  ✗ OTEL agency {AGENCY!r} is not mapped" in checked.output


def test_log_prints_the_rejection_reason_as_typed(db: str, hotel: MarkedHotel) -> None:
    result = run("--db", db, "log", str(hotel.rejected))
    assert f"│ approve.reject │ inbox_reservation #{hotel.rejected} │ {REASON} │" in result.output
