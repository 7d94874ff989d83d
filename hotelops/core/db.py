"""The database: one engine, two kinds of session, SQLite or PostgreSQL decided by the URL.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout, so the
scanner, the dashboard and a cron job can share one file. Write transactions start with
``BEGIN IMMEDIATE``: with the default deferred ``BEGIN`` a transaction that reads and then writes
fails at once with "database is locked" when another writer got there first, because SQLite cannot
wait on a read-to-write upgrade (PITFALLS.md). Read transactions use a plain ``BEGIN`` and never
block writers.

PostgreSQL is the server for a hotel group: the same models, the same code,
``postgresql+psycopg://user@host/db``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlmodel import Session, SQLModel, create_engine, text

from hotelops.core.credentials import MASK, mask_url
from hotelops.core.errors import DatabaseUnavailable, InputError, LockBusy, NoDatabase

#: Execution option that marks a connection as a writer (SQLite: BEGIN IMMEDIATE).
_WRITE_OPTION = "hotelops_write"
DEFAULT_BUSY_TIMEOUT_MS = 15_000
#: ``hold_lock`` namespace for saving to a hotel's books (the key is the hotel id). The value
#: only has to differ from the advisory locks other programs take on the same server.
BOOKINGS_LOCK = 0x686F_0001


def sqlite_url(path: str | Path) -> str:
    """SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{Path(path).expanduser()}"


def normalize_url(target: str) -> str:
    """Accept a URL or a bare SQLite file path; ``postgresql://`` means the psycopg 3 driver."""
    if "://" not in target:
        return sqlite_url(target)
    if target.startswith("postgresql://") or target.startswith("postgres://"):
        return "postgresql+psycopg://" + target.split("://", 1)[1]
    return target


def describe_url(url: str | URL) -> str:
    """The URL without its password (nor a ``?password=`` or the like), for messages and logs."""
    if isinstance(url, str):
        return mask_url(url)
    return mask_url(url.render_as_string(hide_password=True))


@dataclass
class Database:
    """An open database: the engine plus ``read()`` and ``write()`` sessions."""

    engine: Engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The URL without its password."""
        return describe_url(self.engine.url)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on an exception.

        Keep it short: on SQLite it holds the database's single write lock from its first line.
        """
        bind = self.engine.execution_options(**{_WRITE_OPTION: True})
        try:
            with Session(bind, expire_on_commit=False) as session, session.begin():
                yield session
        except OperationalError as exc:
            if _lock_timed_out(exc):
                raise LockBusy(
                    "another process holds the database's write lock and did not let go in "
                    "time (database.busy_timeout_ms); nothing was written: try again"
                ) from exc
            raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read session; never blocks a writer. Nothing written in it is committed.

        Closing the session ends its transaction without expiring the objects read, so they
        can be used after the block.
        """
        with Session(self.engine, expire_on_commit=False, autoflush=False) as session:
            yield session

    def has_tables(self) -> bool:
        """True when the database holds hotelops tables (its meta table)."""
        import hotelops.core.models  # noqa: F401  (registers every table)

        try:
            return inspect(self.engine).has_table("hotelops_meta")
        except (OperationalError, SADatabaseError) as exc:
            raise _unavailable(self.engine.url, exc) from exc

    def create_all(self) -> None:
        """Create every table that does not exist yet (idempotent)."""
        import hotelops.core.models  # noqa: F401  (registers every table)

        try:
            SQLModel.metadata.create_all(self.engine)
        except OperationalError as exc:
            raise _unavailable(self.engine.url, exc) from exc
        self.check_schema()

    def check_schema(self) -> None:
        """Refuse a database made by an older hotelops whose tables lack columns.

        ``create_all`` adds missing tables, never missing columns; until migrations exist
        (ARCHITECTURE.md: after the first release) such a database is named, not half-used.
        """
        inspector = inspect(self.engine)
        missing = []
        for table in SQLModel.metadata.sorted_tables:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in present]
        if missing:
            raise InputError(
                f"the database {self.url} was made by an older hotelops and lacks "
                f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}: build the demo "
                "again (hotelops demo), or start a new database (migrations come with the "
                "first release)"
            )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def hold_lock(session: Session, namespace: int, key: int) -> None:
    """Hold the lock ``(namespace, key)`` until the write transaction of ``session`` ends.

    Two write transactions that take the same lock run one after the other, so what the first
    wrote is there for the second to read. On PostgreSQL it is a transaction-scoped advisory
    lock (``pg_advisory_xact_lock``): it waits for the holder's commit or rollback and is
    released with the transaction, and the statements after it (READ COMMITTED) see what the
    holder committed. On SQLite there is nothing to take: a ``Database.write()`` transaction
    began with ``BEGIN IMMEDIATE`` and holds the database's only write lock already.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "SELECT pg_advisory_xact_lock(CAST(:namespace AS integer), CAST(:key AS integer))"
            ),
            {"namespace": namespace, "key": key},
        )


