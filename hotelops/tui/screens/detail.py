"""The detail screen of one inbox reservation: header, mappings, sales, tabs, action bar.

Everything is read in a thread worker (one snapshot, ``DetailData``) and every decision goes
through ``hotelops.core.approval`` in a thread worker too, so the terminal never waits on the
database. The modals that edit (mappings, guests, sales, prices, internal approval) do their own
writes through core and return what they did; the screen then reads everything again. A guard's
refusal is shown as it is worded by the core, in a notification and in the message line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
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

from hotelops.core.approval import (
    CONFIRM,
    SAVE,
    Changed,
    Duplicate,
    Outcome,
    Overrides,
    decide,
    operator_notifier,
    possible_duplicates,
    reject,
    stop_sales,
)
from hotelops.core.auditlog import reservation_log
from hotelops.core.config import LoadedConfig
from hotelops.core.db import Database
from hotelops.core.errors import HotelopsError
from hotelops.core.guests import GuestMatch, match_guests
from hotelops.core.history import voucher_document
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxDetail, inbox_detail
from hotelops.core.internal_approval import ApprovalStatus, vote_command
from hotelops.core.internal_approval import status as approval_status
from hotelops.core.mapping import MappingTable, Resolved
from hotelops.core.models import AuditEntry, Hotel, InboxDocument, InboxGuest
from hotelops.core.money import format_money
from hotelops.core.pricing.engine import PriceOptions
from hotelops.core.pricing.service import InboxPrice, price_inbox
from hotelops.core.sales import option_date_text
from hotelops.tui.literal import TextTable
from hotelops.tui.screens import detail_modals as modals
from hotelops.tui.screens import detail_tools as tools

STATUS_STYLE = {"pending": "bold yellow", "approved": "bold green", "rejected": "bold red"}
CONTENT_STYLE = {"new": "green", "modification": "cyan", "cancellation": "bold red"}
#: GuestMatch.colour -> the row style, in the seed's colours: problem red, repeat yellow, gray
#: list black, possible green; VIP in the hotel's VIP colour (magenta until one is configured).
GUEST_STYLE = {
    "problem": "bold red",
    "gray_list": "black on grey70",
    "vip": "bold magenta",
    "repeat": "yellow",
    "possible": "green",
}
GUEST_COLUMNS = (
    "Possible",
    "Title",
    "First name",
    "Last name",
    "Age",
    "Gender",
    "Birth date",
    "Passport",
    "Guest id",
    "VIP",
    "Repeat",
    "Gray list",
    "Problem",
    "Match",
)
#: (kind, label, operator column, Resolved attribute)
MAPPING_ROWS = (
    ("agency", "Agency", "operator_agency", "agency"),
    ("room_type", "Room type", "operator_room_type", "room_type"),
    ("board", "Board", "operator_board", "board"),
    ("market", "Market", "operator_market", "market"),
    ("rate_type", "Rate type", "operator_rate_type", "rate_type"),
)
#: internal approval status -> the button's variant (yellow in progress, green, red).
APPROVAL_VARIANT = {"started": "warning", "approved": "success", "rejected": "error"}
#: The action bar: (button id, action); labels come from ``bar_labels``.
ACTIONS = (
    ("btn-approval", "internal_approval"),
    ("btn-duplicates", "duplicates"),
    ("btn-stop-sale", "toggle_stop_sale"),
    ("btn-overbook", "toggle_overbooking"),
    ("btn-reject", "reject"),
    ("btn-confirm", "confirm_only"),
    ("btn-save", "save_only"),
    ("btn-confirm-save", "confirm_and_save"),
)
#: From this width on the action bar spells its labels out (its longest labels fit in 150).
WIDE = 150


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
    duplicates: list[Duplicate] = field(default_factory=list)
    approval: ApprovalStatus | None = None
    stop_sale: bool = False  # a stop sale closes some night of this stay


class BarButton(Button):
    """An action-bar button as wide as its label (no line padding; the bar's margin keeps them
    apart), so that the eight buttons fit an 80-column terminal."""

    def on_mount(self) -> None:
        # Textual's CSS refuses ``line-pad: 0``; the inline style takes it.
        self.styles.line_pad = 0

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """The label's width, without the two cells a Button pads it with."""
        return max(super().get_content_width(container, viewport) - 2, 1)


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
        """Close without rejecting."""
        self.dismiss(None)


