"""The detail screen's tools (the seed's "Rezervasyon İşlem Araçları"), one modal each.

- ``ForecastModal`` (f): the mapped room type's rooms, sold, left and hotel occupancy per night
  of the stay; nights short of rooms in red (Forecast / Oda Tipi Müsaitlik).
- ``PrintModal`` (y): the confirmation form as text, and ctrl+s / Enter saves it as an HTML file
  to the path typed (Yazdır).
- ``HistoryModal`` (h): every version of this voucher from this operator, and the operator's
  latest inbox reservations; Enter on one opens its detail screen (Operatör Geçmişi).
- ``ReservationCardModal`` (g): the hotel reservation this one was saved as, with its nights,
  prices and guests, or "not in the books yet" (Rezervasyonu Aç).

Each modal reads in a thread worker through ``hotelops.core`` only and shows a refusal inside
itself. The voucher (u) and the overbooking toggle (b) live on the detail screen.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Input, Label, Static

from hotelops.core.confirmation import render_html, render_text
from hotelops.core.db import Database
from hotelops.core.errors import HotelopsError
from hotelops.core.history import (
    HotelReservationCard,
    OperatorHistory,
    StayForecast,
    hotel_reservation_card,
    operator_history,
    stay_forecast,
)
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import VersionInfo, inbox_detail
from hotelops.core.money import format_money
from hotelops.tui.literal import TextTable
from hotelops.tui.screens.detail_modals import HotelopsModal

CONTENT_STYLE = {"new": "green", "modification": "cyan", "cancellation": "bold red"}
STATUS_STYLE = {"pending": "yellow", "approved": "green", "rejected": "red"}


# -- forecast ------------------------------------------------------------------------------------


def forecast_rows(forecast: StayForecast) -> list[tuple[Text, ...]]:
    """One row per night: night, rooms, sold, left, hotel occupancy; short nights in red."""
    rows: list[tuple[Text, ...]] = []
    for n in forecast.nights:
        short = n.left < forecast.room_count
        style = "bold red" if short else ""
        rows.append(
            (
                Text(f"{n.night:%a %d.%m.%Y}", style=style),
                Text(str(n.rooms), style=style),
                Text(str(n.sold), style=style),
                Text(str(n.left), style="bold red" if short else "green"),
                Text(f"{n.occupancy:.0f} %", style=style),
            )
        )
    return rows


class ForecastModal(HotelopsModal[None]):
    """Room-type availability, and the whole hotel's occupancy, for each night of the stay."""

    DEFAULT_CSS = """
    ForecastModal > .modal-box {
        width: 72;
    }
    ForecastModal #forecast-table {
        height: auto;
        max-height: 20;
    }
    """

    def __init__(self, db: Database, hotel_code: str | None, inbox_id: int) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.inbox_id = inbox_id
        self.forecast: StayForecast | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(
                f"#{self.inbox_id}: forecast",
                id="forecast-title",
                classes="modal-title",
                markup=False,  # it names the voucher and the room type
            )
            yield TextTable(id="forecast-table", cursor_type="row", zebra_stripes=True)
            yield Static("loading…", id="forecast-summary")
            yield Static("", classes="modal-error")
            yield Label("red: not enough rooms left · Esc close", classes="modal-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#forecast-table", DataTable).focus()
        self._load()

    @work(thread=True, exclusive=True, group="forecast-load")
    def _load(self) -> None:
        try:
            with self.db.read() as session:
                hotel_id = get_hotel(session, self.hotel_code).id or 0
                forecast = stay_forecast(session, hotel_id, self.inbox_id)
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self._show, forecast)

    def _show(self, forecast: StayForecast) -> None:
        self.forecast = forecast
        self.query_one("#forecast-title", Label).update(
            f"#{forecast.inbox_id} {forecast.voucher}: forecast"
            + (f" · room type {forecast.room_type}" if forecast.room_type else "")
        )
        summary = self.query_one("#forecast-summary", Static)
        table = self.query_one("#forecast-table", DataTable)
        table.clear(columns=True)
        if forecast.unmapped:
            table.display = False
            summary.update("")
            self.refuse(forecast.unmapped)
            return
        table.add_columns("Night", f"{forecast.room_type} rooms", "Sold", "Left", "Hotel occ.")
        for index, row in enumerate(forecast_rows(forecast)):
            table.add_row(*row, key=str(index))
        short = forecast.short
        text = Text(f"{len(forecast.nights)} night(s), {forecast.room_count} room(s) asked; ")
        if short:
            text.append(
                f"{len(short)} night(s) short of rooms (first {short[0].night:%d.%m.%Y}); "
                "b on the detail screen allows overbooking for the next save",
                style="bold red",
            )
        else:
            text.append("rooms left on every night", style="green")
        text.append(
            f"\nrooms, sold and left are {forecast.room_type}'s; Hotel occ. is the whole "
            "hotel's occupancy (every room type)",
            style="dim",
        )
        summary.update(text)


