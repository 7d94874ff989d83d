"""The detail screen of one inbox reservation: header, mappings, guests, prices, log; decisions.

Everything is read in a thread worker (one snapshot, ``DetailData``) and every decision goes
through ``hotelops.core.approval`` in a thread worker too, so the terminal never waits on the
database. A guard's refusal is shown as it is worded by the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import get_current_worker

from hotelops.core.approval import decide, operator_notifier, reject
from hotelops.core.auditlog import reservation_log
from hotelops.core.config import LoadedConfig, PriceSettings
from hotelops.core.db import Database
from hotelops.core.errors import HotelopsError
from hotelops.core.guests import GuestMatch, match_guests
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxDetail, inbox_detail
from hotelops.core.mapping import MappingTable, Resolved
from hotelops.core.models import AuditEntry, Hotel
from hotelops.core.money import format_money
from hotelops.core.pricing.service import InboxPrice, price_inbox

STATUS_STYLE = {"pending": "bold yellow", "approved": "bold green", "rejected": "bold red"}
CONTENT_STYLE = {"new": "green", "modification": "cyan", "cancellation": "bold red"}
#: GuestMatch.colour -> the row style (the seed's colours).
GUEST_STYLE = {
    "problem": "bold red",
    "gray_list": "grey50",
    "vip": "bold magenta",
    "repeat": "cyan",
    "possible": "yellow",
}
#: (kind, label, operator column, Resolved attribute)
MAPPING_ROWS = (
    ("agency", "Agency", "operator_agency", "agency"),
    ("room_type", "Room type", "operator_room_type", "room_type"),
    ("board", "Board", "operator_board", "board"),
    ("market", "Market", "operator_market", "market"),
    ("rate_type", "Rate type", "operator_rate_type", "rate_type"),
)


@dataclass
class DetailData:
    """One consistent read of everything the screen shows."""

    hotel: Hotel
    detail: InboxDetail
    resolved: Resolved
    guests: list[GuestMatch]
    price: InboxPrice | None
    price_error: str
    log: list[AuditEntry]


class RejectReason(ModalScreen[str | None]):
    """Asks why the reservation is rejected; Enter rejects, Escape cancels."""

    DEFAULT_CSS = """
    RejectReason {
        align: center middle;
    }
    RejectReason #reject-box {
        width: 60;
        height: auto;
        padding: 1 2;
        border: thick $error;
        background: $surface;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="reject-box"):
            yield Label("Reject: why? (Enter to reject, Escape to cancel)")
            yield Input(placeholder="reason", id="reject-reason")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if reason:
            self.dismiss(reason)
        else:
            self.notify("a rejection needs a reason", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)


