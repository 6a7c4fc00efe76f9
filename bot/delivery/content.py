"""What the daily lesson push sends on a date: the same message /today shows, built once per date
and chat kind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

from bot.core.messages import Audio, Reply
from bot.core.reading import day_reply
from bot.core.shelf import LessonShelf
from bot.storage.push_ledger import Claim, DueSubscriber
from bot.storage.tables import PushKind

GROUP = "group"


class DailyLessons:
    """The day's lesson for the push, cached: 100,000 chats share a handful of distinct messages.

    A group's post comes with the whole text spoken (`audio`), made once a date before the first
    group's post: the platforms that attach it to the post show it, the others leave it out.
    """

    kind = PushKind.LESSON

    def __init__(self, shelf: LessonShelf, *, web_url: str = "") -> None:
        self.shelf = shelf
        self.web_url = web_url  # the reader's address: 🌐 阅读页 under the lesson ("" : none)
        # Keyed by the library generation too: after /admin pin or reload, a date's lesson may change.
        self._replies: dict[tuple[int, dt.date, bool], list[Reply]] = {}
        self._spoken: dict[tuple[int, dt.date], Audio | None] = {}

    def content_id(self, date: dt.date) -> str | None:
        """The lesson scheduled for `date`, or None before the calendar starts."""
        day = self.shelf.day(date)
        return day.lesson.id if day is not None else None

    async def prepare(self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]) -> None:
        """Everyone gets the day's message, cached below; a page with a group first has the whole
        text spoken (once a date: the voice's cache makes later dates' files, not this one's)."""
        spoken_key = (self.shelf.generation, local_date)
        if spoken_key in self._spoken or not any(due.chat_kind == GROUP for due in page):
            return
        day = self.shelf.day(local_date)
        if day is None:
            return
        deck = self.shelf.deck(day.lesson)
        title = f"{day.lesson.header.author} · 第 {day.number} 课 · 全文"
        if len(self._spoken) > 16:  # a long-running bot sees new dates every day
            self._spoken.clear()
        self._spoken[spoken_key] = await self.shelf.audio(deck.english, title, performer="BuildSpeak")

    async def replies(self, claim: Claim) -> list[Reply]:
        return self.replies_on(claim.local_date, claim.subscriber.chat_kind)

    def replies_on(self, date: dt.date, chat_kind: str) -> list[Reply]:
        group = chat_kind == GROUP
        key = (self.shelf.generation, date, group)
        if key not in self._replies:
            day = self.shelf.day(date)
            if day is None:
                raise LookupError(f"no lesson is scheduled for {date}")
            if len(self._replies) > 16:
                self._replies.clear()
            reply = day_reply(self.shelf, day, group=group, web_url=self.web_url)
            spoken = self._spoken.get((self.shelf.generation, date)) if group else None
            self._replies[key] = [replace(reply, audio=spoken) if spoken else reply]
        return self._replies[key]