# -- one version's changes -----------------------------------------------------------------------


def diff_value(value: object) -> str:
    """A stored diff value for people: empty for nothing, lists joined by commas."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(diff_value(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k} {diff_value(v)}" for k, v in value.items()) or "—"
    return str(value)


def _shorten(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def version_changes(diff: dict[str, Any], width: int = 24) -> str:
    """``field: old → new`` for each changed field, each value cut to ``width`` characters."""
    parts = []
    for name in sorted(diff):
        change = diff[name]
        old, new = (
            change if isinstance(change, list | tuple) and len(change) == 2 else (None, change)
        )
        parts.append(
            f"{name}: {_shorten(diff_value(old), width)} → {_shorten(diff_value(new), width)}"
        )
    return "; ".join(parts)


def version_diff_text(version: VersionInfo) -> Text:
    """Every changed field of one version with its full old and new value."""
    text = Text()
    if not version.diff:
        text.append(
            "the first version: nothing to compare with"
            if version.version_no == 1
            else "nothing changed in the compared fields",
            style="dim",
        )
        return text
    for name in sorted(version.diff):
        change = version.diff[name]
        old, new = (
            change if isinstance(change, list | tuple) and len(change) == 2 else (None, change)
        )
        text.append(f"{name}\n", style="bold")
        text.append("  old  ", style="dim")
        text.append(f"{diff_value(old)}\n", style="red")
        text.append("  new  ", style="dim")
        text.append(f"{diff_value(new)}\n", style="green")
    text.rstrip()
    return text


class VersionDiffModal(HotelopsModal[None]):
    """One version of the reservation: every field it changed, the old and the new value."""

    DEFAULT_CSS = """
    VersionDiffModal > .modal-box {
        width: 100;
        max-height: 90%;
    }
    VersionDiffModal #version-scroll {
        height: auto;
        max-height: 30;
    }
    """

    def __init__(self, version: VersionInfo, voucher: str) -> None:
        super().__init__()
        self.version = version
        self.voucher = voucher

    def compose(self) -> ComposeResult:
        v = self.version
        with Vertical(classes="modal-box"):
            yield Label(
                f"{self.voucher} version {v.version_no} ({v.content}), received "
                f"{v.received_at:%Y-%m-%d %H:%M}",
                classes="modal-title",
                markup=False,
            )
            with VerticalScroll(id="version-scroll"):
                yield Static(version_diff_text(v), id="version-diff")
            yield Static("", classes="modal-error")
            yield Label("↑↓ scroll · Esc close", classes="modal-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#version-scroll", VerticalScroll).focus()


# -- print (Yazdır) ------------------------------------------------------------------------------


def default_confirmation_path(voucher: str) -> str:
    """Where the HTML form is saved unless the user types another path."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", voucher).strip("-.") or "reservation"
    return f"./confirmation-{safe}.html"


