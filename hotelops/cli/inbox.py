"""``hotelops inbox``: how people and scripts read the inbox."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from hotelops.cli.common import (
    ArrivalFrom,
    ArrivalTo,
    literal,
    out,
    parse_date,
    print_json,
    state,
    wants_json,
)
from hotelops.core.documents import document_file, document_text, list_documents
from hotelops.core.errors import InputError, NotFound
from hotelops.core.inbox import InboxFilter, InboxRow, inbox_detail, list_inbox
from hotelops.core.models import Content, InboxStatus
from hotelops.core.money import format_money
from hotelops.core.sales import option_date_text, set_sales

app = typer.Typer(
    help="The inbox of operator reservations: list, show, edit and documents.",
    no_args_is_help=True,
)

STATUS_STYLE = {"pending": "yellow", "approved": "green", "rejected": "red"}
CONTENT_STYLE = {"new": "green", "modification": "cyan", "cancellation": "bold red"}


@app.command("list")
def list_command(
    ctx: typer.Context,
    status: Annotated[
        InboxStatus | None, typer.Option("--status", help="pending, approved or rejected.")
    ] = None,
    content: Annotated[
        Content | None, typer.Option("--content", help="new, modification or cancellation.")
    ] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Operator code.")] = None,
    arrival_from: ArrivalFrom = None,
    arrival_to: ArrivalTo = None,
    sale_from: Annotated[
        str | None, typer.Option("--sale-from", metavar="DATE", help="Sold on or after.")
    ] = None,
    sale_to: Annotated[
        str | None, typer.Option("--sale-to", metavar="DATE", help="Sold on or before.")
    ] = None,
    missing: Annotated[
        bool,
        typer.Option(
            "--missing-mappings", help="Only reservations with an unmapped operator code."
        ),
    ] = False,
    search: Annotated[
        str, typer.Option("--search", help="Guest name (any spelling) or voucher.")
    ] = "",
    sort: Annotated[
        str, typer.Option("--sort", help="received, check_in, sale_date, voucher, operator, id.")
    ] = "received",
    ascending: Annotated[bool, typer.Option("--asc", help="Oldest first.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 100,
    offset: Annotated[int, typer.Option("--offset", min=0)] = 0,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Inbox reservations, newest first, like the review grid."""
    app_state = state(ctx)
    filters = InboxFilter(
        status=status,
        content=content,
        operator=operator,
        arrival_from=parse_date(arrival_from, "--arrival-from"),
        arrival_to=parse_date(arrival_to, "--arrival-to"),
        sale_from=parse_date(sale_from, "--sale-from"),
        sale_to=parse_date(sale_to, "--sale-to"),
        missing_mappings=missing,
        search=search,
    )
    with app_state.database().read() as session:
        hotel_row = app_state.hotel(session, hotel)
        page = list_inbox(
            session,
            hotel_row.id or 0,
            filters,
            limit=limit,
            offset=offset,
            sort=sort,
            descending=not ascending,
        )
    if wants_json(ctx, json_out):
        print_json(
            {
                "total": page.total,
                "offset": page.offset,
                "limit": page.limit,
                "rows": [_row_json(r) for r in page.rows],
            }
        )
        return
    table = Table(
        title=f"inbox: {page.total} reservation(s)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    # (name, width, justify, the narrowest terminal that still shows it)
    columns = [
        ("id", 5, "right", 0),
        ("status", 8, "left", 0),
        ("content", 12, "left", 0),
        ("operator", 8, "left", 0),
        ("agency", 12, "left", 150),
        ("guests", 0, "left", 0),
        ("voucher", 11, "left", 0),
        ("check-in", 8, "left", 0),
        ("check-out", 9, "left", 100),
        ("n", 2, "right", 0),
        ("sale", 8, "left", 165),
        ("pax", 5, "left", 90),
        ("nat", 3, "left", 125),
        ("board", 10, "left", 135),
        ("room type", 16, "left", 115),
    ]
    shown = [c for c in columns if out.width >= c[3]]
    # The guests column takes what the others leave (each column costs its width + 2).
    guests_width = max(10, out.width - sum(c[1] + 2 for c in shown if c[1]) - 2)
    for name, width, justify, _ in shown:
        table.add_column(
            name,
            justify=justify,
            no_wrap=True,
            overflow="ellipsis",  # type: ignore[arg-type]
            min_width=width or guests_width,
            max_width=width or guests_width,
        )
    for r in page.rows:
        values = {
            "id": str(r.id),
            "status": f"[{STATUS_STYLE[r.status]}]{r.status}[/]",
            "content": f"[{CONTENT_STYLE[r.content]}]{r.content}[/]",
            "operator": literal(r.operator),
            "agency": literal(r.agency),
            "guests": literal(r.guest_names),
            "voucher": literal(r.voucher),
            "check-in": f"{r.check_in:%d.%m.%y}",
            "check-out": f"{r.check_out:%d.%m.%y}",
            "n": str(r.nights),
            "sale": f"{r.sale_date:%d.%m.%y}" if r.sale_date else "",
            "pax": r.pax,
            "nat": literal(r.nationality),
            "board": literal(r.board),
            "room type": literal(r.room_type),
        }
        table.add_row(*(values[name] for name, *_ in shown))
    out.print(table)
    if page.total > page.offset + len(page.rows):
        out.print(
            f"[dim]showing {page.offset + 1}-{page.offset + len(page.rows)} of "
            f"{page.total}; --offset {page.offset + len(page.rows)} for more[/]"
        )


def _row_json(r: InboxRow) -> dict[str, object]:
    return {
        "id": r.id,
        "status": r.status,
        "content": r.content,
        "operator": r.operator,
        "agency": r.agency,
        "guest_names": r.guest_names,
        "voucher": r.voucher,
        "operator_res_id": r.operator_res_id,
        "check_in": r.check_in,
        "check_out": r.check_out,
        "nights": r.nights,
        "sale_date": r.sale_date,
        "received_at": r.received_at,
        "adults": r.adults,
        "children": r.children,
        "infants": r.infants,
        "nationality": r.nationality,
        "room_type": r.room_type,
        "board": r.board,
        "market": r.market,
        "room_count": r.room_count,
        "price": r.price,
        "currency": r.currency,
        "sender": r.sender,
        "version": r.version,
    }


@app.command("show")
def show_command(
    ctx: typer.Context,
    inbox_id: Annotated[int, typer.Argument(metavar="ID", help="Inbox reservation id.")],
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One inbox reservation: every field, guests, documents, versions and their diffs."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        hotel_row = app_state.hotel(session, hotel)
        detail = inbox_detail(session, hotel_row.id or 0, inbox_id)
        timezone = hotel_row.timezone  # the option date is shown in the hotel's zone
    r = detail.reservation
    if wants_json(ctx, json_out):
        print_json(
            {
                "reservation": r,
                "operator": detail.operator_code,
                "operator_name": detail.operator_name,
                "guests": detail.guests,
                "documents": detail.documents,
                "versions": detail.versions,
                "missing_mappings": detail.missing_mappings,
                "hotel_reservation_id": detail.hotel_reservation_id,
                "status_line": detail.status_line,
            }
        )
        return
    header = Text.assemble(
        (f"#{r.id}", "bold"),
        f"  {detail.operator_name} (",
        (detail.operator_code, "bold"),
        ")  voucher ",
        (r.voucher, "bold"),
        f" / {r.operator_res_id}" if r.operator_res_id else "",
        "\n",
        (str(r.status), STATUS_STYLE[str(r.status)]),
        "  ",
        (str(r.content), CONTENT_STYLE[str(r.content)]),
        f"  version {r.version}\n"
        f"check-in {r.check_in:%d.%m.%Y}  nights {r.nights}  check-out {r.check_out:%d.%m.%Y}"
        f"   adults {r.adults}  children {r.children}"
        f"{' (' + ', '.join(map(str, r.child_ages)) + ')' if r.child_ages else ''}"
        f"  infants {r.infants}  rooms {r.room_count}  nationality {r.nationality or '-'}\n",
        (detail.status_line, "dim"),
    )
    mapping = Table("", "operator value", "", show_header=False, box=None)
    for label, column, kind in [
        ("agency", r.operator_agency, "agency"),
        ("room type", r.operator_room_type, "room_type"),
        ("board", r.operator_board, "board"),
        ("market", r.operator_market, "market"),
        ("rate type", r.operator_rate_type, "rate_type"),
    ]:
        flag = "[red]unmapped[/]" if kind in detail.missing_mappings else ""
        mapping.add_row(label, literal(column or "-"), flag)
    sales = Table(show_header=False, box=None)
    price = (
        format_money(r.operator_price, r.operator_currency or None)
        if r.operator_price is not None
        else "-"
    )
    for label, value in [
        ("sale date", f"{r.sale_date:%d.%m.%Y}" if r.sale_date else "-"),
        ("received", f"{r.received_at:%d.%m.%Y %H:%M} UTC"),
        ("option date", option_date_text(r.option_date, timezone) or "-"),
        ("operator price", price),
        ("agency note", r.agency_note or "-"),
        ("hotel note", r.hotel_note or "-"),
        (
            "cancellation",
            f"{r.cancellation_date:%d.%m.%Y} {r.cancellation_note}" if r.cancellation_date else "-",
        ),
        (
            "arrival flight",
            " ".join(filter(None, [r.arrival_flight, r.arrival_route, r.arrival_flight_time]))
            or "-",
        ),
        (
            "departure flight",
            " ".join(filter(None, [r.departure_flight, r.departure_route, r.departure_flight_time]))
            or "-",
        ),
        ("sender", r.sender or "-"),
    ]:
        sales.add_row(label, literal(value))
    guests = Table(
        "title",
        "first name",
        "last name",
        "age",
        "gender",
        "birth date",
        "passport",
        "nat",
        title="guests",
        title_justify="left",
    )
    for g in detail.guests:
        guests.add_row(
            literal(g.title),
            literal(g.first_name),
            literal(g.last_name),
            str(g.age or ""),
            literal(g.gender),
            f"{g.birth_date:%d.%m.%Y}" if g.birth_date else "",
            literal(g.passport),
            literal(g.nationality),
        )
    parts: list[object] = [
        Panel(header, title="operator reservation", title_align="left"),
        Panel(mapping, title="mapping", title_align="left"),
        Panel(sales, title="sales", title_align="left"),
        guests,
    ]
    if detail.documents:
        docs = Table("file", "size", "type", "stored as", title="documents", title_justify="left")
        for d in detail.documents:
            docs.add_row(
                literal(d.file_name), f"{d.size:,}", literal(d.content_type), literal(d.stored_path)
            )
        parts.append(docs)
    versions = Table(
        "#", "content", "received", "changed", "source", title="versions", title_justify="left"
    )
    for v in detail.versions:
        changes = "; ".join(f"{k}: {_short(a)} → {_short(b)}" for k, (a, b) in v.diff.items())
        if v.previous_status:
            changes = f"(was {v.previous_status}) {changes}"
        versions.add_row(
            str(v.version_no),
            v.content,
            f"{v.received_at:%d.%m.%Y %H:%M}",
            literal(changes or "-"),
            literal(f"{v.source} {v.source_ref}"),
        )
    parts.append(versions)
    out.print(Group(*parts))  # type: ignore[arg-type]


def _short(value: object) -> str:
    text = "-" if value in (None, "", []) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


@app.command("edit")
def edit_command(
    ctx: typer.Context,
    inbox_id: Annotated[int, typer.Argument(metavar="ID", help="Inbox reservation id.")],
    price_code: Annotated[
        str | None,
        typer.Option("--price-code", help='A contract code of the hotel; "" clears it.'),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help='A source code of the hotel; "" clears it.')
    ] = None,
    segment: Annotated[
        str | None,
        typer.Option("--segment", help='A segment code of the hotel; "" clears it.'),
    ] = None,
    option_date: Annotated[
        str | None,
        typer.Option(
            "--option-date",
            help="YYYY-MM-DD or 'YYYY-MM-DD HH:MM' in the hotel's time zone; \"\" clears it.",
        ),
    ] = None,
    hotel_note: Annotated[
        str | None, typer.Option("--hotel-note", help='The note for the hotel; "" clears it.')
    ] = None,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Edit a pending reservation's sales details: price code, source, segment, option date,
    hotel note (only the options given change; every change is in the audit log)."""
    app_state = state(ctx)
    if all(v is None for v in (price_code, source, segment, option_date, hotel_note)):
        raise typer.BadParameter(
            "give at least one of --price-code, --source, --segment, --option-date, --hotel-note",
            param_hint="ID",
        )
    db = app_state.database()
    result = set_sales(
        db,
        app_state.hotel_code(hotel),
        inbox_id,
        user=app_state.user(),
        price_code=price_code,
        source_code=source,
        segment_code=segment,
        option_date=option_date,
        hotel_note=hotel_note,
    )
    timezone = ""
    if result.changes.get("option_date"):
        with db.read() as session:
            timezone = app_state.hotel(session, hotel).timezone

    def shown(name: str, value: object) -> str:
        if name == "option_date" and isinstance(value, datetime):
            return option_date_text(value, timezone) or "-"
        return "-" if value in (None, "") else str(value)

    if wants_json(ctx, json_out):
        print_json(
            {
                "inbox_id": result.inbox_id,
                "voucher": result.voucher,
                "changed": {
                    name: {"before": before, "after": after}
                    for name, (before, after) in result.changes.items()
                },
            }
        )
        return
    if not result.changed:
        out.print(f"#{result.inbox_id} {escape(result.voucher)}: nothing changed")
        return
    out.print(f"#{result.inbox_id} {escape(result.voucher)}: {len(result.changes)} change(s)")
    for name, (before, after) in result.changes.items():
        out.print(
            f"  {name.replace('_', ' '):<12} {escape(shown(name, before))} → "
            f"[bold]{escape(shown(name, after))}[/]"
        )


@app.command("document")
def document_command(
    ctx: typer.Context,
    inbox_id: Annotated[int, typer.Argument(metavar="ID", help="Inbox reservation id.")],
    document_id: Annotated[
        int | None,
        typer.Argument(metavar="[DOC_ID]", help="A document id (from the list); omit to list."),
    ] = None,
    save: Annotated[
        Path | None,
        typer.Option("--save", help="Copy the document's file to PATH (a folder keeps its name)."),
    ] = None,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A reservation's documents: list them, print one's text, or --save its file."""
    app_state = state(ctx)
    config = app_state.config
    with app_state.database().read() as session:
        hotel_id = app_state.hotel(session, hotel).id or 0
        docs = list_documents(session, hotel_id, inbox_id)
        if document_id is None:
            if save is not None:
                raise typer.BadParameter("name the DOC_ID to save", param_hint="--save")
            if wants_json(ctx, json_out):
                print_json({"inbox_id": inbox_id, "documents": docs})
                return
            if not docs:
                out.print(f"#{inbox_id} has no documents")
                return
            table = Table("doc id", "file", "type", "size", box=box.SIMPLE_HEAD, pad_edge=False)
            for d in docs:
                table.add_row(str(d.id), escape(d.file_name), d.content_type, f"{d.size:,}")
            out.print(table)
            out.print(f"[dim]hotelops inbox document {inbox_id} DOC_ID prints one's text[/]")
            return
        if document_id not in {d.id for d in docs}:
            listed = ", ".join(str(d.id) for d in docs) or "none"
            raise NotFound(
                f"document #{document_id} is not one of #{inbox_id}'s documents ({listed})"
            )
        info = next(d for d in docs if d.id == document_id)
        path = document_file(config, session, hotel_id, document_id)
        text = None if save is not None else document_text(config, session, hotel_id, document_id)
    if save is not None:
        target = save / info.file_name if save.is_dir() else save
        try:
            shutil.copyfile(path, target)
        except OSError as exc:
            raise InputError(f"--save {save}: cannot write {target}: {exc.strerror}") from None
        if wants_json(ctx, json_out):
            print_json({"document": info, "saved": str(target)})
            return
        out.print(f"saved {escape(info.file_name)} ({info.size:,} bytes) to {escape(str(target))}")
        return
    if wants_json(ctx, json_out):
        print_json({"document": info, "text": text})
        return
    out.print(
        f"[bold]{escape(info.file_name)}[/]  {info.content_type}  {info.size:,} bytes", style=None
    )
    typer.echo(text)
