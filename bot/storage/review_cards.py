"""The review schedule in the database: one FSRS card per saved word, and the log of its reviews.

A card is read into py-fsrs's `Card`, reviewed there, and written back with its log row in one
transaction that holds the card's row lock, so two answers arriving at once (two processes, a
double tap) apply one review, not two. Only the first review of a learner's local day moves a
card: later answers that day are practice.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from fsrs import Card, Rating, Scheduler, State
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from bot.learning.review_schedule import Memory, memory_of, new_card, utc
from bot.storage.tables import ReviewCard, ReviewLog, SavedWord


@dataclass(frozen=True)
class DueWord:
    saved_word_id: int
    due: dt.datetime


@dataclass(frozen=True)
class Reviewed:
    """What a review did: the card before and after (None before: the word had no card yet)."""

    counted: bool  # False: not the day's first answer, or the word left the schedule; nothing moved
    before: Card | None
    after: Card | None


def start_card(session: Session, *, saved_word_id: int, learner_id: int, now: dt.datetime) -> None:
    """Put a word (newly saved, or saved again after its forget became final) on the schedule afresh:
    due now, no history. The caller commits, with the save."""
    session.exec(delete(ReviewLog).where(col(ReviewLog.saved_word_id) == saved_word_id))
    row = session.get(ReviewCard, saved_word_id)
    if row is None:
        row = ReviewCard(saved_word_id=saved_word_id, learner_id=learner_id, due=now)
    _write(row, new_card(saved_word_id, now))
    session.add(row)


def due_words(session: Session, *, learner_id: int, by: dt.datetime, limit: int) -> list[DueWord]:
    """The learner's words due by `by`, most overdue first; forgotten words are off the schedule."""
    statement = (
        select(ReviewCard.saved_word_id, ReviewCard.due)
        .join(SavedWord, col(SavedWord.id) == col(ReviewCard.saved_word_id))
        .where(
            col(ReviewCard.learner_id) == learner_id,
            col(ReviewCard.due) <= by,
            col(SavedWord.forgotten_at).is_(None),
        )
        .order_by(col(ReviewCard.due), col(ReviewCard.saved_word_id))
        .limit(limit)
    )
    return [DueWord(word_id, utc(due)) for word_id, due in session.exec(statement)]


def due_words_of(
    session: Session, *, learner_ids: Sequence[int], by: dt.datetime, limit: int
) -> dict[int, list[DueWord]]:
    """`due_words` for many learners in one query (a push's page): each one's `limit` most overdue."""
    if not learner_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=ReviewCard.learner_id, order_by=(col(ReviewCard.due), col(ReviewCard.saved_word_id))
        )
        .label("rank")
    )
    ranked = (
        select(ReviewCard.learner_id, ReviewCard.saved_word_id, ReviewCard.due, rank)
        .join(SavedWord, col(SavedWord.id) == col(ReviewCard.saved_word_id))
        .where(
            col(ReviewCard.learner_id).in_(learner_ids),
            col(ReviewCard.due) <= by,
            col(SavedWord.forgotten_at).is_(None),
        )
        .subquery()
    )
    statement = (
        select(ranked.c.learner_id, ranked.c.saved_word_id, ranked.c.due)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.learner_id, ranked.c.rank)
    )
    found: dict[int, list[DueWord]] = {}
    for learner_id, word_id, due in session.execute(statement):
        found.setdefault(learner_id, []).append(DueWord(word_id, utc(due)))
    return found


def load_card(session: Session, saved_word_id: int) -> Card | None:
    row = session.get(ReviewCard, saved_word_id)
    return _card(row) if row is not None else None


def review(
    session: Session,
    *,
    saved_word_id: int,
    rating: Rating,
    scheduler: Scheduler,
    now: dt.datetime,
    day_start: dt.datetime,
    duration_ms: int | None,
    question_type: str,
) -> Reviewed:
    """Apply one answer to a word's card, unless the card was already reviewed since `day_start`
    (the learner's local midnight) or the word is no longer in the book. Commits."""
    row = session.exec(
        select(ReviewCard).where(col(ReviewCard.saved_word_id) == saved_word_id).with_for_update()
    ).one_or_none()
    word = session.get(SavedWord, saved_word_id)
    if row is None or word is None or word.forgotten_at is not None:
        session.rollback()
        return Reviewed(False, None, None)
    before = _card(row)
    if before.last_review is not None and before.last_review >= utc(day_start):
        session.rollback()
        return Reviewed(False, before, before)
    after, log = scheduler.review_card(before, rating, utc(now), duration_ms)
    _write(row, after)
    session.add(row)
    session.add(
        ReviewLog(
            saved_word_id=saved_word_id,
            rating=int(log.rating),
            reviewed_at=log.review_datetime,
            duration_ms=log.review_duration,
            question_type=question_type,
        )
    )
    session.commit()
    return Reviewed(True, before, after)


def review_history(session: Session, saved_word_id: int) -> list[ReviewLog]:
    statement = (
        select(ReviewLog)
        .where(col(ReviewLog.saved_word_id) == saved_word_id)
        .order_by(col(ReviewLog.reviewed_at), col(ReviewLog.id))
    )
    return list(session.exec(statement))


def memory_counts(session: Session, *, learner_id: int, known_stability: float) -> Counter[Memory]:
    """The learner's words (not forgotten) by memory state: new, learning, known."""
    statement = (
        select(ReviewCard.state, ReviewCard.stability, ReviewCard.last_review)
        .join(SavedWord, col(SavedWord.id) == col(ReviewCard.saved_word_id))
        .where(col(ReviewCard.learner_id) == learner_id, col(SavedWord.forgotten_at).is_(None))
    )
    return Counter(memory_of(*row, known_stability) for row in session.exec(statement))


def _card(row: ReviewCard) -> Card:
    """The stored card as py-fsrs's, its datetimes re-tagged UTC (SQLite reads them back naive)."""
    return Card(
        card_id=row.saved_word_id,
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=utc(row.due),
        last_review=utc(row.last_review) if row.last_review is not None else None,
    )


def _write(row: ReviewCard, card: Card) -> None:
    row.state = int(card.state)
    row.step = card.step
    row.stability = card.stability
    row.difficulty = card.difficulty
    row.due = card.due
    row.last_review = card.last_review
