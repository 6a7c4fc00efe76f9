"""Two workers on one PostgreSQL database, behind one load balancer, one killed half way.

Real `python -m bot run` processes (Telegram by webhook, and the push) against the fake Bot API:
a lesson pushed to 10,000 subscribers while 300 people send /today, spread over both workers (the
test is the balancer: it sends each update to one worker, and to the other when that one is gone,
as Telegram retries). Half way through the push one worker is killed with SIGKILL. The survivor
takes over once the dead one's heartbeat has expired: its claims still waiting for their turn are
sent, its updates whose replies had not begun are answered. Only what was on the wire at the kill
is uncertain (never sent again). Nobody gets anything twice, and nobody misses anything unless
it was one of those few.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlmodel import Session, select

from bot.runtime.telegram_webhook import derive_secret
from bot.storage.tables import InboxUpdate, PushState
from tests.delivery.push_support import add_subscribers, ledger
from tests.fakes.telegram_api import Call, FakeTelegramServer
from tests.process_support import noon_somewhere, start_bot, stop_bot, web_url
from tests.web.web_support import message_update, post_update, webhook_environment

SUBSCRIBERS = 10_000
PEOPLE = list(range(900_000, 900_300))  # who write to the bot meanwhile
FIRST_UPDATE = 70_000
IN_FLIGHT = 64  # the default window
# Shared by the two workers (each takes half). Low enough that, as under Telegram's own limits,
# most of a worker's window waits for its turn rather than being on the wire.
PER_SECOND = 160
SETTINGS = {
    "PUSH__PER_SECOND": str(PER_SECOND),
    "PUSH__MAX_IN_FLIGHT": str(IN_FLIGHT),
    "PUSH__CHECK_EVERY": "1",
    "RUNTIME__HEARTBEAT_EVERY": "0.5",
    "RUNTIME__WORKER_TIMEOUT": "2",
}


@pytest.fixture(autouse=True)
def postgres_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share one database on PostgreSQL; SQLite is the one-process default")


def sent_ok(call: Call) -> bool:
    return call.method == "sendMessage" and call.ok


def settled(sessions: Callable[[], Session]) -> int:
    unsettled = (PushState.CLAIMED.value, PushState.SENDING.value)
    return sum(rows[0].state not in unsettled for rows in ledger(sessions).values())


def inbox(sessions: Callable[[], Session]) -> dict[int, str]:
    """Each person's update's state in the inbox."""
    with sessions() as session:
        found = session.exec(select(InboxUpdate.update_id, InboxUpdate.state)).all()
    return {PEOPLE[update_id - FIRST_UPDATE]: state for update_id, state in found}


async def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.5)


class Balancer:
    """Sends each update to one worker in turn; to the other when that one does not answer 200."""

    def __init__(self, doors: list[str], secret: str) -> None:
        self.doors = doors
        self.secret = secret
        self.answers: list[int] = []

    async def send(self, updates: list[dict[str, Any]], per_second: float) -> None:
        sending = []
        for number, update in enumerate(updates):
            sending.append(asyncio.create_task(self._one(number, update)))
            await asyncio.sleep(1 / per_second)
        self.answers = list(await asyncio.gather(*sending))

    async def _one(self, number: int, update: dict[str, Any]) -> int:
        status = 0
        for door in (self.doors[number % 2], self.doors[(number + 1) % 2]):
            try:
                status = await post_update(door, update, self.secret)
            except aiohttp.ClientError:
                continue
            if status == 200:
                return status
        return status


async def test_a_worker_killed_half_way_costs_nobody_a_lesson_or_an_answer_nor_gives_one_twice(
    tmp_path: Path, database_url: str, sessions: Callable[[], Session]
) -> None:
    chats = list(range(100_000, 100_000 + SUBSCRIBERS))
    add_subscribers(sessions, chats, timezone=noon_somewhere(), lesson_time=dt.time(0))
    updates = [message_update(FIRST_UPDATE + n, person, "/today") for n, person in enumerate(PEOPLE)]
    async with FakeTelegramServer() as fake:
        doomed_env, hook = webhook_environment(fake, tmp_path, database_url, **SETTINGS)
        survivor_env, _ = webhook_environment(fake, tmp_path, database_url, **SETTINGS)
        survivor_env["TELEGRAM_WEBHOOK_URL"] = hook  # one public URL, the balancer's
        doomed = await start_bot(doomed_env, tmp_path)
        survivor = await start_bot(survivor_env, tmp_path)
        try:
            doors = [f"{await web_url(doomed)}/telegram", f"{await web_url(survivor)}/telegram"]
            balancer = Balancer(doors, derive_secret(fake.token))
            writing = asyncio.create_task(balancer.send(updates, per_second=20))
            await fake.wait_for(sent_ok, count=SUBSCRIBERS // 2, timeout=240)
            doomed.kill()
            await doomed.wait()
            await writing
            await wait_until(lambda: settled(sessions) == SUBSCRIBERS, 300, "every push settled")
            await wait_until(
                lambda: all(state in ("done", "uncertain") for state in inbox(sessions).values()),
                120,
                "every update settled",
            )
        finally:
            if doomed.returncode is None:
                doomed.kill()
            log = await stop_bot(survivor)
    assert survivor.returncode == 0, log
    assert balancer.answers == [200] * len(PEOPLE), "every update stored by one worker or the other"

    received = {chat: len(fake.messages(chat)) for chat in chats}
    rows = ledger(sessions)
    uncertain = {int(chat) for chat, found in rows.items() if found[0].state == PushState.UNCERTAIN}
    missed = {chat for chat, count in received.items() if count == 0}
    answers = {person: len(fake.messages(person)) for person in PEOPLE}
    states = inbox(sessions)
    unsure = {person for person, state in states.items() if state == "uncertain"}
    unanswered = {person for person, count in answers.items() if count == 0}
    print(
        f"after the kill: {len(uncertain)} pushes uncertain ({len(missed)} never received), "
        f"{len(unsure)} updates uncertain ({len(unanswered)} never answered)"
    )
    assert max(received.values()) == 1 and max(answers.values()) == 1, "nobody twice"
    assert missed <= uncertain and unanswered <= unsure, "nothing missed but what was on the wire"
    assert len(uncertain) < IN_FLIGHT // 2, "the claims waiting for their turn were sent again, not given up"
    assert all(found[0].state == PushState.SENT for chat, found in rows.items() if int(chat) not in uncertain)
    assert len(states) == len(PEOPLE) and len(unsure) <= 10
    assert "a dead worker had claimed but not sent: sending them now" in log
