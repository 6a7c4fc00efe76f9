"""The push ledger: who is due for today's lesson (or quiz), claiming a send, settling it.

A row per (subscriber, kind, local date) is what makes each daily push happen once: a run
claims rows before it sends (a unique key, so two runs can't both claim one), marks each
`sending` just before its first request goes out, and settles it after. The mark is what a
crash is judged by: a dead run's `claimed` rows never left and are sent again by whoever takes
over; its `sending` rows may have, and become `uncertain`. Writes go in batches, one transaction
each, because a broadcast to 100,000 chats can't afford a commit per message.

Several workers on one PostgreSQL database claim side by side. The unique key alone makes each
push once; on PostgreSQL a claim also locks the subscribers it takes with `FOR UPDATE SKIP
LOCKED`, so a second worker passes over rows the first is claiming at that moment instead of
waiting for its commit only to find them taken. (A job queue such as procrastinate was the
other choice; it would be a second record of who is due beside the ledger, and 100,000 queued
jobs a day written for what one query answers.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, delete, exists, func, null, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.storage.tables import PushDelivery, PushKind, PushState, Subscriber, SubscriberStatus, Worker

SUBSCRIBERS: Table = Subscriber.__table__  # type: ignore[attr-defined]
LEDGER: Table = PushDelivery.__table__  # type: ignore[attr-defined]
WORKERS: Table = Worker.__table__  # type: ignore[attr-defined]
ACTIVE = SubscriberStatus.ACTIVE.value


def _due_by(kind: PushKind, local_time: dt.time) -> ColumnElement[bool]:
    """Whose time for this kind of push has come: the lesson time, the quiz time; a broadcast, anyone's."""
    if kind is PushKind.LESSON:
        return SUBSCRIBERS.c.lesson_time <= local_time
    if kind is PushKind.QUIZ:
        return SUBSCRIBERS.c.quiz_time <= local_time
    return true()


@dataclass(frozen=True)
class DueSubscriber:
    id: int
    chat_id: str
    chat_kind: str
    user_id: str = ""  # who subscribed: in a private chat, the learner the push is for
    timezone: str = ""
    due_time: dt.time | None = None  # local time this kind of push fell due (None: at once)


def _due_time(kind: PushKind) -> Any:
    """The column holding when this kind of push falls due, for measuring how late it went out."""
    if kind is PushKind.LESSON:
        return SUBSCRIBERS.c.lesson_time
    if kind is PushKind.QUIZ:
        return SUBSCRIBERS.c.quiz_time
    return null()


@dataclass(frozen=True)
class Claim:
    """A claimed send: the ledger row and where it goes."""

    delivery_id: int
    subscriber: DueSubscriber
    local_date: dt.date
    content_id: str
    kind: PushKind = PushKind.LESSON


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


def _not_pushed_since(local_date: dt.date, kind: PushKind) -> Any:
    """No push of this kind for this local date or a later one (a later one: they moved west after
    getting it)."""
    return ~exists().where(
        LEDGER.c.subscriber_id == SUBSCRIBERS.c.id,
        LEDGER.c.kind == kind.value,
        LEDGER.c.local_date >= local_date,
    )