#: How a user makes a database, for the message when there is none.
MAKE_ONE = "create one with `hotelops init`, or build the demo with `hotelops demo`"


def open_database(
    target: str,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    create: bool = True,
    tables: bool = True,
    echo: bool = False,
) -> Database:
    """Open the database named by a URL or an SQLite path, check it answers, create its tables.

    ``create`` may make a new database: the SQLite file and its folder, or the tables of an
    empty PostgreSQL database. Without it the database must exist and hold hotelops tables
    (``NoDatabase``, naming it, otherwise), so a mistyped ``--db`` never leaves an empty
    database behind. ``tables`` adds the tables a newer hotelops has to a database that
    lacks them. An unreachable server raises ``DatabaseUnavailable`` with one line that names
    the server and the reason.
    """
    url = parse_url(target)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not create:
            _sqlite_file_must_exist(url)
        engine = _sqlite_engine(url, busy_timeout_ms, echo, create)
    elif backend == "postgresql":
        engine = create_engine(
            url,
            echo=echo,
            pool_pre_ping=True,
            # A lock another session holds is waited for as long as SQLite's busy timeout.
            connect_args={
                "connect_timeout": 5,
                "options": f"-c lock_timeout={int(busy_timeout_ms)}",
            },
        )
    else:
        raise InputError(
            f"database URL {describe_url(url)!r}: unsupported engine {backend!r} "
            "(hotelops runs on sqlite and postgresql)"
        )
    db = Database(engine)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, SADatabaseError) as exc:
        engine.dispose()
        raise _unavailable(url, exc) from None
    if not create and tables and not db.has_tables():
        db.dispose()
        raise NoDatabase(f"{_name(url)} holds no hotelops database ({MAKE_ONE})")
    if tables:
        db.create_all()
    return db


def parse_url(target: str) -> URL:
    """The SQLAlchemy URL of a database URL or SQLite path; refused naming the form to use."""
    try:
        return make_url(normalize_url(target))
    except (ArgumentError, ValueError) as exc:
        # A bad port is a ValueError; neither message quotes the URL, which may hold a password.
        raise InputError(
            f"database URL {mask_url(target)!r} is not valid: {exc} "
            "(use a file path or postgresql+psycopg://user@host:5432/dbname)"
        ) from None


def sqlite_path(url: URL) -> Path | None:
    """The file of an SQLite URL (None for PostgreSQL or an in-memory database)."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    return Path(database).expanduser().absolute()


def _name(url: URL) -> str:
    path = sqlite_path(url)
    return f"the SQLite file {path}" if path else f"the database {describe_url(url)}"


def _sqlite_file_must_exist(url: URL) -> None:
    path = sqlite_path(url)
    if path is None:
        return
    if path.is_file():
        _sqlite_file_is_hotelops(path)
        return
    if not path.parent.is_dir():
        raise NoDatabase(
            f"no database at {path}: the folder {path.parent} does not exist ({MAKE_ONE})"
        )
    if path.exists():
        raise NoDatabase(f"{path} is not a database file (it is a folder); give the file's path")
    raise NoDatabase(f"no database at {path} ({MAKE_ONE})")


def _sqlite_file_is_hotelops(path: Path) -> None:
    """Refuse an SQLite file without hotelops tables before anything writes to it (WAL)."""
    try:
        with closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as conn:
            found = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hotelops_meta'"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise NoDatabase(
            f"{path} is not an SQLite database ({exc}); give a hotelops database"
        ) from None
    if found is None:
        raise NoDatabase(f"the SQLite file {path} holds no hotelops database ({MAKE_ONE})")


def _sqlite_engine(url: URL, busy_timeout_ms: int, echo: bool, create: bool) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        if create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailable(
                    f"cannot create the folder for the database {path}: {exc.strerror}"
                ) from None
        url = url.set(database=str(path))
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, so that BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _lock_timed_out(exc: OperationalError) -> bool:
    """SQLite's busy timeout ran out, or PostgreSQL's lock_timeout (SQLSTATE 55P03)."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "55P03":
        return True
    return "database is locked" in str(orig)


def _unavailable(url: URL, exc: Exception) -> DatabaseUnavailable:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    if url.password:
        reason = [line.replace(str(url.password), MASK) for line in reason]
    first = reason[0] if reason else type(exc).__name__
    if url.get_backend_name() == "postgresql":
        where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
        hint = ""
        if "does not exist" in first and url.database and f'"{url.database}"' in first:
            hint = f" (create it first: createdb -h {url.host or 'localhost'} {url.database})"
        return DatabaseUnavailable(f"cannot connect to PostgreSQL at {where}: {first}{hint}")
    return DatabaseUnavailable(f"cannot open the SQLite database {url.database}: {first}")
