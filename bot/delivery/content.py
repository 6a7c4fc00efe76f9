"""What the daily lesson push sends on a date: the same message /today shows, built once per date
and chat kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.core.messages import Reply
from bot.core.reading import day_reply
from bot.core.shelf import LessonShelf
from bot.storage.push_ledger import Claim, DueSubscriber
from bot.storage.tables import PushKind

GROUP = "group"


class DailyLessons:
    """The day's lesson for the push, cached: 100,000 chats share a handful of distinct messages."""

    kind = PushKind.LESSON

    def __init__(self, shelf: LessonShelf) -> None:
        self.shelf = shelf
        self._replies: dict[tuple[dt.date, bool], list[Reply]] = {}

    def content_id(self, date: dt.date) -> str | None:
        """The lesson scheduled for `date`, or None before the calendar starts."""
        day = self.shelf.day(date)
        return day.lesson.id if day is not None else None

    async def prepare(self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]) -> None:
        """Nothing to work out per subscriber: everyone gets the day's message, cached below."""

    async def replies(self, claim: Claim) -> list[Reply]:
        return self.replies_on(claim.local_date, claim.subscriber.chat_kind)

    def replies_on(self, date: dt.date, chat_kind: str) -> list[Reply]:
        group = chat_kind == GROUP
        key = (date, group)
        if key not in self._replies:
            day = self.shelf.day(date)
            if day is None:
                raise LookupError(f"no lesson is scheduled for {date}")
            if len(self._replies) > 16:  # a long-running bot sees new dates every day
                self._replies.clear()
            self._replies[key] = [day_reply(self.shelf, day, group=group)]
        return self._replies[key]