def due_batch(
    session: Session,
    *,
    platform: str,
    timezone: str,
    local_date: dt.date,
    local_time: dt.time,
    after_id: int,
    limit: int,
    kind: PushKind = PushKind.LESSON,
) -> list[DueSubscriber]:
    """The next `limit` subscribers in a timezone whose time for this kind of push has come and who
    have no such push for `local_date` yet, in id order after `after_id` (keyset paging: memory
    stays flat)."""
    statement = (
        select(
            SUBSCRIBERS.c.id,
            SUBSCRIBERS.c.chat_id,
            SUBSCRIBERS.c.chat_kind,
            SUBSCRIBERS.c.user_id,
            SUBSCRIBERS.c.timezone,
            _due_time(kind),
        )
        .where(
            SUBSCRIBERS.c.platform == platform,
            SUBSCRIBERS.c.status == ACTIVE,
            SUBSCRIBERS.c.timezone == timezone,
            _due_by(kind, local_time),
            SUBSCRIBERS.c.id > after_id,
            _not_pushed_since(local_date, kind),
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
    content_id: str,
    run_id: str,
    now: dt.datetime,
    kind: PushKind = PushKind.LESSON,
) -> list[Claim]:
    """Claim these sends in one transaction; a row someone else holds already is skipped."""
    if not subscribers:
        return []
    rows = [
        {
            "subscriber_id": subscriber.id,
            "kind": kind.value,
            "local_date": local_date,
            "content_id": content_id,
            "state": PushState.CLAIMED.value,
            "run_id": run_id,
            "attempts": 0,
            "claimed_at": now,
        }
        for subscriber in subscribers
    ]
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    if on_postgresql:
        free = _lock_free(session, subscribers)
        rows = [row for row in rows if row["subscriber_id"] in free]
        if not rows:
            session.commit()
            return []
    dialect = postgresql if on_postgresql else sqlite
    # Rows as executemany parameters, not .values(rows): one compiled statement for every chunk size
    # (SQLAlchemy batches it into multi-row INSERTs itself), instead of a compile per claim.
    statement = (
        dialect.insert(LEDGER)
        .on_conflict_do_nothing(index_elements=["subscriber_id", "kind", "local_date"])
        .returning(LEDGER.c.id, LEDGER.c.subscriber_id)
    )
    claimed = dict(
        (subscriber_id, delivery_id) for delivery_id, subscriber_id in session.execute(statement, rows)
    )
    session.commit()
    return [
        Claim(claimed[subscriber.id], subscriber, local_date, content_id, kind)
        for subscriber in subscribers
        if subscriber.id in claimed
    ]


def _lock_free(session: Session, subscribers: Sequence[DueSubscriber]) -> set[int]:
    """Lock these subscribers' rows for this transaction, skipping those another worker's claim
    holds now (it is claiming them: they would only conflict)."""
    statement = (
        select(SUBSCRIBERS.c.id)
        .where(SUBSCRIBERS.c.id.in_([subscriber.id for subscriber in subscribers]))
        .with_for_update(skip_locked=True)
    )
    return set(session.execute(statement).scalars())


def mark_sending(session: Session, delivery_ids: Sequence[int], *, run_id: str) -> set[int]:
    """Record that these claims' first requests are about to go out; returns those marked.

    A claim missing from the answer is no longer this run's to send (another worker took it
    over, believing this one dead): it must not go out, or it might arrive twice.
    """
    if not delivery_ids:
        return set()
    statement = (
        update(LEDGER)
        .where(
            LEDGER.c.id.in_(delivery_ids),
            LEDGER.c.run_id == run_id,
            LEDGER.c.state == PushState.CLAIMED.value,
        )
        .values(state=PushState.SENDING.value)
        .returning(LEDGER.c.id)
    )
    marked = set(session.execute(statement).scalars())
    session.commit()
    return marked


def settle(session: Session, settlements: Sequence[Settlement], *, now: dt.datetime) -> None:
    """Record how sends ended, in one transaction; a chat that is gone stops being active.

    The subscribers are written before the ledger: a claim elsewhere locks subscribers and then
    may wait on a ledger row this transaction writes, so writing them the other way round could
    deadlock with it.
    """
    if not settlements:
        return
    gone = [item.subscriber_id for item in settlements if item.state is PushState.BLOCKED]
    if gone:
        session.execute(
            update(SUBSCRIBERS)
            .where(SUBSCRIBERS.c.id.in_(gone), SUBSCRIBERS.c.status == ACTIVE)
            .values(status=SubscriberStatus.BLOCKED.value, updated_at=now)
        )
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
    session.commit()


def release(session: Session, delivery_ids: Sequence[int]) -> None:
    """Give back claims whose send never started (a clean shutdown): the next run sends them."""
    if delivery_ids:
        never_sent = (PushState.CLAIMED.value, PushState.SENDING.value)
        session.execute(delete(LEDGER).where(LEDGER.c.id.in_(delivery_ids), LEDGER.c.state.in_(never_sent)))
        session.commit()


def retry_blocked(session: Session, *, subscriber_id: int, local_date: dt.date) -> int:
    """Forget the day's pushes that found the chat gone, once it is back (a server's admin fixed the
    channel and set it up again): the next run sends them today rather than tomorrow. Only
    `blocked` rows go: nothing was delivered from them, so nothing can arrive twice."""
    removed = session.execute(
        delete(LEDGER).where(
            LEDGER.c.subscriber_id == subscriber_id,
            LEDGER.c.local_date == local_date,
            LEDGER.c.state == PushState.BLOCKED.value,
        )
    )
    return _count(removed)


@dataclass(frozen=True)
class TakenOver:
    """What a dead worker left on a platform: claims sent again, and sends that may have gone."""

    resent: int = 0
    uncertain: int = 0


def take_over_dead_claims(
    session: Session, *, platform: str, live_since: dt.datetime, now: dt.datetime
) -> TakenOver:
    """Claims on `platform` left by workers that are gone: those whose first request had not gone
    out are handed back (the next run sends them); those marked `sending` may have been delivered
    and become uncertain, never sent again.

    A worker is gone when it stopped (a clean stop hands its unsent claims back first) or its
    heartbeat is older than `live_since`; a claim whose worker never registered is a dead run's
    too. A live worker's claims are never touched, however many processes start meanwhile; and a
    worker taken for dead that is only slow finds its handed-back claims gone when it marks them,
    so it does not send them either.
    """
    live = select(WORKERS.c.id).where(WORKERS.c.heartbeat_at >= live_since, WORKERS.c.stopped_at.is_(None))
    on_platform = select(SUBSCRIBERS.c.id).where(SUBSCRIBERS.c.platform == platform)
    dead = and_(LEDGER.c.run_id.not_in(live), LEDGER.c.subscriber_id.in_(on_platform))
    resent = session.execute(
        delete(LEDGER)
        .where(dead, LEDGER.c.state == PushState.CLAIMED.value)
        .execution_options(synchronize_session=False)
    )
    uncertain = session.execute(
        update(LEDGER)
        .where(dead, LEDGER.c.state == PushState.SENDING.value)
        .values(state=PushState.UNCERTAIN.value, reason="the worker died while sending", finished_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return TakenOver(_count(resent), _count(uncertain))


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def move_chat(session: Session, *, subscriber_id: int, chat_id: str, now: dt.datetime) -> None:
    """A group became a supergroup and got a new chat id: follow it."""
    session.execute(
        update(SUBSCRIBERS).where(SUBSCRIBERS.c.id == subscriber_id).values(chat_id=chat_id, updated_at=now)
    )
    session.commit()


def ledger_counts(
    session: Session, *, platform: str, timezone: str, local_date: dt.date, kind: PushKind = PushKind.LESSON
) -> dict[str, int]:
    """Ledger rows of one kind for one local date of one timezone's subscribers, by state."""
    statement = (
        select(LEDGER.c.state, func.count())
        .select_from(LEDGER.join(SUBSCRIBERS, LEDGER.c.subscriber_id == SUBSCRIBERS.c.id))
        .where(
            SUBSCRIBERS.c.platform == platform,
            SUBSCRIBERS.c.timezone == timezone,
            LEDGER.c.local_date == local_date,
            LEDGER.c.kind == kind.value,
        )
        .group_by(LEDGER.c.state)
    )
    return {state: count for state, count in session.execute(statement)}


def waiting_counts(
    session: Session,
    *,
    platform: str,
    timezone: str,
    local_date: dt.date,
    local_time: dt.time,
    kind: PushKind = PushKind.LESSON,
) -> tuple[int, int]:
    """Active subscribers in a timezone with no push of this kind yet today: (due by now, later today)."""
    due_now = _due_by(kind, local_time)
    statement = select(
        func.count().filter(due_now),
        func.count().filter(~due_now),
    ).where(
        and_(
            SUBSCRIBERS.c.platform == platform,
            SUBSCRIBERS.c.status == ACTIVE,
            SUBSCRIBERS.c.timezone == timezone,
            _not_pushed_since(local_date, kind),
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
