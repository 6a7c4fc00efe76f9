"""The `push` role: every kind of daily push on every platform this process sends on, on a timer.

One APScheduler job per pusher (a platform and a kind) ticks in the runtime's event loop; who is
due and who already got theirs is in the ledger, so ticks may come from several workers at once.
Admins' broadcasts go out beside them, on the same platforms and through the same senders and
ledger (`Broadcasts`, one job). The followed sources' daily fetch into the review queue is a job
here too (`DailyFetch`, once a day; a lease in the database lets one push worker of several fetch).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.delivery.admin_broadcast import Broadcasts
from bot.delivery.broadcast import Pusher
from bot.delivery.quiz_ahead import QuizzesAhead
from bot.delivery.quiz_results import GroupQuizResults
from bot.delivery.setup import schedule_pushes, schedule_ticks

if TYPE_CHECKING:
    from bot.sources.daily import DailyFetch


class PushRole:
    name = "push"

    def __init__(
        self,
        pushers: Sequence[Pusher],
        *,
        every: float,
        scheduled: bool = True,
        results: GroupQuizResults | None = None,
        ahead: QuizzesAhead | None = None,
        warm: Sequence[Callable[[], object]] = (),
        sources: DailyFetch | None = None,
    ) -> None:
        self.pushers = tuple(pushers)
        self.broadcasts = Broadcasts.beside(self.pushers)  # admins' broadcasts, once confirmed
        # Start-up work done before the process freezes its heap: the quiz's word index (a second,
        # and 36,000 words the collector would otherwise walk at every full collection).
        self.warm = tuple(warm)
        self.results = results  # posts each group quiz's results when it closes
        self.ahead = ahead  # builds tonight's quizzes before quiz time
        self.sources = sources  # fetches the followed sources into the review queue, daily
        self.every = every
        self.scheduled = scheduled  # False: pushes run only when called (tests, `push now`)
        self.scheduler = AsyncIOScheduler(timezone=dt.UTC)
        self.ended = asyncio.Event()

    async def start(self) -> None:
        for work in self.warm:
            await asyncio.to_thread(work)
        if not self.scheduled:
            return
        for pusher in self.pushers:
            schedule_pushes(self.scheduler, pusher, every=self.every)
        if self.results is not None:
            schedule_ticks(self.scheduler, self.results.run_once, job="quiz-results", every=self.every)
        if self.ahead is not None:
            schedule_ticks(self.scheduler, self.ahead.run_once, job="quiz-ahead", every=self.every)
        if self.broadcasts.pushers:
            schedule_ticks(self.scheduler, self.broadcasts.run_once, job="broadcasts", every=self.every)
        if self.sources is not None:
            self.sources.schedule(self.scheduler)
        self.scheduler.start()

    def halt(self) -> None:
        """The stop signal: claim nothing more from now on (`stop` then lets sends under way finish)."""
        for pusher in self.pushers:
            pusher.halt()
        self.broadcasts.halt()

    async def stop(self) -> None:
        """Runs under way stop claiming, finish their sends and hand back what they had not sent;
        only then the timer stops. (Shut down first, APScheduler would cancel a running broadcast
        mid-write, and its claimed but unsent pushes would be lost as uncertain.)"""
        pushers = (*self.pushers, *self.broadcasts.pushers)
        await asyncio.gather(*(pusher.stop() for pusher in pushers))  # all stop claiming at once
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
