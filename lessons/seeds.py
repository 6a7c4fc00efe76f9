"""The recipe for the bundled library: which seed documents, imported how.

One place for it, used by `buildspeak lessons import-seeds` (and so `make
library`), by the benchmark, and by the test that counts the bundled library
against its sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lessons.importers import ImportOptions, available
from lessons.importing import ImportReport, Source, import_sources
from lessons.library import Library
from lessons.sizing import LessonSizing

SOURCES_DIR = Path(__file__).parent / "sources"
BUNDLED_ADDED = dt.date(2026, 11, 1)


@dataclass(frozen=True)
class SeedImport:
    """One seed document and what its format does not say about it."""

    format: str
    filename: str
    handle: str | None = None
    date: dt.date | None = None
    url: str | None = None


SEED_IMPORTS: tuple[SeedImport, ...] = (
    SeedImport("x-archive", "002_ca3e6f81a1313ff9.txt"),
    SeedImport("page", "000_daf68ca9a78fe48b.txt"),
    # "Software Is Changing (Again)", Y Combinator AI Startup School, 17 June 2025.
    SeedImport(
        "transcript",
        "003_da9a6e0a0710eb0a.txt",
        handle="karpathy",
        date=dt.date(2025, 6, 17),
        url="https://www.youtube.com/watch?v=LCEmiRjPEtQ",
    ),
)


def import_seeds(
    library: Library,
    sizing: LessonSizing,
    sources_dir: Path = SOURCES_DIR,
    added: dt.date = BUNDLED_ADDED,
    on_progress: Callable[[], None] = lambda: None,
) -> dict[str, ImportReport]:
    """Import every seed document into `library`; reports by file name."""
    importers = available()
    reports: dict[str, ImportReport] = {}
    for seed in SEED_IMPORTS:
        path = sources_dir / seed.filename
        options = ImportOptions(added=added, sizing=sizing, handle=seed.handle, date=seed.date, url=seed.url)
        source = Source(str(path), path.read_text(encoding="utf-8"))
        reports[seed.filename] = import_sources(
            importers[seed.format], [source], library, options, on_progress=on_progress
        )
    return reports
