"""The lessons as the conversation needs them: by a short stable key, with their decks and audio.

Decks are built on demand and a few are kept, since a learner pressing ▶
asks for the same lesson again and again. Audio is made in a worker thread:
a voice may take seconds and must not stall other chats.

The library can be read again while the bot runs (`reload`: an admin's /admin reload or pin): the
new catalog is built aside, then swapped in as one reference, so a handler sees the old lessons or
the new ones, never half of each.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bot.core.messages import Audio, RichText
from lessons.calendar import Day
from lessons.catalog import Catalog
from lessons.deck import Deck, DeckBuilder, Speaker
from lessons.lesson import Lesson
from lessons.text import short_hash

MAX_KEY_LENGTH = 40
SPEECH_THREADS = 4  # voices speaking at once (an export speaks up to four sentences together)


def lesson_key(lesson_id: str) -> str:
    """The lesson id when short enough for a button payload, else a stable hash of it."""
    return lesson_id if len(lesson_id) <= MAX_KEY_LENGTH else "h" + short_hash(lesson_id, 12)


@dataclass(frozen=True)
class DayLesson:
    """A lesson as scheduled: its calendar day and that day's number (day 1 = the calendar's start)."""

    number: int
    date: dt.date
    lesson: Lesson


@dataclass(frozen=True)
class _Stock:
    """The catalog on the shelf, its lessons by key, and the library generation it was read at."""

    catalog: Catalog
    by_key: dict[str, str]
    generation: int

    @classmethod
    def of(cls, catalog: Catalog, generation: int) -> _Stock:
        return cls(catalog, {lesson_key(lesson_id): lesson_id for lesson_id in catalog.lessons}, generation)


class LessonShelf:
    def __init__(
        self, catalog: Catalog, builder: DeckBuilder, speaker: Speaker | None = None, *, kept: int = 64
    ) -> None:
        self.builder = builder
        self.speaker = speaker
        self._kept = kept
        self._decks: OrderedDict[str, tuple[Lesson, Deck]] = OrderedDict()
        self._stock = _Stock.of(catalog, 0)
        # Threads of their own: a slow voice (gTTS waits up to its timeout) must not hold up the
        # database work that handlers and the heartbeat do in the shared pool.
        self._voices = ThreadPoolExecutor(max_workers=SPEECH_THREADS, thread_name_prefix="speech")

    @property
    def catalog(self) -> Catalog:
        return self._stock.catalog

    @property
    def generation(self) -> int:
        """The library generation these lessons were read at (0: at start-up, before any reload)."""
        return self._stock.generation

    def read_library(self) -> Catalog:
        """The library and pins read again from where this catalog came from, not yet on the shelf.

        Blocking (a second or more for a big library): run it in a worker thread. A library that
        cannot be read (a broken pins file) raises.
        """
        return Catalog.open(self.catalog.config, self.builder.dictionary)

    def restock(self, catalog: Catalog, generation: int) -> None:
        """Swap in `catalog`, read at library `generation`, in one assignment."""
        self._stock = _Stock.of(catalog, generation)

    def lesson(self, key: str) -> Lesson | None:
        stock = self._stock
        lesson_id = stock.by_key.get(key)
        return stock.catalog.lessons.get(lesson_id) if lesson_id else None

    def day(self, date: dt.date) -> DayLesson | None:
        return self._numbered(self.catalog.day(date))

    def day_number(self, number: int, today: dt.date) -> DayLesson | None:
        """Day `number` of the calendar, if it is not in the future."""
        if not 1 <= number <= (today - self.catalog.config.start).days + 1:
            return None
        return self.day(self.catalog.config.start + dt.timedelta(days=number - 1))

    def archive(self, today: dt.date) -> list[DayLesson]:
        """Every day up to today, newest first."""
        return [self._numbered(day) for day in self.catalog.archive(today)]

    def deck(self, lesson: Lesson) -> Deck:
        kept = self._decks.pop(lesson.id, None)
        # A deck kept for this very lesson; after a reload an edited lesson keeps its id but is a
        # new object, and gets a new deck.
        deck = kept[1] if kept is not None and kept[0] is lesson else self.builder.build(lesson)
        self._decks[lesson.id] = (lesson, deck)
        while len(self._decks) > self._kept:
            self._decks.popitem(last=False)
        return deck

    async def audio(
        self, text: str, title: str, performer: str | None = None, caption: str | None = None
    ) -> Audio | None:
        """The text spoken, or None when no voice can speak now (the speaker logs why)."""
        if self.speaker is None:
            return None
        loop = asyncio.get_running_loop()
        spoken = await loop.run_in_executor(self._voices, self.speaker.synthesize, text)
        if spoken is None:
            return None
        shown = RichText.of(caption) if caption else None
        return Audio(path=spoken.path, key=spoken.path.stem, title=title, performer=performer, caption=shown)

    def _numbered(self, day: Day | None) -> DayLesson | None:
        if day is None:
            return None
        number = (day.date - self.catalog.config.start).days + 1
        return DayLesson(number, day.date, day.lesson)