class DetailScreen(Screen[None]):
    """One inbox reservation, and the decisions the office takes on it."""

    DEFAULT_CSS = """
    DetailScreen #detail-panels {
        height: auto;
    }
    DetailScreen #detail-panels > Static {
        width: 2fr;
        height: auto;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    DetailScreen #detail-panels > #detail-mapping {
        width: 3fr;
    }
    DetailScreen #detail-message {
        height: auto;
        max-height: 3;
        padding: 0 1;
    }
    DetailScreen #action-bar {
        height: 1;
        background: $boost;
    }
    DetailScreen #action-bar Button {
        min-width: 0;
        height: 1;
        margin: 0 1 0 0;
        border: none;
    }
    DetailScreen #prices-options {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    DetailScreen #documents-table, DetailScreen #guests-table {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("a", "confirm_and_save", "Confirm+save"),
        Binding("o", "confirm_only", "Confirm"),
        Binding("v", "save_only", "Save"),
        Binding("x", "reject", "Reject"),
        Binding("i", "internal_approval", "Approval"),
        Binding("d", "duplicates", "Duplicates"),
        Binding("t", "toggle_stop_sale", "Ignore stop sale"),
        Binding("m", "map", "Map"),
        Binding("e", "edit_sales", "Sales"),
        Binding("l", "link_guest", "Link guest"),
        Binding("p", "price_options", "Price options"),
        Binding("c", "recalculate", "Recalculate"),
        Binding("b", "toggle_overbooking", "Allow overbooking"),
        Binding("f", "forecast", "Forecast"),
        Binding("y", "print", "Print"),
        Binding("u", "voucher", "Voucher"),
        Binding("h", "history", "Operator history"),
        Binding("g", "open_reservation", "Open reservation"),
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
        #: What the user decided against the guards, used by the next confirm or save.
        self.overrides = Overrides()
        self._map_turn = 0  # which missing mapping `m` offers next

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("loading…", id="detail-header")
        yield Static("", id="detail-status", markup=False)
        with Horizontal(id="detail-panels"):
            yield Static("", id="detail-mapping")
            yield Static("", id="detail-sales")
        with TabbedContent(id="detail-tabs"):
            with TabPane("Guests", id="tab-guests"):
                yield TextTable(id="guests-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Prices", id="tab-prices"), VerticalScroll():
                yield Static("", id="prices-summary")
                yield Static("", id="prices-options")
                yield TextTable(id="prices-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Documents", id="tab-documents"):
                yield TextTable(id="documents-table", cursor_type="row", zebra_stripes=True)
            with TabPane("Extra info", id="tab-extra"), VerticalScroll():
                yield Static("", id="extra-info")
            with TabPane("Versions/Log", id="tab-log"), VerticalScroll():
                yield TextTable(id="versions-table", cursor_type="row")
                yield TextTable(id="log-table", cursor_type="row")
        yield Static("", id="detail-message")
        with Horizontal(id="action-bar"):
            for button_id, _action in ACTIONS:
                yield BarButton("", id=button_id, compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#guests-table", DataTable).add_columns(*GUEST_COLUMNS)
        self.query_one("#prices-table", DataTable).add_columns(
            "Night", "Letter", "Contract", "Discount", "Price", "Promotions"
        )
        self.query_one("#documents-table", DataTable).add_columns(
            "File", "Type", "Size", "Stored at"
        )
        self.query_one("#versions-table", DataTable).add_columns(
            "Version", "Content", "Received", "Changed"
        )
        self.query_one("#log-table", DataTable).add_columns("At", "User", "Action", "Note")
        self._show_bar()
        self.action_reload()

    def on_resize(self, _event: events.Resize) -> None:
        self._show_bar()
        # The panels take their new widths in the next layout: re-cut the mapping values then.
        self.call_after_refresh(self._show_mapping)

    # -- loading --------------------------------------------------------------------------------

    def action_reload(self) -> None:
        """Read the reservation again."""
        self._load()

    def action_recalculate(self) -> None:
        """Price the reservation again (re-reads it with the current contracts and options)."""
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
                    price = price_inbox(session, hotel, self.inbox_id, self.config.settings.price)
                except HotelopsError as exc:
                    price_error = str(exc)
                log = reservation_log(session, hotel.id, self.inbox_id)
                duplicates = possible_duplicates(
                    session, hotel.id, row, exclude=detail.hotel_reservation_id
                )
                approval = approval_status(session, hotel.id, self.inbox_id)
                closed = bool(
                    resolved.room_type
                    and stop_sales(session, hotel.id, resolved, row.check_in, row.check_out)
                )
        except HotelopsError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_load_error, str(exc))
            return
        data = DetailData(
            hotel,
            detail,
            resolved,
            guests,
            price,
            price_error,
            log,
            duplicates,
            approval,
            closed,
        )
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show, data)

    def _show_load_error(self, message: str) -> None:
        self.query_one("#detail-header", Static).update(Text(message, style="bold red"))
        self._message(message, error=True)
        self.notify(message, severity="error", markup=False)

    def _show(self, data: DetailData) -> None:
        self.data = data
        self.query_one("#detail-header", Static).update(header_text(data.detail))
        self.query_one("#detail-status", Static).update(data.detail.status_line)
        self._show_mapping()
        self.query_one("#detail-sales", Static).update(
            sales_text(data.detail, data.resolved, data.hotel.timezone)
        )
        self._show_guests(data.detail.guests, data.guests, data.detail.reservation.check_in)
        self._show_prices(data.price, data.price_error)
        self._show_documents(data.detail.documents)
        self._show_log(data)
        self.query_one("#extra-info", Static).update(extra_text(data.detail))
        self._show_bar()

    def _show_mapping(self) -> None:
        """The mapping panel, its operator values as wide as the panel lets them be."""
        if self.data is None:
            return
        panel = self.query_one("#detail-mapping", Static)
        width = panel.content_size.width or None
        panel.update(mapping_text(self.data.detail, self.data.resolved, width))

    def _show_guests(
        self, guests: list[InboxGuest], matches: list[GuestMatch], check_in: date | None = None
    ) -> None:
        table = self.query_one("#guests-table", DataTable)
        table.clear()
        by_id = {g.id: g for g in guests}
        for match in matches:
            style = GUEST_STYLE.get(match.colour, "")
            cells = guest_cells(by_id.get(match.inbox_guest_id), match, check_in)
            table.add_row(
                *(Text(cell, style=style) for cell in cells), key=str(match.inbox_guest_id)
            )

    def _show_prices(self, price: InboxPrice | None, error: str) -> None:
        table = self.query_one("#prices-table", DataTable)
        table.clear()
        summary = self.query_one("#prices-summary", Static)
        options = self.query_one("#prices-options", Static)
        if price is None:
            summary.update(Text(error or "not priced", style="bold red"))
            options.update("")
            return
        summary.update(prices_text(price))
        options.update(options_text(price.options))
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
        table.add_row(
            Text("Total", style="bold"),
            "",
            Text(format_money(result.total_contract), style="bold"),
            Text(format_money(result.total_discount), style="bold"),
            Text(format_money(result.total, result.currency), style="bold"),
            "",
            key="total",
        )

    def _show_documents(self, documents: list[InboxDocument]) -> None:
        table = self.query_one("#documents-table", DataTable)
        table.clear()
        for doc in documents:
            table.add_row(
                doc.file_name,
                doc.content_type,
                file_size(doc.size),
                doc.created_at.strftime("%Y-%m-%d %H:%M"),
                key=str(doc.id),
            )

    def _show_log(self, data: DetailData) -> None:
        versions = self.query_one("#versions-table", DataTable)
        versions.clear()
        for v in data.detail.versions:
            versions.add_row(
                str(v.version_no),
                Text(v.content, style=CONTENT_STYLE.get(v.content, "")),
                v.received_at.strftime("%Y-%m-%d %H:%M"),
                tools.version_changes(v.diff) if v.diff else "",
                key=str(v.version_no),
            )
        log = self.query_one("#log-table", DataTable)
        log.clear()
        for e in data.log:
            log.add_row(e.at.strftime("%Y-%m-%d %H:%M"), e.user, e.action, e.note)

    def _show_bar(self) -> None:
        data = self.data
        labels = bar_labels(
            self.overrides,
            data.approval if data else None,
            len(data.duplicates) if data else 0,
            wide=self.size.width >= WIDE,
        )
        for button_id, _action in ACTIONS:
            button = self.query_one(f"#{button_id}", Button)
            if str(button.label) != labels[button_id]:
                button.label = labels[button_id]
                # A Button's label does not re-lay it out; its width follows the label.
                button.refresh(layout=True)
        approval = self.query_one("#btn-approval", Button)
        approval.variant = APPROVAL_VARIANT.get(
            data.approval.status if data and data.approval else "", "default"
        )
        self.query_one("#btn-duplicates", Button).variant = (
            "warning" if data and data.duplicates else "default"
        )
        stop = self.query_one("#btn-stop-sale", Button)
        stop.variant = (
            "warning"
            if self.overrides.ignore_stop_sale
            else ("error" if data and data.stop_sale else "default")
        )
        self.query_one("#btn-overbook", Button).variant = (
            "warning" if self.overrides.allow_overbooking else "default"
        )
        self.query_one("#btn-reject", Button).variant = "error"
        self.query_one("#btn-confirm-save", Button).variant = "success"

    def _message(self, message: str, *, error: bool = False) -> None:
        """The one-line message area: the last refusal (red) or the last outcome."""
        style = "bold red" if error else "green"
        self.query_one("#detail-message", Static).update(Text(message, style=style))

    # -- the action bar -------------------------------------------------------------------------

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        actions = dict(ACTIONS)
        action = actions.get(event.button.id or "")
        if action is not None:
            event.stop()
            await self.run_action(action)

    def action_toggle_stop_sale(self) -> None:
        """Ignore a stop sale on the next confirm or save (or stop ignoring it); logged."""
        self.overrides = replace(
            self.overrides, ignore_stop_sale=not self.overrides.ignore_stop_sale
        )
        if self.overrides.ignore_stop_sale:
            applies = self.data is not None and self.data.stop_sale
            self._message(
                "stop sale will be ignored on the next confirm or save (logged)"
                + ("" if applies else "; no stop sale closes this stay now"),
            )
        else:
            self._message("stop sales apply again")
        self._show_bar()

    def action_duplicates(self) -> None:
        """Show the possible duplicates; link to one or create a new reservation on save."""
        data = self._ready()
        if data is None:
            return
        if not data.duplicates:
            self.notify("no possible duplicates of this reservation in the books")
            return

        def chosen(choice: tuple[str, int | None] | None) -> None:
            if choice is None:
                return
            kind, reservation_id = choice
            if kind == "link" and reservation_id is not None:
                self.overrides = replace(self.overrides, link=reservation_id, create_new=False)
                self._message(f"the next save links to hotel reservation #{reservation_id}")
            elif kind == "new":
                self.overrides = replace(self.overrides, link=None, create_new=True)
                self._message("the next save creates a new hotel reservation")
            self._show_bar()

        self.app.push_screen(modals.DuplicatesModal(data.duplicates), chosen)

    def action_internal_approval(self) -> None:
        """Start an internal approval (when none runs), or say where the running one stands."""
        data = self._ready()
        if data is None:
            return
        approval = data.approval
        if approval is not None and approval.status == "started":
            me = self.user.strip().lower()
            if any(name.lower() == me for name in approval.waiting):
                self.app.push_screen(
                    modals.VoteModal(self.db, data.hotel.code, self.inbox_id, approval, self.user),
                    self._voted,
                )
                return
            waiting = ", ".join(approval.waiting) or "nobody"
            message = (
                f"internal approval #{approval.id} is waiting for {waiting}; they vote with "
                f"the command in their mail ({vote_command(self.inbox_id)})"
            )
            self._message(message)
            self.notify(message, markup=False)
            return
        if approval is not None and approval.status == "approved":
            self.notify(f"internal approval #{approval.id} is approved")
            return
        self.app.push_screen(
            modals.ApproversModal(self.db, data.hotel.code, self.inbox_id, self.config, self.user),
            self._reload_if,
        )

    def _voted(self, result: str | None) -> None:
        if result:
            self._message(result)
            self.notify(result, markup=False)
            self.action_reload()

    def action_map(self) -> None:
        """Map a missing operator code (each press offers the next missing kind)."""
        data = self._ready()
        if data is None:
            return
        missing = [kind for kind, *_ in MAPPING_ROWS if kind in data.resolved.missing]
        if not missing:
            self.notify("every code of this reservation is mapped")
            return
        kind = missing[self._map_turn % len(missing)]
        # "" means the operator sent nothing for this kind: mapping "" sets what that means.
        value = data.resolved.missing[kind]
        shown = repr(value) if value else "(none sent)"

        def mapped(result: str | None) -> None:
            if result is None:
                self._map_turn += 1  # Escape: the next press offers the next kind
                return
            self._message(f"{kind} {shown} mapped to {result}")
            self.action_reload()

        self.app.push_screen(
            modals.MappingPicker(
                self.db, data.hotel.code, data.detail.operator_code, kind, value, self.user
            ),
            mapped,
        )

    def action_edit_sales(self) -> None:
        """Edit the price code, source, segment, option date and hotel note."""
        data = self._ready()
        if data is None:
            return
        self.app.push_screen(
            modals.SalesModal(self.db, data.hotel.code, self.inbox_id, self.user), self._reload_if
        )

    def action_price_options(self) -> None:
        """Manual prices, discounts, skipped and manual promotions of this reservation."""
        data = self._ready()
        if data is None:
            return
        self.app.push_screen(
            modals.PriceOptionsModal(
                self.db, data.hotel.code, self.inbox_id, self.config, self.user
            ),
            self._reload_if,
        )

    def action_link_guest(self) -> None:
        """Link the guest under the cursor (Guests tab) to one of its possible profiles."""
        data = self._ready()
        if data is None:
            return
        table = self.query_one("#guests-table", DataTable)
        if not data.guests or table.row_count == 0:
            self.notify("this reservation names no guests")
            return
        match = data.guests[min(table.cursor_row, len(data.guests) - 1)]
        if not match.candidates:
            self.notify(f"{match.name}: no possible guest profiles to link", markup=False)
            return
        self.app.push_screen(
            modals.GuestLinkModal(self.db, data.hotel.code, self.inbox_id, match, self.user),
            self._reload_if,
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "guests-table":
            event.stop()
            self.action_link_guest()  # Enter on a guest, as `l`
            return
        if event.data_table.id == "versions-table" and self.data is not None:
            event.stop()
            self.action_version_diff()  # Enter on a version: its full diff
            return
        if event.data_table.id != "documents-table" or self.data is None:
            return
        event.stop()
        document_id = int(event.row_key.value or 0)
        self.app.push_screen(
            modals.DocumentModal(self.db, self.data.hotel.code, self.config, document_id)
        )

    def action_version_diff(self) -> None:
        """Every field the highlighted version changed, old and new (Enter on a version)."""
        data = self.data
        table = self.query_one("#versions-table", DataTable)
        if data is None or not data.detail.versions or table.row_count == 0:
            return
        version = data.detail.versions[min(table.cursor_row, len(data.detail.versions) - 1)]
        self.app.push_screen(tools.VersionDiffModal(version, data.detail.reservation.voucher))

    # -- the tools (Rezervasyon İşlem Araçları) ---------------------------------------------

    def action_toggle_overbooking(self) -> None:
        """Allow overbooking on the next save (or stop allowing it); logged with the decision."""
        self.overrides = replace(
            self.overrides, allow_overbooking=not self.overrides.allow_overbooking
        )
        if self.overrides.allow_overbooking:
            self._message("overbooking will be allowed on the next save (logged); f: forecast")
        else:
            self._message("overbooking is refused again")
        self._show_bar()

    def action_forecast(self) -> None:
        """Rooms, sold, left and hotel occupancy for each night of the stay."""
        self.app.push_screen(tools.ForecastModal(self.db, self.hotel_code, self.inbox_id))

    def action_print(self) -> None:
        """The confirmation form (Yazdır), with ctrl+s to save it as HTML."""
        self.app.push_screen(tools.PrintModal(self.db, self.hotel_code, self.inbox_id))

    def action_voucher(self) -> None:
        """Open the operator's voucher document (the PDF first) of this reservation."""
        data = self._ready()
        if data is None:
            return
        document = voucher_document(data.detail.documents)
        if document is None or document.id is None:
            self.notify("the operator sent no voucher document with this reservation")
            return
        self.app.push_screen(
            modals.DocumentModal(self.db, data.hotel.code, self.config, document.id)
        )

    def action_history(self) -> None:
        """The operator's history: this voucher's versions and its latest reservations."""

        def chosen(inbox_id: int | None) -> None:
            if inbox_id is None:
                return
            if inbox_id == self.inbox_id:
                self.notify(f"#{inbox_id} is the reservation open here")
                return
            self.app.push_screen(
                DetailScreen(self.db, self.hotel_code, inbox_id, self.config, self.user)
            )

        self.app.push_screen(tools.HistoryModal(self.db, self.hotel_code, self.inbox_id), chosen)

    def action_open_reservation(self) -> None:
        """The hotel reservation this one was saved as (Rezervasyonu Aç), if it is in the books."""
        self.app.push_screen(tools.ReservationCardModal(self.db, self.hotel_code, self.inbox_id))

    def _reload_if(self, result: object) -> None:
        if result is not None and result is not False:
            self.action_reload()

    # -- decisions ------------------------------------------------------------------------------

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
        """Ask once (y / Enter goes ahead, n / Esc does nothing), then decide in a worker."""
        data = self._ready()
        if data is None:
            return
        overrides = replace(self.overrides)

        def answered(go: bool | None) -> None:
            if go and self._ready() is not None:
                self._start()
                self._run_decide(confirm, save, overrides)

        self.app.push_screen(
            modals.ConfirmDecision(
                self.db,
                data.hotel,
                self.config,
                self.inbox_id,
                modals.decision_words(data.detail.operator_name, confirm=confirm, save=save),
                SAVE if save else CONFIRM,
                overrides,
                modals.price_words(data.price, data.price_error),
            ),
            answered,
        )

    def _seen(self) -> tuple[Hotel, tuple[int, int]]:
        assert self.data is not None
        row = self.data.detail.reservation
        return self.data.hotel, (row.version, row.decision_seq)

    @work(thread=True, group="detail-action")
    def _run_decide(self, confirm: bool, save: bool, overrides: Overrides) -> None:
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
                overrides=overrides,
                # The operator hears of it the same way as from the CLI (OTA, mail, manual).
                notify=operator_notifier(self.db, self.config, hotel),
            )
        except HotelopsError as exc:
            self.app.call_from_thread(self._failed, str(exc), isinstance(exc, Changed))
            return
        self.app.call_from_thread(self._done, decision_message(outcome), bool(outcome.warnings))

    @work(thread=True, group="detail-action")
    def _run_reject(self, reason: str) -> None:
        hotel, seen = self._seen()
        try:
            outcome = reject(self.db, hotel, self.inbox_id, reason, user=self.user, seen=seen)
        except HotelopsError as exc:
            self.app.call_from_thread(self._failed, str(exc), isinstance(exc, Changed))
            return
        self.app.call_from_thread(
            self._done, f"#{outcome.inbox_id} {outcome.voucher}: rejected", False
        )

    def _failed(self, message: str, changed: bool = False) -> None:
        self.busy = False
        hint = dashboard_hint(message)
        # The message line holds 3 lines: a long refusal is cut there (the notification has it
        # in full), the hint keeps its own last line.
        width = max(self.query_one("#detail-message").content_size.width, 20)
        shown = message
        while hint and len(Text(shown).wrap(self.app.console, width)) > 2:
            shown = shown[: min(len(shown), 2 * width) - 8] + "…"
        self._message(shown + ("\n" + hint if hint else ""), error=True)
        if hint:
            message += "\n" + hint
        self.notify(message, title="refused", severity="error", timeout=10, markup=False)
        if changed:
            # Someone else decided, or the operator sent a new version: show what is there now.
            self.action_reload()

    def _done(self, message: str, warn: bool) -> None:
        self.busy = False
        # The overrides were for this decision; the next one starts from the guards again.
        self.overrides = Overrides()
        self._message(message.replace("\n", "; "))
        self.notify(message, severity="warning" if warn else "information", markup=False)
        self.action_reload()


