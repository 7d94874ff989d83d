"""Operators and mappings (seed 000's "Tur Operatörü Ayarları" and "Mail Ayarları"), F3.

Left, the hotel's operators with their pending and missing figures; right, for the operator under
the cursor, three tabs: the codes it sends that have no mapping yet (Enter picks a hotel code,
``y`` accepts the best suggestion when it is sure enough), its mappings (``x`` deletes one after
a yes/no question), and the sender addresses whose mail belongs to it. Every read and write runs
in a thread worker; the rules and the refusals come from ``hotelops.core``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from sqlmodel import Session
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Label,
    Static,
    TabbedContent,
    TabPane,
    Tabs,
)

from hotelops.core.db import Database
from hotelops.core.errors import HotelopsError
from hotelops.core.hotels import get_hotel
from hotelops.core.mapping import AUTO_ACCEPT, MappingRow, delete_mapping, list_mappings
from hotelops.core.operators import (
    MissingRow,
    OperatorSummary,
    SenderRuleRow,
    accept_best,
    missing_with_suggestions,
    operator_summaries,
    sender_rules,
)
from hotelops.tui.literal import TextTable
from hotelops.tui.screens.detail_modals import MappingPicker

TABS = ("tab-missing", "tab-mappings", "tab-senders")
#: The table inside each tab.
TAB_TABLE = {
    "tab-missing": "#missing-table",
    "tab-mappings": "#mappings-table",
    "tab-senders": "#senders-table",
}


@dataclass
class OperatorDetail:
    """What the right pane shows for one operator."""

    operator: str
    missing: list[MissingRow] = field(default_factory=list)
    mappings: list[MappingRow] = field(default_factory=list)
    senders: list[SenderRuleRow] = field(default_factory=list)


def kind_label(kind: str) -> str:
    """``room_type`` → ``room type``."""
    return kind.replace("_", " ")


def _gap_label(gap: MissingRow) -> str:
    """``JET2 room type 'Family Room'``, or ``ODEO board (none sent)`` for a code never sent."""
    value = repr(gap.operator_value) if gap.operator_value else "(none sent)"
    return f"{gap.operator} {kind_label(gap.kind)} {value}"


def best_text(row: MissingRow) -> Text:
    """The best suggestion and its score, green when ``y`` would accept it."""
    if row.best is None:
        return Text("no suggestion", style="dim")
    occupancy = f" ({row.best.occupancy})" if row.best.occupancy else ""
    text = Text(f"{row.best.hotel_code}{occupancy} ")
    text.append(f"{row.best.score:.2f}", style="bold green" if row.acceptable else "yellow")
    return text


def summary_text(op: OperatorSummary) -> Text:
    """The operator card in two short lines (the seed's "Temel Ayarlar")."""
    text = Text()
    text.append(op.code, style="bold")
    text.append(f" {op.name} · {op.kind} · ")
    text.append("active" if op.active else "inactive", style="green" if op.active else "red")
    text.append(f" · agency {op.default_agency or 'none'}\n")
    text.append(f"{op.pending} pending · ")
    text.append(f"{op.missing} unmapped", style="bold red" if op.missing else "")
    text.append(f" · {op.mappings} mapped · {op.sender_rules} senders")
    return text


class MissingTable(TextTable[object]):
    """The Missing tab's table: Enter maps the code under the cursor (shown in the footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Map code"),
    ]


class ConfirmDelete(ModalScreen[bool]):
    """A yes/no question before a mapping is deleted: ``y`` or Enter deletes, Escape or ``n``
    keeps it."""

    DEFAULT_CSS = """
    ConfirmDelete {
        align: center middle;
    }
    ConfirmDelete #confirm-box {
        width: 72;
        max-width: 100%;
        height: auto;
        padding: 0 1;
        border: thick $warning;
        background: $surface;
    }
    ConfirmDelete #confirm-question {
        text-style: bold;
        margin-bottom: 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "yes", "Delete"),
        Binding("enter", "yes", "Delete", show=False),
        Binding("escape", "no", "Keep"),
        Binding("n", "no", "Keep", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(self.question, id="confirm-question", markup=False)
            yield Label(
                "Pending reservations with this code wait for a mapping again.\n"
                "y / Enter: delete · Escape / n: keep it"
            )
        yield Footer()

    def action_yes(self) -> None:
        """Delete."""
        self.dismiss(True)

    def action_no(self) -> None:
        """Keep the mapping."""
        self.dismiss(False)


class MappingsScreen(Screen[None]):
    """Operators, their unmapped codes, mappings and sender rules."""

    DEFAULT_CSS = """
    MappingsScreen #ops-body {
        height: 1fr;
    }
    MappingsScreen #ops-table {
        width: 40;
        scrollbar-size-horizontal: 0;
        height: 1fr;
        border-right: vkey $foreground 20%;
    }
    MappingsScreen #ops-right {
        width: 1fr;
        height: 1fr;
    }
    MappingsScreen #ops-summary {
        height: auto;
        padding: 0 1;
    }
    MappingsScreen #ops-status {
        height: auto;
        padding: 0 1;
        color: $text-muted;
    }
    MappingsScreen #ops-status.-error {
        color: $error;
        text-style: bold;
    }
    MappingsScreen TabbedContent {
        height: 1fr;
    }
    MappingsScreen TabPane {
        padding: 0;
        height: 1fr;
    }
    MappingsScreen TabPane DataTable {
        height: 1fr;
    }
    MappingsScreen.-narrow #ops-table {
        width: 30;
    }
    MappingsScreen.-wide #ops-table {
        width: 62;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "map_code", "Map code"),
        Binding("y", "accept_best", "Accept"),
        Binding("x", "delete_mapping", "Delete"),
        Binding("delete", "delete_mapping", "Delete mapping", show=False),
        Binding("1", "show_tab('tab-missing')", "Missing", show=False),
        Binding("2", "show_tab('tab-mappings')", "Mappings", show=False),
        Binding("3", "show_tab('tab-senders')", "Sender rules", show=False),
        Binding("r", "reload", "Reload", show=False),
        Binding("escape", "back", "Back"),
    ]
    # Textual annotates this ``ClassVar[...] | None``, which mypy cannot match.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]] | None] = [  # type: ignore[misc]
        (0, "-narrow"),  # code and figures; the name is in the card above the tabs
        (100, "-medium"),
        (140, "-wide"),  # the whole operator name
    ]

    def __init__(self, db: Database, hotel_code: str | None, user: str = "office") -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.user = user
        self.operators: list[OperatorSummary] = []
        self.detail: OperatorDetail | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="ops-body"):
            yield TextTable(id="ops-table", cursor_type="row", zebra_stripes=True)
            with Vertical(id="ops-right"):
                yield Static("", id="ops-summary")
                with TabbedContent(initial="tab-missing"):
                    with TabPane("Missing", id="tab-missing"):
                        yield MissingTable(
                            id="missing-table", cursor_type="row", zebra_stripes=True
                        )
                    with TabPane("Mappings", id="tab-mappings"):
                        yield TextTable(id="mappings-table", cursor_type="row", zebra_stripes=True)
                    with TabPane("Sender rules", id="tab-senders"):
                        yield TextTable(id="senders-table", cursor_type="row", zebra_stripes=True)
                yield Static("", id="ops-status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "operators and mappings"
        ops = self.query_one("#ops-table", DataTable)
        for label, key in (
            ("Code", "code"),
            ("Miss", "missing"),
            ("Pend", "pending"),
            ("Kind", "kind"),
            ("On", "active"),
            ("Name", "name"),
        ):
            ops.add_column(label, key=key)
        missing = self.query_one("#missing-table", DataTable)
        for label, key in (
            ("Kind", "kind"),
            ("Operator code", "value"),
            ("Blocks", "blocked"),
            ("Best", "best"),
        ):
            missing.add_column(label, key=key)
        mappings = self.query_one("#mappings-table", DataTable)
        for label, key in (
            ("Kind", "kind"),
            ("Operator value", "value"),
            ("Hotel", "hotel"),
            ("Occ.", "occupancy"),
        ):
            mappings.add_column(label, key=key)
        senders = self.query_one("#senders-table", DataTable)
        senders.add_column("Mail from", key="pattern")
        senders.add_column("Operator", key="operator")
        # Tab goes from the operators straight to the table of the tab shown; 1 2 3 pick tabs.
        self.query_one(TabbedContent).query_one(Tabs).can_focus = False
        ops.focus()
        self.load()

    # --- reading -------------------------------------------------------------------------------

    @property
    def current_operator(self) -> str | None:
        """The code of the operator under the left cursor."""
        table = self.query_one("#ops-table", DataTable)
        if not self.operators or table.cursor_row < 0:
            return None
        return self.operators[min(table.cursor_row, len(self.operators) - 1)].code

    def _read_detail(self, session: Session, hid: int, code: str) -> OperatorDetail:
        return OperatorDetail(
            operator=code,
            missing=missing_with_suggestions(session, hid, code),
            mappings=list_mappings(session, hid, code),
            senders=sender_rules(session, hid, code),
        )

    @work(thread=True, exclusive=True, group="ops-load")
    def load(self, keep: str | None = None) -> None:
        """Read the operators and the detail of the one under the cursor (or ``keep``)."""
        try:
            with self.db.read() as session:
                hotel = get_hotel(session, self.hotel_code)
                hid = hotel.id or 0
                operators = operator_summaries(session, hid)
                codes = [op.code for op in operators]
                code = keep if keep in codes else (codes[0] if codes else None)
                detail = self._read_detail(session, hid, code) if code else None
        except HotelopsError as exc:
            self.app.call_from_thread(self.show_status, str(exc), True)
            return
        self.app.call_from_thread(self._show, operators, detail)

    @work(thread=True, exclusive=True, group="ops-detail")
    def load_detail(self, code: str) -> None:
        """Read one operator's missing codes, mappings and sender rules."""
        try:
            with self.db.read() as session:
                hid = get_hotel(session, self.hotel_code).id or 0
                detail = self._read_detail(session, hid, code)
        except HotelopsError as exc:
            self.app.call_from_thread(self.show_status, str(exc), True)
            return
        self.app.call_from_thread(self._show_detail, detail)

    def _show(self, operators: list[OperatorSummary], detail: OperatorDetail | None) -> None:
        self.operators = operators
        table = self.query_one("#ops-table", DataTable)
        table.clear()
        for op in operators:
            table.add_row(
                Text(op.code, style="bold"),
                Text(str(op.missing), style="bold red" if op.missing else "", justify="right"),
                Text(str(op.pending), justify="right"),
                op.kind,
                Text("✓", style="green") if op.active else Text("✗", style="red"),
                op.name,
                key=op.code,
            )
        if detail is not None:
            table.move_cursor(row=table.get_row_index(detail.operator), animate=False)
        self._show_detail(detail)

    def _show_detail(self, detail: OperatorDetail | None) -> None:
        if detail is not None and detail.operator != self.current_operator:
            return  # the cursor moved on meanwhile: that operator's read is on its way
        self.detail = detail
        summary = next((op for op in self.operators if detail and op.code == detail.operator), None)
        self.query_one("#ops-summary", Static).update(
            summary_text(summary) if summary else "no operator in this hotel"
        )
        self._fill_missing(detail.missing if detail else [])
        self._fill_mappings(detail.mappings if detail else [])
        senders = self.query_one("#senders-table", DataTable)
        senders.clear()
        for rule in detail.senders if detail else []:
            senders.add_row(rule.pattern, f"{rule.operator} {rule.operator_name}")
        tabs = self.query_one(TabbedContent)
        if detail is not None:
            tabs.get_tab("tab-missing").label = f"Missing {len(detail.missing)}"
            tabs.get_tab("tab-mappings").label = f"Mappings {len(detail.mappings)}"
            tabs.get_tab("tab-senders").label = f"Sender rules {len(detail.senders)}"

    def _fill_missing(self, rows: list[MissingRow]) -> None:
        table = self.query_one("#missing-table", DataTable)
        row = table.cursor_row
        table.clear()
        for gap in rows:
            table.add_row(
                kind_label(gap.kind),
                gap.operator_value or Text("(none sent)", style="dim"),
                Text(str(gap.blocked), justify="right"),
                best_text(gap),
            )
        if rows:
            table.move_cursor(row=min(max(row, 0), len(rows) - 1), animate=False)

    def _fill_mappings(self, rows: list[MappingRow]) -> None:
        table = self.query_one("#mappings-table", DataTable)
        row = table.cursor_row
        table.clear()
        for mapping in rows:
            table.add_row(
                kind_label(mapping.kind),
                mapping.operator_code or Text("(none sent)", style="dim"),
                Text(mapping.hotel_code, style="bold"),
                mapping.occupancy,
            )
        if rows:
            table.move_cursor(row=min(max(row, 0), len(rows) - 1), animate=False)

    @on(DataTable.RowHighlighted, "#ops-table")
    def _operator_moved(self, event: DataTable.RowHighlighted) -> None:
        code = self.current_operator
        if code and (self.detail is None or self.detail.operator != code):
            self.load_detail(code)

    def show_status(self, message: str, error: bool = False) -> None:
        """A line under the tabs: what the last action did, or why it was refused."""
        status = self.query_one("#ops-status", Static)
        status.update(message)
        status.set_class(error, "-error")
        self.busy = False
        if error:
            self.notify(message, severity="error", timeout=8, markup=False)

    # --- tabs ----------------------------------------------------------------------------------

    def action_show_tab(self, tab: str) -> None:
        """Show one of the tabs (1 Missing, 2 Mappings, 3 Sender rules) and focus its table."""
        self.query_one(TabbedContent).active = tab
        self.query_one(TAB_TABLE[tab], DataTable).focus()

    def _active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    @on(DataTable.RowSelected, "#ops-table")
    def _operator_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_show_tab(self._active_tab() or "tab-missing")

    @on(DataTable.RowSelected, "#missing-table")
    def _missing_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_map_code()

    def action_reload(self) -> None:
        """Read everything again."""
        self.load(self.current_operator)

    def action_back(self) -> None:
        """Back to the screen below."""
        self.app.pop_screen()

    # --- writing -------------------------------------------------------------------------------

    def _missing_under_cursor(self) -> MissingRow | None:
        if self.detail is None or not self.detail.missing:
            self.show_status(f"{self.current_operator or 'this operator'} has no unmapped code")
            return None
        table = self.query_one("#missing-table", DataTable)
        return self.detail.missing[min(max(table.cursor_row, 0), len(self.detail.missing) - 1)]

    def _start(self) -> bool:
        if self.busy:
            self.notify("still working on the last change", severity="warning")
            return False
        self.busy = True
        return True

    def action_map_code(self) -> None:
        """Pick the hotel code for the unmapped code under the cursor (Missing tab)."""
        if self._active_tab() != "tab-missing":
            self.action_show_tab("tab-missing")
            return
        gap = self._missing_under_cursor()
        if gap is None:
            return
        # A code never sent ("") is mapped too: the hotel code then stands for what the
        # operator means when it sends nothing of this kind (the core's "" mapping).
        picker = MappingPicker(
            self.db, self.hotel_code, gap.operator, gap.kind, gap.operator_value, self.user
        )

        def picked(code: str | None) -> None:
            if code:
                self.show_status(f"mapped {_gap_label(gap)} → {code}")
            self.load(gap.operator)

        self.app.push_screen(picker, picked)

    def action_accept_best(self) -> None:
        """Accept the best suggestion for the code under the cursor when it scores over 0.75."""
        if self._active_tab() != "tab-missing":
            self.show_status("y accepts a suggestion on the Missing tab (press 1)", True)
            return
        gap = self._missing_under_cursor()
        if gap is None:
            return
        if not gap.operator_value:
            # Nothing sent, nothing to compare: no suggestion; Enter picks the code by hand.
            self.show_status(
                f"no suggestion for what {gap.operator} never sends: Enter picks the hotel "
                f"{kind_label(gap.kind)} for it by hand",
                True,
            )
            return
        if self._start():
            self._accept(gap)

    @work(thread=True, group="ops-write")
    def _accept(self, gap: MissingRow) -> None:
        try:
            best, result = accept_best(
                self.db,
                self.hotel_code,
                gap.operator,
                gap.kind,
                gap.operator_value,
                user=self.user,
            )
        except HotelopsError as exc:
            self.app.call_from_thread(self.show_status, str(exc), True)
            return
        occupancy = f" ({result.mapping.occupancy})" if result.mapping.occupancy else ""
        message = (
            f"mapped {gap.operator} {kind_label(gap.kind)} {gap.operator_value!r} → "
            f"{best.hotel_code}{occupancy} (score {best.score:.2f} over {AUTO_ACCEPT:.2f}); "
            f"{result.applied.unblocked} reservation(s) unblocked"
        )
        self.app.call_from_thread(self.show_status, message)
        self.app.call_from_thread(self.load, gap.operator)

    def action_delete_mapping(self) -> None:
        """Delete the mapping under the cursor (Mappings tab), after a yes/no question."""
        if self._active_tab() != "tab-mappings":
            self.show_status("x deletes a mapping on the Mappings tab (press 2)", True)
            return
        if self.detail is None or not self.detail.mappings:
            self.show_status(f"{self.current_operator or 'this operator'} has no mapping")
            return
        table = self.query_one("#mappings-table", DataTable)
        rows = self.detail.mappings
        mapping = rows[min(max(table.cursor_row, 0), len(rows) - 1)]
        question = (
            f"Delete {mapping.operator} {kind_label(mapping.kind)} mapping "
            f"{mapping.operator_code!r} → {mapping.hotel_code}?"
        )

        def answered(yes: bool | None) -> None:
            if yes and self._start():
                self._delete(mapping)
            elif not yes:
                self.show_status("kept the mapping")

        self.app.push_screen(ConfirmDelete(question), answered)

    @work(thread=True, group="ops-write")
    def _delete(self, mapping: MappingRow) -> None:
        try:
            result = delete_mapping(
                self.db,
                self.hotel_code,
                mapping.operator,
                mapping.kind,
                mapping.operator_code,
                user=self.user,
            )
        except HotelopsError as exc:
            self.app.call_from_thread(self.show_status, str(exc), True)
            return
        message = (
            f"deleted {mapping.operator} {kind_label(mapping.kind)} {mapping.operator_code!r} → "
            f"{mapping.hotel_code}; {result.blocked} pending reservation(s) carry the code"
        )
        self.app.call_from_thread(self.show_status, message)
        self.app.call_from_thread(self.load, mapping.operator)
