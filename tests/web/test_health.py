"""`/healthz` over real HTTP: 200 with every check named when all are well, 503 naming the failing
parts; a check that raises or hangs is failing, never the endpoint. The database check against
databases that refuse and that hang; the scheduler check against a scheduler stopped and running."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import Session

from bot.runtime.web import SchedulerCheck, WebServer
from bot.storage.engine import create_database_engine, session_factory
from bot.web.app import build_app
from bot.web.health import Check, DatabaseCheck, Health, Status


def fixed(name: str, ok: bool, detail: str = "") -> Check:
    async def probe() -> Status:
        return Status(ok, detail or ("fine" if ok else "broken"))

    return Check(name, probe)


@asynccontextmanager
async def serving(health: Health) -> AsyncIterator[str]:
    server = WebServer(build_app(health), host="127.0.0.1", port=0)
    await server.start()
    try:
        assert server.url is not None
        yield server.url
    finally:
        server.halt()
        await server.stop()


async def get_health(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as client, client.get(f"{url}/healthz") as response:
        return response.status, await response.json()


async def test_all_well_is_200_with_each_check_named() -> None:
    health = Health([fixed("database", True), fixed("telegram", True, "polling")])
    async with serving(health) as url:
        status, body = await get_health(url)
    assert status == 200
    assert body["status"] == "ok" and body["failing"] == []
    assert body["checks"]["telegram"] == {"ok": True, "detail": "polling"}
    assert set(body["checks"]) == {"database", "telegram"}


async def test_a_failing_part_is_503_and_named() -> None:
    health = Health([fixed("database", True), fixed("discord", False, "gateway not ready")])
    async with serving(health) as url:
        status, body = await get_health(url)
    assert status == 503
    assert body["status"] == "failing" and body["failing"] == ["discord"]
    assert body["checks"]["discord"] == {"ok": False, "detail": "gateway not ready"}


async def test_a_check_that_raises_or_hangs_is_failing_and_the_others_still_answer() -> None:
    async def raises() -> Status:
        raise RuntimeError("boom")

    async def hangs() -> Status:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    health = Health([Check("raises", raises), Check("hangs", hangs), fixed("database", True)], timeout=0.2)
    async with serving(health) as url:
        status, body = await get_health(url)
    assert status == 503 and sorted(body["failing"]) == ["hangs", "raises"]
    assert "boom" in body["checks"]["raises"]["detail"]
    assert body["checks"]["hangs"]["detail"] == "no answer within 0.2 s"
    assert body["checks"]["database"]["ok"] is True


async def test_the_database_check_answers_on_a_reachable_database(sessions: Callable[[], Session]) -> None:
    check = DatabaseCheck(sessions)
    try:
        status = await check.probe()
    finally:
        check.close()
    assert status.ok and status.detail.startswith("answered in")


async def test_an_unreachable_database_is_503_naming_the_database() -> None:
    engine = create_database_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=1")
    database = DatabaseCheck(session_factory(engine))
    health = Health([database.check(), fixed("telegram", True)])
    try:
        async with serving(health) as url:
            status, body = await get_health(url)
    finally:
        database.close()
        engine.dispose()
    assert status == 503 and body["failing"] == ["database"]
    assert body["checks"]["database"]["detail"].startswith("unreachable: OperationalError")


async def test_a_hanging_database_fails_within_the_timeout_and_is_not_asked_again_meanwhile() -> None:
    release = threading.Event()
    asked: list[int] = []

    def hanging_session() -> Session:
        asked.append(1)
        release.wait(10)
        raise RuntimeError("released")

    database = DatabaseCheck(hanging_session)
    health = Health([database.check()], timeout=0.2)
    try:
        first = await health.run()
        second = await health.run()
    finally:
        release.set()
        database.close()
    assert first["database"] == Status(False, "no answer within 0.2 s")
    assert not second["database"].ok and "the last query has had no answer" in second["database"].detail
    assert len(asked) == 1, "a hung query is not joined by another"


async def test_the_scheduler_check_wants_a_running_scheduler_that_ticks() -> None:
    scheduler = AsyncIOScheduler()
    check = SchedulerCheck(scheduler, every=0.05)
    check.stale_after = 0.5
    stopped = await check.probe()
    ticks = asyncio.Event()
    scheduler.add_job(ticks.set, "interval", seconds=0.05)
    scheduler.start()
    try:
        await asyncio.wait_for(ticks.wait(), 2)
        running = await check.probe()
        scheduler.pause()  # running, but no tick comes
        await asyncio.sleep(0.7)
        stalled = await check.probe()
    finally:
        scheduler.shutdown(wait=False)
    assert stopped == Status(False, "not running")
    assert running.ok and running.detail.startswith("running; the last tick")
    assert not stalled.ok and stalled.detail.startswith("no tick for")
    unscheduled = SchedulerCheck(AsyncIOScheduler(), every=60, scheduled=False)
    assert (await unscheduled.probe()).ok, "pushes run when called: nothing to tick"
