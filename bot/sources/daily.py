"""The daily fetch: a job of the push role, at `[sources] fetch_time` in the calendar's timezone.

It takes only the sources that are due (not yet fetched today, and not waiting out a backoff), so
a second worker's job, or a catch-up run after a restart, fetches nothing twice. The catch-up:
a process started after today's fetch time runs the job once at start, or a bot restarted every
morning at 06:05 would never fetch. Nothing here raises into the scheduler: a broken sources
file or a busy lease is logged and tomorrow tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

import httpx
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlmodel import Session

from bot.clock import Clock
from bot.core.timezones import zone_of
from bot.sources.fetching import FetchBusy, FetchConfig, SourceFetcher
from bot.sources.outcomes import FetchRun
from lessons.following.config import SourcesFileError

log = logging.getLogger(__name__)
JOB_ID = "sources-fetch"


class DailyFetch:
    """Fetches the due sources once a day; `run_once` is also what a test or the catch-up calls."""

    def __init__(
        self,
        config: FetchConfig,
        *,
        at: dt.time,
        sessions: Callable[[], Session],
        clock: Clock,
        holder: str,
        client: Callable[[], httpx.AsyncClient] = httpx.AsyncClient,
        after: Callable[[FetchRun], Awaitable[object]] | None = None,
    ) -> None:
        self.config = config
        self.at = at
        self.sessions = sessions
        self.clock = clock
        self.holder = holder
        self.client = client  # a new client (and connection pool) per daily run, closed after it
        # What follows a fetch in the same job (vetting the queue, the admins' digest), after every
        # run that was not busy, even one that found nothing new (the queue may hold posts a person
        # edited since): in each worker whose timer fires, so it must be idempotent.
        self.after = after

    def schedule(self, scheduler: BaseScheduler) -> None:
        """Add the daily job to the push role's scheduler, and today's catch-up when it is late."""
        zone = zone_of(self.config.timezone)
        trigger = CronTrigger(hour=self.at.hour, minute=self.at.minute, timezone=zone)
        scheduler.add_job(
            self.run_once, trigger, id=JOB_ID, coalesce=True, max_instances=1, misfire_grace_time=3600
        )
        if self.clock.now().astimezone(zone).time() >= self.at:
            scheduler.add_job(self.run_once, id=f"{JOB_ID}-catch-up", max_instances=1)

    async def run_once(self) -> FetchRun:
        """One daily fetch; what failed is in the log and in `buildspeak sources list`."""
        async with self.client() as client:
            fetcher = SourceFetcher(
                self.config, sessions=self.sessions, clock=self.clock, client=client, holder=self.holder
            )
            try:
                run = await fetcher.fetch(due_only=True)
            except SourcesFileError as error:
                log.warning("daily fetch: %s", error)
                return FetchRun()
            except FetchBusy as error:
                log.info("daily fetch: %s", error)
                return FetchRun()
        if run.outcomes:
            log.info(
                "daily fetch: %d sources, %d new posts queued, %d failed",
                len(run.outcomes),
                len(run.new),
                len(run.failed),
            )
        if self.after is not None:
            try:
                await self.after(run)
            except Exception:
                log.exception("daily fetch: what follows the fetch failed")
        return run
