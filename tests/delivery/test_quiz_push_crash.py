"""A quiz push killed with SIGKILL and restarted: everyone left gets tonight's quiz once, nobody twice.

Two real `python -m bot run` processes in turn, as for the lesson push (test_push_crash.py), but
the subscribers' quiz time has come and each has a word due: what goes out is the quiz invitation.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import time
from pathlib import Path

from sqlmodel import select

from bot.clock import SystemClock
from bot.delivery.progress import push_progress
from bot.storage.tables import Learner, PushKind, PushState
from tests.core.quiz_support import Sessions, save
from tests.delivery.push_support import add_subscribers, ledger
from tests.fakes.telegram_api import FakeTelegramServer
from tests.process_support import bot_environment, noon_somewhere, start_bot, stop_bot

SUBSCRIBERS = 200
IN_FLIGHT = 16


async def wait_until_done(sessions: Sessions, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sessions() as session:
            progress = push_progress(session, platform="telegram", clock=SystemClock(), kind=PushKind.QUIZ)
        if progress.remaining == 0 and progress.in_flight == 0 and progress.due == SUBSCRIBERS:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"the restarted bot did not finish the quiz push: {progress}")


async def test_a_killed_quiz_push_resumes_without_a_second_quiz(
    tmp_path: Path, database_url: str, sessions: Sessions
) -> None:
    chats = list(range(20_000, 20_000 + SUBSCRIBERS))
    zone = noon_somewhere()
    # The quiz is due (00:00 has passed), the lesson is not (its time is the day's last second).
    add_subscribers(sessions, chats, timezone=zone, lesson_time=dt.time(23, 59, 59), quiz_time=dt.time(0, 0))
    for chat in chats:
        save(sessions, dt.datetime.now(dt.UTC), "moat", platform="telegram", user_id=str(chat))
    # As /tz in a private chat leaves them: the learner's day is the chat's. (With the default zone
    # instead, the word saved just now was not due by the end of a day that had ended in Shanghai
    # whenever this ran after 16:00 UTC, and the push rightly skipped everyone.)
    with sessions() as session:
        for learner in session.exec(select(Learner)).all():
            learner.timezone = zone
            session.add(learner)
        session.commit()
    async with FakeTelegramServer() as fake:
        env = bot_environment(
            fake, tmp_path, database_url,
            PUSH__PER_SECOND="100", PUSH__MAX_IN_FLIGHT=str(IN_FLIGHT),
            PUSH__CHECK_EVERY="1", RUNTIME__HEARTBEAT_EVERY="0.5", RUNTIME__WORKER_TIMEOUT="2",
        )  # fmt: skip
        first = await start_bot(env, tmp_path)
        await fake.wait_for(lambda call: call.method == "sendMessage" and call.ok, count=60, timeout=60)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        sent_before_restart = len([call for call in fake.calls_to("sendMessage") if call.ok])
        assert sent_before_restart < SUBSCRIBERS, "the quiz push finished before the kill"
        second = await start_bot(env, tmp_path)
        try:
            await wait_until_done(sessions)
        finally:
            log = await stop_bot(second)
    assert second.returncode == 0, log
    received = {chat: [m.text or "" for m in fake.messages(chat)] for chat in chats}
    assert all(len(texts) <= 1 for texts in received.values()), "nobody gets tonight's quiz twice"
    assert all("今晚的复习" in texts[0] for texts in received.values() if texts)
    rows = {int(chat): found for chat, found in ledger(sessions).items()}
    uncertain = {chat for chat, found in rows.items() if found[0].state == PushState.UNCERTAIN}
    assert {chat for chat, texts in received.items() if not texts} <= uncertain
    assert len(uncertain) <= IN_FLIGHT and all(found[0].kind == "quiz" for found in rows.values())
