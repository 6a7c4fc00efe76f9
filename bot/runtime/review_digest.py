"""The `review-digest` unit of a push process: the admins' day (`bot/delivery/review_digest.py`) on a timer.

It ticks every few minutes in the runtime's event loop, the first tick at start: each tick asks
whether the digest's time has come and today's has not gone out yet (a lease in the database), so
a process started after digest time sends it at once, and a restart, or a second push worker,
sends nothing twice. It runs beside the push role, on the same platforms and senders.

`review_digest(settings)` is what the composition root passes to `assemble`, which builds the unit
with the push's senders and worker id (`review_digest_unit`); `digest_time` and `warn_below` are
parameters until `[sources]` has them (`digest_time`, `warn_below_days`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Sequence

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.conversation import Conversation
from bot.delivery.broadcast import PushSender
from bot.delivery.review_digest import DigestConfig, DigestRun, Model, ReviewDigest, no_model
from bot.delivery.setup import schedule_ticks
from bot.learning.llm import ChatClient
from bot.learning.setup import llm_config
from bot.learning.translation import translation_config
from bot.settings import LlmSettings, Settings
from bot.sources.vetting import Vetting, VettingConfig
from lessons.following.checks import Rules
from lessons.following.days_left import WARN_BELOW_DAYS

DIGEST_TIME = dt.time(9, 0)  # after the daily fetch (06:00): what it queued is vetted and shown
EVERY = 300.0  # seconds between ticks: the digest goes out within five minutes of its time
JOB = "review-digest"
log = logging.getLogger(__name__)


class ReviewDigestRole:
    """Ticks `digest.run_once` on its own scheduler.

    A stop cancels a run under way (a translation can take minutes; a stop has seconds): what it
    had not written is done at the next run, and a digest cut short shows its posts the next day.
    """

    name = JOB

    def __init__(self, digest: ReviewDigest, *, every: float = EVERY) -> None:
        self.digest = digest
        self.every = every
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self.ended = asyncio.Event()
        self._running: asyncio.Task[object] | None = None

    async def start(self) -> None:
        schedule_ticks(self.scheduler, self.tick, job=JOB, every=self.every)
        self.scheduler.start()

    async def tick(self) -> DigestRun | None:
        self._running = asyncio.current_task()
        try:
            return await self.digest.run_once()
        except Exception:  # the database or the library away for a moment: the next tick tries again
            log.exception("the review digest failed")
            return None
        finally:
            self._running = None

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        running = self._running
        if running is not None:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running


ReviewDigestBuilder = Callable[[Conversation, Sequence[PushSender], str], ReviewDigestRole]


def review_digest(
    settings: Settings, *, digest_time: dt.time = DIGEST_TIME, warn_below: int = WARN_BELOW_DAYS
) -> ReviewDigestBuilder:
    """What the composition root hands `assemble`: it builds the unit for a push process once the
    process's senders and worker id exist (`builder(conversation, senders, worker_id)`)."""

    def build(conversation: Conversation, senders: Sequence[PushSender], holder: str) -> ReviewDigestRole:
        return review_digest_unit(
            settings, conversation, senders, holder=holder, digest_time=digest_time, warn_below=warn_below
        )

    return build


def review_digest_unit(
    settings: Settings,
    conversation: Conversation,
    senders: Sequence[PushSender],
    *,
    holder: str,
    digest_time: dt.time = DIGEST_TIME,
    warn_below: int = WARN_BELOW_DAYS,
) -> ReviewDigestRole:
    """The unit for a push process: its senders, the conversation's admins, shelf and services."""
    services = conversation.services
    shelf = services.shelf
    config = DigestConfig(
        timezone=settings.calendar.timezone,
        at=digest_time,
        auto_approve=settings.sources.auto_approve,
        warn_below=warn_below,
    )
    review = VettingConfig(review_dir=settings.sources.review, library_dir=settings.library.path)

    def vetting() -> Vetting:
        """Judged by the catalog on the shelf now (a reload may have replaced it since start)."""
        catalog = shelf.catalog
        rules = Rules(catalog.config.sizing, catalog.config.words_per_minute, catalog.teaching, shelf.builder)
        return Vetting(review, rules, sessions=services.sessions, clock=services.clock)

    digest = ReviewDigest(
        config,
        vetting,
        senders=senders,
        admins=conversation.commands.admins,
        shelf=shelf,
        sessions=services.sessions,
        clock=services.clock,
        holder=holder,
        model=translator(settings.llm),
    )
    return ReviewDigestRole(digest)


def translator(llm: LlmSettings) -> Model:
    """The model for one run's translations, on a connection pool of its own closed after the run;
    none when no model is configured (the posts then wait English-only)."""
    if not llm.configured:
        return no_model

    @contextlib.asynccontextmanager
    async def model() -> AsyncIterator[ChatClient | None]:
        async with httpx.AsyncClient() as http:
            yield ChatClient(translation_config(llm_config(llm)), http)

    return model