# -- text builders (pure; the tests read them back) ----------------------------------------------


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else format_money(amount)


def decision_message(outcome: Outcome) -> str:
    """What a decision did, as ``hotelops approve`` prints it (with where the reservation stands
    now), then one line per warning."""
    lines = [outcome.summary(status=True)]
    lines.extend(f"warning: {warning}" for warning in outcome.warnings)
    return "\n".join(lines)


#: A CLI way out named in a core refusal -> the dashboard's way (``dashboard_hint``).
DASHBOARD_WAYS = (
    (("--link RES_ID", "--create-new"), "d to choose a duplicate (link or new)"),
    (("hotelops map ",), "m to map"),
    (("--ignore-stop-sale",), "t to ignore the stop sale"),
    (("--allow-overbooking",), "b to allow overbooking"),
    (("hotelops price set",), "p for a manual price"),
    (("hotelops approve vote",), "i to vote or see who votes"),
    (("hotelops approve start",), "i to start a new internal approval"),
    (("hotelops inbox show",), "r to reload"),
)


def dashboard_hint(message: str) -> str:
    """The detail screen's keys for the CLI flags and commands a core refusal names, in one
    short line ("here: m to map; b to allow overbooking"), or "" when it names none."""
    hints: list[str] = []
    for needles, hint in DASHBOARD_WAYS:
        if any(needle in message for needle in needles) and hint not in hints:
            hints.append(hint)
    return "here: " + "; ".join(hints) if hints else ""


