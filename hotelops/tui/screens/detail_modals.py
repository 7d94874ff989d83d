"""The detail screen's modals: mapping picker, guest link, sales, price options, internal
approvers, possible duplicates and a document viewer.

Each modal is keyboard-only (Tab / arrows / Enter / Escape, its keys in its footer), reads and
writes the database in thread workers through ``hotelops.core`` only, shows a refusal (the core's
``HotelopsError`` message) inside itself without closing, and dismisses with its result, or
``None`` on Escape.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Input,
    Label,
    OptionList,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.option_list import Option

from hotelops.core import internal_approval
from hotelops.core.approval import Check, Duplicate, Overrides, check
from hotelops.core.config import LoadedConfig
from hotelops.core.db import Database
from hotelops.core.documents import DocumentInfo, document_file, document_text, get_document
from hotelops.core.errors import HotelopsError
from hotelops.core.guests import GuestMatch, link_guest
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import inbox_detail
from hotelops.core.mailer import Mailer
from hotelops.core.mapping import Candidate as MappingCandidate
from hotelops.core.mapping import (
    HotelCode,
    MappingTable,
    candidates_for,
    hotel_codes,
    set_mapping,
)
from hotelops.core.models import Hotel, MappingKind
from hotelops.core.money import format_money, to_decimal
from hotelops.core.pricing.promotions import load_promotions
from hotelops.core.pricing.service import InboxPrice, price_inbox, set_price_options
from hotelops.core.sales import (
    ApproverChoice,
    SalesOptions,
    approver_choices,
    current_price_settings,
    option_date_text,
    sales_options,
    set_sales,
)
from hotelops.tui.literal import TextTable

T = TypeVar("T")

#: GuestFlags.colour -> row style (the seed's colours, as on the detail screen's guests tab).
FLAG_STYLE = {
    "problem": "bold red",
    "gray_list": "black on grey70",
    "vip": "bold magenta",
    "repeat": "yellow",
}


def highlight_first(widget: object) -> None:
    """Highlight a SelectionList's first option when none is (Space then ticks it at once)."""
    if isinstance(widget, SelectionList) and widget.option_count and widget.highlighted is None:
        widget.highlighted = 0


class HotelopsModal(ModalScreen[T], Generic[T]):
    """What every modal here shares: a centred box, an error line, Escape to cancel."""

    DEFAULT_CSS = """
    HotelopsModal {
        align: center middle;
    }
    HotelopsModal > .modal-box {
        width: 96;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: thick $accent;
        background: $surface;
    }
    HotelopsModal .modal-title {
        text-style: bold;
        width: 100%;
        margin-bottom: 1;
    }
    HotelopsModal .modal-error {
        display: none;
        color: $error;
        text-style: bold;
        height: auto;
        margin-bottom: 1;
    }
    HotelopsModal .modal-error.-shown {
        display: block;
    }
    HotelopsModal .modal-hint {
        color: $text-muted;
    }
    HotelopsModal .modal-buttons {
        height: auto;
        margin-top: 1;
    }
    HotelopsModal .modal-buttons Button {
        margin-right: 2;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A tick list gets its first option highlighted with the focus, so Space ticks it."""
        highlight_first(event.widget)

    def refuse(self, message: str) -> None:
        """Show a refusal in the modal (it stays open)."""
        self.busy = False
        error = self.query_one(".modal-error", Static)
        error.update(Text(message))  # the core's words, names and codes as written
        error.set_class(bool(message), "-shown")

    def clear_error(self) -> None:
        """Hide the last refusal."""
        error = self.query_one(".modal-error", Static)
        error.update("")
        error.remove_class("-shown")

    def _refuse_from_thread(self, message: str) -> None:
        self.app.call_from_thread(self.refuse, message)

    def _start(self) -> bool:
        """Mark a write as running; False (and a hint) while one is running already."""
        if self.busy:
            self.notify("still working on the last action", severity="warning")
            return False
        self.busy = True
        self.clear_error()
        return True


# -- mapping picker ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Choice:
    code: str
    name: str
    score: float | None
    reason: str
    occupancy: str


