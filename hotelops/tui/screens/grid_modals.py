"""The review grid's modals: the filter form, the bulk confirmation and the result summaries.

The modals only collect input and show what the core returned: dates are read by
``hotelops.core.inbox.parse_filter_date`` and ranges checked by ``check_filter``; the grid runs
every query and every decision in its own thread workers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static
from textual.widgets.selection_list import Selection
from textual.worker import get_current_worker

from hotelops.core.approval import PreviewItem
from hotelops.core.db import Database
from hotelops.core.errors import HotelopsError, InputError
from hotelops.core.inbox import (
    InboxFilter,
    OperatorCount,
    check_filter,
    operator_counts,
    parse_filter_date,
)
from hotelops.core.models import Content

#: (input id, label naming the field in messages, InboxFilter attribute)
DATE_FIELDS = (
    ("arrival-from", "arrival from", "arrival_from"),
    ("arrival-to", "arrival to", "arrival_to"),
    ("sale-from", "sale from", "sale_from"),
    ("sale-to", "sale to", "sale_to"),
)
CONTENT_CHOICES = [
    ("new", Content.NEW),
    ("modification", Content.MODIFICATION),
    ("cancellation", Content.CANCELLATION),
]


class OperatorList(SelectionList[str]):
    """The filter's operators: Space ticks the highlighted one, Enter applies the form.

    The first operator is highlighted as soon as the list has options, so Space works at once.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.apply", "Apply", show=False),
    ]

    def highlight_first(self) -> None:
        """Highlight the first operator when nothing is highlighted yet."""
        if self.highlighted is None and self.option_count:
            self.highlighted = 0

    def on_focus(self, event: events.Focus) -> None:
        """Coming to the list highlights its first operator (when none is)."""
        self.highlight_first()


class EnterCheckbox(Checkbox):
    """A checkbox that Space ticks and Enter does not: Enter applies the form."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Toggle", show=False),
        Binding("enter", "screen.apply", "Apply", show=False),
    ]


class ContentSelect(Select[Content]):
    """The content picker: Space or ↓ opens it, Enter applies the form (as everywhere)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.apply", "Apply", show=False),
        Binding("down,space,up", "show_overlay", "Show menu", show=False),
    ]


#: The modal's one rule for Enter and Space, said in its title.
FILTER_TITLE = (
    "Filters — Enter applies, from any field or list\n"
    "Space ticks an operator · Ctrl+R clears · Escape cancels"
)


