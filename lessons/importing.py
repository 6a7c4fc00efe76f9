"""Run an importer over sources and file the posts into the library.

Kept apart from the importers so every format gets the same guarantees: a
bad entry is reported with its place and skipped, posts too short to teach
are counted but not filed, and importing the same source twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from pydantic import ValidationError

from lessons.importers.base import Entry, EntryError, Importer, ImportOptions, ReadsFolders
from lessons.library import Library
from lessons.post import Post
from lessons.sentences import sentence_count


@dataclass(frozen=True)
class Rejection:
    """Why an entry did not become a lesson, and where to look."""

    origin: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.origin}:{self.line}" if self.line else self.origin
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    """What one import did, for the summary a person reads."""

    imported: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    too_short: list[Rejection] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """A source's text and the name to report it by (a path or a URL)."""

    origin: str
    text: str


class SourceError(OSError):
    """A source that could not be read at all (missing file, unreachable URL)."""


def source_paths(importer: Importer, location: str) -> list[str]:
    """A folder given to an importer that reads folders becomes the files it picks; else the location."""
    folder = Path(location)
    if location.startswith(("http://", "https://")) or not folder.is_dir():
        return [location]
    if not isinstance(importer, ReadsFolders):
        raise SourceError(f"{location}: is a folder; the {importer.name} format imports files")
    files = importer.files_in(folder)
    if not files:
        raise SourceError(f"{location}: nothing to import: no file in this folder is a {importer.name} post")
    return [str(path) for path in files]


def read_source(location: str, client: httpx.Client) -> Source:
    """Read a file path or an http(s) URL as text."""
    if location.startswith(("http://", "https://")):
        try:
            response = client.get(location, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise SourceError(f"{location}: cannot fetch: {error}") from error
        return Source(location, response.text)
    path = Path(location)
    try:
        return Source(str(path), path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"{location}: cannot read: {error}") from error


def import_sources(
    importer: Importer,
    sources: Iterable[Source],
    library: Library,
    options: ImportOptions,
    on_entries: Callable[[int], None] = lambda total: None,
    on_progress: Callable[[], None] = lambda: None,
) -> ImportReport:
    """Import every entry of every source; `on_*` drive a progress bar."""
    report = ImportReport()
    entries: list[Entry] = []
    for source in sources:
        entries.extend(importer.entries(source.text, source.origin))
    on_entries(len(entries))
    for entry in entries:
        _import_entry(importer, entry, library, options, report)
        on_progress()
    return report


def _import_entry(
    importer: Importer, entry: Entry, library: Library, options: ImportOptions, report: ImportReport
) -> None:
    try:
        posts = list(importer.convert(entry, options))
    except EntryError as error:
        report.rejected.append(Rejection(entry.origin, error.line, error.reason))
        return
    except ValidationError as error:
        report.rejected.append(Rejection(entry.origin, entry.line, _validation_reason(error)))
        return
    for post in posts:
        shortfall = _too_short(post, options)
        if shortfall:
            report.too_short.append(Rejection(entry.origin, entry.line, f"{post.id}: {shortfall}"))
            continue
        outcome = library.save(post)
        getattr(report, outcome).append(post.id)


def _too_short(post: Post, options: ImportOptions) -> str | None:
    if post.series:
        return None
    sentences = sum(sentence_count(p.en) for p in post.paragraphs)
    if options.sizing.teaches(sentences, post.words):
        return None
    noun = "sentence" if sentences == 1 else "sentences"
    return f"too short to teach ({sentences} {noun}, {post.words} words)"


def _validation_reason(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "post"
    return f"invalid {where}: {first['msg']}"
