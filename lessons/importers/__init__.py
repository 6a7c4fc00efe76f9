"""Importers, one module per source format; `available()` names them for the CLI."""

from __future__ import annotations

from lessons.importers.base import Entry, EntryError, Importer, ImportOptions, ReadsFolders


def available() -> dict[str, Importer]:
    """Every importer by its format name (imported lazily: each pulls in its own parser)."""
    from lessons.importers.feed import FeedImporter
    from lessons.importers.markdown import MarkdownImporter
    from lessons.importers.page import PageImporter
    from lessons.importers.transcript import TranscriptImporter
    from lessons.importers.x_archive import XArchiveImporter

    importers: list[Importer] = [
        XArchiveImporter(),
        PageImporter(),
        TranscriptImporter(),
        MarkdownImporter(),
        FeedImporter(),
    ]
    return {importer.name: importer for importer in importers}


__all__ = ["Entry", "EntryError", "ImportOptions", "Importer", "ReadsFolders", "available"]
