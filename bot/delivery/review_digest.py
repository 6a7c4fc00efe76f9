"""The admins' day: the review queue vetted, the digest in their private chats, the days-left warning.

Once a day, from `at` in the calendar's timezone, the push role's job vets the review queue
(`bot/sources/vetting.py`: translation with a model, the checks), approves the posts that passed
every check when auto-approval is on, then sends every admin, in their private chat on each
platform this process sends on (a Telegram private chat's id is the user's id; on Discord a DM),
the posts no digest has shown yet with 通过 / 跳过 / 预览全文, and, when fewer than `warn_below`
days of new lessons are left, a warning.

Each of the two goes out once a day: a lease in the database (`job_leases`), held until the next
local midnight, is taken before sending, so a restart, a second worker or the next tick the same
day sends nothing again. Only when no admin could be reached is the lease given back, and the next
tick tries again. Each message is one send, retried on its own (429s, network errors), so a retry
never repeats the messages before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlmodel import Session

from bot.clock import Clock
from bot.core.admin import Admins
from bot.core.admin.library import reload_everywhere
from bot.core.admin.review import QueuedPost, digest_head, post_reply, warning
from bot.core.messages import Reply
from bot.core.shelf import LessonShelf
from bot.core.timezones import zone_of
from bot.delivery.broadcast import PushSender
from bot.delivery.errors import SlowDown, TemporaryFailure
from bot.delivery.retry import RetryPolicy
from bot.learning.llm import ChatClient
from bot.sources.vetting import AUTO, Vetting
from bot.storage import post_reviews
from bot.storage.leases import drop_lease, take_lease
from bot.storage.review_tables import PostReview
from lessons.following.days_left import WARN_BELOW_DAYS, DaysLeft, days_left, joining_day
from lessons.post import Post

log = logging.getLogger(__name__)
T = TypeVar("T")
DIGEST_LEASE, WARNING_LEASE = "review:digest", "review:warning"
PRIVATE = "private"
Model = Callable[[], contextlib.AbstractAsyncContextManager[ChatClient | None]]


@dataclass(frozen=True)
class DigestConfig:
    timezone: str  # the calendar's: whose day it is
    at: dt.time  # the digest's time of day there
    auto_approve: bool = False
    warn_below: int = WARN_BELOW_DAYS
    most_posts: int = 10  # posts in one digest; the others wait for the next day's
    retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(attempts=4, base_delay=1.0, max_delay=20.0)
    )


@dataclass
class DigestRun:
    """What a tick did; `done` is False for a tick before digest time or after today's digest."""

    done: bool = False
    approved: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    reached: int = 0  # admins the digest reached
    warned: int = 0  # admins the warning reached
    days_left: int | None = None


@contextlib.asynccontextmanager
async def no_model() -> AsyncIterator[ChatClient | None]:
    yield None


