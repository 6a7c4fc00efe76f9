"""The push ledger: who is due for today's lesson, claiming a send, settling it.

A row per (subscriber, local date) is what makes the daily push happen once: a run
claims rows before it sends (a unique key, so two runs can't both claim one) and
settles them after. Writes go in batches, one transaction each, because a broadcast
to 100,000 chats can't afford a commit per message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.storage.tables import PushDelivery, PushState, Subscriber, SubscriberStatus

SUBSCRIBERS: Table = Subscriber.__table__  # type: ignore[attr-defined]
LEDGER: Table = PushDelivery.__table__  # type: ignore[attr-defined]
ACTIVE = SubscriberStatus.ACTIVE.value


@dataclass(frozen=True)
class DueSubscriber:
    id: int
    chat_id: str
    chat_kind: str


@dataclass(frozen=True)
class Claim:
    """A claimed send: the ledger row and where it goes."""

    delivery_id: int
    subscriber: DueSubscriber
    local_date: dt.date
    lesson_id: str


@dataclass(frozen=True)
class Settlement:
    """How a claimed send ended."""

    delivery_id: int
    subscriber_id: int
    state: PushState
    attempts: int
    reason: str | None = None
    message_id: str | None = None


def active_timezones(session: Session, *, platform: str) -> list[str]:
    """The timezones active subscribers on a platform live in: few, however many subscribers."""
    statement = (
        select(SUBSCRIBERS.c.timezone)
        .where(SUBSCRIBERS.c.platform == platform, SUBSCRIBERS.c.status == ACTIVE)
        .distinct()
    )
    return sorted(session.execute(statement).scalars())


def _not_pushed_since(local_date: dt.date) -> Any:
    """No push for this local date or a later one (a later one: they moved west after getting it)."""
    return ~exists().where(LEDGER.c.subscriber_id == SUBSCRIBERS.c.id, LEDGER.c.local_date >= local_date)


def due_batch(
    session: Session,
    *,
    platform: str,
    timezone: str,
    local_date: dt.date,
    local_time: dt.time,
    after_id: int,
    limit: int,
) -> list[DueSubscriber]:
    """The next `limit` subscribers in a timezone whose lesson time has come and who have no push
    for `local_date` yet, in id order after `after_id` (keyset paging: memory stays flat)."""
    statement = (
        select(SUBSCRIBERS.c.id, SUBSCRIBERS.c.chat_id, SUBSCRIBERS.c.chat_kind)
        .where(
            SUBSCRIBERS.c.platform == platform,
            SUBSCRIBERS.c.status == ACTIVE,
            SUBSCRIBERS.c.timezone == timezone,
            SUBSCRIBERS.c.lesson_time <= local_time,
            SUBSCRIBERS.c.id > after_id,
            _not_pushed_since(local_date),
        )
        .order_by(SUBSCRIBERS.c.id)
        .limit(limit)
    )
    return [DueSubscriber(*row) for row in session.execute(statement)]


def claim(
    session: Session,
    subscribers: Sequence[DueSubscriber],
    *,
    local_date: dt.date,
    lesson_id: str,
    run_id: str,
    now: dt.datetime,
) -> list[Claim]:
    """Claim these sends in one transaction; a row someone else holds already is skipped."""
    if not subscribers:
        return []
    rows = [
        {
            "subscriber_id": subscriber.id,
            "local_date": local_date,
            "lesson_id": lesson_id,
            "state": PushState.CLAIMED.value,
            "run_id": run_id,
            "attempts": 0,
            "claimed_at": now,
        }
        for subscriber in subscribers
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # Rows as executemany parameters, not .values(rows): one compiled statement for every chunk size
    # (SQLAlchemy batches it into multi-row INSERTs itself), instead of a compile per claim.
    statement = (
        dialect.insert(LEDGER)
        .on_conflict_do_nothing(index_elements=["subscriber_id", "local_date"])
        .returning(LEDGER.c.id, LEDGER.c.subscriber_id)
    )
    claimed = dict(
        (subscriber_id, delivery_id) for delivery_id, subscriber_id in session.execute(statement, rows)
    )
    session.commit()
    return [
        Claim(claimed[subscriber.id], subscriber, local_date, lesson_id)
        for subscriber in subscribers
        if subscriber.id in claimed
    ]


def settle(session: Session, settlements: Sequence[Settlement], *, now: dt.datetime) -> None:
    """Record how sends ended, in one transaction; a chat that is gone stops being active."""
    if not settlements:
        return
    statement = (
        update(LEDGER)
        .where(LEDGER.c.id == bindparam("delivery_id"))
        .values(
            state=bindparam("new_state"),
            attempts=bindparam("new_attempts"),
            reason=bindparam("new_reason"),
            message_id=bindparam("new_message_id"),
            finished_at=bindparam("new_finished_at"),
        )
    )
    session.execute(
        statement,
        [
            {
                "delivery_id": item.delivery_id,
                "new_state": item.state.value,
                "new_attempts": item.attempts,
                "new_reason": item.reason,
                "new_message_id": item.message_id,
                "new_finished_at": now,
            }
            for item in settlements
        ],
    )
    gone = [item.subscriber_id for item in settlements if item.state is PushState.BLOCKED]
    if gone:
        session.execute(
            update(SUBSCRIBERS)
            .where(SUBSCRIBERS.c.id.in_(gone), SUBSCRIBERS.c.status == ACTIVE)
            .values(status=SubscriberStatus.BLOCKED.value, updated_at=now)
        )
    session.commit()


def release(session: Session, delivery_ids: Sequence[int]) -> None:
    """Give back claims whose send never started (a clean shutdown): the next run sends them."""
    if delivery_ids:
        session.execute(
            delete(LEDGER).where(LEDGER.c.id.in_(delivery_ids), LEDGER.c.state == PushState.CLAIMED.value)
        )
        session.commit()


def mark_uncertain(session: Session, *, current_run: str, now: dt.datetime) -> int:
    """Claims left by a run that is gone (killed mid-send) become uncertain: they may have been
    delivered, so they are not sent again. Returns how many."""
    result = session.execute(
        update(LEDGER)
        .where(LEDGER.c.state == PushState.CLAIMED.value, LEDGER.c.run_id != current_run)
        .values(state=PushState.UNCERTAIN.value, reason="the run died while sending", finished_at=now)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def move_chat(session: Session, *, subscriber_id: int, chat_id: str, now: dt.datetime) -> None:
    """A group became a supergroup and got a new chat id: follow it."""
    session.execute(
        update(SUBSCRIBERS).where(SUBSCRIBERS.c.id == subscriber_id).values(chat_id=chat_id, updated_at=now)
    )
    session.commit()


def ledger_counts(session: Session, *, platform: str, timezone: str, local_date: dt.date) -> dict[str, int]:
    """Ledger rows for one local date of one timezone's subscribers, by state."""
    statement = (
        select(LEDGER.c.state, func.count())
        .select_from(LEDGER.join(SUBSCRIBERS, LEDGER.c.subscriber_id == SUBSCRIBERS.c.id))
        .where(
            SUBSCRIBERS.c.platform == platform,
            SUBSCRIBERS.c.timezone == timezone,
            LEDGER.c.local_date == local_date,
        )
        .group_by(LEDGER.c.state)
    )
    return {state: count for state, count in session.execute(statement)}


