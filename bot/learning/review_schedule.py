"""The review schedule's rules: FSRS (py-fsrs) set up for a bot that quizzes once a day, and how a
quiz answer becomes an FSRS rating.

FSRS's default learning steps (1 and 10 minutes) assume the learner is still at the desk. A
BuildSpeak learner is asked once a day, at their quiz time, so a same-day step could only ever be
honoured at the next quiz: the steps would be a 1-day wait dressed as 10 minutes, and a 1.5-day
"Hard" step would land between two quizzes. So there are no learning or relearning steps: every
rating sets a whole-day interval from the card's stability (FSRS's shortest is one day), and a
word missed tonight is re-drilled inside tonight's quiz instead, where it helps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from fsrs import Card, Rating, Scheduler, State


class Outcome(StrEnum):
    """How an answer went, before timing is taken into account."""

    RIGHT = "right"
    TYPO = "typo"  # right, with one typo forgiven
    HINTED = "hinted"  # right, after asking for a hint
    WRONG = "wrong"
    SKIPPED = "skipped"  # "I don't know"

    @property
    def correct(self) -> bool:
        return self in (Outcome.RIGHT, Outcome.TYPO, Outcome.HINTED)


class AnswerMode(StrEnum):
    CHOICE = "choice"  # picked among options: fast is quicker than for a typed word
    TYPED = "typed"


@dataclass(frozen=True)
class Timing:
    """Seconds that make a right answer Easy (at most `fast_*`) or Hard (over `slow_*`)."""

    fast_choice: float = 5.0
    slow_choice: float = 15.0
    fast_typed: float = 8.0
    slow_typed: float = 20.0

    def limits(self, mode: AnswerMode) -> tuple[float, float]:
        if mode is AnswerMode.TYPED:
            return self.fast_typed, self.slow_typed
        return self.fast_choice, self.slow_choice


def rating_for(outcome: Outcome, seconds: float | None, mode: AnswerMode, timing: Timing) -> Rating:
    """Wrong → Again; right after a hint, with a typo, or slowly → Hard; right → Good; right and
    fast → Easy. An answer whose time is unknown is never taken for fast or slow."""
    if not outcome.correct:
        return Rating.Again
    if outcome is not Outcome.RIGHT:
        return Rating.Hard
    fast, slow = timing.limits(mode)
    if seconds is not None and seconds > slow:
        return Rating.Hard
    if seconds is not None and seconds <= fast:
        return Rating.Easy
    return Rating.Good


@dataclass(frozen=True)
class ScheduleRules:
    desired_retention: float = 0.9
    maximum_interval: int = 3650  # days
    fuzz: bool = True
    known_stability: float = 21.0  # days: a card this stable counts as a word known

    def scheduler(self) -> Scheduler:
        return Scheduler(
            desired_retention=self.desired_retention,
            learning_steps=(),
            relearning_steps=(),
            maximum_interval=self.maximum_interval,
            enable_fuzzing=self.fuzz,
        )


class Memory(StrEnum):
    """Where a word stands, as /stats shows it."""

    NEW = "new"  # never reviewed
    LEARNING = "learning"
    KNOWN = "known"


def memory_of(state: int, stability: float | None, last_review: dt.datetime | None, known: float) -> Memory:
    if last_review is None or stability is None:
        return Memory.NEW
    if state == State.Review and stability >= known:
        return Memory.KNOWN
    return Memory.LEARNING


def utc(moment: dt.datetime) -> dt.datetime:
    """py-fsrs accepts only `datetime.timezone.utc` datetimes; a naive value (SQLite) is UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def new_card(card_id: int, now: dt.datetime) -> Card:
    """A word just saved: due at once, so tonight's quiz asks it."""
    return Card(card_id=card_id, due=utc(now))
