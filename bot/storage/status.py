"""What an operator asks of a database: does it exist yet, and how many rows does each table hold."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, inspect, make_url, select
from sqlmodel import SQLModel

import bot.storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)


def sqlite_file_missing(url: str) -> bool:
    """True for a SQLite URL whose file is not there: looking must not create an empty one."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or parsed.query.get("uri"):
        return False
    return not Path(database).exists()


def row_counts(engine: Engine) -> dict[str, int | None]:
    """Rows in each of BuildSpeak's tables; None for a table the database does not have yet."""
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        return {
            table.name: (
                connection.scalar(select(func.count()).select_from(table)) if table.name in present else None
            )
            for table in SQLModel.metadata.sorted_tables
        }
