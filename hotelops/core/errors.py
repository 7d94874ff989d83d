"""Errors are data: each carries what went wrong, where, and how to fix it.

The CLI maps ``exit_code`` to the process exit status (see ARCHITECTURE.md): 2 for bad usage or
bad input, 3 when another process holds a lock.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, table or record), which field, what, the fix.

    ``record`` names the record by its own code when the field's index alone would send the user
    counting (``voucher 78856480`` for ``reservations[3]``).
    """

    source: str
    field: str
    message: str
    hint: str = ""
    record: str = ""

    def __str__(self) -> str:
        where = f"{self.source}: {self.field}" if self.field else self.source
        if self.record:
            where += f" ({self.record})"
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class HotelopsError(Exception):
    """Base of the errors a user can act on; ``str()`` is the one-line message to show."""

    exit_code = 1

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])


class InputError(HotelopsError):
    """A file or argument the user gave is wrong; nothing was written."""

    exit_code = 2


class ConfigError(InputError):
    """The configuration file is missing, unreadable or invalid."""


class DatabaseUnavailable(HotelopsError):
    """The database cannot be reached (PostgreSQL down, wrong URL, unwritable SQLite folder)."""

    exit_code = 2


class NoDatabase(InputError):
    """The database named does not exist or holds no hotelops tables; nothing was created."""


class NotFound(InputError):
    """A record named by the user does not exist."""


class LockBusy(HotelopsError):
    """Another process holds the lock this work needs."""

    exit_code = 3


def refused(source: str, problems: list[Problem]) -> InputError:
    """The error for a file refused whole: one line per problem, all of them."""
    lines = "\n".join(f"  {problem}" for problem in problems)
    return InputError(
        f"{source}: {len(problems)} problem(s), nothing was imported\n{lines}", problems
    )