class ReviewDigest:
    """Runs the admins' day; `run_once` is each tick's (and a test's) way in."""

    def __init__(
        self,
        config: DigestConfig,
        vetting: Callable[[], Vetting],
        *,
        senders: Sequence[PushSender],
        admins: Admins,
        shelf: LessonShelf,
        sessions: Callable[[], Session],
        clock: Clock,
        holder: str,
        model: Model = no_model,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.config = config
        self.vetting = vetting  # made at each run, from the shelf's catalog as it is then
        self.senders = tuple(senders)
        self.admins = admins
        self.shelf = shelf
        self.sessions = sessions
        self.clock = clock
        self.holder = holder
        self.model = model  # the translation model for one run (None: no model configured)
        self.sleep = sleep

    async def run_once(self) -> DigestRun:
        """The day's digest and warning, if their time has come and they have not gone out yet."""
        local = self.clock.now().astimezone(zone_of(self.config.timezone))
        if local.time() < self.config.at or not await self._lease(DIGEST_LEASE, local):
            return DigestRun()
        run = DigestRun(done=True)
        try:
            return await self._run(run, local)
        except BaseException:  # a failure, or a stop in the middle (CancelledError)
            if not run.reached:  # nothing went out yet: the next tick, or the next start, does it all
                await asyncio.shield(self._release(DIGEST_LEASE))
            raise

    async def _run(self, run: DigestRun, local: dt.datetime) -> DigestRun:
        today = local.date()
        waiting = await self._vet(run, today)
        left = await asyncio.to_thread(days_left, self.shelf.catalog, today)
        run.days_left = left.days
        await self._digest(run, waiting, left, today)
        if left.below(self.config.warn_below):
            run.warned = await self._warn(warning(left, len(waiting), self.config.warn_below), local)
        log.info(
            "review digest: %d waiting, %d shown to %d admins, %d auto-approved, %d days of lessons left",
            len(waiting),
            len(run.shown),
            run.reached,
            len(run.approved),
            left.days,
        )
        return run

    async def _vet(self, run: DigestRun, today: dt.date) -> list[tuple[Post, PostReview]]:
        """Vet the queue, approve what passed (with auto-approval); the posts still waiting."""
        vetting = self.vetting()
        async with self.model() as model:
            vetted = await vetting.vet(model)
        if self.config.auto_approve:
            joins = joining_day(today, self.clock.now())
            run.approved = await vetting.approve_passed(vetted.waiting, joins)
            if run.approved:
                await self._reload(run.approved)
        return [(post, row) for post, row in vetted.waiting if post.id not in run.approved]

    async def _digest(
        self, run: DigestRun, waiting: list[tuple[Post, PostReview]], left: DaysLeft, today: dt.date
    ) -> None:
        """The posts no digest has shown yet, to every admin; marked shown once someone got them."""
        new = [(post, row) for post, row in waiting if row.shown_on is None][: self.config.most_posts]
        if not new and not run.approved:
            return
        catalog = self.shelf.catalog
        queued = [await asyncio.to_thread(QueuedPost.of, post, row, catalog) for post, row in new]
        run.reached = await self._to_admins(
            [digest_head(len(new), len(waiting), left, run.approved), *map(post_reply, queued)]
        )
        if not run.reached:
            await self._release(DIGEST_LEASE)  # nobody got it: the next tick tries again
            return
        ids = [row.id for _, row in new if row.id is not None]
        await self._db(lambda s: post_reviews.mark_shown(s, review_ids=ids, day=today))
        run.shown = [post.id for post, _ in new]

    async def _warn(self, reply: Reply, local: dt.datetime) -> int:
        if not await self._lease(WARNING_LEASE, local):
            return 0
        reached = await self._to_admins([reply])
        if not reached:
            await self._release(WARNING_LEASE)
        return reached

    async def _reload(self, approved: list[str]) -> None:
        reason = f"auto-approved {len(approved)}: {', '.join(approved)}"[:200]
        await reload_everywhere(self.shelf, self.sessions, self.clock, by=AUTO, reason=reason)

    async def _to_admins(self, replies: Sequence[Reply]) -> int:
        """Send to every admin on every platform; how many admins got all of it."""
        reached = 0
        for sender in self.senders:
            for user_id in self.admins.on(sender.platform):
                try:
                    for reply in replies:
                        await self._send(sender, user_id, reply)
                except Exception as error:  # one admin's chat must not keep the others from theirs
                    log.warning("review digest to %s:%s failed: %s", sender.platform, user_id, error)
                    continue
                reached += 1
        return reached

    async def _send(self, sender: PushSender, user_id: str, reply: Reply) -> None:
        """One message, retried on its own after a 429 or a passing failure; any other failure (the
        admin blocked the bot, closed their DMs) is for good."""
        policy = self.config.retry
        for attempt in range(1, policy.attempts + 1):
            try:
                await sender.push(user_id, PRIVATE, [reply])
                return
            except SlowDown as error:
                wait = error.retry_after
            except TemporaryFailure:
                wait = policy.backoff(attempt)
            if attempt == policy.attempts:
                raise TemporaryFailure(f"gave up after {attempt} tries")
            await self.sleep(wait)

    async def _lease(self, key: str, local: dt.datetime) -> bool:
        """Hold `key` until the next local midnight: once a day, whichever worker or restart."""
        midnight = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), local.tzinfo)
        now = self.clock.now()
        ttl = max(midnight - now, dt.timedelta(minutes=1))
        return await self._db(lambda s: take_lease(s, key=key, holder=self.holder, now=now, ttl=ttl))

    async def _release(self, key: str) -> None:
        await self._db(lambda s: drop_lease(s, key=key, holder=self.holder))

    async def _db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self.sessions() as session:
                return work(session)

        return await asyncio.to_thread(run)
