"""SQLite is the one-process default: a second `buildspeak run` on the same file says so and exits."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegramServer
from tests.process_support import bot_environment, start_bot, stop_bot


async def test_a_second_bot_process_on_one_sqlite_file_is_refused(tmp_path: Path, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("several processes share a PostgreSQL database")
    async with FakeTelegramServer() as fake:
        env = bot_environment(fake, tmp_path, database_url)
        first = await start_bot(env, tmp_path, "--roles", "telegram")
        try:
            await fake.wait_for("getUpdates", timeout=60)  # up and polling
            second = await start_bot(env, tmp_path, "--roles", "telegram")
            output, _ = await asyncio.wait_for(second.communicate(), timeout=60)
        finally:
            first_log = await stop_bot(first)
    assert second.returncode == 2, output.decode()
    said = "".join(output.decode().split())  # the console wraps long lines
    assert "SQLite只支持一个进程" in said and "runseveralonPostgreSQL" in said
    assert first.returncode == 0, first_log
