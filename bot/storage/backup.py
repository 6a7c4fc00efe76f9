"""Backups: everything people did or saved, out of one database as JSON lines and into an empty one.

Moving a community from SQLite to PostgreSQL (or back, or to a new server) is an export from the
old database and an import into a new, empty one: the same rows, the same ids.

What is exported: every table of the SQLModel metadata, parents before children
(`metadata.sorted_tables`), except those SKIPPED here with a reason. A table added later is
therefore exported unless someone decides otherwise; the round-trip test's sample must hold rows
of every exported table, so a new table fails that test until it gets sample rows or a line here.

Memory stays flat whatever the size: the export reads each table in primary-key order a batch at
a time (`yield_per`: a server-side cursor on PostgreSQL, SQLite's stepping cursor) and writes each
row as it comes; the import reads the file line by line and inserts a batch at a time. The export
reads every table in one read-only transaction (REPEATABLE READ on PostgreSQL, a read transaction
on SQLite's WAL), so a bot may keep running: the file is one moment's picture.

The import, in this order: reads the whole file and checks it (header, every row's columns and
values, the closing counts) and refuses a damaged or cut-short file before touching the database;
refuses a database that has any row in any table; migrates the empty database to the newest
schema; loads every row in one transaction (a failure rolls it all back, leaving the migrated,
still empty database to try again); and on PostgreSQL moves each id sequence past the largest id,
so the next row gets a fresh one. An export must be of this code's schema (`schema` in its
header): one from an older or newer BuildSpeak is refused with what to do instead, since its
columns are not this code's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from alembic.runtime.migration import MigrationContext
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, Table, func, insert, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import SQLModel

import bot.storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.storage.backup_format import BackupError, Header, header_line, row_line, trailer_line
from bot.storage.backup_reader import ExportFile, Row
from bot.storage.engine import head_revision, migrate
from bot.storage.status import row_counts

BATCH = 1000  # rows per fetch and per INSERT: big enough to be fast, small enough to stay flat

SKIPPED: Mapping[str, str] = {
    # Heartbeats of the processes running on the old database. Copied over they would pass for
    # live workers on the new one for a while, so their push claims would not be taken over; the
    # new database's processes register themselves when they start.
    "workers": "process heartbeats: each process registers itself on the database it runs on",
    # A person's export under way, for five minutes at most: nothing to carry to another database.
    "job_leases": "jobs under way in the old database's processes, which end with them",
    # Web sign-ins: a link lives minutes and works once; a session is a browser's cookie, and a
    # restored database is a new place to sign in to (a /web link in the chat does it again).
    "sign_in_tokens": "sign-in links that expire within minutes and work once",
    "web_sessions": "browsers signed in to the reader; signing in again takes one /web link",
    # The followed sources' fetch state and the review queue's verdicts describe files in the
    # review folder (data/review), which a database backup does not carry: both are worked out
    # again from the files, at the cost of one full fetch per source and one more check a post.
    "source_fetches": "each followed source's last fetch (validators, backoff); refetched once in full",
    "post_reviews": "checks and digests of queued posts, redone from the review folder's files",
}
# Kept, though they look like runtime state:
# - inbox: an update stored there was confirmed to the platform, which will not send it again; a
#   pending one left behind would never be answered, and a done one's key is what turns a late
#   redelivery into a no-op. Its claims by old workers are taken over, as after any restart.
# - broadcasts: the ledger dates a broadcast's rows by its id (`broadcasts.ledger_date`); without
#   them a new broadcast would reuse an id whose rows already stand, and reach nobody who had it.
# - library_reloads: the admins' reload and pin requests; its newest id is a generation that must
#   only grow.


@dataclass(frozen=True)
class Imported:
    schema: str
    counts: dict[str, int]  # rows per table, in the order they were loaded


def exported_tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return [table for table in SQLModel.metadata.sorted_tables if table.name not in SKIPPED]


def export_data(engine: Engine, out: TextIO, *, now: dt.datetime, batch: int = BATCH) -> dict[str, int]:
    """Write the header, every exported row and the closing counts to `out`; return the counts."""
    tables = exported_tables()
    with _snapshot(engine) as connection:
        schema = _schema_to_export(connection)
        names = tuple(table.name for table in tables)
        out.write(header_line(Header(schema, now, names, connection.dialect.name)))
        counts = {table.name: _write_table(connection, table, out, batch) for table in tables}
    out.write(trailer_line(counts))
    return counts


def import_data(engine: Engine, path: Path, *, batch: int = BATCH) -> Imported:
    """Load an export into an empty database of either kind (see the module's docstring for the steps)."""
    source = ExportFile(path, {table.name: table for table in exported_tables()})
    header = source.header()
    head = head_revision()
    if header.schema != head:
        raise BackupError(
            f"the export is of schema {header.schema} but this BuildSpeak's is {head}: import it with "
            f"the BuildSpeak version that made it, or upgrade the source database and export again"
        )
    counts = source.check()
    _refuse_rows(engine)
    try:
        migrate(engine)
    except (CommandError, SQLAlchemyError) as error:
        raise BackupError(f"cannot create the tables on the target database: {error}") from None
    try:
        with engine.begin() as connection:
            _load(connection, source.rows(), batch)
            _continue_sequences(connection)
    except DBAPIError as error:
        raise BackupError(f"the database refused a row, so nothing was imported: {error.orig}") from None
    return Imported(header.schema, {name: counts[name] for name in header.tables})


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection that sees one moment of the whole database until it closes."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")  # Python's sqlite3 opens none for reads
        try:
            yield connection
        finally:
            connection.rollback()


