"""``hotelops approve start|vote|status|print``: internal approval and the confirmation form.

Plain command functions; ``hotelops.cli.app`` registers them under ``hotelops approve``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from hotelops.cli.common import err, out, print_json, state, wants_json
from hotelops.core import internal_approval
from hotelops.core.confirmation import render_html, render_text
from hotelops.core.inbox import inbox_detail
from hotelops.core.internal_approval import ApprovalStatus
from hotelops.core.mailer import Mailer

APPROVAL_STYLE = {"started": "yellow", "approved": "green", "rejected": "red"}
VOTE_STYLE = {"yes": "green", "no": "red", "": "yellow"}

InboxId = Annotated[int, typer.Argument(metavar="ID", help="Inbox reservation id.")]
HotelOption = Annotated[str | None, typer.Option("--hotel", help="Hotel code.")]


def start_command(
    ctx: typer.Context,
    inbox_id: InboxId,
    approver: Annotated[
        list[str],
        typer.Option(
            "--approver",
            "-a",
            help="An approver's username (repeat for up to five; each needs an e-mail address).",
        ),
    ],
    note: Annotated[str, typer.Option("--note", help="What the approvers should know.")] = "",
    hotel: HotelOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Start an internal approval (İç Onay): mail each approver and wait for their votes."""
    app_state = state(ctx)
    db = app_state.database()
    with db.read() as session:
        hotel_id = state(ctx).hotel(session, hotel).id or 0
    result = internal_approval.start(
        db,
        hotel_id,
        inbox_id,
        approver,
        note,
        user=app_state.user(),
        mailer=Mailer(app_state.config.settings.smtp),
    )
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True)
    if wants_json(ctx, json_out):
        print_json(_json(result))
        return
    mailed = sum(1 for v in result.votes if v.notified_at)
    out.print(
        f"internal approval [bold]#{result.id}[/] of inbox #{inbox_id} started; "
        f"{mailed} of {len(result.votes)} approver(s) mailed"
    )
    _show(result)


def vote_command(
    ctx: typer.Context,
    inbox_id: InboxId,
    user: Annotated[str, typer.Option("--user", "-u", help="The approver who votes.")],
    yes: Annotated[
        bool | None,
        typer.Option("--yes/--no", help="Approve (--yes) or reject (--no); one is required."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="Why (shown with the vote).")] = "",
    hotel: HotelOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Vote on an internal approval: one --no rejects it, a --yes from everyone approves it."""
    if yes is None:
        raise typer.BadParameter("say --yes or --no", param_hint="--yes/--no")
    app_state = state(ctx)
    db = app_state.database()
    with db.read() as session:
        hotel_id = state(ctx).hotel(session, hotel).id or 0
    result = internal_approval.vote(
        db, hotel_id, inbox_id, user, yes, note=note, user=app_state.user()
    )
    if wants_json(ctx, json_out):
        print_json(_json(result))
        return
    word = "yes" if yes else "no"
    out.print(
        f"{escape(user)} voted [{VOTE_STYLE[word]}]{word}[/]: internal approval "
        f"#{result.id} is [{APPROVAL_STYLE[result.status]}]{result.status}[/]"
    )
    _show(result)


def status_command(
    ctx: typer.Context,
    inbox_id: InboxId,
    hotel: HotelOption = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Where the internal approval of a reservation stands: every vote with its time."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_id = state(ctx).hotel(session, hotel).id or 0
        inbox_detail(session, hotel_id, inbox_id)  # a wrong id is an error, not "none"
        result = internal_approval.status(session, hotel_id, inbox_id)
    if wants_json(ctx, json_out):
        print_json(_json(result) if result else None)
        return
    if result is None:
        out.print(
            f"inbox #{inbox_id} has no internal approval "
            f"(start one with `hotelops approve start {inbox_id} --approver USER`)"
        )
        return
    _show(result)


def print_command(
    ctx: typer.Context,
    inbox_id: InboxId,
    html: Annotated[
        Path | None,
        typer.Option("--html", metavar="FILE", dir_okay=False, help="Also write the HTML form."),
    ] = None,
    hotel: HotelOption = None,
) -> None:
    """The confirmation form (Yazdır) as text on stdout, and as an HTML file with --html."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_row = state(ctx).hotel(session, hotel)
        detail = inbox_detail(session, hotel_row.id or 0, inbox_id)
    typer.echo(render_text(detail, hotel_row), nl=False)
    if html is not None:
        try:
            html.write_text(render_html(detail, hotel_row), encoding="utf-8")
        except OSError as exc:
            err.print(f"[bold red]error:[/] cannot write {escape(str(html))}: {exc.strerror}")
            raise typer.Exit(1) from None
        err.print(f"HTML form written to {escape(str(html))}")


def _show(result: ApprovalStatus) -> None:
    style = APPROVAL_STYLE.get(result.status, "")
    decided = f"  decided {result.decided_at:%d.%m.%Y %H:%M} UTC" if result.decided_at else ""
    out.print(
        f"[bold]internal approval #{result.id}[/]  inbox #{result.inbox_id}  "
        f"[{style}]{result.status}[/]{decided}\n"
        f"started by {escape(result.started_by)} on {result.started_at:%d.%m.%Y %H:%M} UTC"
    )
    if result.note:
        out.print(f"note: {escape(result.note)}")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("#", "approver", "vote", "time", "note", "mail"):
        table.add_column(column)
    for v in result.votes:
        word = v.vote or "waiting"
        if v.notified_at:
            mail = f"sent {v.notified_at:%d.%m.%Y %H:%M}"
        elif v.notify_error:
            mail = f"[red]{escape(v.notify_error)}[/]"
        else:
            mail = ""
        table.add_row(
            str(v.seq),
            escape(f"{v.name} ({v.username})" if v.name else v.username),
            f"[{VOTE_STYLE[v.vote]}]{word}[/]",
            f"{v.voted_at:%d.%m.%Y %H:%M}" if v.voted_at else "",
            escape(v.note),
            mail,
        )
    out.print(table)
    blocking = internal_approval.is_blocking(result)
    if blocking:
        out.print(f"[{style}]{escape(blocking)}[/]")


def _json(result: ApprovalStatus) -> dict[str, object]:
    return {
        "id": result.id,
        "inbox_id": result.inbox_id,
        "status": result.status,
        "note": result.note,
        "started_by": result.started_by,
        "started_at": result.started_at,
        "decided_at": result.decided_at,
        "waiting": result.waiting,
        "votes": result.votes,
        "warnings": result.warnings,
        "blocking": internal_approval.is_blocking(result),
    }
