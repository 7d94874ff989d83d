"""The review grid: the inbox, one page at a time, filtered and sorted by the database.

The screen keeps only the visible page in its ``DataTable``; every change of tab, filter, sort or
page asks ``hotelops.core.inbox.list_inbox`` for that page in a thread worker, so the terminal
never waits on the database. Pages go by keyset (the edge row's sort value and id), so page
2,000 costs what page 1 does; the total comes from the cached tab counts. The price marks of
the visible page come from a second worker after the page is shown.

Keys: ``f`` filters, ``F`` clears them, space selects and moves down, ``P`` prices the
selection, ``A`` confirms and saves it (after a preview of the guards), Enter opens the detail
screen, ctrl+r / F5 (or the active tab's number) reads the page again.

The grid also follows the database by itself: every few seconds, while it is the screen in
front and nothing is loading, one small query reads the inbox's change stamp (count, last
change, last id); when it moved (a scan by the CLI, a colleague's decision) the page and the
counts are read again, the cursor staying on its reservation.

The columns follow the terminal's width (rebuilt on resize): under 120 columns the Status
column is left to the tab saying it (kept on All), Content is a short word and Agency and
Guests are cut shorter, so that Voucher and Check-in stay in view at 80 columns.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Static, Tab, Tabs
from textual.worker import get_current_worker

from hotelops.core.approval import (
    SAVE,
    Changed,
    PreviewItem,
    Refused,
    decide,
    operator_notifier,
    preview,
)
from hotelops.core.config import LoadedConfig, PriceSettings, Settings
from hotelops.core.db import Database
from hotelops.core.errors import HotelopsError
from hotelops.core.hotels import get_hotel
from hotelops.core.inbox import (
    ChangeStamp,
    InboxFilter,
    InboxPage,
    InboxRow,
    PageKey,
    change_stamp,
    ensure_indexes,
    list_inbox,
    page_key,
)
from hotelops.core.models import Content, Hotel, InboxStatus
from hotelops.core.pricing.service import (
    DIFFERS,
    PRICED,
    UNPRICED,
    InboxPrice,
    price_many,
    price_statuses,
)
from hotelops.tui.literal import TextTable
from hotelops.tui.screens.grid_modals import (
    ConfirmBulk,
    FilterModal,
    SummaryModal,
    preview_text,
)

DEFAULT_PAGE_SIZE = 50
SEARCH_DEBOUNCE_S = 0.3
#: How often the grid asks whether the inbox changed (while it is in front and idle).
POLL_SECONDS = 5.0
#: A resize rebuilds the columns once the terminal has kept its size this long.
RESIZE_DEBOUNCE_S = 0.2
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
#: The Content column's words on a narrow terminal.
CONTENT_SHORT = {"new": "new", "modification": "mod", "cancellation": "cancel"}
COLUMNS = (
    ("", "sel"),
    ("!", "marks"),
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
    ("Hotel res", "hotel_res"),
)
#: Sort key -> the column it sorts (its header gets ↓ or ↑).
SORT_COLUMNS = {
    "received": "received",
    "check_in": "check_in",
    "sale_date": "sale",
    "voucher": "voucher",
}
SELECTED_MARK = "●"
#: Columns whose content has a known width (the others fit their content).
FIXED_WIDTHS = {
    "sel": 1,
    "marks": 3,
    "id": 7,
    "status": 8,
    "content": 12,
    "check_in": 10,
    "check_out": 10,
    "sale": 10,
    "received": 16,
    "pax": 6,
    "nat": 3,
    "rooms": 5,
    "hotel_res": 9,
}
MISSING_MARK = Text("M", style="bold red")
DIFFERS_MARK = Text("≠", style="bold yellow")
BOOKED_MARK = Text("B", style="bold green")
LEGEND = "M missing mapping · ≠ price differs · B in the books"
#: Guest names get this many cells (more on a wide terminal), cut with "…" beyond.
GUESTS_WIDTH = 28
GUESTS_WIDTH_WIDE = 44
WIDE_TERMINAL = 180
#: Under this many columns the grid trims itself (see the module's docstring).
NARROW_TERMINAL = 120
GUESTS_WIDTH_NARROW = 16
AGENCY_WIDTH_NARROW = 12
CONTENT_WIDTH_NARROW = 6
#: Shorter headers on a narrow terminal (a header wider than its cells widens the column).
NARROW_LABELS = {"content": "Cont.", "operator": "Op"}


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending in "…" when it was longer."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"


def _plain_cell(value: object) -> tuple[str, Style] | None:
    """A cell's text and its one style, when it has no markup, spans or line breaks."""
    if isinstance(value, str):
        if "[" in value or "\n" in value or "\t" in value or value.count(":") > 1:
            return None  # markup, emoji codes or breaks: Rich knows best
        return value, Style.null()
    if isinstance(value, Text) and not value.spans:
        if "\n" in value.plain or "\t" in value.plain:
            return None
        style = value.style
        return value.plain, Style.parse(style) if isinstance(style, str) else style
    return None


