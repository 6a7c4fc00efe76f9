"""The review's records: each queued post's checks, the day a digest showed it, the decision.

Functions take the session first and keyword arguments after it, and commit their own change. One
check of the queue runs at a time (the digest's lease), so a record needs no locking; a decision
is recorded after it was carried out on the queue, by an UPDATE that only an undecided row takes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.storage.review_tables import PostReview

MAX_REASONS = 2000


@dataclass(frozen=True)
class Check:
    """What checking one post found (the vetting's verdict, as stored)."""

    post_id: str
    checked_hash: str
    passed: bool
    translated: bool
    score: float
    reasons: tuple[str, ...]


def reviews_of(session: Session, post_ids: Collection[str]) -> dict[str, PostReview]:
    """The records of these posts, by post id (a post never checked has none)."""
    if not post_ids:
        return {}
    rows = session.exec(select(PostReview).where(col(PostReview.post_id).in_(list(post_ids)))).all()
    return {row.post_id: row for row in rows}


def review(session: Session, review_id: int) -> PostReview | None:
    return session.get(PostReview, review_id)


def record_check(session: Session, *, check: Check, queue_dir: str, now: dt.datetime) -> PostReview:
    """The post's latest check; a post checked before keeps its id (its buttons) and its digest day."""
    row = session.exec(select(PostReview).where(PostReview.post_id == check.post_id)).first()
    row = row or PostReview(
        post_id=check.post_id,
        queue_dir=queue_dir,
        checked_hash="",
        passed=False,
        translated=False,
        score=0.0,
        checked_at=now,
    )
    row.queue_dir = queue_dir
    row.checked_hash = check.checked_hash
    row.passed, row.translated, row.score = check.passed, check.translated, round(check.score, 4)
    row.reasons = "\n".join(check.reasons)[:MAX_REASONS]
    row.checked_at = now
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def mark_shown(session: Session, *, review_ids: Collection[int], day: dt.date) -> None:
    """A digest showed these posts to the admins today: tomorrow's shows only newer ones."""
    if review_ids:
        session.execute(
            update(PostReview).where(col(PostReview.id).in_(list(review_ids))).values(shown_on=day)
        )
        session.commit()


def decide(session: Session, *, review_id: int, decision: str, by: str, now: dt.datetime) -> bool:
    """Record an admin's (or auto-approval's) decision; False when the post was decided already."""
    statement = (
        update(PostReview)
        .where(col(PostReview.id) == review_id, col(PostReview.decision).is_(None))
        .values(decision=decision, decided_by=by[:100], decided_at=now)
    )
    decided = session.execute(statement).rowcount == 1  # type: ignore[attr-defined]
    session.commit()
    return decided
