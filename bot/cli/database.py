"""Commands for the database: apply migrations, and see where the schema and its rows stand.

The storage modules are imported inside the commands: SQLAlchemy and Alembic take a
noticeable part of a second to import, which the content commands need not pay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli.context import CliContext, context_of

if TYPE_CHECKING:
    from sqlalchemy import Engine


def register(app: typer.Typer) -> None:
    database = typer.Typer(help="数据库 The database: migrations and status.", no_args_is_help=True)
    database.command("upgrade")(db_upgrade)
    database.command("status")(db_status)
    app.add_typer(database, name="db")


def db_upgrade(ctx: typer.Context) -> None:
    """升级 Create the tables, or bring them up to this version of BuildSpeak."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.engine import display_url, migrate, schema_revision

    cli = context_of(ctx)
    engine = cli.database_engine
    try:
        before = schema_revision(engine)
        migrate(engine)
        after = schema_revision(engine)
    except SQLAlchemyError as error:
        raise cli.fail(f"upgrade failed for {display_url(cli.settings.database.url)}: {error}") from None
    finally:
        engine.dispose()
    if before == after:
        cli.out.print(f"already up to date at {after}", highlight=False)
    else:
        cli.out.print(f"upgraded {before or '(empty)'} → {after}", highlight=False)


def db_status(ctx: typer.Context) -> None:
    """状态 Show the database URL (password hidden), its schema revision, and rows per table."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.engine import display_url
    from bot.storage.status import sqlite_file_missing

    cli = context_of(ctx)
    url = cli.settings.database.url
    cli.out.print(f"database  {display_url(url)}", highlight=False, markup=False)
    if sqlite_file_missing(url):
        cli.out.print("revision  none: the file does not exist yet (run `buildspeak db upgrade`)")
        return
    engine = cli.database_engine
    try:
        _print_status(cli, engine)
    except SQLAlchemyError as error:
        raise cli.fail(f"cannot read the database: {error}") from None
    finally:
        engine.dispose()


def _print_status(cli: CliContext, engine: Engine) -> None:
    from bot.storage.engine import head_revision, schema_revision
    from bot.storage.status import row_counts

    current, head = schema_revision(engine), head_revision()
    advice = "up to date" if current == head else "behind: run `buildspeak db upgrade`"
    cli.out.print(f"revision  {current or 'none'} (head {head}, {advice})", highlight=False)
    counts = row_counts(engine)
    width = max(map(len, counts), default=0)
    for table, count in counts.items():
        shown = "not created" if count is None else str(count)
        cli.out.print(f"  {table:<{width}}  {shown}", highlight=False)
