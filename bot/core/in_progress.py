"""Jobs a person has running now, so pressing a slow command twice does not run it twice.

The record is a lease in the database rather than a set in memory: behind a load balancer the
second press may reach another worker. A lease runs out by itself (`ttl`), so a process that
crashed mid-job blocks the person for at most that long.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable

from sqlmodel import Session

from bot.clock import Clock
from bot.storage.leases import drop_lease, take_lease

DEFAULT_TTL = dt.timedelta(minutes=5)  # longer than the slowest export (200 spoken sentences)


class InProgress:
    """Leases on jobs of one kind (`what`, e.g. "export"), keyed by person."""

    def __init__(
        self, sessions: Callable[[], Session], clock: Clock, *, what: str, ttl: dt.timedelta = DEFAULT_TTL
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.what = what
        self.ttl = ttl
        self.holder = uuid.uuid4().hex  # this process

    async def start(self, platform: str, user_id: str) -> bool:
        """Mark the person's job as running; False when it already is (do not start it again)."""
        key = self._key(platform, user_id)
        return await asyncio.to_thread(
            self._with_session, take_lease, key=key, now=self.clock.now(), ttl=self.ttl
        )

    async def finish(self, platform: str, user_id: str) -> None:
        await asyncio.to_thread(self._with_session, drop_lease, key=self._key(platform, user_id))

    def _key(self, platform: str, user_id: str) -> str:
        return f"{self.what}:{platform}:{user_id}"

    def _with_session(self, function: Callable[..., bool | None], **kwargs: object) -> bool | None:
        with self.sessions() as session:
            return function(session, holder=self.holder, **kwargs)
