"""`buildspeak run` with both tokens, as a real process: Telegram and Discord served from one
event loop, each against its local fake, and stopped cleanly together."""

from __future__ import annotations

from pathlib import Path

from tests.adapters.discord_adapter.harness import school
from tests.fakes.discord_api import FakeDiscordServer
from tests.fakes.telegram_api import FakeTelegramServer
from tests.process_support import bot_environment, start_bot, stop_bot


async def test_run_with_both_tokens_serves_telegram_and_discord(tmp_path: Path, database_url: str) -> None:
    async with FakeTelegramServer() as telegram, FakeDiscordServer(heartbeat_interval=1.0) as discord:
        world = school(discord)
        env = bot_environment(telegram, tmp_path, database_url, LOG_LEVEL="DEBUG")
        env |= {
            "DISCORD_BOT_TOKEN": discord.token,
            "DISCORD_API_BASE_URL": discord.api_url,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
        }
        process = await start_bot(env, tmp_path)
        try:
            await telegram.wait_for("setMyCommands", timeout=30)
            await discord.wait_until(lambda: discord.commands() or None, timeout=30, what="commands synced")
            asked = await discord.slash_command(
                "today", user_id=world.student.id, channel_id=world.general.id
            )
            await discord.wait_for_response(asked, timeout=30)
            assert asked.ephemeral and "【1/" in asked.content
            telegram.send_text(4242, "/today")
            await telegram.wait_for("sendMessage", timeout=30)  # one message: the card, the hint in it
        finally:
            log = await stop_bot(process)
    assert process.returncode == 0, log
    assert "Telegram bot @BuildSpeakTestBot is up" in log and "Discord bot" in log and "is up" in log
    assert discord.token not in log and telegram.token not in log
