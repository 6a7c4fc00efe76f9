"""`buildspeak export-data` and `buildspeak import-data`: a community's data as one file, and back.

Moving from SQLite to PostgreSQL (or to a new server) is: stop the bot, export, import into the
new, empty database, point the bot's `database.url` at it, start the bot:

    buildspeak export-data -o buildspeak.jsonl.gz
    buildspeak import-data buildspeak.jsonl.gz --database-url postgresql+psycopg://user:pass@host/db

The export may also run beside a live bot (it reads one consistent moment); the format and what an
import checks are described in `bot.storage.backup` and `bot.storage.backup_format`.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO

import typer

from bot.cli.context import CliContext, context_of

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy import Engine

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="this database instead of the configured one (database.url)"),
]


def register(app: typer.Typer) -> None:
    app.command("export-data")(export_command)
    app.command("import-data")(import_command)


def export_command(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="write to FILE (gzipped if it ends in .gz); default: stdout"),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """导出数据 Export every subscription, vocabulary book, review and quiz as JSON lines (a backup)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.backup_format import BackupError

    cli = context_of(ctx)
    engine = _engine(cli, database_url, must_exist=True)
    try:
        counts = _export(cli, engine, output)
    except (BackupError, SQLAlchemyError, OSError) as error:
        raise cli.fail(f"导出失败 export failed: {error}") from None
    finally:
        engine.dispose()
    report = cli.out if output is not None else cli.err  # stdout carries the data itself
    where = str(output) if output is not None else "standard output"
    _print_counts(report, counts)
    report.print(f"导出完成 exported {sum(counts.values())} rows of {len(counts)} tables to {where}")


def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="an export-data file (.gz: compressed)", metavar="FILE")],
    database_url: DatabaseUrl = None,
) -> None:
    """导入数据 Import an export into an empty database (SQLite or PostgreSQL), keeping every id."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.storage.backup import import_data
    from bot.storage.backup_format import BackupError
    from bot.storage.engine import display_url

    cli = context_of(ctx)
    if not file.is_file():
        raise cli.fail(f"导入被拒绝 import refused: no file {file}", code=2)
    url = database_url or cli.settings.database.url
    engine = _engine(cli, database_url, must_exist=False)
    try:
        imported = import_data(engine, file)
    except (BackupError, SQLAlchemyError, OSError) as error:
        raise cli.fail(f"导入被拒绝 import refused, nothing was imported: {error}") from None
    finally:
        engine.dispose()
    _print_counts(cli.out, imported.counts)
    total = sum(imported.counts.values())
    cli.out.print(
        f"导入完成 imported {total} rows of {len(imported.counts)} tables into {display_url(url)} "
        f"(schema {imported.schema}); new rows continue after the largest ids",
        highlight=False,
        markup=False,
    )


def _engine(cli: CliContext, database_url: str | None, *, must_exist: bool) -> Engine:
    """The configured engine, or one on `--database-url`; an export never creates an empty SQLite file."""
    from bot.storage.engine import create_database_engine, display_url
    from bot.storage.status import sqlite_file_missing

    url = database_url or cli.settings.database.url
    if must_exist and sqlite_file_missing(url):
        raise cli.fail(f"导出失败 export failed: there is no database at {display_url(url)}")
    return create_database_engine(database_url) if database_url else cli.database_engine


def _export(cli: CliContext, engine: Engine, output: Path | None) -> dict[str, int]:
    from bot.storage.backup import export_data

    now = cli.clock.now()
    if output is None:
        with _utf8_stdout() as out:
            return export_data(engine, out, now=now)
    with _written_whole(output) as out:
        return export_data(engine, out, now=now)


@contextmanager
def _written_whole(output: Path) -> Iterator[TextIO]:
    """Write beside the file and rename it at the end: an export that fails leaves no half file."""
    from bot.storage.backup_format import open_for_writing

    partial = output.with_name(f".{output.stem}.part{output.suffix}")  # keeps .gz last
    try:
        with open_for_writing(partial) as out:
            yield out
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _utf8_stdout() -> Iterator[TextIO]:
    """Standard output as UTF-8 whatever the locale: the file is UTF-8 wherever it is written."""
    sys.stdout.flush()
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()  # leave sys.stdout open


def _print_counts(console: Console, counts: dict[str, int]) -> None:
    width = max(map(len, counts), default=0)
    for table, count in counts.items():
        console.print(f"  {table:<{width}}  {count}", highlight=False)