def marks_cell(row: InboxRow, price_status: str | None) -> Text:
    """The marks column: M (red) for a missing mapping, ≠ (yellow) for a price difference,
    B (green) when the reservation is in the hotel's books (saved as a hotel reservation)."""
    text = Text()
    if row.missing:
        text.append_text(MISSING_MARK)
    if price_status == DIFFERS:
        text.append_text(DIFFERS_MARK)
    if row.hotel_reservation_id:
        text.append_text(BOOKED_MARK)
    return text


@dataclass(frozen=True)
class GridLayout:
    """The columns the grid shows for one terminal width, tab and sort."""

    columns: tuple[tuple[str, str, int | None], ...]  # (label, key, width or None = fit)
    guests_width: int
    agency_width: int | None
    short_content: bool


def grid_layout(width: int, status: InboxStatus | None, sort: str, descending: bool) -> GridLayout:
    """The columns for a terminal ``width`` cells wide, the tab's ``status`` and the sort.

    Under ``NARROW_TERMINAL`` columns the Status column goes (except on the All tab, where
    the status differs from row to row), Content shrinks to a short word, Operator is headed
    "Op", Guests are cut to 16 cells and Agency (cut to 12) moves after Check-in, so that
    Voucher and Check-in are in view at 80 columns. The sorted column's header ends in ↓
    (descending) or ↑.
    """
    narrow = width < NARROW_TERMINAL
    if width >= WIDE_TERMINAL:
        guests = GUESTS_WIDTH_WIDE
    elif narrow:
        guests = GUESTS_WIDTH_NARROW
    else:
        guests = GUESTS_WIDTH
    widths: dict[str, int | None] = {**FIXED_WIDTHS, "guests": guests}
    if narrow:
        widths["content"] = CONTENT_WIDTH_NARROW
        widths["agency"] = AGENCY_WIDTH_NARROW
        widths["id"] = None  # fits the page's ids: a young database saves the cells
    sorted_key = SORT_COLUMNS.get(sort)
    arrow = "↓" if descending else "↑"
    order = list(COLUMNS)
    if narrow:
        order.remove(("Agency", "agency"))
        order.insert(order.index(("Check-in", "check_in")) + 1, ("Agency", "agency"))
    columns = []
    for label, key in order:
        if key == "status" and narrow and status is not None:
            continue
        if narrow:
            label = NARROW_LABELS.get(key, label)
        if key == sorted_key:
            label = f"{label} {arrow}"
        columns.append((label, key, widths.get(key)))
    return GridLayout(
        tuple(columns), guests, AGENCY_WIDTH_NARROW if narrow else None, short_content=narrow
    )


@dataclass(frozen=True)
class GridQuery:
    """Everything that decides which page the grid shows (a snapshot handed to a worker).

    The page is found by keyset: ``after`` the last row of the page before (next page),
    ``before`` the first row of the page after (previous page), from ``start`` (the same page
    again), or the first page when none is given.
    """

    filter: InboxFilter
    sort: str
    descending: bool
    offset: int
    limit: int
    after: PageKey | None = None
    before: PageKey | None = None
    start: PageKey | None = None


