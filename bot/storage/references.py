"""Platform references: what a platform handed back that the bot must remember between messages.

A file id for an uploaded audio (sending the id again costs nothing, re-uploading costs bandwidth
and time), a poll's id, a sent message's id. The first value stored under a key wins: two
workers uploading the same file at once both succeed, any of their ids works, and neither raises.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.storage.tables import PlatformReference


def recall(session: Session, *, platform: str, kind: str, key: str) -> str | None:
    """The platform's value stored under (kind, key), or None when there is none."""
    found = session.get(PlatformReference, (platform, kind, key))
    return found.value if found is not None else None


def remember(session: Session, *, platform: str, kind: str, key: str, value: str, now: dt.datetime) -> None:
    """Keep the first value for (platform, kind, key); later ones (a race, a retry) are dropped."""
    if session.get(PlatformReference, (platform, kind, key)) is not None:
        return
    session.add(PlatformReference(platform=platform, kind=kind, key=key, value=value, created_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def replace(session: Session, *, platform: str, kind: str, key: str, value: str, now: dt.datetime) -> None:
    """Keep `value` under (kind, key) whatever was there: for what the person chooses again (a
    server's channel), where the latest choice is the one that counts. Commits."""
    found = session.get(PlatformReference, (platform, kind, key))
    if found is None:
        remember(session, platform=platform, kind=kind, key=key, value=value, now=now)
        if recall(session, platform=platform, kind=kind, key=key) == value:
            return
        found = session.get(PlatformReference, (platform, kind, key))  # another worker's, a moment ago
        assert found is not None
    found.value = value
    session.add(found)
    session.commit()
