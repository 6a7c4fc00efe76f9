"""Admins' broadcasts: asked for, confirmed (or cancelled), then sent once to every subscriber.

A broadcast goes through the push ledger like a lesson, as kind `broadcast`. The ledger's key is
(subscriber, kind, local date), which would allow one broadcast a day; a broadcast's rows are
dated by the broadcast instead (`ledger_date`: day N after 0001-01-01 is broadcast N), so the same
key makes each broadcast reach each subscriber once, however many go out in a day, whatever the
date where the subscriber lives, and across crashes and restarts. Those dates are far from any
real one, so nothing that reads the lessons' and quizzes' dates ever meets them.

A confirmed broadcast goes to everyone subscribed (active) while it is being sent, for `OPEN_FOR`
after its confirmation: long enough for any push, and short enough that someone who resumes a
paused subscription next week is not greeted with last week's news. Broadcasts go out one after
another on each platform, oldest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy import Table, exists, func, select, update
from sqlmodel import Session, col

from bot.storage.tables import Broadcast, PushDelivery, PushKind, Subscriber, SubscriberStatus

SUBSCRIBERS: Table = Subscriber.__table__  # type: ignore[attr-defined]
LEDGER: Table = PushDelivery.__table__  # type: ignore[attr-defined]
BROADCASTS: Table = Broadcast.__table__  # type: ignore[attr-defined]
ACTIVE = SubscriberStatus.ACTIVE.value
DAY_ZERO = dt.date(1, 1, 1)  # broadcast N's ledger rows are dated N days after it
OPEN_FOR = dt.timedelta(hours=24)
CONTENT_PREFIX = "broadcast-"  # the ledger's content id: "broadcast-17"


class Outcome(StrEnum):
    """What a press of ✅ or ❌ did."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    WAS_CONFIRMED = "was-confirmed"  # confirmed before: nothing changes, nothing is sent twice
    WAS_CANCELLED = "was-cancelled"
    MISSING = "missing"


def ledger_date(broadcast_id: int) -> dt.date:
    """The date a broadcast's ledger rows carry: its own, one per broadcast."""
    return DAY_ZERO + dt.timedelta(days=broadcast_id)


def content_id(broadcast_id: int) -> str:
    return f"{CONTENT_PREFIX}{broadcast_id}"


def broadcast_id_of(content: str) -> int | None:
    """The broadcast a ledger content id names ("broadcast-17" → 17), else None."""
    number = content.removeprefix(CONTENT_PREFIX)
    return int(number) if content.startswith(CONTENT_PREFIX) and number.isdigit() else None


def create(session: Session, *, text: str, author: str, now: dt.datetime) -> Broadcast:
    broadcast = Broadcast(text=text, author=author, created_at=now)
    session.add(broadcast)
    session.commit()
    session.refresh(broadcast)
    return broadcast


def get(session: Session, broadcast_id: int) -> Broadcast | None:
    return session.get(Broadcast, broadcast_id)


def confirm(session: Session, broadcast_id: int, *, by: str, now: dt.datetime) -> Outcome:
    """Confirm it, once: a second press (or a second admin's) finds it confirmed and changes nothing."""
    changed = _decide(session, broadcast_id, confirmed_at=now, confirmed_by=by)
    return Outcome.CONFIRMED if changed else _as_it_stands(session, broadcast_id)


def cancel(session: Session, broadcast_id: int, *, now: dt.datetime) -> Outcome:
    """Cancel it, if it was not confirmed yet (a confirmed one may be on its way already)."""
    changed = _decide(session, broadcast_id, cancelled_at=now)
    return Outcome.CANCELLED if changed else _as_it_stands(session, broadcast_id)


def _decide(session: Session, broadcast_id: int, **values: object) -> bool:
    result = session.execute(
        update(BROADCASTS)
        .where(
            BROADCASTS.c.id == broadcast_id,
            BROADCASTS.c.confirmed_at.is_(None),
            BROADCASTS.c.cancelled_at.is_(None),
        )
        .values(**values)
    )
    session.commit()
    return bool(getattr(result, "rowcount", 0))


def _as_it_stands(session: Session, broadcast_id: int) -> Outcome:
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        return Outcome.MISSING
    return Outcome.WAS_CONFIRMED if broadcast.confirmed_at is not None else Outcome.WAS_CANCELLED


def _someone_left(broadcast_id: int, platform: str) -> object:
    """An active subscriber on `platform` without this broadcast's ledger row (nor a later one's,
    as the push's own question has it: broadcasts go out oldest first)."""
    return exists().where(
        SUBSCRIBERS.c.platform == platform,
        SUBSCRIBERS.c.status == ACTIVE,
        ~exists().where(
            LEDGER.c.subscriber_id == SUBSCRIBERS.c.id,
            LEDGER.c.kind == PushKind.BROADCAST.value,
            LEDGER.c.local_date >= ledger_date(broadcast_id),
        ),
    )


def next_to_send(session: Session, *, platform: str, now: dt.datetime) -> Broadcast | None:
    """The oldest open broadcast someone on `platform` has not had yet, if any.

    Open: confirmed within `OPEN_FOR`, not cancelled. Few are ever open at once, so each is looked
    at in turn; each look is one indexed anti-join, however many subscribers there are.
    """
    statement = (
        select(Broadcast)
        .where(
            col(Broadcast.confirmed_at) >= now - OPEN_FOR,
            col(Broadcast.cancelled_at).is_(None),
        )
        .order_by(col(Broadcast.id))
    )
    for broadcast in session.scalars(statement).all():
        assert broadcast.id is not None
        if session.execute(select(_someone_left(broadcast.id, platform))).scalar():
            return broadcast
    return None


def texts_of(session: Session, broadcast_ids: Sequence[int]) -> dict[int, str]:
    if not broadcast_ids:
        return {}
    statement = select(BROADCASTS.c.id, BROADCASTS.c.text).where(BROADCASTS.c.id.in_(list(broadcast_ids)))
    return {broadcast_id: text for broadcast_id, text in session.execute(statement)}


def audience(session: Session) -> dict[str, int]:
    """Active subscribers by platform: who a broadcast confirmed now would reach."""
    statement = (
        select(SUBSCRIBERS.c.platform, func.count())
        .where(SUBSCRIBERS.c.status == ACTIVE)
        .group_by(SUBSCRIBERS.c.platform)
    )
    return {platform: int(count) for platform, count in session.execute(statement)}


def recent(session: Session, *, limit: int = 3) -> list[Broadcast]:
    """The latest confirmed broadcasts, newest first."""
    statement = (
        select(Broadcast)
        .where(col(Broadcast.confirmed_at).is_not(None))
        .order_by(col(Broadcast.id).desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def delivery_counts(session: Session, broadcast_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Ledger rows of these broadcasts, by state: broadcast id → state → count."""
    if not broadcast_ids:
        return {}
    by_date = {ledger_date(broadcast_id): broadcast_id for broadcast_id in broadcast_ids}
    statement = (
        select(LEDGER.c.local_date, LEDGER.c.state, func.count())
        .where(LEDGER.c.kind == PushKind.BROADCAST.value, LEDGER.c.local_date.in_(list(by_date)))
        .group_by(LEDGER.c.local_date, LEDGER.c.state)
    )
    counts: dict[int, dict[str, int]] = {broadcast_id: {} for broadcast_id in broadcast_ids}
    for date, state, count in session.execute(statement):
        counts[by_date[date]][state] = int(count)
    return counts
