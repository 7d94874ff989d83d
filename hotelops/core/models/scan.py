"""Scanner bookkeeping: each scan, its figures per operator, the scan log, and each source's
saved position."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from hotelops.core.models.base import choice, fk, hotel_fk, timestamp


class ScanState(StrEnum):
    """Where a scan stands. ``running`` is what a scan says of itself while it runs; a scan
    whose process is gone without finishing is shown as ``interrupted``
    (``hotelops.core.scan.journal.scan_state``)."""

    RUNNING = "running"
    DONE = "done"
    INTERRUPTED = "interrupted"


class Scan(SQLModel, table=True):
    """One scan as a whole: the process that runs it and what it stored so far.

    Written when the scan starts and again with every batch of messages it stores (in the
    batch's transaction), so a scan that is killed leaves behind the figures of what it stored.
    """

    __tablename__ = "scans"
    __table_args__ = (UniqueConstraint("run_id", name="uq_scans_run_id"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    run_id: str = Field(max_length=32)
    state: ScanState = choice(ScanState, ScanState.RUNNING)
    host: str = Field(default="", max_length=255)
    pid: int = 0
    #: When that process started, as the system tells (Linux): a later process that gets the
    #: same id is not mistaken for it.
    process_started_at: datetime | None = timestamp(now=False)
    started_at: datetime = timestamp()
    #: When the scan last stored a batch (or started): how recent its figures are.
    updated_at: datetime = timestamp()
    ended_at: datetime | None = timestamp(now=False)
    #: Raw messages archived so far (read or not).
    messages: int = 0
    #: Why it stopped, when it stopped on an error.
    problem: str = ""


class ScanRun(SQLModel, table=True):
    """One operator's figures in one scan: total read, new, changed, errors, start and end."""

    __tablename__ = "scan_runs"
    __table_args__ = (Index("ix_scan_runs_operator_started", "operator_code", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    run_id: str = Field(max_length=32, index=True)
    operator_code: str = Field(default="", max_length=32)
    source: str = Field(default="", max_length=200)
    started_at: datetime = timestamp()
    ended_at: datetime = timestamp()
    total: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: int = 0


class ScanLogLine(SQLModel, table=True):
    """A line of the scanner's log (Sistem Logları): what was read, what failed and why."""

    __tablename__ = "scan_log"

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    run_id: str = Field(default="", max_length=32, index=True)
    at: datetime = timestamp(index=True)
    level: str = Field(default="info", max_length=8)
    operator_code: str = Field(default="", max_length=32, index=True)
    source: str = Field(default="", max_length=200)
    message: str = ""
    raw_message_id: int | None = fk("raw_messages.id", nullable=True)


class SourceState(SQLModel, table=True):
    """Where a source stopped (IMAP: UIDVALIDITY and the last UID of a folder)."""

    __tablename__ = "source_state"
    __table_args__ = (UniqueConstraint("hotel_id", "source", "key", name="uq_source_state_key"),)

    id: int | None = Field(default=None, primary_key=True)
    hotel_id: int = hotel_fk()
    source: str = Field(max_length=200)
    key: str = Field(max_length=64)
    value: str = Field(default="", max_length=200)
