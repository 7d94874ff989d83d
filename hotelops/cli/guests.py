"""``hotelops guests``: match an inbox reservation's guests to guest profiles, link by hand."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.table import Table

from hotelops.cli.common import literal, out, print_json, state, wants_json
from hotelops.core.guests import GuestMatch, link_guest, match_guests

app = typer.Typer(
    help="Guests of an inbox reservation against the guest profiles: match, link.",
    no_args_is_help=True,
)

#: Row colours of the seed (Misafirler sekmesi): problem red, repeat yellow, gray list black,
#: possible green, VIP its own colour (magenta here).
COLOUR_STYLE = {
    "problem": "bold red",
    "repeat": "yellow",
    "gray_list": "black on white",
    "vip": "magenta",
    "possible": "green",
}


@app.command("match")
def match_command(
    ctx: typer.Context,
    inbox_id: Annotated[int, typer.Argument(metavar="ID", help="Inbox reservation id.")],
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Each guest: its profile (linked or exact), its flags, or the possible profiles."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_row = app_state.hotel(session, hotel)
        matches = match_guests(session, hotel_row.id or 0, inbox_id)
    if wants_json(ctx, json_out):
        print_json([_match_json(m) for m in matches])
        return
    table = Table(
        title=f"guests of #{inbox_id}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    # Name and status keep their width on an 80-column terminal; the candidates wrap.
    for name, justify, width in [
        ("#", "right", None),
        ("guest", "right", None),
        ("name", "left", 18),
        ("status", "left", 8),
        ("profile", "right", None),
        ("VIP", "left", None),
        ("rep", "right", None),
        ("gray", "left", None),
        ("prob", "left", None),
        ("possible guests (id: score)", "left", None),
    ]:
        table.add_column(name, justify=justify, min_width=width)  # type: ignore[arg-type]
    for m in matches:
        style = COLOUR_STYLE.get(m.colour, "")
        flags = m.flags
        status = f"[{style}]{m.status}[/]" if style else m.status
        possible = "\n".join(
            f"{c.profile_id}: {c.name} {c.score:.2f} ({', '.join(c.reasons)})" for c in m.candidates
        )
        table.add_row(
            str(m.seq + 1),
            str(m.inbox_guest_id),
            literal(m.name, style),
            status,
            str(m.profile_id or ""),
            literal(flags.vip) if flags else "",
            str(flags.repeat) if flags and flags.repeat else "",
            "yes" if flags and flags.gray_list else "",
            "yes" if flags and flags.problem else "",
            literal(possible),
        )
    out.print(table)
    if any(m.status == "possible" for m in matches):
        out.print("[dim]link one: hotelops guests link GUEST_ID PROFILE_ID[/]")


def _match_json(m: GuestMatch) -> dict[str, object]:
    return {
        "inbox_guest_id": m.inbox_guest_id,
        "seq": m.seq,
        "name": m.name,
        "status": m.status,
        "colour": m.colour,
        "profile_id": m.profile_id,
        "linked_profile_id": m.linked_profile_id,
        "exact_profile_id": m.exact_profile_id,
        "flags": m.flags,
        "candidates": m.candidates,
    }


@app.command("link")
def link_command(
    ctx: typer.Context,
    guest_id: Annotated[int, typer.Argument(metavar="GUEST_ID", help="Inbox guest id.")],
    profile_id: Annotated[
        int | None, typer.Argument(metavar="PROFILE_ID", help="Guest profile id.")
    ] = None,
    unlink: Annotated[bool, typer.Option("--unlink", help="Remove the guest's link.")] = False,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
) -> None:
    """Link an inbox guest to a guest profile by hand (or --unlink it)."""
    if unlink == (profile_id is not None):
        raise typer.BadParameter("give a PROFILE_ID, or --unlink without one")
    app_state = state(ctx)
    db = app_state.database()
    with db.read() as session:
        hotel_id = app_state.hotel(session, hotel).id
    link_guest(db, hotel_id or 0, guest_id, None if unlink else profile_id, user=app_state.user())
    if unlink:
        out.print(f"guest {guest_id} unlinked")
    else:
        out.print(f"guest {guest_id} linked to profile {profile_id}")
