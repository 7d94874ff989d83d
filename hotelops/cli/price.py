"""``hotelops price``: the nightly price of an inbox reservation, all pending ones, or a quote."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from hotelops.cli.common import (
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
from hotelops.core.money import format_money, to_decimal
from hotelops.core.pricing.engine import PriceResult
from hotelops.core.pricing.service import (
    DIFFERS,
    PRICED,
    UNPRICED,
    InboxPrice,
    QuoteRequest,
    price_inbox,
    price_pending,
    quote,
    set_price_options,
)


class PriceGroup(DefaultCommandGroup):
    """``price ID`` means ``price show ID``; ``price --pending`` means ``price pending``."""

    def route(self, args: list[str]) -> tuple[str, list[str]] | None:
        if "--pending" in args:
            return "pending", [a for a in args if a != "--pending"]
        if args and not args[0].startswith("-"):
            return "show", args
        return None


app = typer.Typer(
    cls=PriceGroup,
    help="Price inbox reservations from contracts and promotions: `price ID`, "
    "`price --pending`, `price quote`, `price set`.",
    no_args_is_help=True,
)

STATUS_STYLE = {PRICED: "green", DIFFERS: "yellow", UNPRICED: "red"}


def result_json(result: PriceResult | None) -> dict[str, Any] | None:
    """The engine's result as JSON (money as strings)."""
    if result is None:
        return None
    return {
        "contract": result.contract_code,
        "currency": result.currency,
        "priced": result.priced,
        "total_contract": result.total_contract,
        "total_discount": result.total_discount,
        "total": result.total,
        "nights": [
            {
                "date": n.night,
                "period": n.letter,
                "contract_price": n.contract_price,
                "discount": n.discount,
                "price": n.price,
                "promotions": [{"code": p.code, "amount": p.amount} for p in n.promotions],
                "note": n.note,
            }
            for n in result.nights
        ],
        "trace": [
            {"code": t.code, "applied": t.applied, "amount": t.amount, "reason": t.reason}
            for t in result.trace
        ],
        "problems": result.problems,
    }


def item_json(item: InboxPrice) -> dict[str, Any]:
    """One priced inbox reservation as JSON."""
    resolved = item.resolved
    return {
        "id": item.inbox_id,
        "voucher": item.voucher,
        "operator": item.operator,
        "status": item.status,
        "category": item.category,
        "reason": item.reason,
        "contract": item.contract_code,
        "room_type": resolved.room_type if resolved else "",
        "agency": resolved.agency if resolved else "",
        "operator_price": item.operator_price,
        "operator_currency": item.operator_currency,
        "hotel_price": item.result.total if item.result and item.result.priced else None,
        "difference": item.difference,
        "options": {
            "discounts_active": item.options.discounts_active,
            "skipped": sorted(item.options.skipped),
            "manual": sorted(item.options.manual),
            "manual_prices": dict(item.options.manual_prices or {}),
        },
        "price": result_json(item.result),
    }


def nightly_table(result: PriceResult, title: str) -> Table:
    """The prices panel: date, period, contract price, discount, price, why (seed 000).

    ``title`` is plain text (it names vouchers and codes as written).
    """
    table = Table(title=escape(title), title_justify="left")
    for name, justify in [
        ("date", "left"),
        ("period", "center"),
        ("contract", "right"),
        ("discount", "right"),
        ("price", "right"),
        ("discounts", "left"),
    ]:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for n in result.nights:
        why = " + ".join(f"{p.code} {format_money(p.amount)}" for p in n.promotions)
        table.add_row(
            f"{n.night:%d.%m.%Y}",
            literal(n.letter or "-"),
            format_money(n.contract_price) if n.contract_price is not None else "[red]no price[/]",
            format_money(n.discount) if n.discount else "",
            format_money(n.price) if n.price is not None else "[red]—[/]",
            literal(why) if why else literal(n.note or "", "red"),
        )
    table.add_section()
    table.add_row(
        "[bold]total[/]",
        "",
        f"[bold]{format_money(result.total_contract)}[/]",
        f"[bold]{format_money(result.total_discount)}[/]",
        f"[bold]{format_money(result.total)}[/]",
        literal(result.currency),
    )
    return table


def trace_table(result: PriceResult) -> Table:
    """Every promotion considered: applied with its amount, or why not."""
    table = Table(
        "promotion", "applied", "amount", "why", title="promotions considered", title_justify="left"
    )
    for t in result.trace:
        table.add_row(
            literal(t.code),
            "[green]yes[/]" if t.applied else "[dim]no[/]",
            format_money(t.amount) if t.applied else "",
            literal(t.reason),
        )
    return table


