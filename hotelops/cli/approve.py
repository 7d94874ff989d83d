"""``hotelops approve``: confirm, save, confirm-and-save or reject; forecast; internal approval."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from hotelops.cli import internal
from hotelops.cli.common import (
    ArrivalFrom,
    ArrivalTo,
    DefaultCommandGroup,
    RoutedCommand,
    err,
    literal,
    out,
    parse_date,
    print_json,
    state,
    wants_json,
)
from hotelops.cli.price import differs_warning
from hotelops.core.approval import (
    CONFIRM,
    REJECT,
    SAVE,
    Changed,
    Outcome,
    Overrides,
    Refused,
    availability,
    check,
    decide,
    operator_notifier,
    preview,
    reject,
)
from hotelops.core.errors import InputError
from hotelops.core.inbox import InboxFilter, list_inbox
from hotelops.core.mapping import MappingTable
from hotelops.core.models import InboxReservation, InboxStatus


class ApproveGroup(DefaultCommandGroup):
    """``approve ID...`` and ``approve --pending`` mean ``approve decide ...``."""

    def route(self, args: list[str]) -> tuple[str, list[str]] | None:
        if args and args[0] not in ("--help", "-h"):
            return "decide", args
        return None


app = typer.Typer(
    cls=ApproveGroup,
    help="Decide inbox reservations: `approve ID...` confirms and saves (guards first); "
    "--confirm-only, --save-only, --reject REASON; `approve --pending` for many.",
    no_args_is_help=True,
)


def _outcome_line(o: Outcome) -> Text:
    return Text.assemble(("✓", "green"), f" {o.summary()}")


@app.command("decide", cls=RoutedCommand)
def decide_command(
    ctx: typer.Context,
    ids: Annotated[list[int] | None, typer.Argument(metavar="ID", help="Inbox ids.")] = None,
    confirm_only: Annotated[
        bool, typer.Option("--confirm-only", help="Confirm to the operator, do not save.")
    ] = False,
    save_only: Annotated[
        bool, typer.Option("--save-only", help="Save to the books, do not confirm.")
    ] = False,
    reject_reason: Annotated[
        str | None, typer.Option("--reject", help="Reject, with this reason.")
    ] = None,
    ignore_stop_sale: Annotated[
        bool, typer.Option("--ignore-stop-sale", help="Save even on stop-sale dates (logged).")
    ] = False,
    allow_overbooking: Annotated[
        bool,
        typer.Option("--allow-overbooking", help="Save even when the room type is full (logged)."),
    ] = False,
    link: Annotated[
        int | None,
        typer.Option("--link", help="Link to this hotel reservation instead of creating one."),
    ] = None,
    create_new: Annotated[
        bool,
        typer.Option(
            "--create-new", help="Create a new hotel reservation despite possible duplicates."
        ),
    ] = False,
    pending: Annotated[
        bool, typer.Option("--pending", help="Every pending reservation (with the filters below).")
    ] = False,
    operator: Annotated[str | None, typer.Option("--operator")] = None,
    arrival_from: ArrivalFrom = None,
    arrival_to: ArrivalTo = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="With --pending: do it (default: preview).")
    ] = False,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Confirm and save (default), confirm only, save only, or reject; guards first."""
    if sum([confirm_only, save_only, reject_reason is not None]) > 1:
        raise typer.BadParameter("choose one of --confirm-only, --save-only, --reject")
    if link is not None and (len(ids or []) != 1 or pending):
        raise typer.BadParameter("--link goes with exactly one ID", param_hint="--link")
    app_state = state(ctx)
    db = app_state.database()
    with db.read() as session:
        hotel_row = state(ctx).hotel(session, hotel)
        targets = list(ids or [])
        if pending:
            page = list_inbox(
                session,
                hotel_row.id or 0,
                InboxFilter(
                    status=InboxStatus.PENDING,
                    operator=operator,
                    arrival_from=parse_date(arrival_from, "--arrival-from"),
                    arrival_to=parse_date(arrival_to, "--arrival-to"),
                ),
                limit=100_000,
                sort="check_in",
                descending=False,
            )
            targets = [r.id for r in page.rows]
    if not targets and not pending:
        raise InputError("no reservation to decide: give IDs, or --pending with filters")
    if not targets and not wants_json(ctx, json_out):
        err.print("no pending reservation matches the filters: nothing to decide")
        return
    overrides = Overrides(ignore_stop_sale, allow_overbooking, link, create_new)
    action = REJECT if reject_reason is not None else (CONFIRM if confirm_only else SAVE)
    if pending and not yes:
        _preview(ctx, hotel_row, targets, action, overrides, wants_json(ctx, json_out))
        return
    notify = operator_notifier(db, app_state.config, hotel_row)
    done: list[dict[str, Any]] = []
    blocked: list[dict[str, Any]] = []
    for inbox_id in targets:
        try:
            if reject_reason is not None:
                outcome = reject(db, hotel_row, inbox_id, reject_reason, user=app_state.user())
            else:
                outcome = decide(
                    db,
                    hotel_row,
                    app_state.config,
                    inbox_id,
                    confirm=not save_only,
                    save=not confirm_only,
                    user=app_state.user(),
                    overrides=overrides,
                    notify=notify,
                )
        except (Refused, Changed) as exc:
            blocked.append({"id": inbox_id, "reason": str(exc)})
            continue
        done.append(asdict(outcome))
        if not wants_json(ctx, json_out):
            out.print(_outcome_line(outcome))
            sys.stdout.flush()  # each outcome line before its warnings, even in one pipe
            for warning in outcome.warnings:
                err.print(Text.assemble("  ", ("warning:", "yellow"), f" {warning}"))
    if wants_json(ctx, json_out):
        print_json({"done": done, "blocked": blocked})
    else:
        for item in blocked:
            err.print(Text.assemble(("✗", "red"), f" {item['reason']}"), soft_wrap=True)
        if len(targets) > 1:
            out.print(f"{len(done)} done, {len(blocked)} blocked")
    raise typer.Exit(1 if blocked else 0)


