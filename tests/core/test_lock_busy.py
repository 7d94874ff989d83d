"""Another process holding the write lock past the busy timeout is exit 3, nothing written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
from sqlalchemy import text
from typer.testing import CliRunner

from hotelops.cli.app import app
from hotelops.core.db import BOOKINGS_LOCK, hold_lock, open_database
from hotelops.core.demo import build_demo
from hotelops.core.errors import LockBusy
from hotelops.core.models import Meta


def test_sqlite_writer_waiting_past_the_busy_timeout_is_lock_busy(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    open_database(str(path)).dispose()
    db = open_database(str(path), busy_timeout_ms=200)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        try:
            with db.write() as session:
                session.add(Meta(key="x", value="y"))
                session.flush()
        except LockBusy as exc:
            assert exc.exit_code == 3
            assert "another process holds the database's write lock" in str(exc)
        else:
            raise AssertionError("the write went through a held lock")
    finally:
        holder.rollback()
        holder.close()
    with db.read() as session:
        assert session.get(Meta, "x") is None
    db.dispose()


def test_postgresql_lock_wait_past_the_timeout_is_lock_busy(pg_url: str) -> None:
    open_database(pg_url).dispose()
    db = open_database(pg_url, busy_timeout_ms=200)
    holder = psycopg.connect(pg_url.replace("+psycopg", ""))
    holder.execute("SELECT pg_advisory_xact_lock(%s, %s)", (BOOKINGS_LOCK, 1))
    try:
        try:
            with db.write() as session:
                hold_lock(session, BOOKINGS_LOCK, 1)
                session.execute(text("SELECT 1"))
        except LockBusy as exc:
            assert exc.exit_code == 3
        else:
            raise AssertionError("the lock was taken while another session held it")
    finally:
        holder.rollback()
        holder.close()
    with db.write() as session:  # free again: the next decision goes through
        hold_lock(session, BOOKINGS_LOCK, 1)
    db.dispose()


def test_approve_while_another_process_holds_the_lock_exits_3(tmp_path: Path) -> None:
    demo = build_demo(tmp_path / "demo.db").path
    assert demo is not None
    config = tmp_path / "hotelops.toml"
    config.write_text("[database]\nbusy_timeout_ms = 300\n")
    holder = sqlite3.connect(demo, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = CliRunner().invoke(
            app,
            ["--config", str(config), "--db", str(demo), "approve", "25"],
            env={"NO_COLOR": "1"},
        )
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 3, result.output
    assert "another process holds the database's write lock" in result.output
    shown = CliRunner().invoke(app, ["--db", str(demo), "inbox", "show", "25", "--json"])
    assert '"status": "pending"' in shown.stdout