@app.command("show", cls=RoutedCommand)
def show(
    ctx: typer.Context,
    inbox_id: Annotated[int, typer.Argument(metavar="ID", help="Inbox reservation id.")],
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Every promotion considered, and why it applied or not."),
    ] = False,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The nightly price of one inbox reservation, compared with the operator's price."""
    app_state = state(ctx)
    with app_state.database().read() as session:
        item = price_inbox(
            session,
            state(ctx).hotel(session, hotel),
            inbox_id,
            app_state.config.settings.price,
            explain=True,
        )
    if wants_json(ctx, json_out):
        print_json(item_json(item))
        raise typer.Exit(0 if item.status == PRICED else 1)
    header = f"#{item.inbox_id} {item.operator} voucher {item.voucher}" + (
        f"  contract {item.contract_code}" if item.contract_code else ""
    )
    if item.result is not None:
        out.print(nightly_table(item.result, header))
        if explain:
            out.print(trace_table(item.result))
        hotel_price = (
            format_money(item.result.total, item.result.currency) if item.result.priced else "-"
        )
        sent = (
            format_money(item.operator_price, item.operator_currency or None)
            if item.operator_price
            else "0.00 (none sent)"
        )
        differs = (
            ("   " + difference_text(item), STATUS_STYLE[DIFFERS]) if item.status == DIFFERS else ""
        )
        out.print(
            Text.assemble(
                "hotel price ", (hotel_price, "bold"), f"   operator price {sent}", differs
            )
        )
    else:
        out.print(header, markup=False)
    if item.status == DIFFERS:
        raise typer.Exit(1)  # said on the price line above, in full
    if item.status != PRICED:
        sys.stdout.flush()  # the table first, then why, even when both streams share a pipe
        err.print(_status_line(item))
        raise typer.Exit(1)


def _status_line(item: InboxPrice) -> Text:
    """``unpriced: why``, the status coloured, the reason as the core wrote it."""
    return Text.assemble((item.status, STATUS_STYLE[item.status]), f": {item.reason}")


def difference_text(item: InboxPrice) -> str:
    """``differs by -285.00 EUR`` (operator minus hotel), or the currency mismatch."""
    result = item.result
    if result is None or item.difference is None:
        return f"differs: {item.reason}"
    sign = "+" if item.difference > 0 else ""
    return f"differs by {sign}{format_money(item.difference, result.currency)}"


def differs_warning(item: InboxPrice) -> str:
    """The approve guard's price warning in display money: both totals and the difference."""
    result = item.result
    if result is None or item.difference is None or item.operator_price is None:
        return item.reason
    sent = format_money(item.operator_price, item.operator_currency or result.currency)
    hotel = format_money(result.total, result.currency)
    return f"price {difference_text(item)}: operator {sent}, hotel {hotel}"


