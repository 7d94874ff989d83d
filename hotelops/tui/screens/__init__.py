"""The dashboard's screens, one module each."""

from hotelops.tui.screens.grid import ReviewGrid

__all__ = ["ReviewGrid"]