class MappingPicker(HotelopsModal[str | None]):
    """Pick the hotel code for an unmapped operator code; Enter saves the mapping."""

    DEFAULT_CSS = """
    MappingPicker #map-list {
        height: auto;
        max-height: 12;
    }
    MappingPicker #map-occupancy {
        width: 48;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "list_down", "Next code", show=False),
        Binding("up", "list_up", "Previous code", show=False),
    ]

    def __init__(
        self,
        db: Database,
        hotel_code: str | None,
        operator_code: str,
        kind: str,
        operator_value: str,
        user: str,
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.operator_code = operator_code
        self.kind = kind
        self.operator_value = operator_value
        self.user = user
        self.choices: list[_Choice] = []

    def compose(self) -> ComposeResult:
        label = self.kind.replace("_", " ")
        with Vertical(classes="modal-box"):
            yield Label(
                (
                    f"Map {self.operator_code} {label} {self.operator_value!r} to a hotel code"
                    if self.operator_value
                    else f"Map what {self.operator_code} means when it sends no {label}"
                ),
                classes="modal-title",
                markup=False,
            )
            yield Static("", classes="modal-error")
            yield Input(placeholder="filter codes (type to narrow)", id="map-filter")
            yield OptionList(id="map-list")
            if self.kind == MappingKind.ROOM_TYPE.value:
                yield Input(
                    placeholder="occupancy (optional: SGL, DBL, TRP)",
                    id="map-occupancy",
                    compact=True,
                )
            yield Label(
                "Enter saves the highlighted code (or the typed one) · ↑↓ move · Esc cancel",
                classes="modal-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#map-filter", Input).focus()
        self._load()

    @work(thread=True, exclusive=True, group="map-load")
    def _load(self) -> None:
        try:
            with self.db.read() as session:
                hotel = get_hotel(session, self.hotel_code)
                hid = hotel.id or 0
                kind = MappingKind(self.kind)
                codes: list[HotelCode] = hotel_codes(session, hid)[kind]
                suggested: list[MappingCandidate] = (
                    candidates_for(session, hid, kind, self.operator_value)
                    if self.operator_value
                    else []
                )
        except (HotelopsError, ValueError) as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self._show, picker_choices(codes, suggested))

    def _show(self, choices: list[_Choice]) -> None:
        self.choices = choices
        if not choices:
            self.refuse(
                f"the hotel has no {self.kind.replace('_', ' ')} codes yet (add them to the "
                "hotel file and import it)"
            )
        self._fill(self.query_one("#map-filter", Input).value)

    def _fill(self, text: str) -> None:
        wanted = text.strip().lower()
        options = self.query_one("#map-list", OptionList)
        options.clear_options()
        for choice in self.choices:
            if wanted and wanted not in f"{choice.code} {choice.name}".lower():
                continue
            prompt = Text()
            prompt.append(f"{choice.code:<12}", style="bold")
            prompt.append(f" {choice.name}")
            if choice.score is not None:
                prompt.append(f"  {choice.score:.2f}", style="green")
                if choice.reason:
                    prompt.append(f"  {choice.reason}", style="dim")
            options.add_option(Option(prompt, id=choice.code))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed, "#map-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#map-filter")
    @on(Input.Submitted, "#map-occupancy")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#map-list", OptionList)
        if options.highlighted is None or not options.option_count:
            typed = self.query_one("#map-filter", Input).value.strip()
            if not typed:
                self.refuse("type a hotel code, or clear the filter and pick one")
                return
            # No listed code matches: the typed code is tried (a new rate type, say); the core
            # refuses a code the hotel does not know and says which there are.
            self._choose(typed)
            return
        option = options.get_option_at_index(options.highlighted)
        self._choose(option.id or "")

    def action_list_down(self) -> None:
        """Move the list's highlight down from the filter field."""
        self.query_one("#map-list", OptionList).action_cursor_down()

    def action_list_up(self) -> None:
        """Move the list's highlight up from the filter field."""
        self.query_one("#map-list", OptionList).action_cursor_up()

    @on(OptionList.OptionSelected, "#map-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id or "")

    def _choose(self, code: str) -> None:
        if not code or not self._start():
            return
        occupancy = ""
        for field in self.query("#map-occupancy").results(Input):
            occupancy = field.value.strip()
        if not occupancy:
            occupancy = next((c.occupancy for c in self.choices if c.code == code), "")
        self._save(code, occupancy)

    @work(thread=True, group="map-save")
    def _save(self, code: str, occupancy: str) -> None:
        try:
            set_mapping(
                self.db,
                self.hotel_code,
                self.operator_code,
                self.kind,
                self.operator_value,
                code,
                occupancy=occupancy,
                user=self.user,
            )
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self.dismiss, code)


def picker_choices(codes: list[HotelCode], suggested: list[MappingCandidate]) -> list[_Choice]:
    """The suggested codes first (best first, with score and reason), then the rest in order."""
    first = [_Choice(c.hotel_code, c.hotel_name, c.score, c.reason, c.occupancy) for c in suggested]
    seen = {c.code for c in first}
    return first + [_Choice(c.code, c.name, None, "", "") for c in codes if c.code not in seen]


# -- guest link ----------------------------------------------------------------------------------


class GuestLinkModal(HotelopsModal[int | None]):
    """Link an inbox guest to one of its possible profiles (Olası Misafirler); Enter links."""

    DEFAULT_CSS = """
    GuestLinkModal > .modal-box {
        width: 140;
    }
    GuestLinkModal #guest-candidates {
        height: auto;
        max-height: 14;
    }
    """

    def __init__(
        self, db: Database, hotel_code: str | None, inbox_id: int, match: GuestMatch, user: str
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.inbox_id = inbox_id
        self.match = match
        self.user = user

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            linked = (
                f" (linked to profile #{self.match.profile_id})"
                if self.match.profile_id is not None
                else ""
            )
            yield Label(
                f"#{self.inbox_id} guest {self.match.seq}: {self.match.name}{linked}",
                classes="modal-title",
                markup=False,
            )
            yield Static("", classes="modal-error")
            yield TextTable(id="guest-candidates", cursor_type="row", zebra_stripes=True)
            yield Label(
                "Enter links the highlighted profile · ↑↓ move · Esc cancel", classes="modal-hint"
            )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#guest-candidates", DataTable)
        table.add_columns(
            "Profile",
            "Name",
            "Birth date",
            "Passport",
            "Nat",
            "Score",
            "Why",
            "VIP",
            "Repeat",
            "Gray list",
            "Problem",
        )
        for c in self.match.candidates:
            style = FLAG_STYLE.get(c.flags.colour, "")
            cells = [
                str(c.profile_id),
                c.name,
                c.birth_date.isoformat() if c.birth_date else "",
                c.passport,
                c.nationality,
                f"{c.score:.2f}",
                ", ".join(c.reasons),
                c.flags.vip,
                str(c.flags.repeat) if c.flags.repeat else "",
                "yes" if c.flags.gray_list else "",
                "yes" if c.flags.problem else "",
            ]
            table.add_row(*(Text(cell, style=style) for cell in cells), key=str(c.profile_id))
        if not self.match.candidates:
            self.refuse("no possible profile for this guest: nothing to link")
        table.focus()

    @on(DataTable.RowSelected, "#guest-candidates")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is None or not self._start():
            return
        self._link(int(event.row_key.value))

    @work(thread=True, group="guest-link")
    def _link(self, profile_id: int) -> None:
        try:
            with self.db.read() as session:
                hotel_id = get_hotel(session, self.hotel_code).id or 0
            link_guest(self.db, hotel_id, self.match.inbox_guest_id, profile_id, user=self.user)
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self.dismiss, profile_id)