@app.command("pending", cls=RoutedCommand)
def pending(
    ctx: typer.Context,
    explain: Annotated[bool, typer.Option("--explain", help="Keep the trace (JSON).")] = False,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Price every pending inbox reservation: priced, differs from the operator, or why not."""
    app_state = state(ctx)
    as_json = wants_json(ctx, json_out)
    with app_state.database().read() as session:
        hotel_row = state(ctx).hotel(session, hotel)
        if err.is_terminal and not as_json:
            with Progress(
                TextColumn("pricing"),
                BarColumn(),
                MofNCompleteColumn(),
                console=err,
                transient=True,
            ) as progress:
                task = progress.add_task("pricing", total=None)
                summary = price_pending(
                    session,
                    hotel_row,
                    app_state.config.settings.price,
                    explain=explain,
                    progress=lambda done, total: progress.update(task, completed=done, total=total),
                )
        else:
            summary = price_pending(
                session, hotel_row, app_state.config.settings.price, explain=explain
            )
    counts = {s: summary.count(s) for s in (PRICED, DIFFERS, UNPRICED)}
    if as_json:
        print_json(
            {
                "counts": counts,
                "unpriced_reasons": dict(summary.reasons()),
                "items": [item_json(i) for i in summary.items],
            }
        )
        raise typer.Exit(0 if counts[DIFFERS] + counts[UNPRICED] == 0 else 1)
    table = Table(
        "id",
        "operator",
        "voucher",
        "status",
        "hotel",
        "operator",
        "why",
        title=f"{len(summary.items)} pending reservation(s)",
        title_justify="left",
    )
    for item in summary.items:
        if item.status == PRICED:
            continue
        hotel_total = format_money(item.result.total) if item.result and item.result.priced else ""
        sent = format_money(item.operator_price) if item.operator_price else ""
        table.add_row(
            str(item.inbox_id),
            literal(item.operator),
            literal(item.voucher),
            f"[{STATUS_STYLE[item.status]}]{item.status}[/]",
            hotel_total,
            sent,
            literal(item.reason),
        )
    if table.row_count:
        out.print(table)
    out.print(
        Text.assemble(
            (f"{counts[PRICED]} priced", "green"),
            ", ",
            (f"{counts[DIFFERS]} differ from the operator", "yellow"),
            ", ",
            (f"{counts[UNPRICED]} cannot be priced", "red"),
            *(f"\n  {n} × {reason}" for reason, n in summary.reasons().most_common()),
        )
    )
    raise typer.Exit(0 if counts[DIFFERS] + counts[UNPRICED] == 0 else 1)


@app.command("quote")
def quote_command(
    ctx: typer.Context,
    contract: Annotated[str, typer.Option("--contract", help="Contract (price) code.")],
    room_type: Annotated[str, typer.Option("--room-type", help="Hotel room type code.")],
    arrival: Annotated[str, typer.Option("--arrival", metavar="DATE", help="Check-in date.")],
    nights: Annotated[int, typer.Option("--nights", min=1, max=365)],
    adults: Annotated[int, typer.Option("--adults", min=1, max=20)],
    children: Annotated[str, typer.Option("--children", help="Ages, comma separated: 4,9")] = "",
    agency: Annotated[str, typer.Option("--agency", help="Agency code (promotion filters).")] = "",
    market: Annotated[str, typer.Option("--market", help="Market code.")] = "",
    sale_date: Annotated[
        str | None,
        typer.Option("--sale-date", metavar="DATE", help="Booking date (early booking)."),
    ] = None,
    occupancy: Annotated[
        str, typer.Option("--occupancy", help="Force an occupancy (DBL ...).")
    ] = "",
    explain: Annotated[bool, typer.Option("--explain", help="Every promotion considered.")] = False,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What should this stay cost? The same engine and trace, for a stay not in the inbox."""
    try:
        ages = tuple(int(a) for a in children.split(",") if a.strip())
    except ValueError:
        raise typer.BadParameter(
            "give ages as whole numbers: 4,9", param_hint="--children"
        ) from None
    request = QuoteRequest(
        contract=contract,
        room_type=room_type,
        arrival=parse_date(arrival, "--arrival") or date.min,
        nights=nights,
        adults=adults,
        child_ages=ages,
        agency=agency,
        market=market,
        sale_date=parse_date(sale_date, "--sale-date"),
        occupancy=occupancy,
    )
    with state(ctx).database().read() as session:
        result = quote(session, state(ctx).hotel(session, hotel), request)
    if wants_json(ctx, json_out):
        print_json(result_json(result))
        raise typer.Exit(0 if result.priced else 1)
    out.print(
        nightly_table(
            result,
            f"quote: {contract} {room_type} {adults} adult(s)"
            + (f" + children {children}" if ages else ""),
        )
    )
    if explain:
        out.print(trace_table(result))
    if not result.priced:
        err.print(
            Text.assemble(
                ("not priced:", "red"),
                " " + "; ".join(result.problems or ["some nights have no price"]),
            )
        )
        raise typer.Exit(1)


@app.command("set")
def set_command(
    ctx: typer.Context,
    inbox_id: Annotated[int, typer.Argument(metavar="ID", help="Inbox reservation id.")],
    manual: Annotated[
        bool | None, typer.Option("--manual/--no-manual", help="Manual price active.")
    ] = None,
    night: Annotated[
        list[str] | None,
        typer.Option("--night", help="DATE=AMOUNT, a manual nightly price (repeatable)."),
    ] = None,
    clear_night: Annotated[
        list[str] | None,
        typer.Option("--clear-night", help="DATE: remove that night's manual price (repeatable)."),
    ] = None,
    discounts: Annotated[
        bool | None, typer.Option("--discounts/--no-discounts", help="Discounts active.")
    ] = None,
    skip: Annotated[list[str] | None, typer.Option("--skip", help="Skip a promotion.")] = None,
    unskip: Annotated[list[str] | None, typer.Option("--unskip")] = None,
    use: Annotated[
        list[str] | None, typer.Option("--use", help="Apply a manual promotion.")
    ] = None,
    unuse: Annotated[list[str] | None, typer.Option("--unuse")] = None,
    hotel: Annotated[str | None, typer.Option("--hotel", help="Hotel code.")] = None,
) -> None:
    """Set how one reservation is priced (manual prices, discounts, skipped/manual promotions)."""
    prices: dict[date, Decimal] = {}
    for entry in night or []:
        day, _, amount = entry.partition("=")
        parsed_day = parse_date(day.strip(), "--night")
        try:
            prices[parsed_day or date.min] = to_decimal(amount.strip(), what="--night amount")
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--night") from None
    cleared = [parse_date(day.strip(), "--clear-night") or date.min for day in clear_night or []]
    app_state = state(ctx)
    db = app_state.database()
    with db.read() as session:
        hotel_row = state(ctx).hotel(session, hotel)
    set_price_options(
        db,
        hotel_row,
        inbox_id,
        user=app_state.user(),
        manual_active=manual,
        manual_prices=prices or None,
        clear_nights=cleared or None,
        discounts_active=discounts,
        skip=skip,
        unskip=unskip,
        use=use,
        unuse=unuse,
    )
    with db.read() as session:
        item = price_inbox(session, hotel_row, inbox_id, app_state.config.settings.price)
    if item.result is not None:
        out.print(nightly_table(item.result, f"#{inbox_id} repriced"))
    if item.status != PRICED:
        err.print(_status_line(item))
