"""Reading the content library again without a restart, in every worker.

The library and its pins are files each process reads at start-up onto its `LessonShelf`. A reload
(`/admin reload`, or a pin) reads them again in the process that was asked, swaps the new catalog
in, and records a new library generation in the database (`library_reloads`). Every process runs a
`LibraryWatch`, which looks at the newest generation every few seconds (the heartbeat's rhythm)
and reloads when it has an older one: workers on one database follow within seconds, whoever was
asked. (The files must be the same for every worker: one host, or a shared volume.)

A worker that cannot read the new library (a broken pins file) keeps the lessons it has, logs why,
and tries again only at the next generation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from bot.clock import Clock
from bot.core.shelf import LessonShelf
from bot.storage.library_reloads import latest_generation, request_reload
from lessons.catalog import Catalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reloaded:
    """What a reload found: lessons before and after, pins, files it had to skip."""

    generation: int
    before: int
    lessons: int
    pins: int
    skipped: tuple[str, ...]


async def reload_everywhere(
    shelf: LessonShelf, sessions: Callable[[], Session], clock: Clock, *, by: str, reason: str
) -> Reloaded:
    """Read the library again here (raises if it cannot be read, the shelf unchanged), then record a
    new generation so every other worker reads it too."""
    before = len(shelf.catalog.lessons)
    catalog = await asyncio.to_thread(shelf.read_library)
    generation = await asyncio.to_thread(_request, sessions, by, reason, clock)
    shelf.restock(catalog, generation)
    count = len(catalog.lessons)
    log.info("library reloaded (generation %d, %s by %s): %d lessons", generation, reason, by, count)
    return _report(catalog, generation, before)


async def announce(sessions: Callable[[], Session], clock: Clock, *, by: str, reason: str) -> int:
    """Ask every running worker to read the library again, without reading it here (the CLI)."""
    return await asyncio.to_thread(_request, sessions, by, reason, clock)


def _request(sessions: Callable[[], Session], by: str, reason: str, clock: Clock) -> int:
    with sessions() as session:
        return request_reload(session, requested_by=by, reason=reason, now=clock.now())


def _report(catalog: Catalog, generation: int, before: int) -> Reloaded:
    skipped = tuple(str(error) for error in catalog.errors)
    return Reloaded(generation, before, len(catalog.lessons), len(catalog.pins), skipped)


class LibraryWatch:
    """A unit of every process: reloads the shelf when another worker asked for a newer library."""

    name = "library"

    def __init__(self, shelf: LessonShelf, sessions: Callable[[], Session], *, every: float) -> None:
        self.shelf = shelf
        self.sessions = sessions
        self.every = every
        self.ended = asyncio.Event()
        self._failed = 0  # a generation this worker could not read: not tried again
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """The library read at start-up is the newest generation's: nothing to catch up on."""
        latest = await asyncio.to_thread(self._latest)
        if latest > self.shelf.generation:
            self.shelf.restock(self.shelf.catalog, latest)
        self._task = asyncio.create_task(self._watch(), name="library watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def check(self) -> bool:
        """Reload if the database has a newer generation than the shelf; True when it did."""
        latest = await asyncio.to_thread(self._latest)
        if latest <= self.shelf.generation or latest == self._failed:
            return False
        before = len(self.shelf.catalog.lessons)
        try:
            catalog = await asyncio.to_thread(self.shelf.read_library)
        except Exception:
            self._failed = latest
            log.exception("could not read the library for generation %d; keeping the lessons loaded", latest)
            return False
        self.shelf.restock(catalog, latest)
        log.info("library generation %d: %d lessons (were %d)", latest, len(catalog.lessons), before)
        return True

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.check()
            except Exception:  # the database is away for a moment: look again next time
                log.exception("looking for a newer library failed")

    def _latest(self) -> int:
        with self.sessions() as session:
            return latest_generation(session)
