"""Reading an export back, every line checked: a damaged file is refused before, or instead of, a load.

The import reads the file twice: once to check it whole (nothing is touched on the database until
the last line has been read and the counts agree), then again to load it. Both passes are this
same reader, so the load meets exactly the checks the first pass made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Table

from bot.storage.backup_format import (
    FORMAT,
    BackupError,
    Header,
    decode_row,
    decoders,
    parse_header,
    parse_record,
    read_lines,
)

Row = tuple[Table, dict[str, Any]]


class ExportFile:
    """An export on disk and the tables its rows may belong to (by name)."""

    def __init__(self, path: Path, tables: Mapping[str, Table]) -> None:
        self.path = path
        self.tables = tables

    def header(self) -> Header:
        for _number, line in read_lines(self.path):
            return parse_header(line)
        raise BackupError(f"{self.path} is empty: not a BuildSpeak export")

    def check(self) -> Counter[str]:
        """Read every line; the rows per table, or a BackupError for the first thing wrong."""
        counts: Counter[str] = Counter()
        for table, _row in self.rows():
            counts[table.name] += 1
        return counts

    def rows(self) -> Iterator[Row]:
        """The rows, decoded, in the file's order (parents first); the counts line is checked last."""
        lines = read_lines(self.path)
        try:
            yield from self._rows(lines)
        finally:
            lines.close()  # the file, at once, even when a check stops the reading halfway

    def _rows(self, lines: Iterator[tuple[int, str]]) -> Iterator[Row]:
        header = parse_header(next(lines, (1, ""))[1])
        order = {name: position for position, name in enumerate(header.tables)}
        columns = {name: decoders(self._table(name)) for name in header.tables}
        seen: Counter[str] = Counter()
        current = 0
        for number, line in lines:
            record = parse_record(line, number)
            if "end" in record:
                _check_end(record, seen, header, number)
                _check_nothing_after(lines)
                return
            name = _table_name(record, order, number)
            if order[name] < current:
                raise BackupError(f"line {number}: a {name} row after the rows of a later table")
            current = order[name]
            seen[name] += 1
            yield self.tables[name], decode_row(columns[name], record.get("row"), f"line {number} ({name})")
        raise BackupError(
            f"{self.path} ends after {sum(seen.values())} rows without its closing counts line: "
            "the export was cut short (truncated file); nothing was imported"
        )

    def _table(self, name: str) -> Table:
        if name not in self.tables:
            raise BackupError(f"the export holds a table {name!r} this BuildSpeak does not import")
        return self.tables[name]


def _table_name(record: dict[str, Any], order: Mapping[str, int], number: int) -> str:
    name = record.get("table")
    if not isinstance(name, str) or "row" not in record:
        raise BackupError(f"line {number} is neither a row nor the closing counts: the file is damaged")
    if name not in order:
        raise BackupError(f"line {number}: a row of {name!r}, a table the header does not list")
    return name


def _check_end(record: dict[str, Any], seen: Counter[str], header: Header, number: int) -> None:
    counts = record.get("counts")
    if record.get("end") != FORMAT or not isinstance(counts, dict):
        raise BackupError(f"line {number}: the closing counts line is damaged")
    for name in header.tables:
        if counts.get(name) != seen[name]:
            raise BackupError(
                f"the closing line counts {counts.get(name)} rows of {name} but the file holds "
                f"{seen[name]}: the file is damaged or was edited"
            )
    extra = set(counts) - set(header.tables)
    if extra:
        raise BackupError(f"the closing line counts tables the header does not list: {sorted(extra)}")


def _check_nothing_after(lines: Iterator[tuple[int, str]]) -> None:
    for number, line in lines:
        if line.strip():
            raise BackupError(f"line {number}: more lines after the closing counts: the file is damaged")