# -- sales ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SalesNow:
    price_code: str
    source_code: str
    segment_code: str
    option_date: str
    hotel_note: str


class SalesModal(HotelopsModal[bool | None]):
    """Edit the sales details: price code, source, segment, option date, hotel note."""

    DEFAULT_CSS = """
    SalesModal .sales-row {
        height: auto;
        margin-bottom: 1;
    }
    SalesModal .sales-label {
        width: 14;
    }
    SalesModal Select, SalesModal Input {
        width: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "save", "Save")]

    def __init__(self, db: Database, hotel_code: str | None, inbox_id: int, user: str) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.inbox_id = inbox_id
        self.user = user
        self.current: _SalesNow | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(f"Sales details of #{self.inbox_id}", classes="modal-title")
            yield Static("", classes="modal-error")
            for label, widget in (
                ("Price code", Select[str]([], id="sales-price-code", compact=True)),
                ("Source", Select[str]([], id="sales-source", compact=True)),
                ("Segment", Select[str]([], id="sales-segment", compact=True)),
                (
                    "Option date",
                    Input(
                        placeholder="YYYY-MM-DD or YYYY-MM-DD HH:MM (hotel time)",
                        id="sales-option-date",
                        compact=True,
                    ),
                ),
                (
                    "Hotel note",
                    Input(placeholder="note for the hotel", id="sales-hotel-note", compact=True),
                ),
            ):
                with Horizontal(classes="sales-row"):
                    yield Label(label, classes="sales-label")
                    yield widget
            with Horizontal(classes="modal-buttons"):
                yield Button("Save (ctrl+s)", id="sales-save", variant="primary")
                yield Button("Cancel (esc)", id="sales-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="sales-load")
    def _load(self) -> None:
        try:
            with self.db.read() as session:
                hotel = get_hotel(session, self.hotel_code)
                row = inbox_detail(session, hotel.id or 0, self.inbox_id).reservation
                options = sales_options(session, hotel.id or 0)
                table = MappingTable.load(session, hotel.id or 0)
                agency = table.resolve(row.operator_id, row).agency
                card = table.agency_defaults(agency) if agency else None
                defaults = {
                    "#sales-price-code": card.price_code if card else "",
                    "#sales-source": card.source if card else "",
                    "#sales-segment": card.segment if card else "",
                }
                now = _SalesNow(
                    row.price_code,
                    row.source_code,
                    row.segment_code,
                    option_date_text(row.option_date, hotel.timezone),
                    row.hotel_note,
                )
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self._show, options, now, defaults)

    def _show(self, options: SalesOptions, now: _SalesNow, defaults: dict[str, str]) -> None:
        self.current = now
        for widget_id, choices, value in (
            ("#sales-price-code", options.price_codes, now.price_code),
            ("#sales-source", options.sources, now.source_code),
            ("#sales-segment", options.segments, now.segment_code),
        ):
            select = self.query_one(widget_id, Select)
            default = defaults.get(widget_id, "")
            select.prompt = f"(agency default: {default})" if default else "(none)"
            pairs = [(Text(f"{c.code}  {c.name}".rstrip()), c.code) for c in choices]
            if value and value not in {c.code for c in choices}:
                pairs.append((Text(f"{value}  (not a code of the hotel)"), value))
            select.set_options(pairs)
            select.value = value if value else Select.NULL
        self.query_one("#sales-option-date", Input).value = now.option_date
        self.query_one("#sales-hotel-note", Input).value = now.hotel_note
        self.query_one("#sales-price-code", Select).focus()

    def _select_value(self, widget_id: str) -> str:
        value = self.query_one(widget_id, Select).value
        return "" if value is Select.NULL else str(value)

    @on(Button.Pressed, "#sales-save")
    @on(Input.Submitted)
    def _save_pressed(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#sales-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_save(self) -> None:
        """Save what changed (a field left as it was is not sent, so not checked again)."""
        if self.current is None:
            self.notify("still loading", severity="warning")
            return
        now = self.current
        wanted = {
            "price_code": self._select_value("#sales-price-code"),
            "source_code": self._select_value("#sales-source"),
            "segment_code": self._select_value("#sales-segment"),
            "option_date": self.query_one("#sales-option-date", Input).value.strip(),
            "hotel_note": self.query_one("#sales-hotel-note", Input).value.strip(),
        }
        changed = {name: value for name, value in wanted.items() if value != getattr(now, name)}
        if not changed:
            self.dismiss(False)
            return
        if self._start():
            self._save(changed)

    @work(thread=True, group="sales-save")
    def _save(self, changed: dict[str, str]) -> None:
        try:
            result = set_sales(self.db, self.hotel_code, self.inbox_id, user=self.user, **changed)
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self.dismiss, result.changed)


# -- price options -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PriceNow:
    nights: list[date]
    contract_prices: dict[date, Decimal]
    manual_active: bool
    manual_prices: dict[date, Decimal]
    discounts_active: bool
    skipped: list[str]
    manual: list[str]
    auto_promotions: list[tuple[str, str]]
    other_promotions: list[tuple[str, str]]
    currency: str
    summary: str


class PriceOptionsModal(HotelopsModal[bool | None]):
    """The prices panel's toggles: manual prices per night, discounts, skipped and manual
    promotions; saved with ``set_price_options``."""

    DEFAULT_CSS = """
    PriceOptionsModal > .modal-box {
        height: 90%;
    }
    PriceOptionsModal #price-scroll {
        height: 1fr;
    }
    PriceOptionsModal #price-nights {
        height: auto;
    }
    PriceOptionsModal .night-row {
        height: auto;
    }
    PriceOptionsModal .night-label {
        width: 18;
    }
    PriceOptionsModal .night-row Input {
        width: 28;
    }
    PriceOptionsModal Checkbox {
        margin-bottom: 1;
    }
    PriceOptionsModal SelectionList {
        height: auto;
        max-height: 10;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "save", "Save")]

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
        self.current: _PriceNow | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(f"Price options of #{self.inbox_id}", classes="modal-title")
            yield Static("", classes="modal-error")
            yield Static("", id="price-summary", classes="modal-hint", markup=False)
            with VerticalScroll(id="price-scroll"):
                yield Checkbox("Manual price active", id="price-manual-active", compact=True)
                yield Checkbox(
                    "Discounts active", value=True, id="price-discounts-active", compact=True
                )
                yield Label("Manual price per night (empty: the contract's)", classes="modal-hint")
                yield Vertical(id="price-nights")
                yield Label(
                    "Skip these promotions (Space or Enter ticks; ctrl+s saves)",
                    classes="modal-hint",
                )
                yield SelectionList[str](id="price-skip")
                yield Label(
                    "Use these manual promotions (Space or Enter ticks; ctrl+s saves)",
                    classes="modal-hint",
                )
                yield SelectionList[str](id="price-use")
            with Horizontal(classes="modal-buttons"):
                yield Button("Save (ctrl+s)", id="price-save", variant="primary")
                yield Button("Cancel (esc)", id="price-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="price-load")
    def _load(self) -> None:
        try:
            with self.db.read() as session:
                hotel = get_hotel(session, self.hotel_code)
                hid = hotel.id or 0
                row = inbox_detail(session, hid, self.inbox_id).reservation
                settings = current_price_settings(session, hid, self.inbox_id)
                promotions = [p for p in load_promotions(session, hid) if p.active]
                contract_prices: dict[date, Decimal] = {}
                currency = hotel.currency
                summary = ""
                try:
                    priced = price_inbox(
                        session, hotel, self.inbox_id, self.config.settings.price, explain=False
                    )
                except HotelopsError as exc:
                    priced, summary = None, str(exc)
                if priced is not None:
                    summary = price_summary(priced)
                applied: set[str] = set()
                if priced is not None and priced.result is not None:
                    currency = priced.result.currency
                    applied = {p.code for n in priced.result.nights for p in n.promotions}
                    for n in priced.result.nights:
                        if n.contract_price is not None:
                            contract_prices[n.night] = n.contract_price
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        nights = [row.check_in + timedelta(days=i) for i in range(row.nights)]
        now = _PriceNow(
            nights=nights,
            contract_prices=contract_prices,
            manual_active=bool(settings and settings.manual_active),
            manual_prices={
                date.fromisoformat(k): to_decimal(v)
                for k, v in (settings.manual_prices if settings else {}).items()
            },
            discounts_active=settings.discounts_active if settings else True,
            skipped=list(settings.skipped) if settings else [],
            manual=list(settings.manual) if settings else [],
            # The ones that applied to this stay first, marked: those are the ones to skip.
            auto_promotions=sorted(
                (
                    (p.code, f"{p.description}  · applied" if p.code in applied else p.description)
                    for p in promotions
                    if p.auto_apply
                ),
                key=lambda item: item[0] not in applied,
            ),
            other_promotions=[(p.code, p.description) for p in promotions if not p.auto_apply],
            currency=currency,
            summary=summary,
        )
        self.app.call_from_thread(self._show, now)

    def _show(self, now: _PriceNow) -> None:
        self.current = now
        self.query_one("#price-summary", Static).update(now.summary)
        self.query_one("#price-manual-active", Checkbox).value = now.manual_active
        self.query_one("#price-discounts-active", Checkbox).value = now.discounts_active
        nights = self.query_one("#price-nights", Vertical)
        rows = []
        for night in now.nights:
            contract = now.contract_prices.get(night)
            placeholder = (
                f"contract {format_money(contract)}"
                if contract is not None
                else "no contract price"
            )
            value = now.manual_prices.get(night)
            rows.append(
                Horizontal(
                    Label(f"{night:%a %d.%m.%Y}", classes="night-label"),
                    Input(
                        value=str(value) if value is not None else "",
                        placeholder=placeholder,
                        id=f"night-{night:%Y%m%d}",
                        compact=True,
                    ),
                    classes="night-row",
                )
            )
        nights.mount_all(rows)
        for widget_id, promotions, chosen in (
            ("#price-skip", now.auto_promotions, now.skipped),
            ("#price-use", now.other_promotions, now.manual),
        ):
            selection = self.query_one(widget_id, SelectionList)
            known = {code for code, _ in promotions}
            items = list(promotions) + [
                (c, "(not an active promotion)") for c in chosen if c not in known
            ]
            selection.add_options(
                [(Text(f"{code}  {text}".rstrip()), code, code in chosen) for code, text in items]
            )
            highlight_first(selection)
        self.query_one("#price-manual-active", Checkbox).focus()

    @on(Button.Pressed, "#price-save")
    @on(Input.Submitted)
    def _save_pressed(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#price-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_save(self) -> None:
        """Check the nightly amounts, then save the options (nothing is written on a bad one)."""
        now = self.current
        if now is None:
            self.notify("still loading", severity="warning")
            return
        prices: dict[date, Decimal] = {}
        cleared: list[date] = []
        for night in now.nights:
            text = self.query_one(f"#night-{night:%Y%m%d}", Input).value.strip()
            if not text:
                if night in now.manual_prices:
                    cleared.append(night)  # emptied: back to the contract for that night
                continue
            try:
                amount = to_decimal(text, what=f"night {night:%d.%m.%Y}")
            except ValueError as exc:
                self.refuse(f"{exc}")
                return
            if amount < 0:
                self.refuse(f"night {night:%d.%m.%Y}: a price cannot be negative ({text})")
                return
            if now.manual_prices.get(night) != amount:
                prices[night] = amount
        manual_active = self.query_one("#price-manual-active", Checkbox).value
        left = set(now.manual_prices) - set(cleared)
        if manual_active and not prices and not left:
            self.refuse("manual price is on but no night has a price: enter at least one night")
            return
        skip_now = set(self.query_one("#price-skip", SelectionList).selected)
        use_now = set(self.query_one("#price-use", SelectionList).selected)
        change: dict[str, Any] = {
            "manual_active": manual_active,
            "manual_prices": prices or None,
            "clear_nights": cleared or None,
            "discounts_active": self.query_one("#price-discounts-active", Checkbox).value,
            "skip": sorted(skip_now - set(now.skipped)),
            "unskip": sorted(set(now.skipped) - skip_now),
            "use": sorted(use_now - set(now.manual)),
            "unuse": sorted(set(now.manual) - use_now),
        }
        if self._start():
            self._save(change)

    @work(thread=True, group="price-save")
    def _save(self, change: dict[str, Any]) -> None:
        try:
            with self.db.read() as session:
                hotel = get_hotel(session, self.hotel_code)
            set_price_options(self.db, hotel, self.inbox_id, user=self.user, **change)
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self.dismiss, True)


def price_summary(priced: InboxPrice) -> str:
    """One line: the price status, the hotel's total and the operator's price."""
    parts = [priced.status]
    if priced.contract_code:
        parts.append(f"contract {priced.contract_code}")
    if priced.result is not None and priced.result.priced:
        parts.append(f"total {format_money(priced.result.total, priced.result.currency)}")
    if priced.operator_price is not None:
        parts.append(
            f"operator {format_money(priced.operator_price)} {priced.operator_currency}".rstrip()
        )
    if priced.reason:
        parts.append(priced.reason)
    return " · ".join(parts)


# -- internal approvers --------------------------------------------------------------------------


class ApproversModal(HotelopsModal[bool | None]):
    """Start an internal approval (İç Onay): pick 1–5 approvers, a note, Send."""

    DEFAULT_CSS = """
    ApproversModal #approvers-list {
        height: auto;
        max-height: 12;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "send", "Send")]

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
        self.started = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(
                f"Internal approval of #{self.inbox_id}: tick 1 to "
                f"{internal_approval.MAX_APPROVERS} approvers (Space or Enter ticks; ctrl+s "
                "sends)",
                classes="modal-title",
            )
            yield Static("", classes="modal-error")
            yield SelectionList[str](id="approvers-list")
            yield Input(placeholder="note for the approvers", id="approvers-note")
            yield Static("", id="approvers-status", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button("Send (ctrl+s)", id="approvers-send", variant="primary")
                yield Button("Cancel (esc)", id="approvers-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#approvers-list", SelectionList).focus()
        self._load()

    @work(thread=True, exclusive=True, group="approvers-load")
    def _load(self) -> None:
        try:
            with self.db.read() as session:
                hotel_id = get_hotel(session, self.hotel_code).id or 0
                choices = approver_choices(session, hotel_id)
                current = internal_approval.status(session, hotel_id, self.inbox_id)
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        state = ""
        if current is not None:
            state = f"last internal approval #{current.id}: {current.status}"
            if current.waiting:
                state += f", waiting for {', '.join(current.waiting)}"
        self.app.call_from_thread(self._show, choices, state)

    def _show(self, choices: list[ApproverChoice], state: str) -> None:
        selection = self.query_one("#approvers-list", SelectionList)
        selection.add_options(
            [(Text(f"{c.username:<16} {c.name}  <{c.email}>"), c.username) for c in choices]
        )
        if choices:
            selection.highlighted = 0
        if not choices:
            self.refuse("no active hotel user has an e-mail address (see the hotel file's users)")
        self.query_one("#approvers-status", Static).update(state)

    @on(Button.Pressed, "#approvers-send")
    @on(Input.Submitted, "#approvers-note")
    def _send_pressed(self, event: Button.Pressed | Input.Submitted) -> None:
        event.stop()
        self.action_send()

    @on(Button.Pressed, "#approvers-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        """Close; True when an approval was started (its mail warnings were shown)."""
        self.dismiss(True if self.started else None)

    def action_send(self) -> None:
        """Start the internal approval with the chosen users (the core checks 1–5)."""
        if self.started:
            self.dismiss(True)
            return
        chosen = list(self.query_one("#approvers-list", SelectionList).selected)
        note = self.query_one("#approvers-note", Input).value
        if self._start():
            self._send(chosen, note)

    @work(thread=True, group="approvers-send")
    def _send(self, chosen: list[str], note: str) -> None:
        try:
            with self.db.read() as session:
                hotel_id = get_hotel(session, self.hotel_code).id or 0
            result = internal_approval.start(
                self.db,
                hotel_id,
                self.inbox_id,
                chosen,
                note,
                user=self.user,
                mailer=Mailer(self.config.settings.smtp),
            )
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self._sent, result.id, result.warnings)

    def _sent(self, approval_id: int, warnings: list[str]) -> None:
        self.busy = False
        self.started = True
        if not warnings:
            self.dismiss(True)
            return
        self.query_one("#approvers-status", Static).update(
            f"internal approval #{approval_id} started, but not every approver was mailed"
        )
        self.refuse("\n".join(warnings) + "\n(Enter or Esc closes)")
        close = self.query_one("#approvers-send", Button)
        close.label = "Close"
        close.focus()  # Enter in the list would tick a name; on the button it closes


class VoteModal(HotelopsModal[str | None]):
    """The dashboard user's own vote on a running internal approval (as ``hotelops approve
    vote``): y votes yes, n votes no, with an optional note; Esc does nothing."""

    DEFAULT_CSS = """
    VoteModal > .modal-box {
        width: 80;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "vote(True)", "Vote yes"),
        Binding("n", "vote(False)", "Vote no"),
    ]

    def __init__(
        self,
        db: Database,
        hotel_code: str | None,
        inbox_id: int,
        approval: internal_approval.ApprovalStatus,
        user: str,
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.inbox_id = inbox_id
        self.approval = approval
        self.user = user

    def compose(self) -> ComposeResult:
        a = self.approval
        with Vertical(classes="modal-box"):
            yield Label(
                f"Internal approval #{a.id} of #{self.inbox_id}: your vote, {self.user}",
                classes="modal-title",
                markup=False,
            )
            asked = f"asked by {a.started_by}" + (f": {a.note}" if a.note else "")
            yield Static(asked, id="vote-asked", markup=False)
            yield Static(f"waiting for {', '.join(a.waiting)}", id="vote-waiting", markup=False)
            yield Static("", classes="modal-error")
            yield Input(placeholder="note with the vote (optional)", id="vote-note")
            with Horizontal(classes="modal-buttons"):
                yield Button("Vote yes (y)", id="vote-yes", variant="success")
                yield Button("Vote no (n)", id="vote-no", variant="error")
                yield Button("Cancel (esc)", id="vote-cancel")
            yield Label(
                "y votes yes · n votes no · shift+tab: type a note first (Enter, then y or n)",
                classes="modal-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#vote-yes", Button).focus()

    @on(Button.Pressed, "#vote-yes")
    def _yes(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_vote(True)

    @on(Button.Pressed, "#vote-no")
    def _no(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_vote(False)

    @on(Button.Pressed, "#vote-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted, "#vote-note")
    def _note_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#vote-yes", Button).focus()  # the note is typed: now y or n

    def action_vote(self, approve: bool) -> None:
        """Record the dashboard user's vote (a no rejects, the last yes approves)."""
        if self._start():
            self._vote(approve, self.query_one("#vote-note", Input).value)

    @work(thread=True, group="vote")
    def _vote(self, approve: bool, note: str) -> None:
        try:
            with self.db.read() as session:
                hotel_id = get_hotel(session, self.hotel_code).id or 0
            result = internal_approval.vote(
                self.db, hotel_id, self.inbox_id, self.user, approve, note=note, user=self.user
            )
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        word = "yes" if approve else "no"
        self.app.call_from_thread(
            self.dismiss,
            f"{self.user} voted {word}: internal approval #{result.id} is {result.status}",
        )


# -- possible duplicates -------------------------------------------------------------------------


class DuplicatesModal(HotelopsModal[tuple[str, int | None] | None]):
    """Olası Rezervasyonlar: hotel reservations that may be this booking; link one or go on."""

    DEFAULT_CSS = """
    DuplicatesModal > .modal-box {
        width: 100%;
        max-width: 150;
    }
    DuplicatesModal #duplicates-table {
        height: auto;
        max-height: 16;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "link", "Link to this one"),
        Binding("n", "new", "It is a new booking"),
    ]

    def __init__(self, duplicates: list[Duplicate]) -> None:
        super().__init__()
        self.duplicates = duplicates

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(f"Possible reservations: {len(self.duplicates)}", classes="modal-title")
            yield Static("", classes="modal-error")
            yield TextTable(id="duplicates-table", cursor_type="row", zebra_stripes=True)
            yield Label(
                "l / Enter link to the highlighted one · n new booking · Esc cancel",
                classes="modal-hint",
            )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#duplicates-table", DataTable)
        # Status and why first: they decide between linking and a new booking.
        table.add_columns(
            "Id",
            "Status",
            "Why",
            "Voucher",
            "Guests",
            "Room type",
            "In",
            "Out",
            "Rooms",
            "Agency",
            "Nat",
        )
        for d in self.duplicates:
            rooms = getattr(d, "rooms", getattr(d, "room_count", ""))
            table.add_row(
                str(d.id),
                d.status,
                d.why,
                d.voucher,
                d.guest_names,
                d.room_type,
                f"{d.arrival:%d.%m.%Y}",
                f"{d.departure:%d.%m.%Y}",
                str(rooms or ""),
                str(getattr(d, "agency", "") or ""),
                str(getattr(d, "nationality", "") or ""),
                key=str(d.id),
            )
        table.focus()

    def _highlighted(self) -> int | None:
        table = self.query_one("#duplicates-table", DataTable)
        if not self.duplicates or table.cursor_row < 0:
            return None
        return self.duplicates[min(table.cursor_row, len(self.duplicates) - 1)].id

    def action_link(self) -> None:
        """Link the inbox reservation to the highlighted hotel reservation."""
        chosen = self._highlighted()
        if chosen is None:
            self.refuse("no possible reservation to link: press n for a new booking")
            return
        self.dismiss(("link", chosen))

    def action_new(self) -> None:
        """None of these: the inbox reservation is a new booking."""
        self.dismiss(("new", None))

    @on(DataTable.RowSelected, "#duplicates-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_link()


# -- decision confirmation -----------------------------------------------------------------------


def decision_words(operator: str, *, confirm: bool, save: bool) -> str:
    """The decision in words, naming the operator (``a``, ``o`` and ``v``)."""
    if confirm and save:
        return f"Confirm to {operator} and save to the books"
    if confirm:
        return f"Confirm to {operator} only (nothing is saved to the books)"
    return f"Save to the books only ({operator} is not told)"


def overrides_words(overrides: Overrides) -> str:
    """The overrides in force for the next decision, in words ("none" when there are none)."""
    parts = []
    if overrides.ignore_stop_sale:
        parts.append("ignore the stop sale")
    if overrides.allow_overbooking:
        parts.append("allow overbooking")
    if overrides.link is not None:
        parts.append(f"link to hotel reservation #{overrides.link}")
    if overrides.create_new:
        parts.append("create a new hotel reservation despite possible duplicates")
    return ", ".join(parts) or "none"


def price_words(price: InboxPrice | None, error: str = "") -> str:
    """The price status and the hotel's price against the operator's, for the confirmation."""
    if price is None:
        return f"price: {error or 'not priced'}"
    line = f"price: {price.status}"
    if price.result is not None and price.result.priced:
        line += f", hotel {format_money(price.result.total, price.result.currency)}"
    if price.operator_price is not None:
        line += f", operator {format_money(price.operator_price)} {price.operator_currency}"
        line = line.rstrip()
    if price.difference is not None:
        line += f", difference {format_money(price.difference)}"
    if price.reason and price.status != "priced":
        line += f" ({price.reason})"
    return line


class ConfirmDecision(HotelopsModal[bool | None]):
    """One key before a decision that writes: y / Enter goes ahead, n / Esc does nothing.

    It says the decision in words, the price against the operator's, the overrides in force,
    and what the guards (``hotelops.core.approval.check``, read in a worker) say now.
    """

    DEFAULT_CSS = """
    ConfirmDecision > .modal-box {
        width: 90;
        border: thick $warning;
    }
    ConfirmDecision #decision-checks {
        height: auto;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "go", "Yes, do it"),
        Binding("n", "cancel", "No"),
    ]

    def __init__(
        self,
        db: Database,
        hotel: Hotel,
        config: LoadedConfig,
        inbox_id: int,
        words: str,
        action: str,
        overrides: Overrides,
        price_line: str,
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel = hotel
        self.config = config
        self.inbox_id = inbox_id
        self.words = words
        self.action = action
        self.overrides = overrides
        self.price_line = price_line
        self.checked: Check | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(f"#{self.inbox_id}: {self.words}?", classes="modal-title", markup=False)
            yield Static(self.price_line, id="decision-price", markup=False)
            yield Static(f"overrides: {overrides_words(self.overrides)}", id="decision-overrides")
            yield Static("checking the guards…", id="decision-checks")
            yield Static("", classes="modal-error")
            yield Label("y / Enter: yes, do it · n / Esc: no", classes="modal-hint")
        yield Footer()

    def on_mount(self) -> None:
        self._check()

    @work(thread=True, exclusive=True, group="decision-check")
    def _check(self) -> None:
        try:
            with self.db.read() as session:
                result = check(
                    session, self.hotel, self.config, self.inbox_id, self.action, self.overrides
                )
        except HotelopsError as exc:
            self.app.call_from_thread(self._show_error, str(exc))
            return
        self.app.call_from_thread(self._show, result)

    def _show_error(self, message: str) -> None:
        if self.is_attached:
            self.query_one("#decision-checks", Static).update("")
            self.refuse(message)

    def _show(self, result: Check) -> None:
        if not self.is_attached:
            return  # answered before the guards came back
        self.checked = result
        text = Text()
        for problem in result.problems:
            text.append(f"✗ {problem}\n", style="bold red")
        for warning in result.warnings:
            text.append(f"! {warning}\n", style="yellow")
        if not result.problems and not result.warnings:
            text.append("the guards pass, no warnings", style="green")
        text.rstrip()
        self.query_one("#decision-checks", Static).update(text)

    def action_go(self) -> None:
        """Go ahead with the decision (the core runs its guards again)."""
        self.dismiss(True)

    def action_cancel(self) -> None:
        """Do nothing."""
        self.dismiss(False)


# -- documents -----------------------------------------------------------------------------------


def system_viewer() -> list[str] | None:
    """The command that opens a file with the desktop's viewer, or None when there is none."""
    if sys.platform == "darwin":
        found = shutil.which("open")
        return [found] if found else None
    if sys.platform.startswith("win"):
        return ["cmd", "/c", "start", ""]
    for name in ("xdg-open", "gio"):
        found = shutil.which(name)
        if found:
            return [found, "open"] if name == "gio" else [found]
    return None


def open_with_viewer(path: Path, name: str = "", wait: float = 1.0) -> str:
    """Start the system viewer on ``path``, detached, and watch it for ``wait`` seconds (call
    this in a worker): a viewer that exits non-zero in that time failed, and the answer says so
    with the stored path. Starting it is all that is known otherwise: "asked X to open Y"."""
    command = system_viewer()
    if command is None:
        return f"no system viewer found (xdg-open / open); the file is {path}"
    tool = Path(command[0]).name
    shown = name or path.name
    try:
        process = subprocess.Popen(
            [*command, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            env=os.environ.copy(),
        )
    except OSError as exc:
        return f"could not start {tool}: {exc}; the file is {path}"
    try:
        code = process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        return f"asked {tool} to open {shown}"  # still running: a viewer window, most likely
    if code != 0:
        return f"{tool} failed to open {shown} (exit status {code}); the file is {path}"
    return f"asked {tool} to open {shown}"


class DocumentModal(HotelopsModal[None]):
    """A document of the reservation: name, type, size and its text; o opens it in a viewer."""

    DEFAULT_CSS = """
    DocumentModal > .modal-box {
        width: 110;
        height: 90%;
    }
    DocumentModal #document-scroll {
        height: 1fr;
        border: round $panel;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("o", "open", "Open in viewer")]

    def __init__(
        self, db: Database, hotel_code: str | None, config: LoadedConfig, document_id: int
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.config = config
        self.document_id = document_id
        self.info: DocumentInfo | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Label(
                f"Document #{self.document_id}",
                id="document-title",
                classes="modal-title",
                markup=False,  # it names the file
            )
            yield Static("", classes="modal-error")
            with VerticalScroll(id="document-scroll"):
                yield Static("loading…", id="document-text")
            yield Static(
                "o opens it in the system viewer · ↑↓ PgUp PgDn scroll · Esc closes",
                id="document-status",
                classes="modal-hint",
                markup=False,
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#document-scroll", VerticalScroll).focus()
        self._load()

    @work(thread=True, exclusive=True, group="document-load")
    def _load(self) -> None:
        info: DocumentInfo | None = None
        try:
            with self.db.read() as session:
                hotel_id = get_hotel(session, self.hotel_code).id or 0
                info = get_document(session, hotel_id, self.document_id)
                text = document_text(self.config, session, hotel_id, self.document_id)
        except HotelopsError as exc:
            self.app.call_from_thread(self._show, info, "")
            self._refuse_from_thread(str(exc))
            return
        self.app.call_from_thread(self._show, info, text)

    def _show(self, info: DocumentInfo | None, text: str) -> None:
        self.info = info
        if info is not None:
            self.query_one("#document-title", Label).update(
                f"{info.file_name}  ·  {info.content_type}  ·  {info.size:,} bytes"
            )
        self.query_one("#document-text", Static).update(Text(text))

    def action_open(self) -> None:
        """Open the stored file with the system viewer (xdg-open / open)."""
        self._open()

    @work(thread=True, group="document-open")
    def _open(self) -> None:
        try:
            with self.db.read() as session:
                hotel_id = get_hotel(session, self.hotel_code).id or 0
                path = document_file(self.config, session, hotel_id, self.document_id)
        except HotelopsError as exc:
            self._refuse_from_thread(str(exc))
            return
        message = open_with_viewer(path, self.info.file_name if self.info else "")
        self.app.call_from_thread(self.query_one("#document-status", Static).update, message)
        if " failed to open " in message:
            self._refuse_from_thread(message)
