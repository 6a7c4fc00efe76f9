"""What quizzes need besides the database: their settings, the FSRS scheduler, and the word
index that options are drawn from (built on first use: about a second, which a bot that is
never quizzed should not pay at start-up)."""

from __future__ import annotations

import datetime as dt
import random
import threading
from dataclasses import dataclass, field

from fsrs import Scheduler
from sqlmodel import Session

from bot.learning.quiz_words import WordChoices
from bot.learning.review_schedule import AnswerMode, Outcome, ScheduleRules, Timing, rating_for
from bot.storage import quizzes, review_cards
from bot.storage.quizzes import Asked
from lessons.expressions import ExpressionGlossary
from lessons.vocabulary import Dictionary


@dataclass(frozen=True)
class QuizConfig:
    max_questions: int = 8
    today_words: int = 4
    group_questions: int = 4
    group_minutes: int = 60
    build_ahead: dt.timedelta = dt.timedelta(minutes=30)  # tonight's quizzes are built this early
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

    def rate(
        self,
        session: Session,
        *,
        saved_word_id: int,
        asked: Asked,
        user_id: str,
        outcome: Outcome,
        duration_ms: int | None,
        timed: bool,
        now: dt.datetime,
        day_start: dt.datetime,
    ) -> None:
        """An answer's rating applied to the word's card, and kept with the answer when it moved the
        card (the day's first answer). `timed`: the answer's time says how fast it was (a group's
        poll is seen by each member at another moment, so its time does not)."""
        mode = AnswerMode.TYPED if asked.kind.typed else AnswerMode.CHOICE
        seconds = duration_ms / 1000 if timed and duration_ms is not None else None
        rating = rating_for(outcome, seconds, mode, self.config.timing)
        reviewed = review_cards.review(
            session,
            saved_word_id=saved_word_id,
            rating=rating,
            scheduler=self.scheduler,
            now=now,
            day_start=day_start,
            duration_ms=duration_ms,
            question_type=asked.kind.value,
        )
        if reviewed.counted:
            quizzes.set_rating(session, question_id=asked.id, user_id=user_id, rating=int(rating))

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
