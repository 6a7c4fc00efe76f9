"""Explanations' rows: the cache of LLM answers and the per-learner daily question counter.

Every function takes the session first and keyword arguments after it, and commits its own
change. The counter is changed with conditional UPDATEs rather than read-then-write, so two
questions arriving together (PTB handles updates concurrently) can never both take the last
question of a budget.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.storage.tables import CachedExplanation, QuestionUsage


def cached_answer(session: Session, *, key: str) -> str | None:
    row = session.get(CachedExplanation, key)
    return row.answer if row is not None else None


def store_answer(session: Session, *, key: str, answer: str, now: dt.datetime) -> None:
    """Keep an answer under `key`; a newer answer to the same key replaces the old one."""
    row = session.get(CachedExplanation, key)
    if row is None:
        session.add(CachedExplanation(key=key, answer=answer, created_at=now))
    else:
        row.answer, row.created_at = answer, now
    try:
        session.commit()
    except IntegrityError:  # the same question answered twice at once: either answer will do
        session.rollback()


def questions_asked(session: Session, *, learner_id: int, local_date: dt.date) -> int:
    """Read with a query, not the identity map: the counter is changed by UPDATEs the session never sees."""
    statement = select(QuestionUsage.questions).where(*_usage_row(learner_id, local_date))
    return session.exec(statement).first() or 0


def take_question(session: Session, *, learner_id: int, local_date: dt.date, limit: int) -> int | None:
    """Count one question against the day's `limit`: the questions left after it, or None when none were."""
    where = _usage_row(learner_id, local_date)
    for _ in range(2):
        below = update(QuestionUsage).where(*where, col(QuestionUsage.questions) < limit)
        counted = session.execute(below.values(questions=col(QuestionUsage.questions) + 1)).rowcount == 1
        session.commit()
        if counted:
            return limit - questions_asked(session, learner_id=learner_id, local_date=local_date)
        if limit <= 0 or session.exec(select(QuestionUsage.questions).where(*where)).first() is not None:
            return None
        session.add(QuestionUsage(learner_id=learner_id, local_date=local_date, questions=1))
        try:
            session.commit()
            return limit - 1
        except IntegrityError:  # another question created the row first: count against it instead
            session.rollback()
    return None


def give_back_question(session: Session, *, learner_id: int, local_date: dt.date) -> None:
    """Undo `take_question` for a question the model failed to answer: a failure costs nothing."""
    where = (*_usage_row(learner_id, local_date), col(QuestionUsage.questions) > 0)
    session.execute(update(QuestionUsage).where(*where).values(questions=col(QuestionUsage.questions) - 1))
    session.commit()


def _usage_row(learner_id: int, local_date: dt.date) -> tuple[ColumnElement[bool], ...]:
    return (col(QuestionUsage.learner_id) == learner_id, col(QuestionUsage.local_date) == local_date)
