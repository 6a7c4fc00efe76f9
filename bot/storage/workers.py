"""The workers table: which BuildSpeak processes are alive, with what roles, on which platforms.

Each process registers at start, renews its heartbeat while it runs and marks itself stopped
on a clean exit. Two things read it: push recovery, which takes over only the claims of workers
whose heartbeat expired, and the pacer's split of a platform's rate between the live workers
that send on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.storage.tables import Worker


def register_worker(
    session: Session,
    *,
    worker_id: str,
    roles: Sequence[str],
    platforms: Sequence[str],
    host: str,
    pid: int,
    now: dt.datetime,
) -> Worker:
    worker = Worker(
        id=worker_id,
        roles=",".join(roles),
        platforms=",".join(platforms),
        host=host[:200],
        pid=pid,
        started_at=now,
        heartbeat_at=now,
    )
    session.add(worker)
    session.commit()
    return worker


def beat(session: Session, *, worker_id: str, now: dt.datetime) -> None:
    """Renew the heartbeat: the worker is alive for another timeout from now."""
    statement = update(Worker).where(col(Worker.id) == worker_id).values(heartbeat_at=now)
    session.exec(statement)  # type: ignore[call-overload]
    session.commit()


def mark_stopped(session: Session, *, worker_id: str, now: dt.datetime) -> None:
    statement = update(Worker).where(col(Worker.id) == worker_id).values(stopped_at=now, heartbeat_at=now)
    session.exec(statement)  # type: ignore[call-overload]
    session.commit()


def live_workers(session: Session, *, since: dt.datetime, platform: str | None = None) -> list[Worker]:
    """Workers that have not stopped and beat at or after `since`; those sending on `platform` if named."""
    statement = select(Worker).where(col(Worker.heartbeat_at) >= since, col(Worker.stopped_at).is_(None))
    workers = list(session.exec(statement.order_by(col(Worker.started_at))))
    if platform is None:
        return workers
    return [worker for worker in workers if platform in worker.platforms.split(",")]


def prune_workers(session: Session, *, before: dt.datetime) -> int:
    """Forget workers not heard from since `before` (a day, say): the table stays small."""
    statement = select(Worker).where(col(Worker.heartbeat_at) < before)
    old = list(session.exec(statement))
    for worker in old:
        session.delete(worker)
    session.commit()
    return len(old)
