"""`buildspeak run` with a token, as a real process: it connects to the configured Bot API and serves."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.chat_support import PROJECT
from tests.fakes.telegram_api import FakeTelegramServer
from tests.process_support import bot_environment, start_bot, stop_bot


async def test_run_with_a_token_serves_telegram_and_stops_cleanly(tmp_path: Path, database_url: str) -> None:
    async with FakeTelegramServer() as fake:
        env = bot_environment(fake, tmp_path, database_url, LOG_LEVEL="DEBUG")
        process = await start_bot(env, tmp_path)
        try:
            await fake.wait_for("setMyCommands", timeout=30)
            fake.send_text(4242, "/today")
            (card,) = await fake.wait_for("sendMessage", timeout=30)
            text = card.result["text"]
            assert "【1/" in text and "/start" in text, "one message: the card, the hint under it"
        finally:
            log = await stop_bot(process)
    assert process.returncode == 0, log
    assert "Telegram bot @BuildSpeakTestBot is up" in log
    assert fake.token not in log and fake.token.split(":")[1] not in log


async def test_a_rejected_token_is_reported_without_printing_it(tmp_path: Path, database_url: str) -> None:
    wrong = "999999:WRONG-secret-token"
    async with FakeTelegramServer() as fake:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": wrong,
            "TELEGRAM_API_BASE_URL": fake.url,
            "BUILDSPEAK_DATABASE__URL": database_url,
            "BUILDSPEAK_LIBRARY__PATH": str(PROJECT / "lessons" / "library"),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    text = output.decode()
    assert process.returncode == 2, text
    assert "TELEGRAM_BOT_TOKEN" in text and "拒绝" in text
    assert "WRONG-secret-token" not in text
