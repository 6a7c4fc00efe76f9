"""Learners and the platform identities that lead to them.

A person is known to a platform by a user id; everything they own (the vocabulary book, the
question budget, the review schedule) belongs to their learner, so linking a second platform
later is one identity row, not a migration of every table. Functions take the session first
and keyword arguments after it, and commit their own change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.storage.tables import Identity, Learner

# What `update_learner` may change.
PREFERENCES = frozenset({"timezone", "lesson_time", "quiz_time"})


def find_learner(session: Session, *, platform: str, user_id: str) -> Learner | None:
    """The learner behind a platform account, or None for someone the bot has not met as a learner."""
    statement = select(Learner).join(Identity, col(Identity.learner_id) == col(Learner.id))
    statement = statement.where(Identity.platform == platform, Identity.user_id == user_id)
    return session.exec(statement).one_or_none()


def learner_of(session: Session, *, platform: str, user_id: str, now: dt.datetime) -> Learner:
    """The learner behind a platform account, made on first use.

    Two first messages of one person handled at once both try to create it; the identity's
    primary key lets one win, and the other reads the winner's learner.
    """
    found = find_learner(session, platform=platform, user_id=user_id)
    if found is not None:
        return found
    learner = Learner(created_at=now, updated_at=now)
    session.add(learner)
    session.flush()
    assert learner.id is not None
    session.add(Identity(platform=platform, user_id=user_id, learner_id=learner.id, linked_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        found = find_learner(session, platform=platform, user_id=user_id)
        if found is None:
            raise
        return found
    return learner


def link_identity(
    session: Session, *, learner_id: int, platform: str, user_id: str, now: dt.datetime
) -> Identity:
    """Point another platform account at an existing learner (the account must not have one yet)."""
    identity = Identity(platform=platform, user_id=user_id, learner_id=learner_id, linked_at=now)
    session.add(identity)
    session.commit()
    return identity


def identities_of(session: Session, *, learner_id: int) -> list[Identity]:
    statement = select(Identity).where(Identity.learner_id == learner_id).order_by(col(Identity.platform))
    return list(session.exec(statement))


def update_learner(session: Session, learner: Learner, *, now: dt.datetime, **changes: Any) -> Learner:
    """Change a learner's preferences; anything else is a programming error."""
    unknown = set(changes) - PREFERENCES
    if unknown:
        raise TypeError(f"update_learner cannot change {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(learner, name, value)
    learner.updated_at = now
    session.add(learner)
    session.commit()
    return learner


def remember_card(session: Session, learner: Learner, *, lesson_key: str, card: int) -> None:
    """The card the learner now looks at: a question typed later without replying to a card is about
    it, in another message, on another day or after a restart. Not a preference: `updated_at` stays."""
    if (learner.last_lesson_key, learner.last_card) == (lesson_key, card):
        return
    learner.last_lesson_key, learner.last_card = lesson_key, card
    session.add(learner)
    session.commit()


def learners_by_user(session: Session, *, platform: str, user_ids: list[str]) -> dict[str, Learner]:
    """The learners behind many accounts of one platform at once (a push's page): user id → learner."""
    if not user_ids:
        return {}
    statement = (
        select(Identity.user_id, Learner)
        .join(Learner, col(Learner.id) == col(Identity.learner_id))
        .where(Identity.platform == platform, col(Identity.user_id).in_(user_ids))
    )
    return {user_id: learner for user_id, learner in session.exec(statement)}
