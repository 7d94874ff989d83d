"""The review grid: the inbox, one page at a time, filtered and sorted by the database.

The screen keeps only the visible page in its ``DataTable``; every change of tab, filter, sort or
page asks ``hotelops.core.inbox.list_inbox`` for that page in a thread worker, so the terminal
never waits on the database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static, Tab, Tabs
from textual.worker import get_current_worker

from hotelops.core.db import Database
from hotelops.core.errors import HotelopsError
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import InboxFilter, InboxPage, InboxRow, list_inbox
from hotelops.core.models import Content, InboxStatus

DEFAULT_PAGE_SIZE = 50
SEARCH_DEBOUNCE_S = 0.3
SORT_KEYS = ("received", "check_in", "sale_date", "voucher")
CONTENT_CYCLE: tuple[Content | None, ...] = (
    None,
    Content.NEW,
    Content.MODIFICATION,
    Content.CANCELLATION,
)
#: Tab id -> the status it lists (``all`` lists every status).
TABS: dict[str, InboxStatus | None] = {
    "pending": InboxStatus.PENDING,
    "approved": InboxStatus.APPROVED,
    "rejected": InboxStatus.REJECTED,
    "all": None,
}
STATUS_STYLE = {"pending": "bold yellow", "approved": "bold green", "rejected": "bold red"}
CONTENT_STYLE = {"new": "green", "modification": "cyan", "cancellation": "bold red"}
COLUMNS = (
    ("", "sel"),
    ("Id", "id"),
    ("Status", "status"),
    ("Content", "content"),
    ("Operator", "operator"),
    ("Agency", "agency"),
    ("Guests", "guests"),
    ("Voucher", "voucher"),
    ("Check-in", "check_in"),
    ("Check-out", "check_out"),
    ("Sale", "sale"),
    ("Received", "received"),
    ("Pax", "pax"),
    ("Nat", "nat"),
    ("Board", "board"),
    ("Rooms", "rooms"),
    ("Room type", "room_type"),
)
SELECTED_MARK = "●"


@dataclass(frozen=True)
class GridQuery:
    """Everything that decides which page the grid shows (a snapshot handed to a worker)."""

    filter: InboxFilter
    sort: str
    descending: bool
    offset: int
    limit: int


class PageTable(DataTable[str | Text]):
    """A DataTable that asks its screen for the next or previous page at its edges."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.open_reservation", "Open"),
        Binding("space", "screen.toggle_select", "Select"),
        Binding("pagedown", "screen.next_page", "Next page"),
        Binding("pageup", "screen.previous_page", "Prev page"),
    ]

    class EdgeReached(Message):
        """The cursor tried to move past the last (step 1) or first (step -1) row."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.EdgeReached(1))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.row_count and self.cursor_row <= 0:
            self.post_message(self.EdgeReached(-1))
        else:
            super().action_cursor_up()


class ReviewGrid(Screen[None]):
    """Pending / Approved / Rejected / All inbox reservations, one database page at a time."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search"),
        Binding("escape", "focus_grid", "Grid", show=False),
        Binding("c", "cycle_content", "Content"),
        Binding("m", "toggle_missing", "Missing maps"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse"),
        Binding("1", "show_tab('pending')", "Pending", show=False),
        Binding("2", "show_tab('approved')", "Approved", show=False),
        Binding("3", "show_tab('rejected')", "Rejected", show=False),
        Binding("4", "show_tab('all')", "All", show=False),
        Binding("pagedown", "next_page", "Next page", show=False),
        Binding("pageup", "previous_page", "Prev page", show=False),
    ]

    class OpenReservation(Message):
        """The user asked to open one inbox reservation (Enter on a row)."""

        def __init__(self, inbox_id: int) -> None:
            super().__init__()
            self.inbox_id = inbox_id

    def __init__(
        self, db: Database, hotel_code: str | None = None, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> None:
        super().__init__()
        self.db = db
        self.hotel_code = hotel_code
        self.page_size = max(1, page_size)
        self.filter = InboxFilter(status=InboxStatus.PENDING)
        self.sort = SORT_KEYS[0]
        self.descending = True
        self.page_offset = 0
        self.total = 0
        self.page_ids: list[int] = []
        self.selected: set[int] = set()
        self._hotel_id: int | None = None
        self._counts_cache: tuple[str, dict[str, int]] | None = None
        self._request = 0
        self._cursor_at_end = False
        self._search_timer: Timer | None = None

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(
            *(Tab(name.capitalize(), id=name) for name in TABS),
            id="status-tabs",
        )
        with Horizontal(id="filter-bar"):
            yield Input(placeholder="search voucher or guest name  ( / )", id="search")
            yield Static("", id="filter-info")
        table = PageTable(id="grid", cursor_type="row", zebra_stripes=True)
        for label, key in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("loading…", id="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PageTable).focus()
        self._show_filters()
        self.reload()

    # -- loading --------------------------------------------------------------------------------

    def reload(self, *, cursor_at_end: bool = False, keep_counts: bool = False) -> None:
        """Ask the database for the current page and the tab counts.

        Only paging and sorting keep the counts; anything else (a filter, a decision taken in
        the detail screen, a scan) counts again.
        """
        if not keep_counts:
            self._counts_cache = None
        self._request += 1
        self._cursor_at_end = cursor_at_end
        query = GridQuery(
            replace(self.filter), self.sort, self.descending, self.page_offset, self.page_size
        )
        self._load_page(self._request, query)

    @work(thread=True, exclusive=True, group="grid-page")
    def _load_page(self, request: int, query: GridQuery) -> None:
        worker = get_current_worker()
        try:
            with self.db.read() as session:
                if self._hotel_id is None:
                    hotel = get_hotel(session, self.hotel_code)
                    assert hotel.id is not None
                    self._hotel_id = hotel.id
                page = list_inbox(
                    session,
                    self._hotel_id,
                    query.filter,
                    limit=query.limit,
                    offset=query.offset,
                    sort=query.sort,
                    descending=query.descending,
                )
                # The tab counts depend on the filters only: paging and sorting reuse them.
                key = repr(replace(query.filter, status=None))
                cached = self._counts_cache
                if cached is not None and cached[0] == key:
                    counts = cached[1]
                else:
                    counts = {
                        name: list_inbox(
                            session, self._hotel_id, replace(query.filter, status=status), limit=0
                        ).total
                        for name, status in TABS.items()
                    }
                    self._counts_cache = (key, counts)
        except HotelopsError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_error, str(exc))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_page, request, page, counts)

    def _show_error(self, message: str) -> None:
        self.query_one("#status-line", Static).update(Text(message, style="bold red"))
        self.notify(message, severity="error")

    def _show_page(self, request: int, page: InboxPage, counts: dict[str, int]) -> None:
        if request != self._request:
            return  # a newer request is on its way
        if page.total and page.offset >= page.total:
            # The data shrank under us (a filter, or rows decided elsewhere): go to the last page.
            self.page_offset = max(0, (page.total - 1) // self.page_size * self.page_size)
            self.reload()
            return
        self.total = page.total
        self.page_ids = [row.id for row in page.rows]
        for name, count in counts.items():
            self.query_one(f"#{name}", Tab).label = f"{name.capitalize()} ({count})"
        table = self.query_one(PageTable)
        table.clear()
        for row in page.rows:
            table.add_row(*self._cells(row), key=str(row.id))
        if page.rows:
            table.move_cursor(row=len(page.rows) - 1 if self._cursor_at_end else 0)
        self._show_status()

    def _cells(self, row: InboxRow) -> list[str | Text]:
        return [
            SELECTED_MARK if row.id in self.selected else "",
            str(row.id),
            Text(row.status, style=STATUS_STYLE.get(row.status, "")),
            Text(row.content, style=CONTENT_STYLE.get(row.content, "")),
            row.operator,
            row.agency,
            row.guest_names,
            row.voucher,
            row.check_in.isoformat(),
            row.check_out.isoformat(),
            row.sale_date.isoformat() if row.sale_date else "",
            row.received_at.strftime("%Y-%m-%d %H:%M"),
            row.pax,
            row.nationality,
            row.board,
            str(row.room_count),
            row.room_type,
        ]

    def _show_status(self) -> None:
        if self.total:
            first, last = self.page_offset + 1, self.page_offset + len(self.page_ids)
            text = f"rows {first}–{last} of {self.total}"
        else:
            text = "no rows match"
        arrow = "↓" if self.descending else "↑"
        text += f"  ·  sort {self.sort} {arrow}"
        if self.selected:
            text += f"  ·  {len(self.selected)} selected"
        self.query_one("#status-line", Static).update(text)

    def _show_filters(self) -> None:
        content = str(self.filter.content) if self.filter.content else "all"
        parts = [f"content: {content}"]
        if self.filter.missing_mappings:
            parts.append("missing mappings only")
        self.query_one("#filter-info", Static).update("  ·  ".join(parts))

    def _refilter(self) -> None:
        self.page_offset = 0
        self._show_filters()
        self.reload()

    # -- events ---------------------------------------------------------------------------------

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        status = TABS.get(event.tab.id or "")
        if status != self.filter.status:
            self.filter.status = status
            self._refilter()

    def on_page_table_edge_reached(self, event: PageTable.EdgeReached) -> None:
        if event.step > 0:
            self.action_next_page()
        else:
            self.action_previous_page(cursor_at_end=True)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE_S, self._apply_search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._apply_search()
        self.action_focus_grid()

    def _apply_search(self) -> None:
        text = self.query_one("#search", Input).value.strip()
        if text != self.filter.search:
            self.filter.search = text
            self._refilter()

    # -- actions --------------------------------------------------------------------------------

    def action_focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one("#search", Input).focus()

    def action_focus_grid(self) -> None:
        """Back to the grid."""
        self.query_one(PageTable).focus()

    def action_show_tab(self, name: str) -> None:
        """Show one status tab (pending, approved, rejected, all)."""
        self.query_one(Tabs).active = name

    def action_cycle_content(self) -> None:
        """Cycle the content filter: all, new, modification, cancellation."""
        index = CONTENT_CYCLE.index(self.filter.content)
        self.filter.content = CONTENT_CYCLE[(index + 1) % len(CONTENT_CYCLE)]
        self._refilter()

    def action_toggle_missing(self) -> None:
        """Show only reservations with a missing mapping, or everything again."""
        self.filter.missing_mappings = not self.filter.missing_mappings
        self._refilter()

    def action_cycle_sort(self) -> None:
        """Sort by the next key: received, check-in, sale date, voucher."""
        self.sort = SORT_KEYS[(SORT_KEYS.index(self.sort) + 1) % len(SORT_KEYS)]
        self.page_offset = 0
        self.reload(keep_counts=True)

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        self.descending = not self.descending
        self.page_offset = 0
        self.reload(keep_counts=True)

    def action_next_page(self) -> None:
        """The next page, if there is one."""
        if self.page_offset + self.page_size < self.total:
            self.page_offset += self.page_size
            self.reload(keep_counts=True)

    def action_previous_page(self, cursor_at_end: bool = False) -> None:
        """The previous page, if there is one."""
        if self.page_offset > 0:
            self.page_offset = max(0, self.page_offset - self.page_size)
            self.reload(cursor_at_end=cursor_at_end, keep_counts=True)

    def _cursor_id(self) -> int | None:
        table = self.query_one(PageTable)
        if not self.page_ids or not 0 <= table.cursor_row < len(self.page_ids):
            return None
        return self.page_ids[table.cursor_row]

    def action_toggle_select(self) -> None:
        """Select or unselect the row under the cursor (kept across pages and filters)."""
        inbox_id = self._cursor_id()
        if inbox_id is None:
            return
        if inbox_id in self.selected:
            self.selected.discard(inbox_id)
            mark = ""
        else:
            self.selected.add(inbox_id)
            mark = SELECTED_MARK
        self.query_one(PageTable).update_cell(str(inbox_id), "sel", mark)
        self._show_status()

    def action_open_reservation(self) -> None:
        """Open the reservation under the cursor."""
        inbox_id = self._cursor_id()
        if inbox_id is not None:
            self.post_message(self.OpenReservation(inbox_id))
