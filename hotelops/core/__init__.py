"""The hotelops core: every rule of the office, over one database, with no user interface.

Nothing under ``hotelops.core`` imports typer, textual or rich, prints, or exits; the CLI and the
dashboard call these functions and render what they return.
"""
