"""Subscribers, and forgetting a person on request.

Every function takes the session first and keyword arguments after it, and commits
its own change, so a caller never leaves a half-done write behind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Delete, delete, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.storage.learners import find_learner
from bot.storage.tables import (
    Identity,
    Learner,
    LearnerDay,
    PushDelivery,
    QuestionUsage,
    Quiz,
    QuizAnswer,
    QuizQuestion,
    ReviewCard,
    ReviewLog,
    SavedWord,
    Subscriber,
    SubscriberStatus,
    WordContext,
)

PRIVATE = "private"
# What `update_subscriber` may change; ids, platform and chat stay as they were created.
CHANGEABLE = frozenset(
    {"user_id", "chat_kind", "title", "language", "timezone", "lesson_time", "quiz_time", "status"}
)


def find_subscriber(session: Session, *, platform: str, chat_id: str) -> Subscriber | None:
    statement = select(Subscriber).where(Subscriber.platform == platform, Subscriber.chat_id == chat_id)
    return session.exec(statement).one_or_none()


def active_per_platform(session: Session) -> dict[str, int]:
    """How many chats get the daily push on each platform, in one query (read at every scrape of
    `/metrics`; the status column is indexed)."""
    statement = (
        select(Subscriber.platform, func.count())
        .where(Subscriber.status == SubscriberStatus.ACTIVE.value)
        .group_by(Subscriber.platform)
    )
    return {platform: count for platform, count in session.exec(statement)}


def subscribe(
    session: Session,
    *,
    platform: str,
    chat_id: str,
    user_id: str,
    chat_kind: str,
    title: str | None,
    now: dt.datetime,
) -> tuple[Subscriber, bool]:
    """Start (or restart) daily lessons for a chat; True when the chat is new.

    A chat that comes back after /stop, a pause or a block keeps its language, timezone
    and times: it only becomes active again, with its current title and subscriber.
    """
    existing = find_subscriber(session, platform=platform, chat_id=chat_id)
    if existing is not None:
        return _reactivate(session, existing, user_id=user_id, title=title, now=now), False
    subscriber = Subscriber(
        platform=platform,
        chat_id=chat_id,
        user_id=user_id,
        chat_kind=chat_kind,
        title=title,
        joined_at=now,
        updated_at=now,
    )
    session.add(subscriber)
    try:
        session.commit()
    except IntegrityError:  # the same chat subscribed at the same moment elsewhere: theirs stands
        session.rollback()
        existing = find_subscriber(session, platform=platform, chat_id=chat_id)
        if existing is None:
            raise
        return _reactivate(session, existing, user_id=user_id, title=title, now=now), False
    return subscriber, True


def _reactivate(
    session: Session, subscriber: Subscriber, *, user_id: str, title: str | None, now: dt.datetime
) -> Subscriber:
    changes: dict[str, Any] = {"status": SubscriberStatus.ACTIVE.value, "user_id": user_id}
    if title is not None:
        changes["title"] = title
    return update_subscriber(session, subscriber, now=now, **changes)


def update_subscriber(
    session: Session, subscriber: Subscriber, *, now: dt.datetime, **changes: Any
) -> Subscriber:
    """Change a subscriber's settings or status; unknown or fixed fields are a programming error."""
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise TypeError(f"update_subscriber cannot change {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(subscriber, name, value.value if isinstance(value, SubscriberStatus) else value)
    subscriber.updated_at = now
    session.add(subscriber)
    session.commit()
    return subscriber


def forget_user(session: Session, *, platform: str, user_id: str, chat_id: str) -> int:
    """Erase a person: their private chat's subscription and pushes, and their learner with all it
    owns (every platform identity, the vocabulary book, the question counts).

    The private-chat row goes whether it is found by `chat_id` (the chat they wrote from)
    or by `user_id` (they asked from a group). A group's subscription stays: it belongs
    to the group, even if this person started it. Returns how many rows were deleted,
    children included.
    """
    private_chats = select(Subscriber.id).where(
        Subscriber.platform == platform,
        Subscriber.chat_kind == PRIVATE,
        or_(Subscriber.chat_id == chat_id, Subscriber.user_id == user_id),
    )
    # Children first, explicitly: the counts are exact, and nothing depends on the cascade.
    pushes = delete(PushDelivery).where(col(PushDelivery.subscriber_id).in_(private_chats))
    deleted = _delete(session, pushes)
    deleted += _delete(session, delete(Subscriber).where(col(Subscriber.id).in_(private_chats)))
    learner = find_learner(session, platform=platform, user_id=user_id)
    if learner is not None:
        deleted += _forget_learner(session, learner.id)
    session.commit()
    return deleted


def _forget_learner(session: Session, learner_id: int | None) -> int:
    words = select(SavedWord.id).where(SavedWord.learner_id == learner_id)
    deleted = _delete(session, delete(WordContext).where(col(WordContext.saved_word_id).in_(words)))
    deleted += _delete(session, delete(ReviewLog).where(col(ReviewLog.saved_word_id).in_(words)))
    deleted += _delete(session, delete(ReviewCard).where(col(ReviewCard.learner_id) == learner_id))
    deleted += _delete(session, delete(QuizAnswer).where(col(QuizAnswer.learner_id) == learner_id))
    quizzes = select(Quiz.id).where(Quiz.learner_id == learner_id)
    deleted += _delete(session, delete(QuizQuestion).where(col(QuizQuestion.quiz_id).in_(quizzes)))
    deleted += _delete(session, delete(Quiz).where(col(Quiz.learner_id) == learner_id))
    deleted += _delete(session, delete(LearnerDay).where(col(LearnerDay.learner_id) == learner_id))
    deleted += _delete(session, delete(SavedWord).where(col(SavedWord.learner_id) == learner_id))
    deleted += _delete(session, delete(QuestionUsage).where(col(QuestionUsage.learner_id) == learner_id))
    deleted += _delete(session, delete(Identity).where(col(Identity.learner_id) == learner_id))
    deleted += _delete(session, delete(Learner).where(col(Learner.id) == learner_id))
    return deleted


def _delete(session: Session, statement: Delete) -> int:
    return session.exec(statement.execution_options(synchronize_session=False)).rowcount
