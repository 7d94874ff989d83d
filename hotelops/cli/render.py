"""Rich renderings shared by several commands."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from hotelops.cli.common import literal
from hotelops.core.hotels import HotelSummary

STATUS_STYLE = {
    "reserved": "cyan",
    "in_house": "green",
    "checked_out": "dim",
    "cancelled": "red",
    "no_show": "magenta",
}


def hotel_card(summary: HotelSummary) -> Group:
    """The hotel card: header, room types, and what the database holds."""
    header = Text.assemble(
        (summary.name, "bold"),
        " (",
        (summary.code, "bold cyan"),
        f")  {summary.city} {summary.country}\nbusiness date ",
        (summary.business_date.isoformat(), "bold"),
        f"   currency {summary.currency}   time zone {summary.timezone}   ",
        (str(summary.total_rooms), "bold"),
        f" rooms, {summary.in_house_tonight} in house",
    )
    rooms = Table(title="Room types", title_justify="left", expand=False)
    for column, justify in [
        ("code", "left"),
        ("name", "left"),
        ("group", "left"),
        ("rooms", "right"),
        ("std", "right"),
        ("max adults", "right"),
        ("max children", "right"),
    ]:
        rooms.add_column(column, justify=justify)  # type: ignore[arg-type]
    for rt in summary.room_types:
        rooms.add_row(
            literal(rt.code, "bold"),
            literal(rt.name),
            literal(rt.group),
            str(rt.rooms),
            str(rt.std_adults),
            str(rt.max_adults),
            str(rt.max_children),
        )
    rooms.add_row("", "[bold]total[/]", "", f"[bold]{summary.total_rooms}[/]", "", "", "")

    holds = Table(title="In the database", title_justify="left", show_header=False)
    holds.add_column("what")
    holds.add_column("", justify="right")
    holds.add_column("detail", style="dim")
    c = summary.counts
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(summary.operators_by_kind.items()))
    statuses = ", ".join(
        f"[{STATUS_STYLE.get(k, '')}]{n} {k.replace('_', '-')}[/]"
        for k, n in sorted(summary.reservations_by_status.items())
    )
    flags = summary.guest_flags
    rows: list[tuple[str, int, str | Text]] = [
        ("boards", c["boards"], literal(" ".join(summary.boards))),
        ("markets", c["markets"], literal(" ".join(summary.markets))),
        (
            "segments / sources",
            c["segments"] + c["sources"],
            f"{c['segments']} segments, {c['sources']} sources",
        ),
        ("agencies", c["agencies"], ""),
        ("users", c["users"], ""),
        ("operators", c["operators"], kinds),
        ("mail sender rules", c["sender_rules"], ""),
        ("mappings", c["mappings"], ""),
        (
            "guest profiles",
            c["guest_profiles"],
            f"{flags['vip']} VIP, {flags['repeat']} repeat, {flags['gray_list']} gray list, "
            f"{flags['problem']} problem",
        ),
        ("hotel reservations", c["hotel_reservations"], statuses),
        ("inbox reservations", c["inbox_reservations"], ""),
        ("audit log entries", c["audit_log"], ""),
    ]
    for what, count, detail in rows:
        holds.add_row(what, str(count), detail)
    return Group(Panel(header, title="hotel", title_align="left", expand=False), rooms, holds)


def summary_json(summary: HotelSummary) -> dict[str, Any]:
    """The hotel card as stable JSON."""
    return asdict(summary)