def file_size(size: int) -> str:
    """A file size for people: bytes, KB or MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def age_at(birth: date, day: date) -> int:
    """Whole years from ``birth`` to ``day`` (the age on that day)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def guest_age(guest: InboxGuest | None, check_in: date | None = None) -> str:
    """The age the operator sent, else the age at check-in from the birth date, else ""."""
    if guest is None:
        return ""
    if guest.age is not None:
        return str(guest.age)
    if guest.birth_date is not None and check_in is not None:
        return str(age_at(guest.birth_date, check_in))
    return ""


def guest_cells(
    guest: InboxGuest | None, match: GuestMatch, check_in: date | None = None
) -> list[str]:
    """One Guests row: the seed's columns, then how the guest matched (the age at check-in
    when only the birth date was sent)."""
    flags = match.flags
    return [
        str(len(match.candidates)),
        guest.title if guest else "",
        guest.first_name if guest else match.name,
        guest.last_name if guest else "",
        guest_age(guest, check_in),
        guest.gender if guest else "",
        guest.birth_date.isoformat() if guest and guest.birth_date else "",
        guest.passport if guest else "",
        str(match.profile_id) if match.profile_id is not None else "",
        flags.vip if flags else "",
        str(flags.repeat) if flags and flags.repeat else "",
        "yes" if flags and flags.gray_list else "",
        "yes" if flags and flags.problem else "",
        match.status,
    ]


