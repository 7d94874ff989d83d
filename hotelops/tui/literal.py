"""Core and user text on the dashboard, shown as written.

Textual reads a str as markup almost everywhere: in a ``Static`` or a ``Label``, in a notification
(``notify`` has ``markup=True`` by default), in a ``Selection`` prompt, and (as Rich markup) in a
``DataTable`` cell or column label. A voucher ``OTN[/b]9`` would raise ``MarkupError`` there and
``[[room_types]]`` would lose its brackets. The dashboard styles with ``Text`` spans, never with
markup, so names, codes, notes and messages go in as plain text: a widget that shows them is made
with ``markup=False``, a notification that carries them is sent with ``markup=False``, and the
tables are ``TextTable``s.
"""

from __future__ import annotations

from typing import cast

from rich.text import Text, TextType
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey


def _cell(value: CellType, height: int | None) -> CellType:
    """What DataTable makes of a str cell (in a row ``height`` lines high), minus the markup."""
    if isinstance(value, str):
        return cast(CellType, Text(value, no_wrap=height == 1, end=""))
    return value


class TextTable(DataTable[CellType]):
    """A ``DataTable`` whose str cells and column labels are text as written, never markup."""

    def add_column(
        self,
        label: TextType,
        *,
        width: int | None = None,
        key: str | None = None,
        default: CellType | None = None,
    ) -> ColumnKey:
        if isinstance(label, str):
            label = Text(label)
        return super().add_column(label, width=width, key=key, default=default)

    def add_row(
        self,
        *cells: CellType,
        height: int | None = 1,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        return super().add_row(
            *(_cell(cell, height) for cell in cells),
            height=height,
            key=key,
            label=Text(label, end="") if isinstance(label, str) else label,
        )

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: CellType,
        *,
        update_width: bool = False,
    ) -> None:
        row = self.rows.get(row_key if isinstance(row_key, RowKey) else RowKey(row_key))
        super().update_cell(
            row_key,
            column_key,
            _cell(value, row.height if row else 1),
            update_width=update_width,
        )
