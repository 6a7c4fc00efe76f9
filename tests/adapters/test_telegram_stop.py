"""A stop or a crash with a backlog answers no update twice and leaves none unanswered but those
whose reply was on the wire: the real `buildspeak run` process against the fake Bot API, enforcing
Telegram's 30 a second overall and 1 a second per chat.

200 people send /today at once; the bot has stored (and confirmed to Telegram) every update and is
answering them at the rate's pace when it is stopped. SIGTERM: it stops fetching at once and exits
within 10 seconds (`docker stop`'s limit) with part of the backlog unanswered. SIGKILL: it dies
with sends on the wire. Either way the next start answers exactly the updates whose replies had not
begun; one whose reply had begun going out (marked `replying` just before) may have been answered,
and is settled as uncertain rather than answered twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from bot.storage.tables import InboxUpdate
from tests.fakes.telegram_api import Call, FakeTelegramServer
from tests.process_support import bot_environment, start_bot, stop_bot

Sessions = Callable[[], Session]
PEOPLE = [50_000 + n for n in range(200)]
DOCKER_STOP = 10.0  # seconds `docker stop` waits before it kills
FIRST_UPDATE = 1  # the fake numbers a server's updates from 1


def answered(call: Call) -> bool:
    return call.method == "sendMessage" and call.ok


def sent_to(call: Call, chats: list[int]) -> bool:
    """A sendMessage to one of `chats` that reached the fake (answered or still held)."""
    return call.method == "sendMessage" and int(call.params.get("chat_id", 0)) in chats


def inbox_states(sessions: Sessions) -> dict[str, int]:
    with sessions() as session:
        rows = session.exec(select(InboxUpdate.state, func.count()).group_by(InboxUpdate.state)).all()
    return dict(rows)


async def until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def people_replying(sessions: Sessions) -> set[int]:
    """Whose update's reply had begun going out (the update id is the person's place in PEOPLE)."""
    with sessions() as session:
        ids = session.exec(select(InboxUpdate.update_id).where(InboxUpdate.state == "replying")).all()
    return {PEOPLE[update_id - FIRST_UPDATE] for update_id in ids}


async def backlog(
    fake: FakeTelegramServer, env: dict[str, str], tmp_path: Path
) -> asyncio.subprocess.Process:
    """The bot started, and 200 /today stored by it (every update confirmed to Telegram)."""
    process = await start_bot(env, tmp_path)
    await fake.wait_for("setMyCommands", timeout=60)
    updates = [fake.send_text(person, "/today") for person in PEOPLE]
    assert [update["update_id"] for update in updates] == [FIRST_UPDATE + n for n in range(len(PEOPLE))]
    await fake.wait_confirmed(updates[-1]["update_id"], timeout=30)
    return process


async def restart_answers_the_rest(
    fake: FakeTelegramServer, env: dict[str, str], tmp_path: Path, uncertain: set[int]
) -> str:
    process = await start_bot(env, tmp_path)
    try:
        rest = len(PEOPLE) - len(uncertain - set(fake.message_counts()))
        await fake.wait_for(answered, count=rest, timeout=60)
    finally:
        log = await stop_bot(process)
    assert process.returncode == 0, log
    return log


def each_answered_once(fake: FakeTelegramServer, uncertain: set[int]) -> None:
    counts = fake.message_counts()
    assert set(PEOPLE) - set(counts) <= uncertain, "nobody left unanswered but a reply on the wire"
    assert set(counts.values()) == {1}, f"answered twice: {[c for c, n in counts.items() if n > 1]}"
    assert fake.pending_updates == [], "every update confirmed to Telegram"


async def test_sigterm_with_200_updates_queued_exits_within_10_s_and_a_restart_answers_each_once(
    tmp_path: Path, database_url: str, sessions: Sessions
) -> None:
    async with FakeTelegramServer() as fake:
        fake.rate_limit(per_second_overall=30, per_second_per_chat=1)
        env = bot_environment(fake, tmp_path, database_url)
        process = await backlog(fake, env, tmp_path)
        try:
            await fake.wait_for(answered, count=10, timeout=30)  # answering at the rate's pace
        finally:
            log = await stop_bot(process, timeout=DOCKER_STOP)  # TimeoutError past docker's patience
        assert process.returncode == 0, log
        first_run = set(fake.message_counts())
        assert len(first_run) < len(PEOPLE), "the stop came with a backlog"
        replying = people_replying(sessions)
        assert len(replying) <= 3, "only calls on the wire as the stop's wait ran out"
        states = inbox_states(sessions)
        assert states.get("done", 0) + len(replying) >= len(first_run)
        assert states["pending"] == len(PEOPLE) - states.get("done", 0) - len(replying)
        assert "the next start answers them" in log
        await restart_answers_the_rest(fake, env, tmp_path, replying)
    each_answered_once(fake, replying)
    settled = {"done": len(PEOPLE) - len(replying), "uncertain": len(replying)}
    assert inbox_states(sessions) == {state: count for state, count in settled.items() if count}


async def test_sigkill_with_sends_on_the_wire_and_a_restart_answers_each_once(
    tmp_path: Path, database_url: str, sessions: Sessions
) -> None:
    """The fake holds the sends to most chats (as a congested Telegram would), so the kill finds them
    on the wire. Those may have been delivered (Telegram had the request): they are settled as
    uncertain, not sent again; every update whose reply had not begun is answered by the next start."""
    fast, held = PEOPLE[:60], PEOPLE[60:]
    async with FakeTelegramServer() as fake:
        fake.rate_limit(per_second_overall=30, per_second_per_chat=1)
        for person in held:
            fake.slow_chat(person, 120.0)
        # Ten a second: the held chats' replies leave a few at a time, so at the kill some are on
        # the wire and most still wait for their turn (at Telegram's 30 a second, on a slow machine,
        # all 140 could be on the wire by then).
        env = bot_environment(fake, tmp_path, database_url, PUSH__PER_SECOND="10")
        process = await backlog(fake, env, tmp_path)
        try:
            await fake.wait_for(answered, count=len(fast), timeout=30)
            # Settled in the inbox (a tenth of a second later): what a kill may leave twice is only
            # what the platform answered in that moment.
            await until(lambda: inbox_states(sessions).get("done", 0) >= len(fast), "the inbox to settle")
            await fake.wait_for(lambda call: sent_to(call, held), timeout=30)  # one is on the wire
        finally:
            process.kill()
            await process.wait()
        assert sorted(fake.message_counts()) == fast
        on_the_wire = people_replying(sessions)
        assert on_the_wire and on_the_wire <= set(held), "the held sends, and only those"
        waiting = len(held) - len(on_the_wire)
        assert waiting > 0, "replies still waiting for their turn at the kill"
        assert inbox_states(sessions) == {"done": len(fast), "replying": len(on_the_wire), "pending": waiting}
        for person in held:
            fake.slow_chat(person, 0)
        await restart_answers_the_rest(fake, env, tmp_path, on_the_wire)
    each_answered_once(fake, on_the_wire)
    assert inbox_states(sessions) == {"done": len(PEOPLE) - len(on_the_wire), "uncertain": len(on_the_wire)}