def bar_labels(
    overrides: Overrides,
    approval: ApprovalStatus | None,
    duplicates: int,
    *,
    wide: bool,
) -> dict[str, str]:
    """The action bar's labels, carrying the state they act on (short on a narrow terminal)."""
    if approval is None:
        approval_label = "Internal approval" if wide else "Approval"
    elif approval.status == "started":
        voted = sum(1 for v in approval.votes if v.vote)
        votes = f"{voted}/{len(approval.votes)}"
        approval_label = f"Internal approval {votes}" if wide else f"Appr {votes}"
    elif approval.status == "approved":
        approval_label = "Internal approval: approved" if wide else "Approved"
    else:
        approval_label = "Internal approval: rejected" if wide else "Approval ✗"
    dup = f"Possible duplicates ({duplicates})" if wide else f"Dups ({duplicates})"
    if overrides.link is not None:
        dup += f" → link #{overrides.link}" if wide else f"→#{overrides.link}"
    elif overrides.create_new:
        dup += " → new" if wide else "→new"
    if overrides.ignore_stop_sale:
        stop = "Ignore stop sale: ON" if wide else "Ignore stop"
    else:
        stop = "Ignore stop sale" if wide else "Stop sale"
    if overrides.allow_overbooking:
        overbook = "Allow overbooking: ON" if wide else "Overbook ✓"
    else:
        overbook = "Allow overbooking" if wide else "Overbook"
    return {
        "btn-approval": approval_label,
        "btn-duplicates": dup,
        "btn-stop-sale": stop,
        "btn-overbook": overbook,
        "btn-reject": "Reject",
        "btn-confirm": "Confirm to operator" if wide else "Confirm",
        "btn-save": "Save",
        "btn-confirm-save": "Confirm and save" if wide else "Confirm+save",
    }


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