def _schema_to_export(connection: Connection) -> str:
    current = MigrationContext.configure(connection).get_current_revision()
    head = head_revision()
    if current is None:
        raise BackupError("the database has no BuildSpeak tables: nothing to export")
    if current != head:
        raise BackupError(
            f"the database is at schema {current} but this BuildSpeak's is {head}: "
            "run `buildspeak db upgrade` first (or export with the BuildSpeak version that runs it)"
        )
    return current


def _write_table(connection: Connection, table: Table, out: TextIO, batch: int) -> int:
    statement = select(*table.columns).order_by(*table.primary_key.columns)
    names = [column.name for column in table.columns]
    count = 0
    for values in connection.execute(statement.execution_options(yield_per=batch)):
        out.write(row_line(table.name, names, values))
        count += 1
    return count


def _refuse_rows(engine: Engine) -> None:
    """An import adds to nothing: rows already there (even a worker's heartbeat) mean a wrong target."""
    filled = {name: count for name, count in row_counts(engine).items() if count}
    if filled:
        shown = ", ".join(f"{name} {count}" for name, count in list(filled.items())[:3])
        shown += f" and {len(filled) - 3} more tables" if len(filled) > 3 else ""
        raise BackupError(
            f"the target database already has rows ({shown}): import only into an empty database"
        )


def _load(connection: Connection, rows: Iterable[Row], batch: int) -> None:
    """Insert the rows a batch at a time; a batch never mixes tables (the file keeps them apart)."""
    current: Table | None = None
    pending: list[dict[str, Any]] = []
    for table, row in rows:
        if pending and (table is not current or len(pending) >= batch):
            connection.execute(insert(current), pending)  # type: ignore[arg-type]
            pending = []
        current = table
        pending.append(row)
    if pending:
        connection.execute(insert(current), pending)  # type: ignore[arg-type]


def _continue_sequences(connection: Connection) -> None:
    """Move PostgreSQL's id sequences past the imported ids (they were given, not drawn).

    SQLite needs nothing: an INTEGER PRIMARY KEY takes the largest id plus one by itself.
    """
    if connection.dialect.name != "postgresql":
        return
    for table in exported_tables():
        column = table.autoincrement_column
        if column is None:
            continue
        sequence: Any = func.pg_get_serial_sequence(table.name, column.name)
        connection.execute(select(func.setval(sequence, func.coalesce(func.max(column), 0) + 1, False)))
