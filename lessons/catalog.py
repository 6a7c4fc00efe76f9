"""The content side assembled: the library's posts as lessons, and their calendar.

This is the one object the chat side needs from `lessons/`; it is built from
plain values so the content side never reads the bot's settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from lessons.calendar import Calendar, Day
from lessons.lesson import Lesson, lessons_of
from lessons.library import Library, LibraryFileError
from lessons.pins import load_pins, save_pins
from lessons.sizing import LessonSizing
from lessons.teaching_value import DEFAULT_MIN_SCORE, TeachingRule
from lessons.vocabulary import Dictionary, default_dictionary_path


@dataclass(frozen=True)
class CatalogConfig:
    library_dir: Path
    pins_file: Path
    start: dt.date
    sizing: LessonSizing = field(default_factory=LessonSizing)
    words_per_minute: int = 200
    min_teaching_value: float = DEFAULT_MIN_SCORE


class UnknownLesson(LookupError):
    """No lesson has this id."""


class Catalog:
    """Lessons by id (every one, readable) and the day's pick (only the lessons worth a day)."""

    def __init__(self, config: CatalogConfig, library: Library, dictionary: Dictionary | None = None) -> None:
        """`dictionary` picks the key words the teaching value counts; the bundled one when None."""
        self.config = config
        self.library = library
        self.teaching = TeachingRule(
            dictionary or Dictionary.load(default_dictionary_path()), config.min_teaching_value
        )
        self.lessons: dict[str, Lesson] = {}
        for post_id in sorted(library.posts):
            for lesson in lessons_of(library.posts[post_id], config.sizing, config.words_per_minute):
                self.lessons[lesson.id] = lesson
        self.pins = load_pins(config.pins_file)
        self.calendar = Calendar(self.lessons.values(), config.start, self.pins, self.teaching.schedules)

    @classmethod
    def open(cls, config: CatalogConfig, dictionary: Dictionary | None = None) -> Catalog:
        return cls(config, Library.load(config.library_dir), dictionary)

    @property
    def errors(self) -> list[LibraryFileError]:
        return self.library.errors

    def lesson(self, lesson_id: str) -> Lesson:
        try:
            return self.lessons[lesson_id]
        except KeyError:
            raise UnknownLesson(lesson_id) from None

    def day(self, date: dt.date) -> Day | None:
        return self.calendar.lesson_for(date)

    def archive(self, today: dt.date, days: int | None = None) -> list[Day]:
        """Past days up to and including today, newest first."""
        first = self.config.start if days is None else max(self.config.start, today - dt.timedelta(days - 1))
        return self.calendar.days(first, today)[::-1]

    def pin(self, date: dt.date, lesson_id: str, today: dt.date) -> None:
        """Pin a lesson to a day from today on; a past day is history and stays as it was."""
        self.lesson(lesson_id)
        if date < today:
            raise ValueError(f"{date} is in the past; only today or later can be pinned")
        save_pins(self.config.pins_file, {**self.pins, date: lesson_id})

    def unpin(self, date: dt.date, today: dt.date) -> bool:
        if date < today:
            raise ValueError(f"{date} is in the past; its lesson stays as it was")
        if date not in self.pins:
            return False
        save_pins(self.config.pins_file, {d: i for d, i in self.pins.items() if d != date})
        return True