#: The operator value column's narrowest width (an 80-column terminal's).
MAPPING_VALUE_WIDTH = 18


def mapping_text(detail: InboxDetail, resolved: Resolved, width: int | None = None) -> Text:
    """Operator value → hotel value per mapped kind; a missing one in red, with the key to map.

    ``width`` is the panel's; the operator values get what the labels and hotel values leave
    (never less than 18 characters, cut with "…" only when they do not fit).
    """
    row = detail.reservation
    rows = []
    for kind, label, column, attr in MAPPING_ROWS:
        operator_value = resolved.missing.get(kind) or getattr(row, column) or "—"
        missing = kind in resolved.missing
        hotel_value = "missing  m: map" if missing else getattr(resolved, attr) or "—"
        rows.append((label, operator_value, missing, hotel_value))
    cut = MAPPING_VALUE_WIDTH
    if width is not None:
        hotel_width = max(len(hotel) for *_, hotel in rows)
        cut = max(MAPPING_VALUE_WIDTH, width - 9 - 1 - 3 - hotel_width)
    pad = min(cut, max(MAPPING_VALUE_WIDTH, *(len(value) for _, value, _, _ in rows)))
    text = Text("Mappings\n", style="bold")
    for label, operator_value, missing, hotel_value in rows:
        shown = operator_value if len(operator_value) <= cut else operator_value[: cut - 1] + "…"
        text.append(f"{label:<9} {shown:<{pad}} → ")
        if missing:
            text.append("missing", style="bold red")
            text.append("  m: map", style="red")
        else:
            text.append(hotel_value, style="green")
        text.append("\n")
    text.rstrip()
    return text


