"""The one thing every source yields: a raw message and where it came from."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass
class RawItem:
    """The bytes of one message as received, and what the source knows about it.

    ``source`` names the source ("folder:/srv/drop", "imap:reservations/INBOX", "http:TUIP");
    ``source_ref`` the message within it (file name, "UIDVALIDITY:UID", API message id).
    ``operator_code`` and ``format`` are set when the source knows them (an API endpoint is one
    operator's; ``scan --folder --operator X``); otherwise ingest works them out.

    A message over the size limit (``scan.max_message_mb``) is not read whole: ``data`` holds
    its head, ``size`` the whole message's size, and ``sha256`` the whole message's hash when
    the source could compute it without holding the message (a file).
    """

    data: bytes
    source: str
    source_ref: str
    received_at: datetime
    operator_code: str = ""
    format: str = ""  # "ota" | "alpinebits" | "json" | "mail" | "" (detect)
    message_id: str = ""
    #: Operator codes the source suggests (a drop folder: the file name's prefix and its
    #: folder's name), used only when the message itself names no operator.
    operator_hints: tuple[str, ...] = ()
    size: int = 0  # set only when ``data`` is the head of a larger message
    sha256: str = ""

    @property
    def full_size(self) -> int:
        """The size of the whole message, read or not."""
        return max(self.size, len(self.data))

    @property
    def truncated(self) -> bool:
        """True when ``data`` is only the head of the message."""
        return self.size > len(self.data)

    def digest(self) -> str:
        """The SHA-256 (hex) that identifies the message in the archive."""
        return self.sha256 or hashlib.sha256(self.data).hexdigest()


@dataclass
class SourceLog:
    """A line a source wants in the scan log (a retry, a UIDVALIDITY reset ...)."""

    level: str  # "info" | "warning" | "error"
    message: str
    operator_code: str = ""


class Source(Protocol):
    """A place messages come from.

    ``name`` keys what the source remembers (IMAP: ``imap:<account>/<folder>``); ``label`` is
    what the scanner table and the log call it (``folder:/srv/drop``, ``imap:<account>``,
    ``http:<operator>``). ``own_operator`` is set on an operator's own channel (its API): a
    failure to read it is that operator's error. A drop folder or a mailbox carries many
    operators' messages: its failure is a row of its own, named by ``label``.
    """

    name: str
    label: str
    own_operator: str

    def fetch(self) -> Iterator[RawItem]:
        """Every message not yet known to be read; may raise ``SourceError``."""
        ...

    def acknowledge(self, ack_ids: list[str]) -> None:
        """Tell the operator these were stored (API sources); others do nothing."""
        ...

    def logs(self) -> list[SourceLog]:
        """Lines collected while fetching."""
        ...


class SourceError(Exception):
    """A source could not be read at all (server down, login refused); the scan goes on."""


class UnreadableSource:
    """A configured source that could not even be set up (a bad URL): reading it says why."""

    def __init__(self, name: str, problem: str, *, own_operator: str = "") -> None:
        self.name = self.label = name
        self.own_operator = own_operator
        self.problem = problem

    def fetch(self) -> Iterator[RawItem]:
        """Nothing: raises ``SourceError`` with the problem."""
        raise SourceError(self.problem)

    def acknowledge(self, ack_ids: list[str]) -> None:
        """Nothing was read, so nothing is acknowledged."""

    def logs(self) -> list[SourceLog]:
        """No lines of its own."""
        return []