class PageTable(TextTable[str | Text]):
    """A DataTable that asks its screen for the next or previous page at its edges."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "screen.open_reservation", "Open"),
        Binding("space", "screen.toggle_select", "Select", key_display="␣"),
        # Paging keys stay out of the footer (they are in the palette): at 80 columns the
        # footer has no room for them and quit / scanner.
        Binding("pagedown", "screen.next_page", "Next page", show=False),
        Binding("pageup", "screen.previous_page", "Prev page", show=False),
    ]

    class EdgeReached(Message):
        """The cursor tried to move past the last (step 1) or first (step -1) row."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """A one-line cell of plain text (or one style) without Rich's layout machinery.

        Textual renders every cell through ``Console.render_lines`` (about 0.1 ms a cell): a
        page of 19 columns × 50 rows took over 100 ms. Plain cells, all but the marks, are
        built here as the same segments (tests/tui/test_grid.py compares both); anything
        else goes the usual way.
        """
        if row_index < 0 or column_index < 0 or row_index < self.fixed_rows:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key: Any = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row = self.rows.get(row_key) if row_key is not None else None
        data = self._data.get(row_key) if row_key is not None else None
        plain = _plain_cell(data.get(column_key)) if data and column_key is not None else None
        if row is None or row.height != 1 or plain is None or column_index < self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        text, text_style = plain
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre = base_style + Style.from_meta({"row": row_index, "column": column_index})
        pre += component_style
        pad_style = pre + post_style
        padding = self.cell_padding
        inner = max(0, width - 2 * padding)
        text = set_cell_size(text, inner) if cell_len(text) > inner else text
        fill = inner - cell_len(text)
        line = [Segment(" " * padding, pad_style)] if padding else []
        line.append(Segment(text, pre + text_style + post_style))
        if fill:
            line.append(Segment(" " * fill, pad_style))
        if padding:
            line.append(Segment(" " * padding, pad_style))
        lines = [line]
        self._cell_render_cache[cache_key] = lines
        return lines

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
        Binding("f", "filters", "Filter"),
        Binding("F", "clear_filters", "Clear filters", key_display="F", show=False),
        Binding("P", "price_selected", "Price", key_display="P", tooltip="Price the selected rows"),
        Binding(
            "A",
            "confirm_selected",
            "Confirm+save",
            key_display="A",
            tooltip="Confirm and save the selected rows",
        ),
        Binding("c", "cycle_content", "Content", show=False),
        Binding("m", "toggle_missing", "Missing maps", show=False),
        Binding("s", "cycle_sort", "Sort", show=False),
        Binding("r", "reverse_sort", "Reverse", show=False),
        # Out of the footer (80 columns have no room): the palette offers "Reload".
        Binding("ctrl+r", "reload_page", "Reload", key_display="ctrl+r", show=False),
        Binding("f5", "reload_page", "Reload", key_display="F5", show=False),
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
        self.page_rows: list[InboxRow] = []
        self.selected: set[int] = set()
        self.guests_width = GUESTS_WIDTH
        self.columns_layout = grid_layout(NARROW_TERMINAL, self.filter.status, self.sort, True)
        #: The inbox's change stamp as of the page shown (see ``change_stamp``).
        self.stamp: ChangeStamp | None = None
        self._resize_timer: Timer | None = None
        #: Price status (priced / differs / unpriced) of the rows priced so far, by id.
        self.price_marks: dict[int, str] = {}
        self._hotel: Hotel | None = None
        self._counts_cache: tuple[str, dict[str, int]] | None = None
        self._request = 0
        self._cursor_at_end = False
        self._keep_cursor: int | None = None
        self._search_timer: Timer | None = None
        self._loaded = False
        self._own_modal = False
        self._busy = False

    @property
    def _hotel_id(self) -> int | None:
        return self._hotel.id if self._hotel is not None else None

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(
            *(Tab(name.capitalize(), id=name) for name in TABS),
            id="status-tabs",
        )
        with Horizontal(id="filter-bar"):
            yield Input(placeholder="search voucher or guest name  ( / )", id="search")
            yield Static("", id="filter-info", markup=False)  # quotes the search as typed
        table = PageTable(id="grid", cursor_type="row", zebra_stripes=True)
        self.columns_layout = self._wanted_layout()
        self.guests_width = self.columns_layout.guests_width
        self._add_columns(table)
        yield table
        yield Static("loading…", id="status-line", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PageTable).focus()
        self._show_filters()
        self.reload()
        self.set_interval(POLL_SECONDS, self._poll, name="grid-poll")

    def _wanted_layout(self) -> GridLayout:
        return grid_layout(self.app.size.width, self.filter.status, self.sort, self.descending)

    def _add_columns(self, table: PageTable) -> None:
        for label, key, width in self.columns_layout.columns:
            # Columns of known width are not measured cell by cell on every page.
            table.add_column(label, key=key, width=width)

    def apply_layout(self, *, refill: bool = True) -> None:
        """Rebuild the columns when the width, the tab or the sort asks for others.

        The rows of the page are laid out again from memory (no database work); the cursor
        stays on its reservation. ``refill=False`` when the caller adds the rows itself (a new
        page), so they are not added twice.
        """
        wanted = self._wanted_layout()
        if wanted == self.columns_layout:
            return
        table = self.query_one(PageTable)
        keep = self._cursor_id()
        self.columns_layout = wanted
        self.guests_width = wanted.guests_width
        table.clear(columns=True)
        self._add_columns(table)
        if not refill:
            return
        for row in self.page_rows:
            table.add_row(*self._cells(row), key=str(row.id))
        if keep in self.page_ids:
            table.move_cursor(row=self.page_ids.index(keep), animate=False)

    def on_resize(self, event: events.Resize) -> None:
        """Rebuild the columns for the new width, once the terminal stops changing size."""
        if self._resize_timer is not None:
            self._resize_timer.stop()
        self._resize_timer = self.set_timer(RESIZE_DEBOUNCE_S, self.apply_layout)

    # -- following the database -----------------------------------------------------------------

    def _poll(self) -> None:
        """Every ``POLL_SECONDS``: if the grid is in front and idle, read the change stamp."""
        if self.app.screen is not self or not self._loaded or self._busy:
            return
        if any(worker.is_running for worker in self.app.workers if worker.node is self):
            return
        self._read_stamp(self._request)

    @work(thread=True, exclusive=True, group="grid-stamp", exit_on_error=False)
    def _read_stamp(self, request: int) -> None:
        worker = get_current_worker()
        hotel_id = self._hotel_id
        if hotel_id is None:
            return
        try:
            with self.db.read() as session:
                stamp = change_stamp(session, hotel_id)
        except HotelopsError:
            return  # the next poll tries again; a page load reports errors
        if not worker.is_cancelled:
            self.app.call_from_thread(self._stamp_read, request, stamp)

    def _stamp_read(self, request: int, stamp: ChangeStamp) -> None:
        if request != self._request or self.app.screen is not self or self._busy:
            return  # a page is on its way (it brings its own stamp) or the user is busy
        if self.stamp is not None and stamp != self.stamp:
            self.reload_here()
        self.stamp = stamp

    def on_screen_resume(self) -> None:
        """Back on the grid (from the detail screen, the scanner): read the page again."""
        if self._own_modal:
            self._own_modal = False  # our own modals reload when they need to
            return
        if self._loaded:
            self.reload_here()

    # -- loading --------------------------------------------------------------------------------

    def config(self) -> LoadedConfig:
        """The app's configuration, or the defaults when the app carries none."""
        return getattr(self.app, "config", None) or LoadedConfig(Settings(), None)

    def tolerance(self) -> PriceSettings:
        """The price tolerance of the app's configuration (``[price]``)."""
        config = getattr(self.app, "config", None)
        return config.settings.price if config is not None else PriceSettings()

    def user(self) -> str:
        """Who decides (the app's user)."""
        return str(getattr(self.app, "user", "office") or "office")

    def reload(
        self,
        *,
        cursor_at_end: bool = False,
        keep_counts: bool = False,
        after: PageKey | None = None,
        before: PageKey | None = None,
        start: PageKey | None = None,
        keep_cursor: int | None = None,
    ) -> None:
        """Ask the database for a page (the first, or by keyset) and, if needed, the tab counts.

        Only paging and sorting keep the counts; anything else (a filter, a decision taken in
        the detail screen, a scan) counts again.
        """
        if not keep_counts:
            self._counts_cache = None
        self._request += 1
        self._cursor_at_end = cursor_at_end
        self._keep_cursor = keep_cursor
        query = GridQuery(
            replace(self.filter),
            self.sort,
            self.descending,
            self.page_offset,
            self.page_size,
            after,
            before,
            start,
        )
        self._load_page(self._request, query)

    def reload_here(self) -> None:
        """Read the current page again (fresh counts), the cursor staying on its reservation."""
        start = page_key(self.page_rows[0], self.sort) if self.page_rows else None
        if self.page_offset == 0:
            start = None
        self.reload(start=start, keep_cursor=self._cursor_id())

    @work(thread=True, exclusive=True, group="grid-page")
    def _load_page(self, request: int, query: GridQuery) -> None:
        worker = get_current_worker()
        try:
            if self._hotel is None:
                ensure_indexes(self.db)
                with self.db.read() as session:
                    self._hotel = get_hotel(session, self.hotel_code)
            hotel_id = self._hotel_id
            assert hotel_id is not None
            with self.db.read() as session:
                page = list_inbox(
                    session,
                    hotel_id,
                    query.filter,
                    limit=query.limit,
                    sort=query.sort,
                    descending=query.descending,
                    after=query.after,
                    before=query.before,
                    start=query.start,
                    count=False,
                )
                # The tab counts depend on the filters only: paging and sorting reuse them.
                key = repr(replace(query.filter, status=None))
                cached = self._counts_cache
                stamp: ChangeStamp | None = None
                if cached is not None and cached[0] == key:
                    counts = cached[1]  # paging or sorting: nothing was reread, keep the stamp
                else:
                    # A full reload: the change stamp is read with the counts (the poll
                    # compares against it); a page or a sort does not pay for it.
                    stamp = change_stamp(session, hotel_id)
                    counts = {
                        name: list_inbox(
                            session, hotel_id, replace(query.filter, status=status), limit=0
                        ).total
                        for name, status in TABS.items()
                    }
                    self._counts_cache = (key, counts)
        except HotelopsError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show_error, str(exc))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_page, request, query, page, counts, stamp)

    def _show_error(self, message: str) -> None:
        self.query_one("#status-line", Static).update(Text(message, style="bold red"))
        self.notify(message, severity="error", markup=False)

    def _tab_name(self) -> str:
        return next(name for name, status in TABS.items() if status == self.filter.status)

    def _show_page(
        self,
        request: int,
        query: GridQuery,
        page: InboxPage,
        counts: dict[str, int],
        stamp: ChangeStamp | None = None,
    ) -> None:
        if request != self._request:
            return  # a newer request is on its way
        if stamp is not None:
            self.stamp = stamp
        if not page.rows and (query.after or query.before or query.start):
            # The rows past the edge went away (decided elsewhere): start from the top.
            self.page_offset = 0
            self.reload()
            return
        self._loaded = True
        if query.before is not None and len(page.rows) < query.limit:
            self.page_offset = 0  # fewer rows before us than we thought
        self.total = counts[self._tab_name()]
        self.page_rows = page.rows
        self.page_ids = [row.id for row in page.rows]
        for name, count in counts.items():
            tab = self.query_one(f"#{name}", Tab)
            label = f"{name.capitalize()} ({count})"
            if tab.label_text != label:  # a new label lays the tabs out again
                tab.label = label
        self.apply_layout(refill=False)
        table = self.query_one(PageTable)
        table.clear()
        for row in page.rows:
            table.add_row(*self._cells(row), key=str(row.id))
        if page.rows:
            if self._keep_cursor in self.page_ids:
                row_index = self.page_ids.index(self._keep_cursor)
            elif self._keep_cursor is not None:
                row_index = min(table.cursor_row, len(page.rows) - 1)
            else:
                row_index = len(page.rows) - 1 if self._cursor_at_end else 0
            table.move_cursor(row=max(0, row_index), animate=False)
        self._show_status()
        if page.rows:
            self._load_marks(request, list(self.page_ids))

    # The marks are advice: a failure to price leaves them out, it never closes the dashboard.
    @work(thread=True, exclusive=True, group="grid-marks", exit_on_error=False)
    def _load_marks(self, request: int, ids: list[int]) -> None:
        """Price the visible page (after it is shown) to mark the rows whose price differs."""
        worker = get_current_worker()
        assert self._hotel is not None
        try:
            with self.db.read() as session:
                statuses = price_statuses(session, self._hotel, ids, self.tolerance())
        except HotelopsError as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self.notify, str(exc), severity="warning", markup=False)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_marks, request, statuses)

    def _show_marks(self, request: int, statuses: dict[int, str]) -> None:
        self.price_marks.update(statuses)
        if request != self._request:
            return
        table = self.query_one(PageTable)
        for row in self.page_rows:
            if row.id in statuses:
                cell = marks_cell(row, statuses[row.id])
                # Any update re-renders the whole table: only touch the cells that change.
                if str(table.get_cell(str(row.id), "marks")) != cell.plain:
                    table.update_cell(str(row.id), "marks", cell)

    def _cells(self, row: InboxRow) -> list[str | Text]:
        """The row's cells for the columns the layout shows, in their order."""
        layout = self.columns_layout
        content = (
            CONTENT_SHORT.get(row.content, row.content) if layout.short_content else row.content
        )
        agency = clip(row.agency, layout.agency_width) if layout.agency_width else row.agency
        cells: dict[str, str | Text] = dict(
            zip(
                (key for _, key in COLUMNS),
                self._all_cells(row, content, agency),
                strict=True,
            )
        )
        return [cells[key] for _, key, _ in layout.columns]

    def _all_cells(self, row: InboxRow, content: str, agency: str) -> list[str | Text]:
        return [
            SELECTED_MARK if row.id in self.selected else "",
            marks_cell(row, self.price_marks.get(row.id)),
            str(row.id),
            Text(row.status, style=STATUS_STYLE.get(row.status, "")),
            Text(content, style=CONTENT_STYLE.get(row.content, "")),
            row.operator,
            agency,
            clip(row.guest_names, self.columns_layout.guests_width),
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
            str(row.hotel_reservation_id) if row.hotel_reservation_id else "",
        ]

    def _show_status(self, extra: str = "") -> None:
        if self.total and self.page_ids:
            first, last = self.page_offset + 1, self.page_offset + len(self.page_ids)
            text = f"rows {first}–{last} of {self.total}"
        else:
            text = "no rows match"
        arrow = "↓" if self.descending else "↑"
        text += f"  ·  sort {self.sort} {arrow}"
        if self.selected:
            text += f"  ·  {len(self.selected)} selected"
        text += f"  ·  {extra or LEGEND}"
        self.query_one("#status-line", Static).update(text)

    def filter_summary(self) -> str:
        """The active filters in a few words (the filter bar)."""
        f = self.filter
        parts = [f"content: {f.content}" if f.content else ""]
        if f.arrival_from or f.arrival_to:
            parts.append(f"arrival {_span(f.arrival_from, f.arrival_to)}")
        if f.sale_from or f.sale_to:
            parts.append(f"sale {_span(f.sale_from, f.sale_to)}")
        if f.operators:
            parts.append("operators " + ",".join(f.operators))
        if f.missing_mappings:
            parts.append("missing mappings only")
        if f.search:
            parts.append(f"search {f.search!r}")
        shown = [p for p in parts if p]
        return "  ·  ".join(shown) if shown else "no filters (f: filter)"

    def _show_filters(self) -> None:
        self.query_one("#filter-info", Static).update(self.filter_summary())

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
        if event.input.id != "search":
            return
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE_S, self._apply_search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "search":
            return
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
        """Show one status tab (pending, approved, rejected, all); the active one reloads."""
        tabs = self.query_one(Tabs)
        if tabs.active == name:
            self.action_reload_page()
        else:
            tabs.active = name

    def action_reload_page(self) -> None:
        """Read the page and the counts again (ctrl+r, F5), the cursor staying on its row."""
        if self._loaded:
            self._show_status("reloading…")
            self.reload_here()

    def action_filters(self) -> None:
        """The filter form: arrival and sale ranges, operators, content, missing, search."""
        if self._hotel_id is None:
            return

        def chosen(result: InboxFilter | None) -> None:
            if result is not None:
                self._set_filter(result)

        self._own_modal = True
        self.app.push_screen(FilterModal(self.db, self._hotel_id, replace(self.filter)), chosen)

    def action_clear_filters(self) -> None:
        """Clear every filter (the status tab and the sort stay)."""
        self._set_filter(InboxFilter(status=self.filter.status))

    def _set_filter(self, new: InboxFilter) -> None:
        self.filter = new
        search = self.query_one("#search", Input)
        if search.value.strip() != new.search:
            with search.prevent(Input.Changed):
                search.value = new.search
        self._refilter()

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
        if self.page_rows and self.page_offset + len(self.page_rows) < self.total:
            self.page_offset += len(self.page_rows)
            self.reload(keep_counts=True, after=page_key(self.page_rows[-1], self.sort))

    def action_previous_page(self, cursor_at_end: bool = False) -> None:
        """The previous page, if there is one."""
        if self.page_offset > 0 and self.page_rows:
            self.page_offset = max(0, self.page_offset - self.page_size)
            self.reload(
                cursor_at_end=cursor_at_end,
                keep_counts=True,
                before=page_key(self.page_rows[0], self.sort),
            )

    def _cursor_id(self) -> int | None:
        table = self.query_one(PageTable)
        if not self.page_ids or not 0 <= table.cursor_row < len(self.page_ids):
            return None
        return self.page_ids[table.cursor_row]

    def action_toggle_select(self) -> None:
        """Select or unselect the row under the cursor, then move down one row.

        The selection is kept across pages and filters.
        """
        inbox_id = self._cursor_id()
        if inbox_id is None:
            return
        if inbox_id in self.selected:
            self.selected.discard(inbox_id)
            mark = ""
        else:
            self.selected.add(inbox_id)
            mark = SELECTED_MARK
        table = self.query_one(PageTable)
        table.update_cell(str(inbox_id), "sel", mark)
        # Then one row down, like mc or ranger: four presses select four rows.
        if table.cursor_row < table.row_count - 1:
            table.move_cursor(row=table.cursor_row + 1, animate=False)
        self._show_status()

    def action_open_reservation(self) -> None:
        """Open the reservation under the cursor."""
        inbox_id = self._cursor_id()
        if inbox_id is not None:
            self.post_message(self.OpenReservation(inbox_id))

    # -- bulk actions ---------------------------------------------------------------------------

    def _targets(self) -> tuple[list[int], str]:
        """The selected reservations, or the one under the cursor (and a note saying so)."""
        if self.selected:
            return sorted(self.selected), ""
        inbox_id = self._cursor_id()
        if inbox_id is None:
            return [], ""
        return [inbox_id], f"nothing selected: acting on #{inbox_id}, the row under the cursor"

    def action_price_selected(self) -> None:
        """Price the selected reservations (or the one under the cursor) and sum up."""
        ids, note = self._targets()
        if not ids or self._hotel is None or self._busy:
            return
        self._busy = True
        self._show_status(f"pricing {len(ids)} reservation(s)…")
        self._price_selected(ids, note)

    @work(thread=True, exclusive=True, group="grid-bulk")
    def _price_selected(self, ids: list[int], note: str) -> None:
        assert self._hotel is not None
        try:
            with self.db.read() as session:
                items = price_many(session, self._hotel, ids, self.tolerance())
        except HotelopsError as exc:
            self.app.call_from_thread(self._bulk_failed, str(exc))
            return
        self.app.call_from_thread(self._priced, items, note)

    def _bulk_failed(self, message: str) -> None:
        self._busy = False
        self._show_error(message)

    def _priced(self, items: list[InboxPrice], note: str) -> None:
        self._busy = False
        self._show_marks(self._request, {item.inbox_id: item.status for item in items})
        self._show_status()
        self._own_modal = True
        self.app.push_screen(
            SummaryModal(f"Price {len(items)} reservation(s)", *price_summary(items, note))
        )

    def action_confirm_selected(self) -> None:
        """Confirm and save the selected reservations (or the one under the cursor).

        A preview runs the guards first; Enter goes on with the ready ones, Escape cancels.
        """
        ids, note = self._targets()
        if not ids or self._hotel is None or self._busy:
            return
        self._busy = True
        self._show_status(f"checking {len(ids)} reservation(s)…")
        self._preview(ids, note)

    @work(thread=True, exclusive=True, group="grid-bulk")
    def _preview(self, ids: list[int], note: str) -> None:
        hotel, config = self._hotel, self.config()
        assert hotel is not None
        try:
            with self.db.read() as session:
                items = preview(session, hotel, config, ids, SAVE)
        except HotelopsError as exc:
            self.app.call_from_thread(self._bulk_failed, str(exc))
            return
        self.app.call_from_thread(self._ask_confirm, items, note)

    def _ask_confirm(self, items: list[PreviewItem], note: str) -> None:
        self._show_status()

        def answered(go: bool | None) -> None:
            ready = [item for item in items if item.ready]
            if go and ready:
                self._show_status(f"confirming 0/{len(ready)}…")
                self._decide_ready([item.inbox_id for item in ready], items)
            else:
                self._busy = False

        self._own_modal = True
        self.app.push_screen(ConfirmBulk(items, note), answered)

    @work(thread=True, exclusive=True, group="grid-bulk")
    def _decide_ready(self, ids: list[int], previewed: list[PreviewItem]) -> None:
        hotel, config, user = self._hotel, self.config(), self.user()
        assert hotel is not None
        notify = operator_notifier(self.db, config, hotel)
        results: list[tuple[int, str, str]] = []  # (id, done | refused | changed, text)
        for number, inbox_id in enumerate(ids, start=1):
            try:
                outcome = decide(
                    self.db,
                    hotel,
                    config,
                    inbox_id,
                    confirm=True,
                    save=True,
                    user=user,
                    notify=notify,
                )
            except Changed as exc:
                results.append((inbox_id, "changed", str(exc)))
            except (Refused, HotelopsError) as exc:
                results.append((inbox_id, "refused", str(exc)))
            else:
                results.append((inbox_id, "done", outcome.summary()))
            self.app.call_from_thread(self._show_status, f"confirming {number}/{len(ids)}…")
        blocked = [item for item in previewed if not item.ready]
        self.app.call_from_thread(self._decided, results, blocked)

    def _decided(self, results: list[tuple[int, str, str]], blocked: list[PreviewItem]) -> None:
        self._busy = False
        done = [inbox_id for inbox_id, kind, _ in results if kind == "done"]
        self.selected.difference_update(done)
        counts, lines = decision_summary(results, blocked)
        self.reload_here()
        self._own_modal = True
        self.app.push_screen(SummaryModal("Confirm and save", counts, lines))