def sales_text(detail: InboxDetail, resolved: Resolved, timezone: str = "UTC") -> Text:
    """Source, segment, price code (from the agency card unless set), times, notes.

    The option date is shown in the hotel's time zone, as the office typed it.
    """
    row = detail.reservation

    def value(own: str, default: str) -> str:
        if own:
            return own
        return f"{default} (agency)" if default else "—"

    text = Text()
    text.append("Sales", style="bold")
    text.append("  e: edit\n", style="dim")
    text.append(
        f"source {value(row.source_code, resolved.source)}  "
        f"segment {value(row.segment_code, resolved.segment)}\n"
    )
    text.append("price code ")
    text.append(value(row.price_code, resolved.price_code), style="bold")
    option = option_date_text(row.option_date, timezone) or "—"
    text.append(f"  option {option}\n")
    sold = row.sale_date.isoformat() if row.sale_date else "—"
    text.append(f"sold {sold}  received {row.received_at.strftime('%Y-%m-%d %H:%M')}\n")
    text.append(f"agency note {row.agency_note or '—'}\n")
    text.append(f"hotel note {row.hotel_note or '—'}")
    if row.cancellation_date or row.cancellation_note:
        cancelled = row.cancellation_date.isoformat() if row.cancellation_date else ""
        text.append(f"\ncancelled {cancelled} {row.cancellation_note}".rstrip(), style="red")
    return text


