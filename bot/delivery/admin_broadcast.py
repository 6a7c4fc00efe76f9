"""Admins' broadcasts on their way: a push run like the lesson's, through the same ledger, pacer
and rate limits, of whichever broadcast is next on each platform.

Once an admin confirms a broadcast (`/admin broadcast`, `buildspeak admin broadcast`), the push
role's `Broadcasts` job finds it at its next tick and runs a `Pusher` of it on every platform this
process sends on, as many broadcasts one after another as are waiting. Its ledger rows are dated
by the broadcast (`bot.storage.broadcasts`), so every subscriber gets each broadcast once: a
restart after SIGTERM sends what the stop handed back, a crash leaves only the documented
uncertain few, and a second worker's run skips what the first has claimed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence

from sqlmodel import Session

from bot.clock import Clock
from bot.core.admin.views import broadcast_reply
from bot.core.messages import Reply
from bot.delivery.broadcast import Pusher, RunReport
from bot.storage import broadcasts
from bot.storage.push_ledger import Claim, DueSubscriber
from bot.storage.tables import PushKind

log = logging.getLogger(__name__)
MAX_RUNS_PER_TICK = 20  # broadcasts sent back to back in one tick, at most (the next tick goes on)


class BroadcastContent:
    """What a broadcast push sends on one platform: the broadcast that is next there, as its
    preview showed it."""

    kind = PushKind.BROADCAST

    def __init__(self, platform: str, sessions: Callable[[], Session], clock: Clock) -> None:
        self.platform = platform
        self.sessions = sessions
        self.clock = clock
        self.current: int | None = None  # the broadcast this platform's runs send now
        self._texts: dict[int, str] = {}

    async def refresh(self) -> int | None:
        """Look up the broadcast next on this platform (None: nothing to send); runs send it."""
        found = await asyncio.to_thread(self._next)
        self.current = found
        return found

    def content_id(self, local_date: dt.date) -> str | None:
        return broadcasts.content_id(self.current) if self.current is not None else None

    def ledger_date(self, local_date: dt.date) -> dt.date:
        """The date this push's ledger rows carry: the broadcast's own, whatever the day."""
        assert self.current is not None, "content_id said there is nothing to send"
        return broadcasts.ledger_date(self.current)

    async def prepare(self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]) -> None:
        """The same message for everyone: nothing to work out per page."""

    async def replies(self, claim: Claim) -> list[Reply]:
        broadcast_id = broadcasts.broadcast_id_of(claim.content_id)
        if broadcast_id is None:
            return []
        text = self._texts.get(broadcast_id)
        if text is None:
            text = await asyncio.to_thread(self._text, broadcast_id)
            if text is None:
                return []
            self._texts[broadcast_id] = text
        return [broadcast_reply(text)]

    def _next(self) -> int | None:
        with self.sessions() as session:
            found = broadcasts.next_to_send(session, platform=self.platform, now=self.clock.now())
            if found is not None and found.id is not None:
                self._texts.setdefault(found.id, found.text)
                return found.id
            return None

    def _text(self, broadcast_id: int) -> str | None:
        with self.sessions() as session:
            return broadcasts.texts_of(session, [broadcast_id]).get(broadcast_id)


class Broadcasts:
    """The push role's job for admins' broadcasts: on each tick, every platform's next broadcast,
    until none is left (or a run finds nothing it may claim: another worker is sending it)."""

    name = "broadcasts"

    def __init__(self, pushers: Sequence[Pusher]) -> None:
        self.pushers = tuple(pushers)

    @classmethod
    def beside(cls, pushers: Sequence[Pusher]) -> Broadcasts:
        """Broadcast pushers on the platforms of these (the daily pushes'): their sender, pacer,
        ledger, settings and worker id, so a broadcast shares the rate limits with everything else."""
        made: dict[str, Pusher] = {}
        for pusher in pushers:
            platform = pusher.sender.platform
            if platform in made:
                continue
            content = BroadcastContent(platform, pusher.sessions, pusher.clock)
            made[platform] = Pusher(
                sender=pusher.sender,
                content=content,
                sessions=pusher.sessions,
                clock=pusher.clock,
                config=pusher.config,
                worker_id=pusher.run_id,
                metrics=pusher.metrics,
            )
        return cls(list(made.values()))

    async def run_once(self) -> list[RunReport]:
        reports = await asyncio.gather(*(self._run_platform(pusher) for pusher in self.pushers))
        return [report for platform in reports for report in platform]

    async def _run_platform(self, pusher: Pusher) -> list[RunReport]:
        reports: list[RunReport] = []
        for _ in range(MAX_RUNS_PER_TICK):
            if await pusher.content.refresh() is None:
                break
            report = await pusher.run_once()
            reports.append(report)
            if not report.settled:
                break
        return reports

    def halt(self) -> None:
        for pusher in self.pushers:
            pusher.halt()

    async def stop(self) -> None:
        await asyncio.gather(*(pusher.stop() for pusher in self.pushers))
