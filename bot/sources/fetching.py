"""A fetch of the followed sources into the review queue: many at once, each on its own.

Sources are read concurrently (at most `concurrency` at a time) and taken in one by one in the
sources file's order, so when two sources carry the same post the first one's copy is queued.
A source that fails (unreachable, too slow, too large, not a feed) is logged with its name and
gets its backoff; the others go on. The queue, the library and what they hold are read only when
some source has something to take in: a day of 304s reads no file.

Only one fetch runs at a time across workers and the CLI (a job lease in the database).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import httpx
from sqlmodel import Session

from bot.clock import Clock, local_date
from bot.sources.download import FetchError, Validators
from bot.sources.outcomes import FetchRun, SourceOutcome
from bot.sources.reading import Limits, Texts, read_followed
from bot.storage import source_fetches
from bot.storage.leases import drop_lease, take_lease
from bot.storage.source_tables import SourceFetch
from lessons.following.config import FollowedSource, load_sources
from lessons.following.intake import Gate, IntakeReport, UnreadableSource, take_in
from lessons.following.queue import ReviewQueue
from lessons.following.seen import SeenPosts
from lessons.importers.base import ImportOptions
from lessons.library import Library
from lessons.sizing import LessonSizing

log = logging.getLogger(__name__)
LEASE = "sources:fetch"


class UnknownSource(LookupError):
    """A name given to fetch that the sources file does not have."""


class FetchBusy(RuntimeError):
    """Another fetch holds the lease (another worker's daily fetch, or a CLI fetch)."""


@dataclass(frozen=True)
class FetchConfig:
    sources_file: Path
    review_dir: Path
    library_dir: Path
    limits: Limits
    concurrency: int
    sizing: LessonSizing
    timezone: str  # whose date is "today": the calendar's


class SourceFetcher:
    """Fetches sources with the client, sessions and clock it is given."""

    def __init__(
        self,
        config: FetchConfig,
        *,
        sessions: Callable[[], Session],
        clock: Clock,
        client: httpx.AsyncClient,
        holder: str,
    ) -> None:
        self.config = config
        self.sessions = sessions
        self.clock = clock
        self.client = client
        self.holder = holder  # who holds the lease while fetching: a worker id, or "cli"

    async def fetch(self, names: Sequence[str] = (), *, due_only: bool = False) -> FetchRun:
        """Fetch the named sources (any, enabled or not), else every enabled one; `due_only` leaves
        out sources waiting out a backoff or already fetched today (the daily job's way).
        Raises SourcesFileError, UnknownSource or FetchBusy before fetching anything."""
        sources = _chosen(load_sources(self.config.sources_file), names)
        if not sources:
            return FetchRun()
        if not await asyncio.to_thread(self._take_lease, len(sources)):
            raise FetchBusy("另一个抓取正在进行 another fetch is running (a worker's or a CLI's)")
        try:
            states = await asyncio.to_thread(self._states)  # read under the lease: no fetch is writing
            today = local_date(self.clock, self.config.timezone)
            if due_only:
                sources = [s for s in sources if source_fetches.is_due(states.get(s.name), today)]
            return await self._run(sources, states, today)
        finally:
            await asyncio.to_thread(self._drop_lease)

    async def _run(
        self, sources: list[FollowedSource], states: dict[str, SourceFetch], today: dt.date
    ) -> FetchRun:
        gate = _LazyGate(self.config)
        limit = asyncio.Semaphore(self.config.concurrency)
        reads = [
            asyncio.create_task(self._read(source, states.get(source.name), limit)) for source in sources
        ]
        run = FetchRun()
        try:
            for source, read in zip(sources, reads, strict=True):
                run.outcomes.append(await self._take(source, read, gate, today))
        finally:
            for read in reads:
                read.cancel()
        return run

    async def _read(
        self, source: FollowedSource, state: SourceFetch | None, limit: asyncio.Semaphore
    ) -> Texts:
        validators = Validators(state.etag, state.last_modified) if state is not None else Validators()
        async with limit:
            return await read_followed(source, self.client, validators, self.config.limits)

    async def _take(
        self, source: FollowedSource, read: asyncio.Task[Texts], gate: _LazyGate, today: dt.date
    ) -> SourceOutcome:
        try:
            texts = await read
            report = (
                None if texts.unchanged else await asyncio.to_thread(self._intake, source, texts, gate, today)
            )
        except (FetchError, UnreadableSource) as error:
            return await asyncio.to_thread(self._failed, source, str(error), today)
        except Exception as error:  # a bug or a disk error on one source must not stop the others
            log.exception("source %s: fetch failed unexpectedly", source.name)
            return await asyncio.to_thread(self._failed, source, f"{type(error).__name__}: {error}", today)
        new = len(report.queued) if report is not None else 0
        await asyncio.to_thread(self._succeeded, source, texts, new, today)
        status = "unchanged" if report is None else "new" if new else "nothing new"
        log.info("source %s: %s (%d new)", source.name, status, new)
        return SourceOutcome(source.name, source.location, status, report)

    def _intake(self, source: FollowedSource, texts: Texts, gate: _LazyGate, today: dt.date) -> IntakeReport:
        options = ImportOptions(
            added=today, sizing=self.config.sizing, author=source.author, handle=source.handle
        )
        return take_in(texts.importer, texts.sources, options, gate.for_source(source))

    def _states(self) -> dict[str, SourceFetch]:
        with self.sessions() as session:
            return source_fetches.fetch_states(session)

    def _succeeded(self, source: FollowedSource, texts: Texts, new: int, today: dt.date) -> None:
        with self.sessions() as session:
            source_fetches.record_success(
                session,
                name=source.name,
                now=self.clock.now(),
                today=today,
                etag=texts.validators.etag,
                last_modified=texts.validators.last_modified,
                new=new,
            )

    def _failed(self, source: FollowedSource, error: str, today: dt.date) -> SourceOutcome:
        with self.sessions() as session:
            state = source_fetches.record_failure(
                session, name=source.name, now=self.clock.now(), today=today, error=error
            )
        log.warning(
            "source %s failed (%d in a row, next try %s): %s",
            source.name,
            state.failures,
            state.next_try,
            error,
        )
        return SourceOutcome(
            source.name,
            source.location,
            "failed",
            error=error,
            failures=state.failures,
            next_try=state.next_try,
        )

    def _take_lease(self, count: int) -> bool:
        rounds = -(-count // self.config.concurrency) + 1
        ttl = dt.timedelta(seconds=self.config.limits.timeout * rounds + 600)
        with self.sessions() as session:
            return take_lease(session, key=LEASE, holder=self.holder, now=self.clock.now(), ttl=ttl)

    def _drop_lease(self) -> None:
        with self.sessions() as session:
            drop_lease(session, key=LEASE, holder=self.holder)


class _LazyGate:
    """The queue, the library and the posts they hold, read on first need (in the intake thread)."""

    def __init__(self, config: FetchConfig) -> None:
        self.config = config

    @cached_property
    def queue(self) -> ReviewQueue:
        return ReviewQueue.open(self.config.review_dir)

    @cached_property
    def library(self) -> Library:
        return Library.load(self.config.library_dir)

    @cached_property
    def seen(self) -> SeenPosts:
        return SeenPosts.of(
            [
                ("library", self.library.posts.values()),
                ("skipped", self.queue.skipped.posts.values()),
                ("queue", self.queue.queued.posts.values()),
            ]
        )

    def for_source(self, source: FollowedSource) -> Gate:
        return Gate(self.queue, self.seen, source.filter)


def _chosen(sources: list[FollowedSource], names: Sequence[str]) -> list[FollowedSource]:
    if not names:
        return [source for source in sources if source.enabled]
    by_name = {source.name: source for source in sources}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise UnknownSource(", ".join(unknown))
    return [source for source in sources if source.name in names]
