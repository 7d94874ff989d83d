"""The Textual dashboard (review grid, detail screen, scanner status).

It renders what ``hotelops.core`` returns and holds no rule of its own. Its screens arrive with
the dashboard issue; until then no ``hotelops tui`` command is registered.
"""
