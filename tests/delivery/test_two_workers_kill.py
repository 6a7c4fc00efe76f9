"""Two push workers on one PostgreSQL database, 10,000 subscribers, one worker killed half way.

Real `python -m bot run --roles push` processes against the fake Bot API. The survivor takes over
once the dead one's heartbeat has expired: the claims that were still waiting for their turn are
sent by it, and only the requests under way at the kill are uncertain (never re-sent). Nobody
gets the lesson twice, and nobody misses it unless their push was one of those few.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.storage.tables import PushState
from tests.delivery.push_support import add_subscribers, ledger
from tests.fakes.telegram_api import Call, FakeTelegramServer
from tests.process_support import bot_environment, noon_somewhere, start_bot, stop_bot

SUBSCRIBERS = 10_000
IN_FLIGHT = 32
# Shared by the two workers (each takes half). Low enough that, as under Telegram's own limits,
# most of a worker's window waits for its turn rather than being on the wire.
PER_SECOND = 300


@pytest.fixture(autouse=True)
def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share one database on PostgreSQL; SQLite is the one-process default")


def sent_ok(call: Call) -> bool:
    return call.method == "sendMessage" and call.ok


def settled(sessions: Callable[[], Session]) -> int:
    unsettled = (PushState.CLAIMED.value, PushState.SENDING.value)
    return sum(rows[0].state not in unsettled for rows in ledger(sessions).values())


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.5)


async def test_a_worker_killed_half_way_through_10000_pushes_costs_nobody_a_lesson_nor_a_second_one(
    tmp_path: Path, database_url: str, sessions: Callable[[], Session]
) -> None:
    chats = list(range(100_000, 100_000 + SUBSCRIBERS))
    add_subscribers(sessions, chats, timezone=noon_somewhere(), lesson_time=dt.time(0))
    async with FakeTelegramServer() as fake:
        env = bot_environment(
            fake, tmp_path, database_url,
            PUSH__PER_SECOND=str(PER_SECOND), PUSH__MAX_IN_FLIGHT=str(IN_FLIGHT), PUSH__CHECK_EVERY="1",
            RUNTIME__HEARTBEAT_EVERY="0.5", RUNTIME__WORKER_TIMEOUT="2",
        )  # fmt: skip
        doomed = await start_bot(env, tmp_path, "--roles", "push")
        survivor = await start_bot(env, tmp_path, "--roles", "push")
        try:
            await fake.wait_for(sent_ok, count=SUBSCRIBERS // 2, timeout=240)
            doomed.kill()
            await doomed.wait()
            await wait_until(lambda: settled(sessions) == SUBSCRIBERS, 300, "every push settled")
        finally:
            if doomed.returncode is None:
                doomed.kill()
            log = await stop_bot(survivor)
    assert survivor.returncode == 0, log

    received = {chat: len(fake.messages(chat)) for chat in chats}
    rows = ledger(sessions)
    uncertain = {int(chat) for chat, found in rows.items() if found[0].state == PushState.UNCERTAIN}
    missed = {chat for chat, count in received.items() if count == 0}
    print(f"uncertain after the kill: {len(uncertain)}, of which never received: {len(missed)}")
    assert max(received.values()) == 1, "nobody twice"
    assert missed <= uncertain, "nobody misses a lesson unless its request was under way at the kill"
    assert len(uncertain) < IN_FLIGHT, "the claims waiting for their turn were sent again, not given up"
    assert all(found[0].state == PushState.SENT for chat, found in rows.items() if int(chat) not in uncertain)
    assert "a dead worker had claimed but not sent: sending them now" in log