def _span(low: Any, high: Any) -> str:
    return f"{low or '…'}..{high or '…'}"


def price_summary(items: list[InboxPrice], note: str = "") -> tuple[str, Text]:
    """Counts (priced / differs / cannot be priced) and one line per reservation."""
    priced = sum(1 for i in items if i.status == PRICED)
    differs = sum(1 for i in items if i.status == DIFFERS)
    unpriced = sum(1 for i in items if i.status == UNPRICED)
    counts = f"{priced} priced · {differs} differ · {unpriced} cannot be priced"
    if note:
        counts += f"  ({note})"
    lines = Text()
    style = {PRICED: "green", DIFFERS: "yellow", UNPRICED: "red"}
    for item in items:
        total = ""
        if item.result is not None and item.result.priced:
            total = f" {item.result.total} {item.result.currency}"
        lines.append(f"{item.status:<9}", style=f"bold {style.get(item.status, '')}")
        lines.append(f" #{item.inbox_id} {item.voucher}{total}")
        if item.reason:
            lines.append(f": {item.reason}")
        lines.append("\n")
    lines.rstrip()
    return counts, lines


def decision_summary(
    results: list[tuple[int, str, str]], blocked: list[PreviewItem]
) -> tuple[str, Text]:
    """Counts (done / refused / changed meanwhile / blocked in the preview) and the lines."""
    number = {kind: sum(1 for _, k, _ in results if k == kind) for kind in ("done", "refused")}
    changed = sum(1 for _, k, _ in results if k == "changed")
    counts = (
        f"{number['done']} done · {number['refused']} refused · {changed} changed meanwhile"
        f" · {len(blocked)} blocked in the preview"
    )
    lines = Text()
    style = {"done": "bold green", "refused": "bold red", "changed": "bold yellow"}
    for _, kind, text in results:
        lines.append(f"{kind:<8} ", style=style[kind])
        lines.append(text + "\n")
    if blocked:
        lines.append_text(preview_text(blocked))
    lines.rstrip()
    return counts, lines
