"""The inbox as a running bot uses it: a poll's batch stored before it is confirmed, answered updates
settled a batch at a time, and on start (and now and then) what a gone worker left unanswered.

Platform-neutral: Telegram's long polling stores here today; a webhook (Telegram's retries) or
another platform's event stream can, keyed by its own update ids.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from sqlmodel import Session

from bot.clock import Clock
from bot.delivery.database_thread import DatabaseThread
from bot.delivery.send_start import FirstSend, SendMarks
from bot.storage import inbox
from bot.storage.inbox import Received

log = logging.getLogger(__name__)
T = TypeVar("T")
KEEP = dt.timedelta(days=2)  # Telegram redelivers an unconfirmed update for 24 hours at most


class Inbox:
    """One platform's inbox for one worker. `done` is cheap and synchronous (a handler's last send
    calls it); the rows are written `flush_every` seconds later, many in one transaction."""

    def __init__(
        self,
        sessions: Callable[[], Session],
        clock: Clock,
        *,
        platform: str,
        worker_id: str,
        max_attempts: int = 3,
        flush_every: float = 0.1,
    ) -> None:
        self.clock = clock
        self.platform = platform
        self.worker_id = worker_id
        self.max_attempts = max_attempts
        self.flush_every = flush_every
        self._database = DatabaseThread(sessions, name=f"inbox-{platform}")
        self._done: list[int] = []
        self._flushing: asyncio.Task[None] | None = None
        self._closed = False
        self._marks = SendMarks(self._mark_replying)

    def first_send(self, update_id: int) -> FirstSend:
        """The mark an update's replies make before their first request goes out (`send_start`)."""
        return FirstSend(self._marks, update_id, what=f"{self.platform} update")

    async def _mark_replying(self, update_ids: list[int]) -> set[int]:
        marked: set[int] = await self._db(
            inbox.mark_replying, update_ids, platform=self.platform, worker_id=self.worker_id
        )
        return marked

    async def receive(self, updates: Sequence[Received]) -> list[int]:
        """Store a batch; returns the ids of the updates not seen before, in order."""
        return await self._db(
            inbox.receive, updates, platform=self.platform, worker_id=self.worker_id, now=self.clock.now()
        )

    def done(self, update_id: int) -> None:
        """An update is answered: settle it soon, with whatever else is answered by then. After
        `close` (a handler the stop did not wait for) it stays pending: the next start answers it."""
        if self._closed:
            return
        self._done.append(update_id)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_soon(self.flush_every), name="inbox")

    async def take_over(self, live_workers: Collection[str]) -> list[Received]:
        """Claim what gone workers left unanswered, oldest first (a worker's own are in hand)."""
        taken = await self._db(
            inbox.take_over,
            platform=self.platform,
            worker_id=self.worker_id,
            live_workers=live_workers,
            max_attempts=self.max_attempts,
            now=self.clock.now(),
        )
        if taken.abandoned:
            log.error(
                "%d %s update(s) were handled %d times without finishing; given up: %s",
                len(taken.abandoned), self.platform, self.max_attempts, taken.abandoned[:20],
            )  # fmt: skip
        if taken.updates:
            log.info("%d %s update(s) left unanswered by a stopped worker: answering them now",
                     len(taken.updates), self.platform)  # fmt: skip
        return taken.updates

    async def prune(self) -> int:
        return await self._db(inbox.prune, platform=self.platform, before=self.clock.now() - KEEP)

    async def flush(self) -> bool:
        """Write the settlements gathered so far; on a database error they wait for the next flush."""
        settled, self._done = self._done, []
        if not settled:
            return True
        try:
            await self._db(
                inbox.finish, settled, platform=self.platform, now=self.clock.now(), worker_id=self.worker_id
            )
        except Exception:
            log.exception("could not settle %d answered update(s); trying again", len(settled))
            self._done[:0] = settled
            return False
        return True

    async def close(self) -> None:
        """Settle what is answered, then let the database thread go."""
        self._closed = True
        if self._flushing is not None and not self._flushing.done():
            self._flushing.cancel()
        await self.flush()
        self._database.close()

    async def _flush_soon(self, delay: float) -> None:
        await asyncio.sleep(delay)
        written = await self.flush()
        if self._done:  # answered during the write, or the write failed (then again in a second)
            later = self.flush_every if written else max(1.0, delay)
            self._flushing = asyncio.create_task(self._flush_soon(later), name="inbox")

    async def _db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self._database.run(function, *args, **kwargs)
