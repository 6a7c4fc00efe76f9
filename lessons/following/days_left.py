"""How many days of new lessons the library still holds: the operator's warning to find more posts.

What counts, exactly: the days after today (tomorrow on) whose lesson, as the calendar picks it, no
earlier day of the calendar had. So:

- only approved posts count: the calendar reads the library alone, never the review queue;
- today does not count (its lesson is already going out), and a day that repeats an earlier lesson
  does not either, since the calendar repeats only when nothing fresh is available;
- a lesson the teaching-value rule leaves out never gets a day, so it does not count; a lesson
  pinned to a future day counts on that day if it is fresh then, and a pin of an old lesson does
  not;
- a post that joins the library on a future day (`added` ahead of today) counts once it is there.

"Today" is the calendar's (its timezone's date), as `buildspeak lessons pin` counts it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lessons.calendar import Calendar
from lessons.catalog import Catalog

WARN_BELOW_DAYS = 14  # fewer days left than this: the admins are told, once a day
EARLIEST_OFFSET = dt.timedelta(hours=14)  # Kiribati's: where each date begins first


@dataclass(frozen=True)
class DaysLeft:
    """`days` fresh days after `today`; `last` is the last of them (None when there is none)."""

    today: dt.date
    days: int
    last: dt.date | None

    def below(self, limit: int) -> bool:
        return self.days < limit

    @property
    def label(self) -> str:
        """ "新课还剩 12 天（到 2026-12-04）" — the figure as the CLI, /admin stats and the warning say it."""
        until = f"（到 {self.last.isoformat()}）" if self.last is not None else ""
        return f"新课还剩 {self.days} 天{until} · {self.days} days of new lessons left"

    def line(self, limit: int = WARN_BELOW_DAYS) -> str:
        """The label, flagged when fewer than `limit` days are left (the admins' warning is due)."""
        flag = f"  ⚠️ 不足 {limit} 天 fewer than {limit}" if self.below(limit) else ""
        return self.label + flag


def days_left(catalog: Catalog, today: dt.date) -> DaysLeft:
    """Walk the calendar past today until every lesson it may still give fresh has had its day."""
    start, calendar = catalog.config.start, _calendar(catalog)
    shown = {day.lesson.id for day in calendar.days(start, today)}
    waiting = {lesson.id for lesson in catalog.lessons.values() if catalog.teaching.schedules(lesson)}
    waiting |= {
        lesson_id for date, lesson_id in catalog.pins.items() if date > today and lesson_id in catalog.lessons
    }
    waiting -= shown
    first = max(today + dt.timedelta(days=1), start)
    count, last = 0, None
    for offset in range(_horizon(catalog, first, len(waiting))):
        if not waiting:
            break
        date = first + dt.timedelta(days=offset)
        day = calendar.lesson_for(date)
        if day is None or day.lesson.id in shown:
            continue
        shown.add(day.lesson.id)
        waiting.discard(day.lesson.id)
        count, last = count + 1, date
    return DaysLeft(today, count, last)


def _calendar(catalog: Catalog) -> Calendar:
    """The catalog's calendar computed afresh: the shared one extends itself as days are asked, and
    this runs in a worker thread beside the handlers that ask it, so it walks a copy of its own."""
    return Calendar(catalog.lessons.values(), catalog.config.start, catalog.pins, catalog.teaching.schedules)


def _horizon(catalog: Catalog, first: dt.date, fresh: int) -> int:
    """Days enough for every fresh lesson to come up: one each, plus a day for each future pin (a
    pinned part of a series is shown again when its series runs), plus the wait for posts that join
    the library later (the walk repeats old lessons until they do)."""
    latest = max((lesson.post.added for lesson in catalog.lessons.values()), default=first)
    pins = sum(1 for date in catalog.pins if date >= first)
    return fresh + pins + max(0, (latest - first).days) + 1


def first_day(catalog: Catalog, post_id: str, today: dt.date) -> dt.date | None:
    """The first day after today that gives a lesson of this post (a post approved today joins the
    queue at its end: this is when learners first get it), or None when it gets none (a lesson the
    teaching-value rule leaves out)."""
    lesson_ids = {lesson.id for lesson in catalog.lessons.values() if lesson.post.id == post_id}
    pinned = set(catalog.pins.values())
    if not any(catalog.teaching.schedules(catalog.lessons[i]) or i in pinned for i in lesson_ids):
        return None
    first = max(today + dt.timedelta(days=1), catalog.config.start)
    fresh = sum(1 for lesson in catalog.lessons.values() if catalog.teaching.schedules(lesson))
    calendar = _calendar(catalog)
    for offset in range(_horizon(catalog, first, fresh)):
        date = first + dt.timedelta(days=offset)
        day = calendar.lesson_for(date)
        if day is not None and day.lesson.id in lesson_ids:
            return date
    return None


def joining_day(today: dt.date, now: dt.datetime) -> dt.date:
    """The day a post approved `now` joins the library: the first day no one has begun anywhere.

    Not today: today's lesson may have gone out already (the push, /today), and a post joining today
    would take today's place in the calendar whenever its fresh lessons have run out, so those who
    got the repeat would never get the new post. Not a day already begun somewhere either: a
    subscriber's day is their own timezone's, and the earliest on Earth (UTC+14) is up to a day
    ahead of the calendar's.
    """
    earliest = now.astimezone(dt.timezone(EARLIEST_OFFSET)).date()
    return max(today, earliest) + dt.timedelta(days=1)
