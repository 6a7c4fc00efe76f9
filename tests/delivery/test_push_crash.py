"""A broadcast killed with SIGKILL and restarted: everyone left gets the lesson once, nobody twice.

Two real `python -m bot run` processes in turn, pushing through the fake Bot API. The claims still
waiting for their turn at the kill are sent by the restarted process; only the requests under way
at the kill are uncertain: never re-sent, and counted by `buildspeak push status`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli import build_app
from bot.clock import SystemClock
from bot.delivery.progress import push_progress
from bot.storage.tables import PushState
from tests.delivery.push_support import add_subscribers, ledger
from tests.fakes.telegram_api import FakeTelegramServer
from tests.process_support import bot_environment, noon_somewhere, start_bot

SUBSCRIBERS = 300
IN_FLIGHT = 16


async def wait_until_done(sessions: Callable[[], Session], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            progress = push_progress(session, platform="telegram", clock=SystemClock())
        if progress.remaining == 0 and progress.in_flight == 0 and progress.due == SUBSCRIBERS:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the restarted bot did not finish: {progress}")


async def test_a_killed_broadcast_resumes_without_duplicates(
    tmp_path: Path, database_url: str, sessions: Callable[[], Session]
) -> None:
    chats = list(range(10_000, 10_000 + SUBSCRIBERS))
    add_subscribers(sessions, chats, timezone=noon_somewhere(), lesson_time=dt.time(0, 0))
    async with FakeTelegramServer() as fake:
        env = bot_environment(
            fake, tmp_path, database_url,
            # Telegram's own rate: most of the window waits for its turn rather than being on the wire.
            PUSH__PER_SECOND="30", PUSH__MAX_IN_FLIGHT=str(IN_FLIGHT),
            # A killed worker is taken for dead 2 s after its last heartbeat; ticks every second.
            PUSH__CHECK_EVERY="1", RUNTIME__HEARTBEAT_EVERY="0.5", RUNTIME__WORKER_TIMEOUT="2",
        )  # fmt: skip
        first = await start_bot(env, tmp_path)
        await fake.wait_for(lambda call: call.method == "sendMessage" and call.ok, count=100, timeout=60)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        sent_before_restart = len([c for c in fake.calls_to("sendMessage") if c.ok])
        assert sent_before_restart < SUBSCRIBERS, "the broadcast finished before the kill"

        second = await start_bot(env, tmp_path)
        try:
            await wait_until_done(sessions)
        finally:
            second.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(second.communicate(), timeout=30)
    log = output.decode()
    assert second.returncode == 0, log

    received = {chat: len(fake.messages(chat)) for chat in chats}
    rows = {int(chat): found for chat, found in ledger(sessions).items()}
    uncertain = {chat for chat, found in rows.items() if found[0].state == PushState.UNCERTAIN}
    assert max(received.values()) == 1  # nobody twice
    assert {chat for chat, count in received.items() if count == 0} <= uncertain  # a loss is only uncertain
    # Only the requests under way at the kill: claims waiting for their turn are sent again.
    assert len(uncertain) < IN_FLIGHT // 2
    assert all(rows[chat][0].state == PushState.SENT for chat in chats if chat not in uncertain)
    assert "a dead worker had claimed but not sent: sending them now" in log
    if uncertain:
        assert f"{len(uncertain)} push(es) were in flight when a worker died" in log

    environment = {"BUILDSPEAK_DATABASE__URL": database_url, "BUILDSPEAK_CALENDAR__START": "2020-01-01"}
    status = CliRunner().invoke(build_app(), ["push", "status"], env=environment)
    assert status.exit_code == 0, status.output
    lessons = status.output.split("telegram · quiz")[0].splitlines()
    lines = {line.split()[0]: line.split()[1] for line in lessons if line.startswith("  ")}
    assert lines["uncertain"] == str(len(uncertain)) and lines["remaining"] == "0"
    assert lines["sent"] == str(SUBSCRIBERS - len(uncertain)) and lines["due"] == str(SUBSCRIBERS)


async def test_sigterm_mid_broadcast_stops_within_10_s_and_the_restart_loses_and_repeats_nothing(
    tmp_path: Path, database_url: str, sessions: Callable[[], Session]
) -> None:
    chats = list(range(20_000, 20_000 + SUBSCRIBERS))
    add_subscribers(sessions, chats, timezone=noon_somewhere(), lesson_time=dt.time(0, 0))
    async with FakeTelegramServer() as fake:
        env = bot_environment(
            fake, tmp_path, database_url,
            PUSH__PER_SECOND="60", PUSH__MAX_IN_FLIGHT=str(IN_FLIGHT), PUSH__CHECK_EVERY="1",
        )  # fmt: skip
        first = await start_bot(env, tmp_path)
        await fake.wait_for(lambda call: call.method == "sendMessage" and call.ok, count=100, timeout=60)
        began = time.monotonic()
        first.send_signal(signal.SIGTERM)
        first_output, _ = await asyncio.wait_for(first.communicate(), timeout=30)
        stopped_in = time.monotonic() - began
        sent_before_restart = len([c for c in fake.calls_to("sendMessage") if c.ok])
        assert sent_before_restart < SUBSCRIBERS, "the broadcast finished before the stop"

        second = await start_bot(env, tmp_path)
        try:
            await wait_until_done(sessions)
        finally:
            second.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(second.communicate(), timeout=30)
    assert first.returncode == 0 and second.returncode == 0, first_output.decode() + output.decode()
    assert stopped_in < 10, f"an orderly stop took {stopped_in:.1f} s"
    received = {chat: len(fake.messages(chat)) for chat in chats}
    assert set(received.values()) == {1}, "everyone exactly once: nothing lost, nothing twice"
    states = {found[0].state for found in ledger(sessions).values()}
    assert states == {PushState.SENT}, "an orderly stop leaves nothing uncertain"
