"""``hotelops map``: operator codes → hotel codes (Eşleştirme), what is missing, suggestions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from hotelops.cli.common import err, literal, out, print_json, state, wants_json
from hotelops.core.hotels import get_hotel
from hotelops.core.mapping import (
    AUTO_ACCEPT,
    Applied,
    Suggestion,
    delete_mapping,
    export_csv,
    import_csv,
    list_mappings,
    missing,
    set_default_agency,
    set_mapping,
    suggest,
)
from hotelops.core.models import MappingKind

app = typer.Typer(
    help="Map operator codes to hotel codes: missing, set, list, delete, suggest, export, import.",
    no_args_is_help=True,
)

HotelOption = Annotated[str | None, typer.Option("--hotel", help="Hotel code.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
OperatorOption = Annotated[str | None, typer.Option("--operator", help="Operator code.")]


def _applied(applied: Applied) -> str:
    text = (
        f"{applied.touched} pending reservation(s) carry it, "
        f"{applied.unblocked} unblocked (no missing mapping left)"
    )
    if applied.filled:
        text += f", {applied.filled} got price code/segment/source from the agency card"
    return text


def _code(operator_code: str) -> str:
    """An operator code as printed: quoted, or ``(none sent)`` for the empty code."""
    return repr(operator_code) if operator_code else "(none sent)"


@app.command("missing")
def missing_command(
    ctx: typer.Context,
    operator: OperatorOption = None,
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """Unmapped operator codes of pending reservations, the most blocking first."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_row = app_state.hotel(session, hotel)
        gaps = missing(session, hotel_row.id or 0, operator)
    if wants_json(ctx, json_out):
        print_json(gaps)
        return
    table = Table(
        "operator",
        "kind",
        "operator value",
        "blocked pending",
        "example id",
        title=f"missing mappings: {len(gaps)}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for gap in gaps:
        value = literal(gap.operator_value) if gap.operator_value else "[dim](none sent)[/]"
        table.add_row(
            literal(gap.operator), gap.kind, value, str(gap.blocked), f"#{gap.example_id}"
        )
    out.print(table)


@app.command("set")
def set_command(
    ctx: typer.Context,
    operator: Annotated[str, typer.Argument(help="Operator code (TUIP, JET2 ...).")],
    kind: Annotated[
        MappingKind, typer.Argument(help="agency, room_type, board, market, rate_type.")
    ],
    code: Annotated[
        str,
        typer.Argument(help="The code as the operator sends it ('' = when it sends none)."),
    ],
    hotel_code: Annotated[str, typer.Argument(help="The hotel's code it means.")],
    occupancy: Annotated[
        str, typer.Option("--occupancy", help="Room types only: fix the occupancy (DBL ...).")
    ] = "",
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """Map one operator code, and apply it at once to the pending inbox."""
    app_state = state(ctx)
    result = set_mapping(
        app_state.database(),
        app_state.hotel_code(hotel),
        operator,
        kind,
        code,
        hotel_code,
        occupancy=occupancy,
        user=app_state.user(),
    )
    if wants_json(ctx, json_out):
        print_json(result)
        return
    m = result.mapping
    verb = {"created": "mapped", "unchanged": "already mapped"}.get(
        result.outcome, f"changed (was {result.previous})"
    )
    occ = f" occupancy {m.occupancy}" if m.occupancy else ""
    out.print(
        f"{verb}: {m.operator} {m.kind} {_code(m.operator_code)} → {m.hotel_code}{occ}",
        markup=False,
    )
    out.print(_applied(result.applied), markup=False)


@app.command("default-agency")
def default_agency_command(
    ctx: typer.Context,
    operator: Annotated[str, typer.Argument(help="Operator code (BAH, JET2 ...).")],
    agency: Annotated[str, typer.Argument(help="The hotel's agency code to use.")],
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """Give an operator a default agency: used when it sends no agency; applied at once."""
    app_state = state(ctx)
    result = set_default_agency(
        app_state.database(),
        app_state.hotel_code(hotel),
        operator,
        agency,
        user=app_state.user(),
    )
    if wants_json(ctx, json_out):
        print_json(result)
        return
    was = f" (was {result.previous})" if result.previous else ""
    if result.previous == result.agency:
        was = " (unchanged)"
    out.print(f"default agency: {result.operator} → {result.agency}{was}", markup=False)
    out.print(_applied(result.applied), markup=False)


@app.command("list")
def list_command(
    ctx: typer.Context,
    operator: OperatorOption = None,
    kind: Annotated[MappingKind | None, typer.Option("--kind", help="Only this kind.")] = None,
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """The hotel's mappings, by operator and kind."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_row = app_state.hotel(session, hotel)
        rows = list_mappings(session, hotel_row.id or 0, operator, kind)
    if wants_json(ctx, json_out):
        print_json(rows)
        return
    table = Table(
        "operator",
        "kind",
        "operator code",
        "hotel code",
        "occupancy",
        title=f"mappings: {len(rows)}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for m in rows:
        code = literal(m.operator_code) if m.operator_code else "[dim](none sent)[/]"
        table.add_row(
            literal(m.operator), m.kind, code, literal(m.hotel_code, "bold"), literal(m.occupancy)
        )
    out.print(table)


@app.command("delete")
def delete_command(
    ctx: typer.Context,
    operator: Annotated[str, typer.Argument(help="Operator code.")],
    kind: Annotated[
        MappingKind, typer.Argument(help="agency, room_type, board, market, rate_type.")
    ],
    code: Annotated[str, typer.Argument(help="The code as the operator sends it.")],
    hotel: HotelOption = None,
) -> None:
    """Delete one mapping; pending reservations carrying the code are blocked again."""
    app_state = state(ctx)
    result = delete_mapping(
        app_state.database(),
        app_state.hotel_code(hotel),
        operator,
        kind,
        code,
        user=app_state.user(),
    )
    m = result.mapping
    out.print(
        f"deleted: {m.operator} {m.kind} {_code(m.operator_code)} → {m.hotel_code}; "
        f"{result.blocked} pending reservation(s) carry the code",
        markup=False,
    )


def _can_prompt() -> bool:
    """A person at a terminal: never prompt under cron or in a pipe."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _suggestion_table(suggestions: list[Suggestion]) -> Table:
    table = Table(
        "operator",
        "kind",
        "operator value",
        "blocked",
        "candidates (score, reason)",
        title=f"suggestions for {len(suggestions)} unmapped code(s)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for s in suggestions:
        lines = [
            Text.assemble(
                (c.hotel_code, "bold"),
                f" ({c.occupancy})" if c.occupancy else "",
                f" {c.score:.2f} ",
                (c.reason, "dim"),
            )
            for c in s.candidates
        ]
        table.add_row(
            literal(s.operator),
            s.kind,
            literal(s.operator_value),
            str(s.blocked),
            Text("\n").join(lines) if lines else "[dim]no candidate[/]",
        )
    return table


@app.command("suggest")
def suggest_command(
    ctx: typer.Context,
    operator: OperatorOption = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", help=f"Accept each best candidate scoring over {AUTO_ACCEPT} without asking."
        ),
    ] = False,
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """Propose hotel codes for unmapped operator codes; accept them one by one or with --yes."""
    app_state = state(ctx)
    hotel_code = app_state.hotel_code(hotel)
    with app_state.database().read() as session:
        hotel_row = get_hotel(session, hotel_code)
        suggestions = suggest(session, hotel_row.id or 0, operator)
    as_json = wants_json(ctx, json_out)
    interactive = not yes and not as_json and _can_prompt()
    if not yes and not interactive:
        # Under cron or in a pipe: show, never prompt, never write.
        if as_json:
            print_json(suggestions)
        else:
            out.print(_suggestion_table(suggestions))
        return
    accepted: list[dict[str, str]] = []
    for s in suggestions:
        best = s.best
        if best is None:
            continue
        if yes:
            if best.score <= AUTO_ACCEPT:
                continue
        else:
            occ = f" occupancy {best.occupancy}" if best.occupancy else ""
            answer = typer.prompt(
                f"{s.operator} {s.kind} {s.operator_value!r} → {best.hotel_code}{occ} "
                f"({best.score:.2f}, {best.reason}; blocks {s.blocked})? [y/n/q]",
                default="n",
                show_default=False,
                err=True,
            )
            if answer.strip().lower().startswith("q"):
                break
            if not answer.strip().lower().startswith("y"):
                continue
        result = set_mapping(
            app_state.database(),
            hotel_code,
            s.operator,
            s.kind,
            s.operator_value,
            best.hotel_code,
            occupancy=best.occupancy if s.kind == MappingKind.ROOM_TYPE.value else "",
            user=app_state.user(),
        )
        accepted.append(
            {
                "operator": s.operator,
                "kind": s.kind,
                "operator_code": s.operator_value,
                "hotel_code": best.hotel_code,
                "occupancy": result.mapping.occupancy,
                "score": f"{best.score:.2f}",
                "unblocked": str(result.applied.unblocked),
            }
        )
    if as_json:
        print_json(accepted)
        return
    for a in accepted:
        out.print(
            f"set: {a['operator']} {a['kind']} {a['operator_code']!r} → {a['hotel_code']} "
            f"(score {a['score']}, unblocked {a['unblocked']})",
            markup=False,
        )
    err.print(f"{len(accepted)} mapping(s) set")


@app.command("export")
def export_command(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    hotel: HotelOption = None,
) -> None:
    """Every mapping as CSV: operator,kind,operator_code,hotel_code,occupancy."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_row = app_state.hotel(session, hotel)
        text = export_csv(session, hotel_row.id or 0)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    err.print(f"wrote {text.count(chr(10)) - 1} mapping(s) to {output}", markup=False)


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV with a header line.", exists=True, dir_okay=False)
    ],
    hotel: HotelOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import mappings from CSV: every row, or none with every bad row listed."""
    app_state = state(ctx)
    result = import_csv(
        app_state.database(),
        app_state.hotel_code(hotel),
        file.read_text(encoding="utf-8-sig"),
        user=app_state.user(),
        source=file.name,
    )
    if wants_json(ctx, json_out):
        print_json(result)
        return
    out.print(
        f"imported {file.name}: {result.created} new, {result.updated} changed, "
        f"{result.unchanged} unchanged; {_applied(result.applied)}",
        markup=False,
    )