class PrintModal(HotelopsModal[None]):
    """The confirmation form of the reservation; ctrl+s (or Enter in the path) saves it as HTML."""

    DEFAULT_CSS = """
    PrintModal > .modal-box {
        width: 100;
        height: 90%;
    }
    PrintModal #print-scroll {
        height: 1fr;
        border: round $panel;
    }
    PrintModal #print-path {
        margin-top: 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "save_html", "Save HTML")]

    def __init__(self, db: Database, hotel_code: str | None, inbox_id: int) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.inbox_id = inbox_id
        self.text = ""
        self.saved: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(
                f"#{self.inbox_id}: confirmation form",
                id="print-title",
                classes="modal-title",
                markup=False,
            )
            with VerticalScroll(id="print-scroll"):
                yield Static("loading…", id="print-text")
            yield Input(placeholder="save as HTML to this file", id="print-path")
            yield Static("", id="print-status", classes="modal-hint")
            yield Static("", classes="modal-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#print-scroll", VerticalScroll).focus()
        self._load()

    @work(thread=True, exclusive=True, group="print-load")
    def _load(self) -> None:
        try:
            with self.db.read() as session:
                hotel = get_hotel(session, self.hotel_code)
                detail = inbox_detail(session, hotel.id or 0, self.inbox_id)
                text = render_text(detail, hotel)
                voucher = detail.reservation.voucher
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self._show, text, voucher)

    def _show(self, text: str, voucher: str) -> None:
        self.text = text
        self.query_one("#print-title", Label).update(
            f"#{self.inbox_id} {voucher}: confirmation form"
        )
        self.query_one("#print-text", Static).update(Text(text))
        path = self.query_one("#print-path", Input)
        if not path.value:
            path.value = default_confirmation_path(voucher)
        self.query_one("#print-status", Static).update(
            "ctrl+s or Enter in the path saves the form as HTML · Esc close"
        )

    def action_save_html(self) -> None:
        """Save the confirmation form as an HTML page to the path typed."""
        raw = self.query_one("#print-path", Input).value.strip()
        if not raw:
            self.refuse("file path: type where to save the HTML form (e.g. ./confirmation.html)")
            return
        if not self._start():
            return
        self._save(raw)

    @on(Input.Submitted, "#print-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save_html()

    @work(thread=True, group="print-save")
    def _save(self, raw: str) -> None:
        path = Path(raw).expanduser()
        try:
            with self.db.read() as session:
                hotel = get_hotel(session, self.hotel_code)
                detail = inbox_detail(session, hotel.id or 0, self.inbox_id)
                html = render_html(detail, hotel)
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        try:
            path.write_text(html, encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self._refuse_from_thread(
                f"file path: cannot write {str(path)!r}: {reason} (type another path)"
            )
            return
        self.app.call_from_thread(self._saved, path)

    def _saved(self, path: Path) -> None:
        self.busy = False
        self.saved = path
        message = f"saved the confirmation form to {path.resolve()}"
        self.query_one("#print-status", Static).update(Text(message, style="green"))
        self.notify(message, markup=False)


# -- operator history (Operatör Geçmişi) ---------------------------------------------------------


class HistoryModal(HotelopsModal[int | None]):
    """This voucher's versions from this operator, then the operator's latest reservations.

    Enter on a reservation dismisses with its inbox id (the detail screen opens it).
    """

    DEFAULT_CSS = """
    HistoryModal > .modal-box {
        width: 130;
        height: 90%;
    }
    HistoryModal #history-versions {
        height: auto;
        max-height: 10;
    }
    HistoryModal #history-reservations {
        height: 1fr;
    }
    HistoryModal .history-heading {
        text-style: bold;
        margin-top: 1;
    }
    """

    def __init__(self, db: Database, hotel_code: str | None, inbox_id: int) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.inbox_id = inbox_id
        self.history: OperatorHistory | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(
                f"#{self.inbox_id}: operator history",
                id="history-title",
                classes="modal-title",
                markup=False,
            )
            yield Label("Versions of this voucher", id="history-versions-heading")
            yield TextTable(id="history-versions", cursor_type="row", zebra_stripes=True)
            yield Label(
                "", id="history-reservations-heading", classes="history-heading", markup=False
            )
            yield TextTable(id="history-reservations", cursor_type="row", zebra_stripes=True)
            yield Static("", classes="modal-error")
            yield Label(
                "Enter opens the highlighted reservation · Tab switches tables · Esc close",
                classes="modal-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history-versions", DataTable).add_columns(
            "Inbox", "Version", "Content", "Received", "What changed"
        )
        self.query_one("#history-reservations", DataTable).add_columns(
            "Id", "Voucher", "Content", "Status", "Check-in", "Check-out", "Guests", "Received"
        )
        self.query_one("#history-reservations", DataTable).focus()
        self._load()

    @work(thread=True, exclusive=True, group="history-load")
    def _load(self) -> None:
        try:
            with self.db.read() as session:
                hotel_id = get_hotel(session, self.hotel_code).id or 0
                history = operator_history(session, hotel_id, self.inbox_id)
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self._show, history)

    def _show(self, history: OperatorHistory) -> None:
        self.history = history
        self.query_one("#history-title", Label).update(
            f"{history.operator_name} ({history.operator_code}): operator history"
        )
        self.query_one("#history-versions-heading", Label).update(
            Text(f"Versions of voucher {history.voucher} ({len(history.versions)})", style="bold")
        )
        shown = len(history.reservations)
        self.query_one("#history-reservations-heading", Label).update(
            f"Latest {shown} of {history.total} inbox reservations from {history.operator_code}"
        )
        versions = self.query_one("#history-versions", DataTable)
        versions.clear()
        for v in history.versions:
            changed = "; ".join(f"{c.field} {c.before or '—'} → {c.after}" for c in v.changes)
            versions.add_row(
                f"#{v.inbox_id}",
                str(v.version_no),
                Text(v.content, style=CONTENT_STYLE.get(v.content, "")),
                v.received_at.strftime("%Y-%m-%d %H:%M"),
                changed or ("first version" if v.version_no == 1 else "—"),
                key=f"{v.inbox_id}:{v.version_no}",
            )
        table = self.query_one("#history-reservations", DataTable)
        table.clear()
        for r in history.reservations:
            this = r.id == history.inbox_id
            table.add_row(
                Text(f"#{r.id}", style="bold" if this else ""),
                Text(r.voucher, style="bold" if this else ""),
                Text(r.content, style=CONTENT_STYLE.get(r.content, "")),
                Text(r.status, style=STATUS_STYLE.get(r.status, "")),
                r.check_in.isoformat(),
                r.check_out.isoformat(),
                r.guest_names,
                r.received_at.strftime("%Y-%m-%d %H:%M"),
                key=str(r.id),
            )

    @on(DataTable.RowSelected, "#history-reservations")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.dismiss(int(event.row_key.value))

    @on(DataTable.RowSelected, "#history-versions")
    def _open_version(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.dismiss(int(event.row_key.value.split(":")[0]))


# -- the hotel reservation (Rezervasyonu Aç) -----------------------------------------------------


def card_text(card: HotelReservationCard) -> Text:
    """The card's header: id, status, codes, dates, pax and notes."""
    text = Text()
    text.append(f"Hotel reservation #{card.id}", style="bold")
    text.append(f"  {card.status}", style="bold green" if card.status != "cancelled" else "red")
    text.append(f"  voucher {card.voucher or '—'}  version {card.version}\n")
    text.append(f"room type {card.room_type or '—'}  rooms {card.room_count}\n")
    text.append(f"board {card.board or '—'}  market {card.market or '—'}\n")
    text.append(f"agency {card.agency or '—'}  price code {card.price_code or '—'}\n")
    text.append(f"segment {card.segment or '—'}  source {card.source or '—'}\n")
    nights = (card.departure - card.arrival).days
    text.append(
        f"arrival {card.arrival.isoformat()}  departure {card.departure.isoformat()}  "
        f"nights {nights}\n"
    )
    text.append(
        f"adults {card.adults}  children {card.children}  infants {card.infants}  "
        f"nationality {card.nationality or '—'}\n"
    )
    text.append("total ")
    text.append(format_money(card.total, card.currency), style="bold")
    if card.note:
        text.append(f"\nnote {card.note}")
    if card.cancellation:
        text.append(f"\ncancelled {card.cancellation}", style="red")
    return text


