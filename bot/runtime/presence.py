"""This process in the workers table: registered at start, a heartbeat while it runs, stopped at exit.

The heartbeat also splits each platform's rate limit between the live workers that send on it
(`Pacer.share`), so N processes with one bot token never send N times the limit.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import Any, TypeVar

from sqlmodel import Session

from bot.clock import Clock
from bot.delivery.pacing import Pacer
from bot.storage.tables import Worker
from bot.storage.workers import beat, live_workers, mark_stopped, prune_workers, register_worker

log = logging.getLogger(__name__)
T = TypeVar("T")
FORGET_AFTER = dt.timedelta(days=7)  # workers not heard from for this long leave the table


class SharedSQLite(RuntimeError):
    """A second bot process on one SQLite file: SQLite serves one process; several need PostgreSQL."""


class Presence:
    """The worker unit: first to start, last to stop, so every claim has a live worker behind it."""

    name = "worker"

    def __init__(
        self,
        *,
        sessions: Callable[[], Session],
        clock: Clock,
        roles: Sequence[str],
        pacers: Mapping[str, Pacer],
        every: float,
        timeout: float,
        worker_id: str | None = None,
        host: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.roles = tuple(roles)
        self.pacers = dict(pacers)  # platform -> the pacer this process sends through on it
        self.every = every
        self.timeout = dt.timedelta(seconds=timeout)
        self.worker_id = worker_id or uuid.uuid4().hex
        self.host = host or socket.gethostname()
        self.ended = asyncio.Event()
        self._beating: asyncio.Task[None] | None = None
        # A thread of its own: a heartbeat queued behind slow work (speech, an export) in the shared
        # pool could expire, and a live worker's sends would be taken for a dead one's.
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="heartbeat")

    async def start(self) -> None:
        await self._run(self._refuse_a_second_process_on_sqlite)
        started = await self._run(self._register)
        await self.refresh()
        # Beating from now on: a wait for the others must not let our own heartbeat expire.
        self._beating = asyncio.create_task(self._beat_forever(), name="heartbeat")
        await self._until_seen(started)
        log.info("worker %s up with roles %s", self.worker_id, ", ".join(self.roles))

    async def _until_seen(self, started: dt.datetime) -> None:
        """Before sending, wait until every live worker on our platforms has beaten since we joined:
        each counts the others right after its beat, so by then each has taken its smaller share.
        Alone, a worker starts at once; in any case it waits at most two heartbeats (a skewed clock
        on another host, or a worker that died a moment ago, must not hold it longer)."""
        deadline = asyncio.get_running_loop().time() + 2 * self.every
        while self.pacers and asyncio.get_running_loop().time() < deadline:
            others = await self._run(self._others_on_my_platforms)
            if all(worker.heartbeat_at > started for worker in others):
                return
            await asyncio.sleep(self.every / 5)

    async def stop(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
            with suppress(asyncio.CancelledError):
                await self._beating
        await self._run(self._with_session, mark_stopped, worker_id=self.worker_id, now=self.clock.now())
        self._database.shutdown(wait=False)

    async def refresh(self) -> None:
        """Renew the heartbeat, then take this worker's share of each platform's rate."""
        now = self.clock.now()
        await self._run(self._with_session, beat, worker_id=self.worker_id, now=now)
        for platform, pacer in self.pacers.items():
            live = await self._run(
                self._with_session, live_workers, since=now - self.timeout, platform=platform
            )
            pacer.share(max(1, len([worker for worker in live if self._may_be_running(worker)])))

    async def live_worker_ids(self, platform: str) -> set[str]:
        """The workers on `platform` that may still be running, this one included: what they hold
        (updates in the inbox) is theirs. A worker killed on this host is dead at once (its pid)."""
        since = self.clock.now() - self.timeout
        live = await self._run(self._with_session, live_workers, since=since, platform=platform)
        return {worker.id for worker in live if self._may_be_running(worker)} | {self.worker_id}

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.refresh()
            except Exception:  # a database hiccup must not end the heartbeat: the next beat tries again
                log.exception("heartbeat failed")

    def _others_on_my_platforms(self) -> list[Worker]:
        since = self.clock.now() - self.timeout
        with self.sessions() as session:
            live = {
                w.id: w
                for platform in self.pacers
                for w in live_workers(session, since=since, platform=platform)
            }
        live.pop(self.worker_id, None)
        return [worker for worker in live.values() if self._may_be_running(worker)]

    def _may_be_running(self, worker: Worker) -> bool:
        """A worker of this host whose process is gone (killed, or this container restarted with the
        same pid) is dead before its heartbeat expires: it neither shares the rate nor is waited for.
        Another host's workers can't be looked at: their heartbeat decides."""
        if worker.id == self.worker_id or worker.host != self.host:
            return True
        if worker.pid == os.getpid():
            return False
        try:
            os.kill(worker.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # alive, another user's
            return True
        return True

    async def _run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        call = functools.partial(function, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._database, call)

    def _refuse_a_second_process_on_sqlite(self) -> None:
        """SQLite is the one-process default: a second process would queue behind the first's writes
        ("database is locked") rather than share the work. Say so instead of limping along. (A
        SQLite file is this host's: only this host's live processes are looked for.)"""
        with self.sessions() as session:
            if session.get_bind().dialect.name != "sqlite":
                return
            since = self.clock.now() - self.timeout
            workers = live_workers(session, since=since)
        running = [w for w in workers if w.host == self.host and self._may_be_running(w)]
        if running:
            other = running[0]
            raise SharedSQLite(
                f"另一个 BuildSpeak 进程（{other.host} pid {other.pid}）正在使用这个 SQLite 数据库；"
                "SQLite 只支持一个进程，多个进程请用 PostgreSQL（database.url）。"
                "Another BuildSpeak process is running on this SQLite database; SQLite serves one "
                "process, run several on PostgreSQL."
            )

    def _register(self) -> dt.datetime:
        now = self.clock.now()
        with self.sessions() as session:
            prune_workers(session, before=now - FORGET_AFTER)
            register_worker(
                session,
                worker_id=self.worker_id,
                roles=self.roles,
                platforms=sorted(self.pacers),
                host=self.host,
                pid=os.getpid(),
                now=now,
            )
        # Committed now: a heartbeat later than this one saw our row when it counted the workers.
        return self.clock.now()

    def _with_session(self, function: Callable[..., T], **kwargs: Any) -> T:
        with self.sessions() as session:
            return function(session, **kwargs)
