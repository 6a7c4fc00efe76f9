"""`GET /healthz`: every part a process depends on, checked at once; 200 when all are well, else 503
naming the failing ones.

A load balancer or `docker`'s HEALTHCHECK reads the status code; a person reads the JSON body,
which says for each check what it saw ("no getUpdates answer for 95 s"). Checks look at state the
process keeps anyway (when the last poll answered, whether the scheduler ticked) rather than
calling out to Telegram or Discord: a platform's outage would otherwise mark every worker
unhealthy at once, and restarting them helps nobody. Only the database is asked, because a
worker that cannot reach it can do nothing at all.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy import text
from sqlmodel import Session

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 2.0  # seconds a check may take before it counts as failing


@dataclass(frozen=True)
class Status:
    """What one check found: well or not, and what it saw, in words for the person reading it."""

    ok: bool
    detail: str


@dataclass(frozen=True)
class Check:
    """A named probe; it should answer from state in memory, in well under `CHECK_TIMEOUT`."""

    name: str
    probe: Callable[[], Awaitable[Status]]


class Health:
    """The process's checks, run together; a check that raises or hangs counts as failing."""

    def __init__(self, checks: Sequence[Check], *, timeout: float = CHECK_TIMEOUT) -> None:
        self.checks = list(checks)
        self.timeout = timeout

    def add(self, check: Check) -> None:
        self.checks.append(check)

    async def run(self) -> dict[str, Status]:
        found = await asyncio.gather(*(self._run_one(check) for check in self.checks))
        return {check.name: status for check, status in zip(self.checks, found, strict=True)}

    async def _run_one(self, check: Check) -> Status:
        try:
            async with asyncio.timeout(self.timeout):
                return await check.probe()
        except TimeoutError:
            return Status(False, f"no answer within {self.timeout:g} s")
        except Exception as error:  # a broken check must not break the endpoint
            log.exception("health check %s failed", check.name)
            return Status(False, f"check failed: {error!r}")

    async def handle(self, request: web.Request) -> web.Response:
        """The `/healthz` route."""
        found = await self.run()
        failing = [name for name, status in found.items() if not status.ok]
        body = {
            "status": "failing" if failing else "ok",
            "failing": failing,
            "checks": {name: {"ok": status.ok, "detail": status.detail} for name, status in found.items()},
        }
        return web.json_response(body, status=503 if failing else 200)


class DatabaseCheck:
    """`SELECT 1` on a thread of its own, so a database that hangs holds neither the event loop nor
    the threads the handlers use. A query still hanging from an earlier check is failing at once,
    rather than queueing another behind it."""

    name = "database"

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self.sessions = sessions
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-db")
        self._asking: Future[float] | None = None
        self._asked_at = 0.0

    def check(self) -> Check:
        return Check(self.name, self.probe)

    async def probe(self) -> Status:
        if self._asking is not None and not self._asking.done():
            waited = time.monotonic() - self._asked_at
            return Status(False, f"the last query has had no answer for {waited:.0f} s")
        self._asked_at = time.monotonic()
        self._asking = self._executor.submit(self._select_one)
        try:
            seconds = await asyncio.wrap_future(self._asking)
        except Exception as error:
            return Status(False, f"unreachable: {_first_line(error)}")
        return Status(True, f"answered in {seconds * 1000:.1f} ms")

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _select_one(self) -> float:
        began = time.perf_counter()
        with self.sessions() as session:
            session.execute(text("SELECT 1")).scalar_one()
        return time.perf_counter() - began


def _first_line(error: BaseException) -> str:
    """An error's first line: a driver's message may run on (SQL, background links)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")