class ReservationCardModal(HotelopsModal[None]):
    """The hotel reservation this inbox reservation was saved as (or linked to)."""

    DEFAULT_CSS = """
    ReservationCardModal > .modal-box {
        width: 100;
        height: 90%;
    }
    ReservationCardModal #card-scroll {
        height: 1fr;
    }
    ReservationCardModal #card-nights, ReservationCardModal #card-guests {
        height: auto;
    }
    ReservationCardModal .card-heading {
        text-style: bold;
        margin-top: 1;
    }
    """

    def __init__(self, db: Database, hotel_code: str | None, inbox_id: int) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.inbox_id = inbox_id
        self.card: HotelReservationCard | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(
                f"#{self.inbox_id}: hotel reservation", id="card-title", classes="modal-title"
            )
            with VerticalScroll(id="card-scroll"):
                yield Static("loading…", id="card-text")
                yield Label("Nights", classes="card-heading")
                yield TextTable(id="card-nights", cursor_type="row", zebra_stripes=True)
                yield Label("Guests", classes="card-heading")
                yield TextTable(id="card-guests", cursor_type="row", zebra_stripes=True)
            yield Static("", classes="modal-error")
            yield Label("Esc close", classes="modal-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#card-nights", DataTable).add_columns(
            "Night", "Contract", "Discount", "Price", "Currency"
        )
        self.query_one("#card-guests", DataTable).add_columns(
            "#", "Title", "First name", "Last name", "Age", "Guest id"
        )
        self.query_one("#card-scroll", VerticalScroll).focus()
        self._load()

    @work(thread=True, exclusive=True, group="card-load")
    def _load(self) -> None:
        try:
            with self.db.read() as session:
                hotel_id = get_hotel(session, self.hotel_code).id or 0
                card = hotel_reservation_card(session, hotel_id, self.inbox_id)
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self._show, card)

    def _show(self, card: HotelReservationCard | None) -> None:
        self.card = card
        text = self.query_one("#card-text", Static)
        if card is None:
            text.update(
                Text(
                    f"inbox #{self.inbox_id} is not in the books yet: save it "
                    "(v, or a to confirm and save) to create its hotel reservation",
                    style="bold yellow",
                )
            )
            for heading in self.query(".card-heading"):
                heading.display = False
            self.query_one("#card-nights", DataTable).display = False
            self.query_one("#card-guests", DataTable).display = False
            return
        self.query_one("#card-title", Label).update(
            f"#{self.inbox_id}: hotel reservation #{card.id}"
        )
        text.update(card_text(card))
        nights = self.query_one("#card-nights", DataTable)
        nights.clear()
        for n in card.nights:
            nights.add_row(
                n.night.isoformat(),
                format_money(n.contract_price),
                format_money(n.discount),
                format_money(n.price),
                n.currency,
                key=n.night.isoformat(),
            )
        nights.add_row(
            Text("Total", style="bold"),
            Text(format_money(card.total_contract), style="bold"),
            Text(format_money(card.total_discount), style="bold"),
            Text(format_money(card.total), style="bold"),
            card.currency,
            key="total",
        )
        guests = self.query_one("#card-guests", DataTable)
        guests.clear()
        for g in card.guests:
            guests.add_row(
                str(g.seq),
                g.title,
                g.first_name,
                g.last_name,
                "" if g.age is None else str(g.age),
                "" if g.profile_id is None else str(g.profile_id),
            )
