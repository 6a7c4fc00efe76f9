"""What every importer shares: the entries of a source, and how one is rejected.

An importer turns a source text into entries (cheap: for counting and the
progress bar) and each entry into posts. A malformed entry raises
`EntryError` with its line; the pipeline reports it and goes on with the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from lessons.post import Post
from lessons.sizing import LessonSizing


class EntryError(ValueError):
    """An entry that cannot become a post; `line` is 1-based in the source."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


@dataclass(frozen=True)
class Entry:
    """One unit of a source (a post in an archive, a whole transcript), located."""

    origin: str
    line: int
    text: str
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportOptions:
    """Metadata a person supplies for sources that lack it (a transcript has no date)."""

    added: dt.date
    sizing: LessonSizing = field(default_factory=LessonSizing)
    author: str | None = None
    handle: str | None = None
    date: dt.date | None = None
    url: str | None = None
    title: str | None = None


class Importer(Protocol):
    """One source format."""

    name: str
    summary: str

    def entries(self, text: str, origin: str) -> list[Entry]: ...

    def convert(self, entry: Entry, options: ImportOptions) -> Iterable[Post]: ...


@runtime_checkable
class ReadsFolders(Protocol):
    """An importer that takes a whole folder (a blog's checkout) and picks the files that are posts."""

    def files_in(self, folder: Path) -> list[Path]: ...
