"""Engines, sessions and migrations, built from a database URL that the caller passes in.

SQLite is the default (one file, nothing to run); PostgreSQL is for hosted bots.
Both get the same tables, from the same Alembic migrations.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from bot.storage.sqlite_writes import take_turns_writing

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x42554C4453504B  # "BULDSPK": the advisory lock key that serialises migrations


def create_database_engine(url: str) -> Engine:
    """An engine for `url` (sqlite:///path or postgresql+psycopg://…), tuned for a long-running bot."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    # Hosted PostgreSQL closes idle connections; pre-ping replaces them instead of failing a push.
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if in_memory:
        options["poolclass"] = StaticPool  # one shared connection, or every session sees an empty db
    elif not url.query.get("uri"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _sqlite_pragmas)
    take_turns_writing(engine)  # the process's writers queue on a lock, not in SQLite's busy sleeps
    return engine


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    """SQLite leaves foreign keys off unless asked, per connection; WAL lets readers run beside a writer."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def session_factory(engine: Engine) -> Callable[[], Session]:
    """Sessions whose objects stay readable after commit, so data functions can return them."""
    return partial(Session, engine, expire_on_commit=False)


def migrate(engine: Engine, *, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (default: the newest); running it again changes nothing.

    The whole upgrade is one transaction: a failure (or a kill) leaves the database as it was.
    Several processes starting at once migrate one at a time and the later ones find nothing left
    to do: on PostgreSQL an advisory lock held until the transaction ends makes them wait, on
    SQLite the write lock that `BEGIN IMMEDIATE` takes at once (Python's sqlite3 would otherwise
    open no transaction before DDL, and every CREATE TABLE would stand on its own).
    """
    with engine.connect() as connection, foreign_keys_off(connection), connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        command.upgrade(alembic_config(connection), revision)
        _check_foreign_keys(connection)


def schema_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for a database without BuildSpeak's tables."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest migration this code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def display_url(url: str) -> str:
    """The URL with its password masked, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config made in code: no alembic.ini is read and logging is left alone."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@contextmanager
def foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Switch SQLite's foreign keys off while migrating, and back on after.

    Alembic's batch mode rebuilds a SQLite table by copying it and dropping the old
    one; with foreign keys on, that DROP would cascade and delete every child row.
    The pragma must be set outside a transaction, so this runs before `begin()`.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def _check_foreign_keys(connection: Connection) -> None:
    """With SQLite's checks off during a migration, make sure it left no dangling reference."""
    if connection.dialect.name != "sqlite":
        return
    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise RuntimeError(f"migration left rows pointing at missing parents: {problems[:5]}")
