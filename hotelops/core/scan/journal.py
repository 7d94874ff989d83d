"""A scan's own record, kept as it goes, and how a scan that was killed is told.

A scan writes its ``Scan`` row when it starts: running, with the host and the process id that
run it. Every batch of messages is then stored in one transaction together with that batch's
scan-log lines, the operators' figures so far (their ``ScanRun`` rows, updated in place) and
this row's message count and ``updated_at``. When the scan ends the row says ``done``, or
``interrupted`` when it stopped on an error or Ctrl-C.

A process killed outright (``kill -9``, a power cut, the machine going down) says nothing, and
its row stays ``running``. Readers tell it apart (``scan_state``), without writing anything:

- a scan that ran on this host is interrupted when its process is gone, or when its process id
  now belongs to another process (one that started at another time);
- a scan that ran on another host (a PostgreSQL database shared by a hotel group) is
  interrupted once it has stored nothing for ``STALE_AFTER``.

Its figures are then those of the batches it committed: exactly what the database holds.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col, select

from hotelops.core.db import Database
from hotelops.core.models import Scan, ScanState

#: How long a scan on another host may store nothing before it is shown as interrupted.
STALE_AFTER = timedelta(minutes=30)
#: Slack when two readings of a process's start time are compared (the boot time they are
#: counted from is in whole seconds).
_START_SLACK = timedelta(seconds=2)

#: ``(pid, when that process started, if known) -> is it still running?``
Alive = Callable[[int, datetime | None], bool]


def this_host() -> str:
    """The name of this machine, as scans record it."""
    return socket.gethostname()[:255]


def start(db: Database, hotel_id: int, run_id: str, started_at: datetime) -> None:
    """Record that a scan started, in this process."""
    with db.write() as session:
        session.add(
            Scan(
                hotel_id=hotel_id,
                run_id=run_id,
                host=this_host(),
                pid=os.getpid(),
                process_started_at=process_started(os.getpid()),
                started_at=started_at,
                updated_at=started_at,
            )
        )


def stored(session: Session, run_id: str, *, messages: int, at: datetime) -> None:
    """In a batch's transaction: the scan archived ``messages`` more messages."""
    session.execute(
        update(Scan)
        .where(col(Scan.run_id) == run_id)
        .values(messages=col(Scan.messages) + messages, updated_at=at)
    )


def finish(db: Database, run_id: str, state: ScanState, *, at: datetime, problem: str = "") -> None:
    """Record how a scan ended: ``done``, or ``interrupted`` (with the reason)."""
    with db.write() as session:
        session.execute(
            update(Scan)
            .where(col(Scan.run_id) == run_id)
            .values(state=str(state), ended_at=at, updated_at=at, problem=problem[:500])
        )


def process_alive(pid: int, started: datetime | None) -> bool:
    """True when process ``pid`` on this host runs and, when ``started`` is known, is the
    process that started then (not a later one given the same id)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    except OSError:
        return False
    found = _process_stat(pid)
    if found is None:
        return True  # no /proc: existence is all that can be told
    state, began = found
    if state in ("Z", "X"):
        return False  # killed, not yet reaped by its parent
    return started is None or abs(began - started) <= _START_SLACK


def process_started(pid: int) -> datetime | None:
    """When a process on this host started (Linux), or None when that cannot be told."""
    found = _process_stat(pid)
    return found[1] if found else None


def _process_stat(pid: int) -> tuple[str, datetime] | None:
    """A process's state letter and start time (Linux, from /proc), or None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        # The command name (field 2) is in parentheses and may hold spaces: read after it.
        fields = stat[stat.rfind(")") + 2 :].split()
        ticks = int(fields[19])  # field 22, starttime, in clock ticks after boot
        per_second = os.sysconf("SC_CLK_TCK")
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    return fields[0], datetime.fromtimestamp(boot + ticks / per_second, UTC)


def scan_state(
    scan: Scan, *, now: datetime, host: str | None = None, alive: Alive = process_alive
) -> ScanState:
    """``done``, ``running`` or ``interrupted``: what the scan says of itself, unless it says
    running and its process is gone (this host) or silent for ``STALE_AFTER`` (another)."""
    if scan.state != ScanState.RUNNING:
        return ScanState(scan.state)
    if scan.host == (host if host is not None else this_host()):
        running = alive(scan.pid, scan.process_started_at)
    else:
        running = now - scan.updated_at < STALE_AFTER
    return ScanState.RUNNING if running else ScanState.INTERRUPTED


@dataclass
class ScanSummary:
    """A scan as ``scan status`` and the dashboard show it."""

    run_id: str
    state: ScanState
    host: str
    pid: int
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    messages: int
    problem: str


def summaries(
    session: Session,
    hotel_id: int,
    run_ids: Iterable[str] | None = None,
    *,
    now: datetime,
    host: str | None = None,
    alive: Alive = process_alive,
) -> dict[str, ScanSummary]:
    """The hotel's scans named by ``run_ids`` (or its latest one), by run id."""
    query = select(Scan).where(Scan.hotel_id == hotel_id)
    if run_ids is None:
        query = query.order_by(col(Scan.id).desc()).limit(1)
    else:
        query = query.where(col(Scan.run_id).in_(set(run_ids)))
    return {
        scan.run_id: ScanSummary(
            run_id=scan.run_id,
            state=scan_state(scan, now=now, host=host, alive=alive),
            host=scan.host,
            pid=scan.pid,
            started_at=scan.started_at,
            updated_at=scan.updated_at,
            ended_at=scan.ended_at,
            messages=scan.messages,
            problem=scan.problem,
        )
        for scan in session.exec(query)
    }


def latest(
    session: Session,
    hotel_id: int,
    *,
    now: datetime,
    host: str | None = None,
    alive: Alive = process_alive,
) -> ScanSummary | None:
    """The hotel's most recent scan, or None before the first."""
    found = summaries(session, hotel_id, now=now, host=host, alive=alive)
    return next(iter(found.values()), None)


def _timestamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def describe(summary: ScanSummary, when: Callable[[datetime], str] = _timestamp) -> str:
    """One line on a scan that has not finished, for ``scan status`` and the dashboard
    (``when`` writes a time: the CLI's UTC, the dashboard's local time)."""
    stored = f"stored {summary.messages:,} message(s)"
    if summary.state == ScanState.RUNNING:
        return f"the scan started {when(summary.started_at)} is still running ({stored} so far)"
    if summary.problem:
        why = f"it stopped ({summary.problem})"
    else:
        why = f"its process ({summary.pid} on {summary.host}) ended without finishing"
    return (
        f"the scan started {when(summary.started_at)} was interrupted: {why}; it {stored} "
        f"up to {when(summary.updated_at)}, and the next scan reads the rest"
    )
