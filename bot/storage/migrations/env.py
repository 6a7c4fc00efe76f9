"""Alembic's entry point for BuildSpeak's migrations.

`bot.storage.engine.migrate(engine)` runs it with an open connection in
`config.attributes["connection"]`; the `alembic` command (see alembic.ini here) runs
it without one, and the URL then comes from BuildSpeak's settings, or `-x url=…`.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import bot.storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.storage.columns import AwareDateTime

target_metadata = SQLModel.metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write plain SQLAlchemy types into new migrations, so they never import the app's code."""
    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


OPTIONS: dict[str, Any] = {
    "target_metadata": target_metadata,
    # SQLite alters a table by copying it; batch ops do that there and plain ALTERs on PostgreSQL.
    "render_as_batch": True,
    "compare_type": True,
    "render_item": _render_item,
}


def _run_on(connection: Connection) -> None:
    context.configure(connection=connection, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def _settings_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if url:
        return url
    from bot.settings import load_settings

    return load_settings().database.url


def _run_from_command_line() -> None:
    from bot.storage.engine import create_database_engine, foreign_keys_off

    config = context.config
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    url = _settings_url()
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"}, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection, foreign_keys_off(connection):
            _run_on(connection)
            connection.commit()
    finally:
        engine.dispose()


_connection = context.config.attributes.get("connection")
if _connection is not None:
    _run_on(_connection)
else:
    _run_from_command_line()
