"""The front door as a new user walks through it: one vocabulary, one exit-code rule, help that
reads cleanly, a demo that goes where it is told, documents every command finds."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotelops.cli.app import app
from hotelops.core.demo import build_demo

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(
        app,
        list(args),
        env={"NO_COLOR": "1", "COLUMNS": "160", **(env or {})},
        prog_name="hotelops",
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_demo(tmp_path_factory.mktemp("front") / "demo.db").target


# -- one exit-code rule: a missing id or code is exit 2 everywhere ----------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["log", "99999"],
        ["inbox", "show", "99999"],
        ["inbox", "document", "99999"],
        ["price", "99999"],
        ["approve", "99999"],
        ["approve", "check", "99999"],
        ["approve", "forecast", "99999"],
        ["approve", "status", "99999"],
        ["guests", "match", "99999"],
    ],
)
def test_a_missing_inbox_id_is_exit_2_naming_it(demo: str, command: list[str]) -> None:
    result = run("--db", demo, *command)
    assert result.exit_code == 2, result.output
    assert "#99999" in result.output


def test_log_of_a_reservation_without_entries_is_an_empty_log(demo: str) -> None:
    result = run("--db", demo, "log", "1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    "command", [["inbox", "list", "--operator", "TUIX"], ["map", "list", "--operator", "TUIX"]]
)
def test_an_unknown_operator_filter_is_exit_2_with_close_matches(
    demo: str, command: list[str]
) -> None:
    result = run("--db", demo, *command)
    assert result.exit_code == 2
    assert "no operator 'TUIX'" in result.output and "TUIP" in result.output


def test_approving_pending_when_none_matches_is_not_an_error(demo: str) -> None:
    result = run("--db", demo, "approve", "--pending", "--arrival-from", "2030-01-01", "--yes")
    assert result.exit_code == 0, result.output
    assert "no pending reservation matches" in result.output


# -- one vocabulary: the words shown are the words accepted -----------------------------------


def test_inbox_list_shows_the_content_words_its_filter_accepts(demo: str) -> None:
    shown = run("--db", demo, "inbox", "list", "--limit", "100")
    words = {line.split()[2] for line in shown.stdout.splitlines() if re.match(r"\s+\d+ ", line)}
    assert words == {"new", "modification", "cancellation"}
    for word in words:
        filtered = run("--db", demo, "inbox", "list", "--content", word, "--json")
        assert filtered.exit_code == 0, filtered.output
        rows = json.loads(filtered.stdout)["rows"]
        assert rows and {r["content"] for r in rows} == {word}


# -- usage errors name the command the user typed --------------------------------------------


@pytest.mark.parametrize(
    ("command", "typed"),
    [(["approve", "abc"], "hotelops approve"), (["price", "abc"], "hotelops price")],
)
def test_a_usage_error_names_the_command_typed(command: list[str], typed: str) -> None:
    result = run(*command)
    assert result.exit_code == 2
    assert f"Usage: {typed} [OPTIONS]" in result.output
    assert f"Try '{typed} -h' for help." in result.output
    assert "decide" not in result.output and " show " not in result.output


def test_the_routed_commands_still_work_when_named(demo: str) -> None:
    assert run("--db", demo, "approve", "decide", "abc").exit_code == 2
    named = run("--db", demo, "price", "show", "25", "--json")
    routed = run("--db", demo, "price", "25", "--json")
    assert named.exit_code == routed.exit_code == 0
    assert json.loads(named.stdout)["hotel_price"] == "1899.00"
    assert named.stdout == routed.stdout


# -- help reads like a well-kept Typer app ---------------------------------------------------


def all_helps() -> dict[str, str]:
    import typer.main

    root = typer.main.get_command(app)
    paths: list[list[str]] = [[]]
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    return {" ".join(p): run(*p, "--help").stdout for p in paths}


def test_help_shows_no_type_metavars_no_double_backquotes() -> None:
    helps = all_helps()
    assert len(helps) > 30
    for name, text in helps.items():
        assert f"Usage: hotelops {name}".rstrip() in text, name
        assert not re.search(r"<(bool|str|int|list\[\w+\]|int range|file|dir|path)>", text), name
        assert "``" not in text, name


def test_flags_show_no_metavar_and_values_show_their_kind() -> None:
    text = run("inbox", "list", "--help").stdout
    line = {m.group(1): m.group(0) for m in re.finditer(r"(--[a-z-]+)[^\n]*", text)}
    assert "JSON" not in line["--json"].split("--json", 1)[1].split("Print")[0]
    assert "[new|modification|cancellation]" in line["--content"]
    assert "INTEGER" in line["--limit"]
    assert "DATE" in line["--arrival-from"]
    arguments = run("approve", "decide", "--help").stdout
    assert "list[int]" not in arguments and "INTEGER" in arguments


def test_a_docstring_paragraph_is_one_paragraph_in_help() -> None:
    text = run("demo", "--help").stdout
    # The source wraps this paragraph at 100 columns; help re-flows it to the terminal.
    assert "On a terminal the dashboard (hotelops tui) then opens on the demo; q quits it." in (
        " ".join(text.split())
    )


# -- the demo goes where it is told; its documents are found by every command ------------------


def test_demo_honours_the_global_db_and_documents_live_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "kivima.db"
    (tmp_path / "elsewhere").mkdir()
    built = run("--db", str(target), "demo", "--json")
    assert built.exit_code == 0, built.output
    assert json.loads(built.stdout)["database"] == str(target)
    assert target.is_file() and not (tmp_path / "hotelops-demo.db").exists()
    assert (tmp_path / "elsewhere" / "kivima-documents").is_dir()
    # Any command, with no config at all, finds the demo's voucher PDF.
    document = run("--db", str(target), "inbox", "document", "9", "1")
    assert document.exit_code == 0, document.output
    assert "Accommodation voucher 9LXWQT" in document.stdout


def test_demo_path_and_a_different_db_are_refused(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path / "a.db"), "demo", "--path", str(tmp_path / "b.db"))
    assert result.exit_code == 2
    assert "name two databases" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_demo_builds_in_a_postgresql_database_and_rebuilds_it(pg_url: str) -> None:
    first = run("--db", pg_url, "demo", "--json")
    assert first.exit_code == 0, first.output
    again = run("--db", pg_url, "demo", "--json")
    assert again.exit_code == 0, again.output
    scan = json.loads(again.stdout)["scan"]
    assert scan["new"] == json.loads(first.stdout)["scan"]["new"] > 20
    listed = run("--db", pg_url, "inbox", "list", "--json", "--limit", "500")
    assert json.loads(listed.stdout)["total"] == 30


def test_demo_refuses_a_database_that_is_not_a_demo(tmp_path: Path, demo_file: Path) -> None:
    real = tmp_path / "hotel.db"
    assert run("--db", str(real), "hotel", "import", str(demo_file)).exit_code == 0
    result = run("--db", str(real), "demo")
    assert result.exit_code == 2
    assert "is not a hotelops demo database" in result.output
    assert json.loads(run("--db", str(real), "hotel", "list", "--json").stdout)[0]["code"] == "KIV"


def test_gitignore_covers_what_the_demo_writes(tmp_path: Path) -> None:
    written = ["hotelops-demo.db", "hotelops-demo.db-wal", "hotelops-demo-documents/a/b.pdf"]
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *written], cwd=ROOT, capture_output=True, text=True
    )
    assert result.stdout.split() == written
