"""Fixtures shared by every test: a fresh database on each engine, the demo hotel file.

``db`` runs a test twice, on a fresh SQLite file and on a fresh PostgreSQL database that is
created for the test and dropped after it (127.0.0.1:5432, user postgres, trust auth). The
PostgreSQL server is started when it is down; if it cannot be reached the test fails, it is
never skipped.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from hotelops.core.db import Database, open_database
from hotelops.core.demo import DEMO_FILE, fixtures_dir

PG_ADMIN = os.environ.get("HOTELOPS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_admin() -> psycopg.Connection:
    try:
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError:
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if versions:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"],
                check=False,
                capture_output=True,
            )
        return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=10)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped after the test."""
    name = f"hotelops_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hotelops.db'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A fresh database with every table, on SQLite and on PostgreSQL."""
    database = open_database(db_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def demo_file() -> Path:
    """The demo hotel file (Kivima Hotel)."""
    return fixtures_dir() / DEMO_FILE


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own config or database."""
    monkeypatch.delenv("HOTELOPS_CONFIG", raising=False)
    monkeypatch.delenv("HOTELOPS_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
