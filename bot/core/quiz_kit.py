"""What quizzes need besides the database: their settings, the FSRS scheduler, and the word
index that options are drawn from (built on first use: about a second, which a bot that is
never quizzed should not pay at start-up)."""

from __future__ import annotations

import datetime as dt
import random
import threading
from dataclasses import dataclass, field

from fsrs import Scheduler

from bot.learning.quiz_words import WordChoices
from bot.learning.review_schedule import ScheduleRules, Timing
from lessons.expressions import ExpressionGlossary
from lessons.vocabulary import Dictionary


@dataclass(frozen=True)
class QuizConfig:
    max_questions: int = 8
    today_words: int = 4
    group_questions: int = 4
    group_minutes: int = 60
    rules: ScheduleRules = field(default_factory=ScheduleRules)
    timing: Timing = field(default_factory=Timing)


class QuizKit:
    def __init__(
        self,
        config: QuizConfig,
        dictionary: Dictionary,
        glossary: ExpressionGlossary,
        *,
        seed: int | None = None,
    ) -> None:
        self.config = config
        self.dictionary = dictionary
        self.glossary = glossary
        self.scheduler: Scheduler = config.rules.scheduler()
        self._seed = seed
        self._choices: WordChoices | None = None
        self._lock = threading.Lock()

    @property
    def choices(self) -> WordChoices:
        with self._lock:  # handlers run in threads: the index is built once, by whoever comes first
            if self._choices is None:
                self._choices = WordChoices(self.dictionary, self.glossary)
            return self._choices

    def rng(self, salt: object = None) -> random.Random:
        """Randomness for one quiz's options; a seeded kit (tests) gives the same quiz every time."""
        if self._seed is None:
            return random.Random()
        return random.Random(f"{self._seed}:{salt}")


def end_of_day(local_date: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The last moment of a local date, in UTC: a word due any time today is asked tonight."""
    midnight = dt.datetime.combine(local_date + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return midnight.astimezone(dt.UTC) - dt.timedelta(microseconds=1)


def start_of_day(local_date: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(local_date, dt.time(), tzinfo=zone).astimezone(dt.UTC)
