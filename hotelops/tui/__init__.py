"""The Textual dashboard (review grid, detail screen, scanner status).

It renders what ``hotelops.core`` returns and holds no rule of its own. ``hotelops.tui.app.run``
opens the review grid (``screens/grid.py``); the detail and scanner screens, and the
``hotelops tui`` command, come with later steps of the dashboard issue.
"""
