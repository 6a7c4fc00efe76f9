"""The inbox: updates stored before they are confirmed to the platform, answered once, across restarts.

A poll's whole batch is written in one transaction (a commit per update would cost a burst more than
its replies); answered updates are settled in batches too. A worker answers the updates it stored;
those of a worker that is gone are taken over by the next one, a few times at most, so an update
that kills whoever handles it cannot keep a bot from starting. An update is marked `replying` just
before its first reply goes out: a gone worker's update marked so may have been answered, and is
settled as uncertain instead of being answered a second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from bot.storage.tables import InboxState, InboxUpdate

INBOX: Table = InboxUpdate.__table__  # type: ignore[attr-defined]
PENDING = InboxState.PENDING.value
REPLYING = InboxState.REPLYING.value


@dataclass(frozen=True)
class Received:
    """An update as the platform sent it: its id and its JSON."""

    update_id: int
    payload: str


@dataclass(frozen=True)
class TakenOver:
    """What a start found unanswered: updates to answer now, and those given up on."""

    updates: list[Received]
    abandoned: list[int]


def receive(
    session: Session, updates: Sequence[Received], *, platform: str, worker_id: str, now: dt.datetime
) -> list[int]:
    """Store new updates in one transaction; return the ids that were new (a redelivery is not)."""
    if not updates:
        return []
    rows = [
        {
            "platform": platform,
            "update_id": item.update_id,
            "payload": item.payload,
            "state": PENDING,
            "worker_id": worker_id,
            "attempts": 1,
            "received_at": now,
        }
        for item in updates
    ]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(INBOX)
        .on_conflict_do_nothing(index_elements=["platform", "update_id"])
        .returning(INBOX.c.update_id)
    )
    fresh = set(session.execute(statement, rows).scalars())
    session.commit()
    return [item.update_id for item in updates if item.update_id in fresh]


def finish(
    session: Session,
    update_ids: Collection[int],
    *,
    platform: str,
    now: dt.datetime,
    state: InboxState = InboxState.DONE,
    worker_id: str | None = None,
) -> None:
    """Settle answered updates in one transaction, forgetting their text. With `worker_id`, only
    those still that worker's: one another worker took over (believing this one dead) is theirs
    to settle, and settling it here would keep them from answering it."""
    if not update_ids:
        return
    conditions = [
        INBOX.c.platform == platform,
        INBOX.c.update_id.in_(list(update_ids)),
        INBOX.c.state.in_((PENDING, REPLYING)),
    ]
    if worker_id is not None:
        conditions.append(INBOX.c.worker_id == worker_id)
    session.execute(update(INBOX).where(*conditions).values(state=state.value, payload=None, finished_at=now))
    session.commit()


def mark_replying(session: Session, update_ids: Sequence[int], *, platform: str, worker_id: str) -> set[int]:
    """Record that these updates' replies are about to go out; returns those still this worker's
    (one missing was taken over by another worker, which answers it: its replies must not go)."""
    if not update_ids:
        return set()
    statement = (
        update(INBOX)
        .where(
            INBOX.c.platform == platform,
            INBOX.c.update_id.in_(update_ids),
            INBOX.c.worker_id == worker_id,
            INBOX.c.state.in_((PENDING, REPLYING)),
        )
        .values(state=REPLYING)
        .returning(INBOX.c.update_id)
    )
    marked = set(session.execute(statement).scalars())
    session.commit()
    return marked


def take_over(
    session: Session,
    *,
    platform: str,
    worker_id: str,
    live_workers: Collection[str],
    max_attempts: int,
    now: dt.datetime,
) -> TakenOver:
    """Claim the pending updates of workers that are gone (not in `live_workers`), oldest first.

    One whose handling has begun `max_attempts` times already is abandoned instead: whatever it
    does to the process that handles it, it does no more. One whose replies had begun going out
    is settled as uncertain: answering it again could answer it twice.
    """
    gone = INBOX.c.worker_id.not_in([*live_workers, worker_id])
    session.execute(
        update(INBOX)
        .where(INBOX.c.platform == platform, INBOX.c.state == REPLYING, gone)
        .values(state=InboxState.UNCERTAIN.value, payload=None, finished_at=now)
    )
    orphaned = (
        INBOX.c.platform == platform,
        INBOX.c.state == PENDING,
        INBOX.c.worker_id.not_in([*live_workers, worker_id]),
    )
    abandoned = session.execute(
        update(INBOX)
        .where(*orphaned, INBOX.c.attempts >= max_attempts)
        .values(state=InboxState.ABANDONED.value, payload=None, finished_at=now)
        .returning(INBOX.c.update_id)
    ).scalars()
    abandoned_ids = sorted(abandoned)
    # RETURNING, so a row another worker took meanwhile is not answered twice.
    claimed = session.execute(
        update(INBOX)
        .where(*orphaned)
        .values(worker_id=worker_id, attempts=INBOX.c.attempts + 1)
        .returning(INBOX.c.update_id, INBOX.c.payload)
    ).all()
    session.commit()
    taken = sorted((Received(row.update_id, row.payload or "{}") for row in claimed), key=_by_id)
    return TakenOver(taken, abandoned_ids)


def _by_id(item: Received) -> int:
    return item.update_id


def prune(session: Session, *, platform: str, before: dt.datetime) -> int:
    """Forget settled updates finished before `before` (a redelivery older than that cannot come)."""
    result = session.execute(
        delete(INBOX).where(
            INBOX.c.platform == platform,
            INBOX.c.state.not_in((PENDING, REPLYING)),
            INBOX.c.finished_at < before,
        )
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def pending_count(session: Session, *, platform: str) -> int:
    """Updates stored and not answered yet, by any worker."""
    statement = select(func.count()).where(
        INBOX.c.platform == platform, INBOX.c.state.in_((PENDING, REPLYING))
    )
    return int(session.execute(statement).scalar_one())