def waiting_counts(
    session: Session, *, platform: str, timezone: str, local_date: dt.date, local_time: dt.time
) -> tuple[int, int]:
    """Active subscribers in a timezone with no push yet today: (due by now, due later today)."""
    due_now = SUBSCRIBERS.c.lesson_time <= local_time
    statement = select(
        func.count().filter(due_now),
        func.count().filter(~due_now),
    ).where(
        and_(
            SUBSCRIBERS.c.platform == platform,
            SUBSCRIBERS.c.status == ACTIVE,
            SUBSCRIBERS.c.timezone == timezone,
            _not_pushed_since(local_date),
        )
    )
    now_count, later_count = session.execute(statement).one()
    return int(now_count or 0), int(later_count or 0)


def ledger_timezones(session: Session, *, platform: str, since: dt.date) -> list[str]:
    """Timezones with ledger rows from `since` on, including subscribers no longer active."""
    statement = (
        select(SUBSCRIBERS.c.timezone)
        .select_from(LEDGER.join(SUBSCRIBERS, LEDGER.c.subscriber_id == SUBSCRIBERS.c.id))
        .where(SUBSCRIBERS.c.platform == platform, LEDGER.c.local_date >= since)
        .distinct()
    )
    return sorted(session.execute(statement).scalars())
