"""What `/admin stats` counts: subscribers, quiz participation, retention, the most saved words.

Every figure is one grouped query, however many subscribers and learners there are.

Retention over N days: of the people who subscribed in a private chat at least N days ago, the
share whose subscription is still active and who did something in the last N days (read a card,
saved a word, answered a quiz: a row in `learner_days`). A group or a Discord server is not a
person and is left out; a Discord member who studies from a server without a private
subscription is not in the cohort either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Table, and_, distinct, exists, func, or_, select
from sqlmodel import Session

from bot.storage.tables import (
    Identity,
    LearnerDay,
    Quiz,
    QuizAnswer,
    QuizOrigin,
    QuizState,
    SavedWord,
    Subscriber,
    SubscriberStatus,
)

SUBSCRIBERS: Table = Subscriber.__table__  # type: ignore[attr-defined]
IDENTITIES: Table = Identity.__table__  # type: ignore[attr-defined]
DAYS: Table = LearnerDay.__table__  # type: ignore[attr-defined]
QUIZZES: Table = Quiz.__table__  # type: ignore[attr-defined]
ANSWERS: Table = QuizAnswer.__table__  # type: ignore[attr-defined]
WORDS: Table = SavedWord.__table__  # type: ignore[attr-defined]
CORRECT = ("right", "typo", "hinted")  # as a quiz's tally counts a right answer
STARTED = (QuizState.OPEN.value, QuizState.FINISHED.value)


@dataclass(frozen=True)
class SubscriberCount:
    platform: str
    status: str
    chat_kind: str
    count: int


@dataclass(frozen=True)
class QuizParticipation:
    """Quizzes made since a moment, by how they came, and the answers given since then."""

    daily: int = 0  # pushed at quiz time
    daily_started: int = 0
    daily_finished: int = 0
    asked: int = 0  # /quiz
    asked_finished: int = 0
    group: int = 0  # a group's polls
    answers: int = 0
    correct: int = 0
    learners: int = 0  # distinct learners who answered


@dataclass(frozen=True)
class Retention:
    days: int
    cohort: int  # private subscribers who joined at least `days` days ago
    retained: int  # of them: still active, and active in the last `days` days

    @property
    def share(self) -> float | None:
        return self.retained / self.cohort if self.cohort else None


@dataclass(frozen=True)
class SavedCount:
    lemma: str
    learners: int


def subscriber_counts(session: Session) -> list[SubscriberCount]:
    statement = (
        select(SUBSCRIBERS.c.platform, SUBSCRIBERS.c.status, SUBSCRIBERS.c.chat_kind, func.count())
        .group_by(SUBSCRIBERS.c.platform, SUBSCRIBERS.c.status, SUBSCRIBERS.c.chat_kind)
        .order_by(SUBSCRIBERS.c.platform, SUBSCRIBERS.c.status, SUBSCRIBERS.c.chat_kind)
    )
    return [SubscriberCount(*row[:3], int(row[3])) for row in session.execute(statement)]


def quiz_participation(session: Session, *, since: dt.datetime) -> QuizParticipation:
    origin, state = QUIZZES.c.origin, QUIZZES.c.state
    daily, asked = origin == QuizOrigin.DAILY.value, origin == QuizOrigin.ASKED.value
    finished = QUIZZES.c.finished_at.is_not(None)
    started = or_(state.in_(STARTED), finished)
    quizzes = session.execute(
        select(
            func.count().filter(daily),
            func.count().filter(and_(daily, started)),
            func.count().filter(and_(daily, finished)),
            func.count().filter(asked),
            func.count().filter(and_(asked, finished)),
            func.count().filter(origin == QuizOrigin.GROUP.value),
        ).where(QUIZZES.c.created_at >= since)
    ).one()
    answers = session.execute(
        select(
            func.count(),
            func.count().filter(ANSWERS.c.outcome.in_(CORRECT)),
            func.count(distinct(ANSWERS.c.learner_id)),
        ).where(ANSWERS.c.answered_at >= since)
    ).one()
    return QuizParticipation(*(int(value or 0) for value in (*quizzes, *answers)))


def retention(session: Session, *, days: int, now: dt.datetime) -> Retention:
    """See the module's docstring. "The last N days" are learners' local dates from N days before
    today in UTC: a day's slack either way for the timezones."""
    since = now.date() - dt.timedelta(days=days)
    did_something = or_(
        DAYS.c.cards_read > 0, DAYS.c.words_saved > 0, DAYS.c.answered > 0, DAYS.c.quizzes_finished > 0
    )
    active_lately = exists().where(
        IDENTITIES.c.platform == SUBSCRIBERS.c.platform,
        IDENTITIES.c.user_id == SUBSCRIBERS.c.user_id,
        DAYS.c.learner_id == IDENTITIES.c.learner_id,
        DAYS.c.local_date >= since,
        did_something,
    )
    retained = and_(SUBSCRIBERS.c.status == SubscriberStatus.ACTIVE.value, active_lately)
    cohort, kept = session.execute(
        select(func.count(), func.count().filter(retained)).where(
            SUBSCRIBERS.c.chat_kind == "private",
            SUBSCRIBERS.c.joined_at <= now - dt.timedelta(days=days),
        )
    ).one()
    return Retention(days, int(cohort or 0), int(kept or 0))


def most_saved(session: Session, *, limit: int = 10) -> list[SavedCount]:
    """The words in the most vocabulary books (forgotten entries left out), most first."""
    learners = func.count().label("learners")
    statement = (
        select(WORDS.c.lemma, learners)
        .where(WORDS.c.forgotten_at.is_(None))
        .group_by(WORDS.c.lemma)
        .order_by(learners.desc(), WORDS.c.lemma)
        .limit(limit)
    )
    return [SavedCount(lemma, int(count)) for lemma, count in session.execute(statement)]