class DetailScreen(Screen[None]):
    """One inbox reservation, and the decisions the office takes on it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("a", "confirm_and_save", "Confirm+save"),
        Binding("o", "confirm_only", "Confirm to operator"),
        Binding("v", "save_only", "Save"),
        Binding("x", "reject", "Reject"),
        Binding("r", "reload", "Reload", show=False),
    ]

    def __init__(
        self,
        db: Database,
        hotel_code: str | None,
        inbox_id: int,
        config: LoadedConfig,
        user: str,
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.inbox_id = inbox_id
        self.config = config
        self.user = user
        self.data: DetailData | None = None
        self.busy = False

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading…", id="detail-header")
        yield Static("", id="detail-status")
        yield Static("", id="detail-mapping")
        with TabbedContent(id="detail-tabs"):
            with TabPane("Guests", id="tab-guests"):
                yield DataTable(id="guests-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Prices", id="tab-prices"), VerticalScroll():
                yield Static("", id="prices-summary")
                yield DataTable(id="prices-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Versions/Log", id="tab-log"), VerticalScroll():
                yield DataTable(id="versions-table", cursor_type="row")
                yield DataTable(id="log-table", cursor_type="row")
            with TabPane("Extra info", id="tab-extra"):
                yield Static("", id="extra-info")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#guests-table", DataTable).add_columns(
            "#", "Name", "Match", "Profile", "VIP", "Repeat", "Gray list", "Problem", "Possible"
        )
        self.query_one("#prices-table", DataTable).add_columns(
            "Night", "Letter", "Contract", "Discount", "Price", "Promotions"
        )
        self.query_one("#versions-table", DataTable).add_columns(
            "Version", "Content", "Received", "Changed"
        )
        self.query_one("#log-table", DataTable).add_columns("At", "User", "Action", "Note")
        self.action_reload()

    # -- loading --------------------------------------------------------------------------------

    def action_reload(self) -> None:
        """Read the reservation again."""
        self._load()

    @work(thread=True, exclusive=True, group="detail-load")
    def _load(self) -> None:
        worker = get_current_worker()
        try:
            with self.db.read() as session:
                hotel = get_hotel(session, self.hotel_code)
                assert hotel.id is not None
                detail = inbox_detail(session, hotel.id, self.inbox_id)
                row = detail.reservation
                resolved = MappingTable.load(session, hotel.id).resolve(row.operator_id, row)
                guests = match_guests(session, hotel.id, self.inbox_id)
                price: InboxPrice | None = None
                price_error = ""
                try:
                    price = price_inbox(session, hotel, self.inbox_id, PriceSettings())
                except HotelopsError as exc:
                    price_error = str(exc)
                log = reservation_log(session, hotel.id, self.inbox_id)
        except HotelopsError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_load_error, str(exc))
            return
        data = DetailData(hotel, detail, resolved, guests, price, price_error, log)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, data)

    def _show_load_error(self, message: str) -> None:
        self.query_one("#detail-header", Static).update(Text(message, style="bold red"))
        self.notify(message, severity="error")

    def _show(self, data: DetailData) -> None:
        self.data = data
        self.query_one("#detail-header", Static).update(header_text(data.detail))
        self.query_one("#detail-status", Static).update(data.detail.status_line)
        self.query_one("#detail-mapping", Static).update(mapping_text(data.detail, data.resolved))
        self._show_guests(data.guests)
        self._show_prices(data.price, data.price_error)
        self._show_log(data)
        self.query_one("#extra-info", Static).update(extra_text(data.detail))

    def _show_guests(self, guests: list[GuestMatch]) -> None:
        table = self.query_one("#guests-table", DataTable)
        table.clear()
        for g in guests:
            style = GUEST_STYLE.get(g.colour, "")
            flags = g.flags
            cells = [
                str(g.seq),
                g.name,
                g.status,
                str(g.profile_id) if g.profile_id is not None else "",
                flags.vip if flags else "",
                str(flags.repeat) if flags and flags.repeat else "",
                "yes" if flags and flags.gray_list else "",
                "yes" if flags and flags.problem else "",
                str(len(g.candidates)) if g.candidates else "",
            ]
            table.add_row(*(Text(cell, style=style) for cell in cells))

    def _show_prices(self, price: InboxPrice | None, error: str) -> None:
        table = self.query_one("#prices-table", DataTable)
        table.clear()
        summary = self.query_one("#prices-summary", Static)
        if price is None:
            summary.update(Text(error or "not priced", style="bold red"))
            return
        summary.update(prices_text(price))
        result = price.result
        if result is None:
            return
        for n in result.nights:
            table.add_row(
                n.night.isoformat(),
                n.letter or "",
                _money(n.contract_price),
                format_money(n.discount) if n.discount else "",
                _money(n.price),
                ", ".join(f"{p.code} -{format_money(p.amount)}" for p in n.promotions),
            )

    def _show_log(self, data: DetailData) -> None:
        versions = self.query_one("#versions-table", DataTable)
        versions.clear()
        for v in data.detail.versions:
            versions.add_row(
                str(v.version_no),
                Text(v.content, style=CONTENT_STYLE.get(v.content, "")),
                v.received_at.strftime("%Y-%m-%d %H:%M"),
                ", ".join(sorted(v.diff)) if v.diff else "",
            )
        log = self.query_one("#log-table", DataTable)
        log.clear()
        for e in data.log:
            log.add_row(e.at.strftime("%Y-%m-%d %H:%M"), e.user, e.action, e.note)

    # -- actions --------------------------------------------------------------------------------

    def action_back(self) -> None:
        """Back to where the screen was opened from."""
        self.app.pop_screen()

    def action_confirm_and_save(self) -> None:
        """Confirm to the operator and save to the books."""
        self._decide(confirm=True, save=True)

    def action_confirm_only(self) -> None:
        """Confirm to the operator only."""
        self._decide(confirm=True, save=False)

    def action_save_only(self) -> None:
        """Save to the books only."""
        self._decide(confirm=False, save=True)

    def action_reject(self) -> None:
        """Reject, with a reason asked in a small modal."""
        if self._ready() is None:
            return

        def rejected(reason: str | None) -> None:
            if reason:
                self._start()
                self._run_reject(reason)

        self.app.push_screen(RejectReason(), rejected)

    def _ready(self) -> DetailData | None:
        if self.busy:
            self.notify("still working on the last action", severity="warning")
            return None
        if self.data is None:
            self.notify("still loading", severity="warning")
            return None
        return self.data

    def _start(self) -> None:
        self.busy = True

    def _decide(self, *, confirm: bool, save: bool) -> None:
        if self._ready() is None:
            return
        self._start()
        self._run_decide(confirm, save)

    def _seen(self) -> tuple[Hotel, tuple[int, int]]:
        assert self.data is not None
        row = self.data.detail.reservation
        return self.data.hotel, (row.version, row.decision_seq)

    @work(thread=True, group="detail-action")
    def _run_decide(self, confirm: bool, save: bool) -> None:
        hotel, seen = self._seen()
        try:
            outcome = decide(
                self.db,
                hotel,
                self.config,
                self.inbox_id,
                confirm=confirm,
                save=save,
                user=self.user,
                seen=seen,
                # The operator hears of it the same way as from the CLI (OTA, mail, manual).
                notify=operator_notifier(self.db, self.config, hotel),
            )
        except HotelopsError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        parts = [f"#{outcome.inbox_id} {outcome.voucher}: {outcome.action} → {outcome.status}"]
        if outcome.effect:
            parts.append(outcome.effect)
        if outcome.hotel_reservation_id:
            parts.append(f"hotel reservation #{outcome.hotel_reservation_id}")
        message = ", ".join(parts)
        if outcome.warnings:
            message += "\n" + "\n".join(outcome.warnings)
        self.app.call_from_thread(self._done, message, bool(outcome.warnings))

    @work(thread=True, group="detail-action")
    def _run_reject(self, reason: str) -> None:
        hotel, seen = self._seen()
        try:
            outcome = reject(self.db, hotel, self.inbox_id, reason, user=self.user, seen=seen)
        except HotelopsError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(
            self._done, f"#{outcome.inbox_id} {outcome.voucher}: rejected", False
        )

    def _failed(self, message: str) -> None:
        self.busy = False
        self.notify(message, title="refused", severity="error", timeout=10)

    def _done(self, message: str, warn: bool) -> None:
        self.busy = False
        self.notify(message, severity="warning" if warn else "information")
        self.action_reload()


# -- text builders (pure; the tests read them back) ----------------------------------------------


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else format_money(amount)


def header_text(detail: InboxDetail) -> Text:
    """Operator, voucher, status, content, dates, pax, rooms and nationality."""
    row = detail.reservation
    status, content = str(row.status), str(row.content)
    text = Text()
    text.append(f"{detail.operator_name} ({detail.operator_code})", style="bold")
    text.append("  voucher ")
    text.append(row.voucher, style="bold")
    text.append(f"  #{row.id}  ")
    text.append(status, style=STATUS_STYLE.get(status, ""))
    text.append("  ")
    text.append(content, style=CONTENT_STYLE.get(content, ""))
    text.append("\n")
    children = str(row.children)
    if row.child_ages:
        children += " (" + ", ".join(str(a) for a in row.child_ages) + ")"
    text.append(
        f"check-in {row.check_in.isoformat()}  nights {row.nights}  "
        f"check-out {row.check_out.isoformat()}  adults {row.adults}  children {children}  "
        f"rooms {row.room_count}  nationality {row.nationality or '-'}"
    )
    return text


def mapping_text(detail: InboxDetail, resolved: Resolved) -> Text:
    """Operator value → hotel value per mapped kind; a missing one in red."""
    row = detail.reservation
    text = Text("Mappings\n", style="bold")
    for kind, label, column, attr in MAPPING_ROWS:
        operator_value = getattr(row, column) or "—"
        text.append(f"  {label:<10} {operator_value:<24} → ")
        if kind in resolved.missing:
            text.append("missing", style="bold red")
            message = resolved.messages.get(kind, "")
            if message:
                text.append(f"  {message}", style="red")
        else:
            text.append(getattr(resolved, attr) or "—", style="green")
        text.append("\n")
    return text


def prices_text(price: InboxPrice) -> Text:
    """Status, reason, totals and the operator's price."""
    style = {"priced": "bold green", "differs": "bold yellow"}.get(price.status, "bold red")
    text = Text()
    text.append(price.status, style=style)
    if price.contract_code:
        text.append(f"  contract {price.contract_code}")
    if price.reason:
        text.append(f"  {price.reason}", style=style)
    result = price.result
    if result is not None:
        text.append(
            f"\ncontract {format_money(result.total_contract)}  "
            f"discount {format_money(result.total_discount)}  total "
        )
        text.append(format_money(result.total, result.currency), style="bold")
    if price.operator_price is not None:
        text.append(
            f"\noperator price {format_money(price.operator_price)} "
            f"{price.operator_currency}".rstrip()
        )
    return text


def extra_text(detail: InboxDetail) -> Text:
    """Flights, notes and the sales details."""
    row = detail.reservation
    lines = [
        f"arrival flight    {row.arrival_flight or '-'} {row.arrival_route} "
        f"{row.arrival_flight_time}".rstrip(),
        f"departure flight  {row.departure_flight or '-'} {row.departure_route} "
        f"{row.departure_flight_time}".rstrip(),
        f"sale date         {row.sale_date.isoformat() if row.sale_date else '-'}",
        f"received          {row.received_at.strftime('%Y-%m-%d %H:%M')}",
        f"price code        {row.price_code or '-'}",
        f"agency note       {row.agency_note or '-'}",
        f"hotel note        {row.hotel_note or '-'}",
    ]
    if row.cancellation_date or row.cancellation_note:
        cancelled = row.cancellation_date.isoformat() if row.cancellation_date else ""
        lines.append(f"cancellation      {cancelled} {row.cancellation_note}".rstrip())
    return Text("\n".join(lines))