class FilterModal(ModalScreen[InboxFilter | None]):
    """Arrival and sale ranges, content, operators, missing mappings, search (key ``f``).

    Enter anywhere in the form (a field, the operator list, the checkbox, the content picker)
    or "Apply" returns the new filter; Space ticks an operator or the checkbox and opens the
    content picker; "Clear" returns an empty one (the status tab is kept); Escape leaves the
    filter as it was.
    """

    DEFAULT_CSS = """
    FilterModal {
        align: center middle;
    }
    FilterModal #filter-box {
        width: 78;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        padding: 0 1;
        border: thick $accent;
        background: $surface;
    }
    FilterModal .filter-row {
        height: 3;
    }
    FilterModal .filter-row Label {
        width: 10;
        padding: 1 0;
    }
    FilterModal .filter-row Input {
        width: 1fr;
    }
    FilterModal .filter-row Select {
        width: 1fr;
    }
    FilterModal #operators {
        height: 6;
    }
    FilterModal #filter-buttons Button {
        min-width: 10;
        margin: 0 1 0 0;
    }
    FilterModal #filter-error {
        color: $error;
        height: auto;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
        Binding("ctrl+r", "clear", "Clear"),
    ]

    def __init__(self, db: Database, hotel_id: int, current: InboxFilter) -> None:
        super().__init__()
        self.db = db
        self.hotel_id = hotel_id
        self.current = current

    def compose(self) -> ComposeResult:
        f = self.current
        with VerticalScroll(id="filter-box"):
            yield Label(FILTER_TITLE, id="filter-title")
            with Horizontal(classes="filter-row"):
                yield Label("Arrival")
                yield Input(_day(f.arrival_from), placeholder="from", id="arrival-from")
                yield Input(_day(f.arrival_to), placeholder="to", id="arrival-to")
            with Horizontal(classes="filter-row"):
                yield Label("Sale")
                yield Input(_day(f.sale_from), placeholder="from", id="sale-from")
                yield Input(_day(f.sale_to), placeholder="to", id="sale-to")
            with Horizontal(classes="filter-row"):
                yield Label("Search")
                yield Input(f.search, placeholder="voucher or guest name", id="filter-search")
                yield ContentSelect(
                    CONTENT_CHOICES,
                    value=f.content if f.content else Select.NULL,
                    prompt="any content",
                    id="filter-content",
                )
            yield Label("Operators (Space ticks; none ticked = all)")
            yield OperatorList(id="operators")
            yield Static("", id="filter-error", markup=False)
            with Horizontal(id="filter-buttons", classes="filter-row"):
                yield Button("Apply", variant="primary", id="apply")
                yield Button("Clear all", id="clear")
                yield Button("Cancel", id="cancel")
                yield EnterCheckbox(
                    "Missing mappings only", f.missing_mappings, id="filter-missing"
                )

    def on_mount(self) -> None:
        self.query_one("#arrival-from", Input).focus()
        self._load_operators()

    @work(thread=True, exclusive=True, group="filter-operators")
    def _load_operators(self) -> None:
        worker = get_current_worker()
        try:
            with self.db.read() as session:
                counts = operator_counts(session, self.hotel_id)
        except HotelopsError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._error, str(exc))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_operators, counts)

    def _show_operators(self, counts: list[OperatorCount]) -> None:
        chosen = {code.upper() for code in self.current.operators}
        listing = self.query_one("#operators", OperatorList)
        listing.clear_options()
        listing.add_options(
            [
                Selection(
                    Text(f"{c.code:<8} {c.name}  ({c.pending} pending)"),
                    c.code,
                    c.code.upper() in chosen,
                )
                for c in counts
            ]
        )
        listing.highlight_first()

    def _error(self, message: str) -> None:
        self.query_one("#filter-error", Static).update(message)
        self.notify(message, severity="error", markup=False)

    def read_filter(self) -> InboxFilter:
        """The filter the form describes; ``InputError`` naming the field when a date is bad."""
        day = {
            attribute: parse_filter_date(self.query_one(f"#{input_id}", Input).value, label)
            for input_id, label, attribute in DATE_FIELDS
        }
        content = self.query_one("#filter-content", Select).value
        operators = tuple(self.query_one("#operators", SelectionList).selected)
        result = replace(
            self.current,
            content=content if isinstance(content, Content) else None,
            operators=operators,
            missing_mappings=self.query_one("#filter-missing", Checkbox).value,
            search=self.query_one("#filter-search", Input).value.strip(),
            arrival_from=day["arrival_from"],
            arrival_to=day["arrival_to"],
            sale_from=day["sale_from"],
            sale_to=day["sale_to"],
        )
        check_filter(result)
        return result

    def action_apply(self) -> None:
        """Apply the filters (a bad date is refused, naming the field)."""
        try:
            result = self.read_filter()
        except InputError as exc:
            self._error(str(exc))
            return
        self.dismiss(result)

    def action_clear(self) -> None:
        """Clear every filter (the status tab stays)."""
        self.dismiss(InboxFilter(status=self.current.status))

    def action_cancel(self) -> None:
        """Close without changing the filters."""
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed, "#apply")
    def _apply_pressed(self) -> None:
        self.action_apply()

    @on(Button.Pressed, "#clear")
    def _clear_pressed(self) -> None:
        self.action_clear()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()


def _day(value: object) -> str:
    return value.isoformat() if value is not None else ""  # type: ignore[attr-defined]


class ConfirmBulk(ModalScreen[bool]):
    """Preview of "confirm and save" on several reservations; Enter or ``y`` goes, Escape not."""

    DEFAULT_CSS = """
    ConfirmBulk {
        align: center middle;
    }
    ConfirmBulk #bulk-box {
        width: 90%;
        max-width: 120;
        height: auto;
        max-height: 90%;
        padding: 0 1;
        border: thick $warning;
        background: $surface;
    }
    ConfirmBulk #bulk-items {
        height: auto;
        max-height: 16;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "go", "Confirm+save ready"),
        Binding("y", "go", "Yes", show=False),
        Binding("escape", "cancel", "Cancel"),
        Binding("n", "cancel", "No", show=False),
    ]

    def __init__(self, items: list[PreviewItem], note: str = "") -> None:
        super().__init__()
        self.items = items
        self.note = note

    def compose(self) -> ComposeResult:
        ready = sum(1 for item in self.items if item.ready)
        with Vertical(id="bulk-box"):
            yield Label(
                Text(
                    f"Confirm and save {len(self.items)} reservation(s): {ready} ready, "
                    f"{len(self.items) - ready} blocked",
                    style="bold",
                )
            )
            if self.note:
                yield Label(self.note, id="bulk-note")
            with VerticalScroll(id="bulk-items"):
                yield Static(preview_text(self.items), id="bulk-preview")
            yield Label(
                "Enter / y: confirm and save the ready ones · Escape / n: cancel"
                if ready
                else "Nothing is ready · Escape: back"
            )

    def action_go(self) -> None:
        """Go ahead with the ready reservations."""
        self.dismiss(any(item.ready for item in self.items))

    def action_cancel(self) -> None:
        """Do nothing."""
        self.dismiss(False)


def preview_text(items: list[PreviewItem]) -> Text:
    """One line per reservation: ready (green) or blocked (red) with the guard's reasons."""
    text = Text()
    for item in items:
        if item.ready:
            text.append("✓ ready   ", style="bold green")
        else:
            text.append("✗ blocked ", style="bold red")
        text.append(f"#{item.inbox_id} {item.voucher}")
        if item.reasons:
            text.append(": " + "; ".join(item.reasons), style="" if item.ready else "red")
        text.append("\n")
    text.rstrip()
    return text


class SummaryModal(ModalScreen[None]):
    """A result summary (bulk pricing, bulk decisions): a title, counts and one line per row."""

    DEFAULT_CSS = """
    SummaryModal {
        align: center middle;
    }
    SummaryModal #summary-box {
        width: 90%;
        max-width: 120;
        height: auto;
        max-height: 90%;
        padding: 0 1;
        border: thick $accent;
        background: $surface;
    }
    SummaryModal #summary-lines {
        height: auto;
        max-height: 16;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
    ]

    def __init__(self, title: str, counts: str, lines: Text) -> None:
        super().__init__()
        self.title_text = title
        self.counts = counts
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(id="summary-box"):
            yield Label(Text(self.title_text, style="bold"))
            yield Label(self.counts, id="summary-counts")
            with VerticalScroll(id="summary-lines"):
                yield Static(self.lines, id="summary-text")
            yield Label("Enter / Escape: close")

    def action_close(self) -> None:
        """Back to the grid."""
        self.dismiss(None)