def prices_text(price: InboxPrice) -> Text:
    """Status, reason, totals, and the hotel's price against the operator's."""
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
        if price.difference is not None:
            text.append(f"  difference {format_money(price.difference)}", style=style)
    return text


def options_text(options: PriceOptions) -> Text:
    """The office's pricing toggles as they stand (p edits them, c recalculates)."""
    text = Text()
    manual = options.manual_prices is not None
    text.append("manual price ")
    text.append("on" if manual else "off", style="bold yellow" if manual else "")
    text.append("  discounts ")
    active = options.discounts_active
    text.append("active" if active else "off", style="" if active else "bold yellow")
    text.append(f"  skipped {', '.join(sorted(options.skipped)) or '—'}")
    text.append(f"  manual promotions {', '.join(sorted(options.manual)) or '—'}")
    text.append("   p: options  c: recalculate", style="dim")
    return text


def extra_text(detail: InboxDetail) -> Text:
    """Flights, then the agency, hotel and cancellation notes in full (the sales panel shows
    them cut to its width); the widget wraps them."""
    row = detail.reservation
    lines = [
        f"arrival flight    {row.arrival_flight or '-'} {row.arrival_route} "
        f"{row.arrival_flight_time}".rstrip(),
        f"departure flight  {row.departure_flight or '-'} {row.departure_route} "
        f"{row.departure_flight_time}".rstrip(),
    ]
    text = Text("\n".join(lines))
    for label, note in (("agency note", row.agency_note), ("hotel note", row.hotel_note)):
        text.append(f"\n\n{label}\n", style="bold")
        text.append(note or "—")
    if row.cancellation_date or row.cancellation_note:
        text.append("\n\ncancellation", style="bold red")
        if row.cancellation_date:
            text.append(f" {row.cancellation_date.isoformat()}", style="bold red")
        text.append(f"\n{row.cancellation_note or '—'}", style="red")
    return text
