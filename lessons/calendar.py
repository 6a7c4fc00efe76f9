"""Which lesson is the day's: a pure function of the date, the library, the pins and the rule.

The queue orders scheduling units (a post with its parts, or a whole talk
series) by the day they joined the library, then by a stable hash of their
id: a fixed shuffle that mixes topics. Walking from the first day, each day
takes the next unit's next part. Because units that join later sort after
every unit already there, and a walk only looks at units available on the day
it reaches, adding posts never changes a past day. Every unit is used once
before any repeats: repeats start only when nothing fresh is available.

A lesson the rule does not schedule (too little to teach, see
`lessons/teaching_value.py`) keeps its place in the queue as a hole (a post's
holes move behind its scheduled parts, which stay on consecutive days). Taking
the next lesson in the queue instead would move every later day one lesson
earlier, the archive's past included; so the hole is filled with the last
fresh one-day post available that day, which the walk skips when it gets
there. Only the hole's day and the far end of the fresh queue change. With no
such post left (in repeats), the walk goes on to the next lesson. A pin is an
admin's choice and is kept even for a lesson the rule would not schedule.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lessons.lesson import Lesson
from lessons.text import short_hash

Schedules = Callable[[Lesson], bool]


def _every_lesson(lesson: Lesson) -> bool:
    return True


@dataclass(frozen=True)
class Unit:
    """What the queue orders: lessons that go out on consecutive days."""

    key: str
    added: dt.date
    lessons: tuple[Lesson, ...]


@dataclass(frozen=True)
class Day:
    date: dt.date
    lesson: Lesson
    pinned: bool = False


class Calendar:
    """The schedule from `start` on; computed once per instance up to the latest day asked."""

    def __init__(
        self,
        lessons: Iterable[Lesson],
        start: dt.date,
        pins: dict[dt.date, str],
        schedules: Schedules = _every_lesson,
    ) -> None:
        self.start = start
        self._by_id = {lesson.id: lesson for lesson in lessons}
        self._pins = {day: lesson_id for day, lesson_id in pins.items() if lesson_id in self._by_id}
        self.unknown_pins = sorted(day for day, lesson_id in pins.items() if lesson_id not in self._by_id)
        self._queue = _queue(self._by_id.values())
        self._days: list[Day | None] = []
        self._walk = _Walk(self._queue, schedules)

    def lesson_for(self, day: dt.date) -> Day | None:
        """The day's lesson, or None before the first day or with no lesson worth a day."""
        if day < self.start:
            return None
        index = (day - self.start).days
        while len(self._days) <= index:
            current = self.start + dt.timedelta(days=len(self._days))
            self._days.append(self._next(current))
        return self._days[index]

    def days(self, first: dt.date, last: dt.date) -> list[Day]:
        """Scheduled days in [first, last], oldest first."""
        span = (last - first).days + 1
        days = (self.lesson_for(first + dt.timedelta(days=n)) for n in range(max(0, span)))
        return [day for day in days if day is not None]

    def _next(self, day: dt.date) -> Day | None:
        pinned = self._pins.get(day)
        if pinned:
            lesson = self._by_id[pinned]
            self._walk.mark_pinned(lesson)
            return Day(day, lesson, pinned=True)
        lesson = self._walk.next_lesson(day)
        return Day(day, lesson) if lesson else None


class _Walk:
    """The state of walking the queue day by day: fresh units first, then repeats."""

    def __init__(self, queue: list[Unit], schedules: Schedules) -> None:
        self.queue = queue
        self.schedules = schedules
        self.added = [unit.added for unit in queue]
        self.slots = [0, *itertools.accumulate(len(unit.lessons) for unit in queue)]
        self.used: set[str] = set()
        self.fresh = 0
        self.repeat = 0
        self.in_progress: deque[Lesson | None] = deque()

    def mark_pinned(self, lesson: Lesson) -> None:
        """A pinned one-day unit counts as used; a pinned part leaves its series to run in full."""
        if lesson.header.parts == 1:
            self.used.add(lesson.unit)

    def next_lesson(self, day: dt.date) -> Lesson | None:
        """The queue's next lesson; a hole is filled, else passed over (so repeats skip holes)."""
        available = bisect.bisect_right(self.added, day)
        for _ in range(self.slots[available] + 1):  # a full round of holes: nothing is worth a day
            if not self.in_progress and not self._start_unit(day):
                return None
            lesson = self.in_progress.popleft() or self._filler(available)
            if lesson is not None:
                return lesson
        return None

    def _start_unit(self, day: dt.date) -> bool:
        """Queue the next unit's lessons, its scheduled parts first so they stay on consecutive days."""
        unit = self._next_unit(day)
        if unit is None:
            return False
        self.used.add(unit.key)
        kept = [lesson for lesson in unit.lessons if self.schedules(lesson)]
        self.in_progress.extend([*kept, *[None] * (len(unit.lessons) - len(kept))])
        return True

    def _filler(self, available: int) -> Lesson | None:
        """The last fresh one-day unit available, taken out of its turn (the walk skips it later)."""
        for unit in reversed(self.queue[self.fresh : available]):
            if unit.key in self.used or len(unit.lessons) != 1 or not self.schedules(unit.lessons[0]):
                continue
            self.used.add(unit.key)
            return unit.lessons[0]
        return None

    def _next_unit(self, day: dt.date) -> Unit | None:
        while self.fresh < len(self.queue) and self.queue[self.fresh].added <= day:
            unit = self.queue[self.fresh]
            self.fresh += 1
            if unit.key not in self.used:
                return unit
        available = self.fresh
        if available == 0:
            return None
        if self.repeat >= available:
            self.repeat = 0
        unit = self.queue[self.repeat]
        self.repeat += 1
        return unit


def _queue(lessons: Iterable[Lesson]) -> list[Unit]:
    grouped: dict[str, list[Lesson]] = {}
    for lesson in lessons:
        grouped.setdefault(lesson.unit, []).append(lesson)
    units = [
        Unit(key, min(lesson.post.added for lesson in group), tuple(sorted(group, key=_position)))
        for key, group in grouped.items()
    ]
    return sorted(units, key=lambda unit: (unit.added, short_hash(unit.key)))


def _position(lesson: Lesson) -> tuple[int, str]:
    return (lesson.header.part, lesson.id)
