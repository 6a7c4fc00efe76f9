"""A worker's presence: registered, beating, and taking its share of a platform's rate limit."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from sqlmodel import Session

from bot.clock import SystemClock
from bot.delivery.pacing import Pacer, RateLimits
from bot.runtime.presence import Presence, SharedSQLite
from bot.storage.workers import live_workers, register_worker

LIMITS = RateLimits(per_second=30.0)
FULL = LIMITS.rate


def presence(sessions: Callable[[], Session], *, every: float = 0.1, host: str | None = None) -> Presence:
    """A worker; `host` names another machine, as two workers of one test process must seem to be."""
    return Presence(
        sessions=sessions,
        clock=SystemClock(),
        roles=["push"],
        pacers={"telegram": Pacer(LIMITS)},
        every=every,
        timeout=3 * every,
        host=host,
    )


def rate(worker: Presence) -> float:
    return worker.pacers["telegram"].rate


def other_worker(sessions: Callable[[], Session], *, host: str, pid: int, worker_id: str = "other") -> None:
    with sessions() as session:
        register_worker(
            session, worker_id=worker_id, roles=["telegram"], platforms=["telegram"], host=host, pid=pid,
            now=dt.datetime.now(dt.UTC),
        )  # fmt: skip


async def test_alone_a_worker_takes_the_whole_rate_and_a_second_one_halves_both(
    sessions: Callable[[], Session],
) -> None:
    # Half-second beats: a loaded machine (CI's PostgreSQL pass) may hold a tenth-of-a-second beat
    # past the newcomer's wait of two beats.
    first = presence(sessions, every=0.5, host="host-a")
    second = presence(sessions, every=0.5, host="host-b")
    await first.start()
    try:
        assert rate(first) == FULL
        began = time.monotonic()
        await second.start()
        try:
            waited = time.monotonic() - began
            assert rate(second) == FULL / 2
            assert rate(first) == FULL / 2, "the first had seen the second before it sent anything"
            assert waited <= 2 * second.every + 0.5
        finally:
            await second.stop()
        await asyncio.sleep(3 * first.every)
        assert rate(first) == FULL, "a stopped worker gives its share back at the next beat"
    finally:
        await first.stop()
    with sessions() as session:
        assert live_workers(session, since=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)) == []


async def test_a_dead_process_on_this_host_is_not_waited_for_nor_shared_with(
    sessions: Callable[[], Session],
) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    other_worker(sessions, host=socket.gethostname(), pid=int(gone.stdout), worker_id="killed")
    other_worker(sessions, host=socket.gethostname(), pid=os.getpid(), worker_id="before-restart")
    worker = presence(sessions, every=5.0)  # were they waited for, this would take 10 s
    began = time.monotonic()
    await worker.start()
    try:
        assert time.monotonic() - began < 2.0
        assert rate(worker) == FULL
    finally:
        await worker.stop()


async def test_another_hosts_live_worker_is_shared_with(sessions: Callable[[], Session]) -> None:
    other_worker(sessions, host="another-host", pid=os.getpid())
    worker = presence(sessions, every=0.1)
    await worker.start()  # the other never beats: waited for two heartbeats at most
    try:
        assert rate(worker) == FULL / 2
    finally:
        await worker.stop()


async def test_a_second_process_on_one_sqlite_database_is_refused_with_a_reason(
    sessions: Callable[[], Session],
) -> None:
    with sessions() as session:
        if session.get_bind().dialect.name != "sqlite":
            pytest.skip("several processes share a PostgreSQL database")
    other_worker(sessions, host=socket.gethostname(), pid=os.getppid())  # alive: our parent
    with pytest.raises(SharedSQLite, match="SQLite 只支持一个进程") as refused:
        await presence(sessions, host=socket.gethostname()).start()
    assert "PostgreSQL" in str(refused.value)


async def test_a_dead_process_on_sqlite_does_not_stop_the_next_one(sessions: Callable[[], Session]) -> None:
    other_worker(sessions, host=socket.gethostname(), pid=2**22 + 12345)  # no such process
    worker = presence(sessions, host=socket.gethostname())
    await worker.start()
    await worker.stop()
