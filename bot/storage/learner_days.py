"""What each learner did on each of their local days: cards read, words saved, quiz answers.

The streak, the quiz's "nothing due, but you read today's lesson" and /stats read this table; one
row per learner and day keeps them cheap however long someone has used the bot. Counters are
bumped with one upsert (INSERT … ON CONFLICT DO UPDATE on both databases), so two bumps at once
both count. The caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.storage.tables import LearnerDay

DAYS: Table = LearnerDay.__table__  # type: ignore[attr-defined]
COUNTERS = ("cards_read", "words_saved", "answered", "correct", "quizzes_finished")


@dataclass(frozen=True)
class Streak:
    days: int  # consecutive active days up to today, or up to yesterday when today is not done yet
    today_done: bool

    @property
    def at_risk(self) -> bool:
        """A streak that ends tonight unless the learner reads or finishes a quiz today."""
        return self.days > 0 and not self.today_done


def bump(
    session: Session, *, learner_id: int, local_date: dt.date, lesson_id: str | None = None, **counts: int
) -> None:
    """Add `counts` (cards_read=1, answered=1, …) to the learner's day; `lesson_id` is the lesson read."""
    unknown = set(counts) - set(COUNTERS)
    if unknown:
        raise TypeError(f"no such counter: {', '.join(sorted(unknown))}")
    values = {name: counts.get(name, 0) for name in COUNTERS}
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(DAYS)
    statement = insert.values(learner_id=learner_id, local_date=local_date, lesson_id=lesson_id, **values)
    changes = {name: DAYS.c[name] + statement.excluded[name] for name in counts}
    if lesson_id is not None:
        changes["lesson_id"] = statement.excluded.lesson_id
    if changes:
        session.execute(
            statement.on_conflict_do_update(index_elements=["learner_id", "local_date"], set_=changes)
        )
    else:
        session.execute(statement.on_conflict_do_nothing(index_elements=["learner_id", "local_date"]))


def day_of(session: Session, *, learner_id: int, local_date: dt.date) -> LearnerDay | None:
    return session.get(LearnerDay, (learner_id, local_date))


def days_since(session: Session, *, learner_id: int, first: dt.date) -> list[LearnerDay]:
    statement = (
        select(LearnerDay)
        .where(col(LearnerDay.learner_id) == learner_id, col(LearnerDay.local_date) >= first)
        .order_by(col(LearnerDay.local_date))
    )
    return list(session.exec(statement))


def streak(session: Session, *, learner_id: int, today: dt.date, longest: int = 3650) -> Streak:
    """Consecutive local days on which the learner read a lesson or finished a quiz."""
    active = {
        day.local_date
        for day in days_since(session, learner_id=learner_id, first=today - dt.timedelta(days=longest))
        if day.cards_read > 0 or day.quizzes_finished > 0
    }
    return streak_of(active, today)


def recent_days_of(
    session: Session, *, learner_ids: list[int], first: dt.date
) -> dict[int, dict[dt.date, LearnerDay]]:
    """Many learners' days since `first` in one query (a push's page): learner → date → day."""
    if not learner_ids:
        return {}
    statement = select(LearnerDay).where(
        col(LearnerDay.learner_id).in_(learner_ids), col(LearnerDay.local_date) >= first
    )
    found: dict[int, dict[dt.date, LearnerDay]] = {}
    for day in session.exec(statement):
        found.setdefault(day.learner_id, {})[day.local_date] = day
    return found


def streak_of(active: set[dt.date], today: dt.date) -> Streak:
    """The streak that a set of active days makes, counted back from today (or yesterday)."""
    today_done = today in active
    day, count = (today if today_done else today - dt.timedelta(days=1)), 0
    while day in active:
        count += 1
        day -= dt.timedelta(days=1)
    return Streak(count, today_done)