def _preview(
    ctx: typer.Context,
    hotel_row: Any,
    targets: list[int],
    action: str,
    overrides: Overrides,
    as_json: bool,
) -> None:
    with state(ctx).database().read() as session:
        items = preview(session, hotel_row, state(ctx).config, targets, action, overrides)
    rows = [
        {
            "id": item.inbox_id,
            "voucher": item.voucher,
            "content": item.content,
            "ready": item.ready,
            "problems": item.problems,
            "warnings": item.warnings,
        }
        for item in items
    ]
    ready = sum(1 for r in rows if r["ready"])
    if as_json:
        print_json({"action": action, "ready": ready, "blocked": len(rows) - ready, "items": rows})
        return
    table = Table(
        "id",
        "voucher",
        "content",
        "ready",
        "why not",
        title=f"preview: {action} {len(rows)} reservation(s)",
        title_justify="left",
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            literal(r["voucher"]),
            r["content"],
            "[green]yes[/]" if r["ready"] else "[red]no[/]",
            literal("; ".join(r["problems"]) or "; ".join(r["warnings"])),
        )
    out.print(table)
    out.print(f"{ready} ready, {len(rows) - ready} blocked — add --yes to do it")


@app.command("check")
def check_command(
    ctx: typer.Context,
    inbox_id: Annotated[int, typer.Argument(metavar="ID")],
    action: Annotated[str, typer.Option("--action", help="save or confirm")] = SAVE,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What the guards say about one reservation, without deciding anything."""
    with state(ctx).database().read() as session:
        result = check(
            session, state(ctx).hotel(session, hotel), state(ctx).config, inbox_id, action
        )
    if wants_json(ctx, json_out):
        print_json(
            {
                "id": inbox_id,
                "action": action,
                "ok": result.ok,
                "problems": result.problems,
                "warnings": result.warnings,
                "duplicates": [asdict(d) for d in result.duplicates],
            }
        )
    else:
        out.print(f"#{inbox_id}: {'[green]ready[/]' if result.ok else '[red]blocked[/]'}")
        for line in result.problems:
            out.print(Text.assemble("  ", ("✗", "red"), f" {line}"), soft_wrap=True)
        for line in result.warnings:
            if result.price is not None and line == result.price.reason:
                line = differs_warning(result.price)  # display money, not raw decimals
            out.print(Text.assemble("  ", ("!", "yellow"), f" {line}"), soft_wrap=True)
        if result.duplicates:
            table = Table(
                "id",
                "voucher",
                "guests",
                "arrival",
                "departure",
                "room",
                "status",
                "why",
                title="possible duplicates",
                title_justify="left",
            )
            for d in result.duplicates:
                table.add_row(
                    str(d.id),
                    literal(d.voucher),
                    literal(d.guest_names),
                    str(d.arrival),
                    str(d.departure),
                    literal(d.room_type),
                    d.status,
                    literal(d.why),
                )
            out.print(table)
    raise typer.Exit(0 if result.ok else 1)


@app.command("forecast")
def forecast_command(
    ctx: typer.Context,
    inbox_id: Annotated[int, typer.Argument(metavar="ID")],
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Room-type availability and hotel occupancy for each night of the stay."""
    with state(ctx).database().read() as session:
        hotel_row = state(ctx).hotel(session, hotel)
        row = session.get(InboxReservation, inbox_id)
        if row is None or row.hotel_id != hotel_row.id:
            raise InputError(f"no inbox reservation #{inbox_id}")
        resolved = MappingTable.load(session, hotel_row.id or 0).resolve(row.operator_id, row)
        if not resolved.room_type:
            raise InputError(
                f"#{inbox_id}: room type {row.operator_room_type!r} is not mapped "
                "(hotelops map missing)"
            )
        nights = availability(
            session, hotel_row.id or 0, resolved.room_type, row.check_in, row.check_out
        )
    if wants_json(ctx, json_out):
        print_json(
            [
                {
                    "night": n.night,
                    "room_type": resolved.room_type,
                    "rooms": n.rooms,
                    "sold": n.sold,
                    "left": n.left,
                    "occupancy": round(n.occupancy, 1),
                }
                for n in nights
            ]
        )
        return
    table = Table(
        "night",
        f"{escape(resolved.room_type)} rooms",
        "sold",
        "left",
        "hotel occupancy",
        title=f"#{inbox_id} {escape(row.voucher)}: forecast",
        title_justify="left",
    )
    for n in nights:
        style = "red" if n.left < row.room_count else "green"
        table.add_row(
            f"{n.night:%a %d.%m.%Y}",
            str(n.rooms),
            str(n.sold),
            f"[{style}]{n.left}[/]",
            f"{n.occupancy:.0f} %",
        )
    out.print(table)


# Internal approval (İç Onay Süreci) and the confirmation form (Yazdır).
app.command("start")(internal.start_command)
app.command("vote")(internal.vote_command)
app.command("status")(internal.status_command)
app.command("print")(internal.print_command)
