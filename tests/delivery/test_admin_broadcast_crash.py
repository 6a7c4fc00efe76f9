"""An admin's broadcast stopped by SIGTERM halfway and resumed by the next start: every subscriber
gets exactly one copy, nobody none and nobody two.

Real `python -m bot run` processes against the fake Bot API, the whole way: the admin (ADMIN_IDS)
writes /admin broadcast in their private chat and presses ✅, the push role's tick sends it at the
pacer's rate, SIGTERM comes while it is being sent, and a second process finishes it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable

from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli import build_app
from bot.storage.tables import PushKind, PushState
from tests.delivery.push_support import add_subscribers, ledger
from tests.fakes.telegram_api import FakeTelegramServer
from tests.process_support import bot_environment, noon_somewhere, start_bot, stop_bot

SUBSCRIBERS = 240
ADMIN = 4242
TEXT = "📢 BuildSpeak 通知\n\n明晚 22:00 维护 maintenance"


def broadcast_copies(fake: FakeTelegramServer, chats: list[int]) -> dict[int, int]:
    return {chat: sum(message.text == TEXT for message in fake.messages(chat)) for chat in chats}


async def wait_for_copies(fake: FakeTelegramServer, chats: list[int], at_least: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while sum(broadcast_copies(fake, chats).values()) < at_least:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {at_least} copies after {timeout} s")
        await asyncio.sleep(0.05)


async def test_sigterm_mid_broadcast_loses_and_duplicates_nothing(
    tmp_path, database_url: str, sessions: Callable[[], Session]
) -> None:
    chats = list(range(20_000, 20_000 + SUBSCRIBERS))
    # Lesson time still ahead and no quiz: the broadcast is the only push these chats get now.
    add_subscribers(sessions, chats, timezone=noon_somewhere(), lesson_time=dt.time(23, 59), quiz_time=None)
    async with FakeTelegramServer() as fake:
        env = bot_environment(
            fake, tmp_path, database_url,
            PUSH__PER_SECOND="40", PUSH__MAX_IN_FLIGHT="16", PUSH__CHECK_EVERY="1",
            RUNTIME__HEARTBEAT_EVERY="0.5", RUNTIME__WORKER_TIMEOUT="2",
        )  # fmt: skip
        env["ADMIN_IDS"] = f"telegram:{ADMIN}"
        first = await start_bot(env, tmp_path)
        try:
            asked = fake.send_text(ADMIN, "/admin broadcast 明晚 22:00 维护 maintenance")
            await fake.wait_confirmed(asked["update_id"], timeout=60)
            await fake.wait_for(lambda call: call.method == "sendMessage" and call.ok, count=2, timeout=30)
            preview, question = fake.messages(ADMIN)
            assert preview.text == TEXT and [b["text"] for b in question.buttons] == [
                "✅ 确认发送",
                "❌ 取消",
            ]
            assert not any(fake.messages(chat) for chat in chats), "nothing goes out before ✅"
            fake.press_button(question.message_id, ADMIN, question.buttons[0]["callback_data"])
            await wait_for_copies(fake, chats, at_least=60, timeout=60)
        finally:
            first_log = await stop_bot(first)  # SIGTERM, once
        assert first.returncode == 0, first_log
        before_restart = broadcast_copies(fake, chats)
        assert 0 < sum(before_restart.values()) < SUBSCRIBERS, "SIGTERM came after the broadcast"
        assert max(before_restart.values()) == 1

        second = await start_bot(env, tmp_path)
        try:
            await wait_for_copies(fake, chats, at_least=SUBSCRIBERS, timeout=90)
            await asyncio.sleep(2)  # two more ticks: nothing more may come
        finally:
            second_log = await stop_bot(second)
        assert second.returncode == 0, second_log

    assert broadcast_copies(fake, chats) == dict.fromkeys(chats, 1)
    assert all(len(fake.messages(chat)) == 1 for chat in chats)  # and nothing else
    rows = ledger(sessions)
    assert all(
        [(row.kind, row.state) for row in rows[str(chat)]] == [(PushKind.BROADCAST, PushState.SENT)]
        for chat in chats
    )
    # What the ✅ said, and the admin's own chat got no copy (not subscribed).
    assert fake.messages(ADMIN)[-1].text.startswith("✅ 广播 #1 已确认")  # type: ignore[union-attr]

    environment = {"BUILDSPEAK_DATABASE__URL": database_url, "BUILDSPEAK_CALENDAR__START": "2020-01-01"}
    stats = CliRunner().invoke(build_app(), ["admin", "stats"], env=environment)
    assert stats.exit_code == 0, stats.output
    assert f"#1 已送达 {SUBSCRIBERS} · 在途 0 · 失败 0 · 其他 0" in stats.output
