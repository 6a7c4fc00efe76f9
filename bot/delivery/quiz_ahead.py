"""Tonight's quizzes built a little before quiz time, so the push at quiz time only reads them.

Working out a learner's quiz (the words due, their sentences, the questions and options) costs a
fraction of a millisecond of CPU; at quiz time that is CPU the sends need, and a push that works
out quizzes as it goes stays well under the platform's rate limit. So on every tick this job asks
the ledger who will be due for their quiz `ahead` from now, exactly as the push will ask at quiz
time, and builds their quizzes. Each subscriber is tried once per local date: one with nothing to
review then (no word due, today's lesson not read yet) is left to the push, which builds what is
still missing at quiz time. A word saved after the build waits for tomorrow's quiz, as it would
have after the push.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from sqlmodel import Session

from bot.clock import Clock
from bot.core.timezones import zone_of
from bot.delivery.database_thread import DatabaseThread
from bot.delivery.quiz_content import DailyQuizzes
from bot.storage import push_ledger
from bot.storage.push_ledger import DueSubscriber
from bot.storage.tables import PushKind

log = logging.getLogger(__name__)
DAYS_REMEMBERED = 2  # tried subscribers kept for dates this far back (timezones straddle midnight)


class QuizzesAhead:
    """Builds the quizzes due within `ahead` on these platforms: `run_once()` on every tick."""

    def __init__(
        self,
        content: DailyQuizzes,
        platforms: Sequence[str],
        sessions: Callable[[], Session],
        clock: Clock,
        *,
        ahead: dt.timedelta,
        page: int = 500,
    ) -> None:
        self.content = content
        self.platforms = tuple(platforms)
        self.sessions = sessions
        self.clock = clock
        self.ahead = ahead
        self.page = page
        self._tried: dict[tuple[str, dt.date], set[int]] = {}  # (platform, date) → subscriber ids
        self._db = DatabaseThread(sessions, name="quiz-ahead").run

    async def run_once(self) -> int:
        """Build what comes due within `ahead` and is not built yet; how many quizzes were built."""
        built = 0
        for platform in self.platforms:
            zones = await self._db(push_ledger.active_timezones, platform=platform)
            for zone in zones:
                built += await self._build_zone(platform, zone)
        if built:
            log.info("built %d quiz(zes) ahead of quiz time", built)
        return built

    async def _build_zone(self, platform: str, zone: str) -> int:
        try:
            then = (self.clock.now() + self.ahead).astimezone(zone_of(zone))
        except ValueError:
            return 0  # an unknown timezone: the push logs it
        tried = self._tried_on(platform, then.date())
        built, after = 0, 0
        while page := await self._due(platform, zone, then, after):
            after = page[-1].id
            fresh = [subscriber for subscriber in page if subscriber.id not in tried]
            if fresh:
                built += await self.content.build(platform, then.date(), fresh)
                tried.update(subscriber.id for subscriber in fresh)
        return built

    async def _due(self, platform: str, zone: str, then: dt.datetime, after: int) -> list[DueSubscriber]:
        """The next page of subscribers whose quiz time will have come by `then`, not pushed yet."""
        return await self._db(
            push_ledger.due_batch,
            platform=platform,
            timezone=zone,
            local_date=then.date(),
            local_time=then.time().replace(tzinfo=None),
            after_id=after,
            limit=self.page,
            kind=PushKind.QUIZ,
        )

    def _tried_on(self, platform: str, date: dt.date) -> set[int]:
        if (platform, date) not in self._tried:
            oldest = date - dt.timedelta(days=DAYS_REMEMBERED)
            self._tried = {key: ids for key, ids in self._tried.items() if key[1] >= oldest}
        return self._tried.setdefault((platform, date), set())
