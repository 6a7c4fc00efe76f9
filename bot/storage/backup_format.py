"""The export file: JSON lines, a header first, one line per row, the counts last.

    {"format": "buildspeak-export", "version": 1, "schema": "0011", "exported_at": "…", …}
    {"table": "subscribers", "row": {"id": 1, "platform": "telegram", …}}
    …
    {"end": "buildspeak-export", "counts": {"subscribers": 1, …}}

One line per row keeps the file streamable both ways and readable with `head`, `grep` and `jq`.
The counts come last so that a file cut short (a full disk, a dropped connection) is told apart
from a complete one: without its last line it is refused. Values are written losslessly and
without type tags: the reader knows each column's type from the tables, so a moment is its ISO
text with its offset, a date or a clock time its ISO text, bytes base64, and the rest plain JSON.
A name ending in `.gz` is gzip-compressed on both sides.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import json
import zlib
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Column, Table
from sqlalchemy.types import TypeDecorator

FORMAT = "buildspeak-export"
VERSION = 1
Decoder = Callable[[Any], Any]
DECODERS: dict[type, Decoder] = {
    dt.datetime: dt.datetime.fromisoformat,
    dt.date: dt.date.fromisoformat,
    dt.time: dt.time.fromisoformat,
    bytes: partial(base64.b64decode, validate=True),
    Decimal: Decimal,
}
# What JSON gives for a column of each plain type; anything else in such a column is corruption.
JSON_TYPES: dict[type, tuple[type, ...]] = {int: (int,), float: (int, float), str: (str,), bool: (bool,)}


class BackupError(Exception):
    """An export or import refused; the message tells the operator why and what to do."""


@dataclass(frozen=True)
class Header:
    schema: str  # the Alembic revision of the database the rows came from
    exported_at: dt.datetime
    tables: tuple[str, ...]  # in the order their rows follow: parents before children
    source: str = ""  # the dialect it came from, for the operator's information


def open_for_writing(path: Path) -> TextIO:
    if path.name.endswith(".gz"):
        # zlib's own default level rather than gzip's 9: about the same size on this text, sooner.
        return gzip.open(path, "wt", encoding="utf-8", compresslevel=6)
    return path.open("w", encoding="utf-8")


def open_for_reading(path: Path) -> TextIO:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def header_line(header: Header) -> str:
    return _line(
        {
            "format": FORMAT,
            "version": VERSION,
            "schema": header.schema,
            "exported_at": header.exported_at.isoformat(),
            "source": header.source,
            "tables": list(header.tables),
        }
    )


def row_line(table: str, names: Sequence[str], values: Sequence[Any]) -> str:
    row = {name: encode(value) for name, value in zip(names, values, strict=True)}
    return _line({"table": table, "row": row})


def trailer_line(counts: Mapping[str, int]) -> str:
    return _line({"end": FORMAT, "counts": dict(counts)})


def encode(value: Any) -> Any:
    """A column's value as JSON that `decode_row` turns back into the same value."""
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str | dict | list):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal):
        return str(value)
    raise BackupError(f"cannot write a {type(value).__name__} value: {value!r}")


def parse_header(line: str) -> Header:
    """The first line, or a BackupError saying why this is not an export this code can read."""
    try:
        record = _parse(line, 1)
    except BackupError:
        record = {}
    if record.get("format") != FORMAT:
        raise BackupError("not a BuildSpeak export: its first line is not a buildspeak-export header")
    if record.get("version") != VERSION:
        raise BackupError(f"export format version {record.get('version')!r}; this BuildSpeak reads {VERSION}")
    try:
        return Header(
            schema=str(record["schema"]),
            exported_at=dt.datetime.fromisoformat(record["exported_at"]),
            tables=tuple(record["tables"]),
            source=str(record.get("source", "")),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise BackupError(f"line 1: the header is damaged ({error!r})") from None


def decoders(table: Table) -> list[tuple[str, Decoder | None, tuple[type, ...] | None]]:
    """Per column: its name, how to turn its JSON back into a value, and the JSON types it accepts."""
    return [(column.name, *_column_decoding(column)) for column in table.columns]


def decode_row(
    columns: list[tuple[str, Decoder | None, tuple[type, ...] | None]], row: Any, where: str
) -> dict[str, Any]:
    """A row's JSON as the values to insert; a missing, extra or ill-typed column is refused."""
    if not isinstance(row, dict) or len(row) != len(columns):
        raise BackupError(f"{where}: the row's columns are not the table's")
    values: dict[str, Any] = {}
    for name, decoder, accepted in columns:
        if name not in row:
            raise BackupError(f"{where}: the row has no column {name!r}")
        value = row[name]
        if value is not None:
            value = _decoded(value, decoder, accepted, f"{where}, column {name}")
        values[name] = value
    return values


def read_lines(path: Path) -> Generator[tuple[int, str], None, None]:
    """Numbered lines of the file; an unreadable file (a cut gzip stream, bad UTF-8) is a BackupError."""
    try:
        with open_for_reading(path) as source:
            yield from enumerate(source, start=1)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise BackupError(f"cannot read {path} to its end ({error}): truncated or damaged") from None


def parse_record(line: str, number: int) -> dict[str, Any]:
    return _parse(line, number)


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _parse(line: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        raise BackupError(f"line {number} is not valid JSON: the file is truncated or damaged") from None
    if not isinstance(record, dict):
        raise BackupError(f"line {number} is not a JSON object: the file is damaged")
    return record


def _column_decoding(column: Column[Any]) -> tuple[Decoder | None, tuple[type, ...] | None]:
    stored = column.type
    while isinstance(stored, TypeDecorator):  # AwareDateTime, SQLModel's AutoString: what they store
        stored = stored.impl_instance
    try:
        kind = stored.python_type
    except NotImplementedError:  # a type that does not say (JSON and the like): taken as it is
        return None, None
    return DECODERS.get(kind), JSON_TYPES.get(kind)


def _decoded(value: Any, decoder: Decoder | None, accepted: tuple[type, ...] | None, where: str) -> Any:
    if accepted is not None and (
        not isinstance(value, accepted) or (bool not in accepted and isinstance(value, bool))
    ):
        raise BackupError(f"{where}: {value!r} is not of type {accepted[-1].__name__}")
    if decoder is None:
        return value
    try:
        return decoder(value)
    except (TypeError, ValueError, binascii.Error, ArithmeticError):
        raise BackupError(f"{where}: cannot read {value!r}") from None
