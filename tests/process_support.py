"""`python -m bot run` as real processes against the fake Bot API: their environment, start, output."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
from pathlib import Path

from tests.chat_support import PROJECT
from tests.fakes.telegram_api import FakeTelegramServer


def noon_somewhere() -> str:
    """A fixed-offset zone where it is around noon now, so no date changes during the test."""
    offset = (12 - dt.datetime.now(dt.UTC).hour + 12) % 24 - 12  # in [-12, 11]
    return f"UTC{offset:+03d}:00" if offset else "UTC"  # UTC+00:00 is spelled UTC


def bot_environment(
    fake: FakeTelegramServer, tmp_path: Path, database_url: str, **settings: str
) -> dict[str, str]:
    """The environment of a bot process on this test's database; `settings` add BUILDSPEAK_ keys
    (`PUSH__PER_SECOND="40"`)."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.url,
        "BUILDSPEAK_DATABASE__URL": database_url,
        "BUILDSPEAK_AUDIO__CACHE_DIR": str(tmp_path / "audio"),
        "BUILDSPEAK_LIBRARY__PATH": str(PROJECT / "lessons" / "library"),
        "BUILDSPEAK_LIBRARY__PINS": str(tmp_path / "pins.toml"),
        "BUILDSPEAK_CALENDAR__START": "2020-01-01",
        **{f"BUILDSPEAK_{key}": value for key, value in settings.items()},
    }


async def start_bot(env: dict[str, str], cwd: Path, *arguments: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", *arguments, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def stop_bot(process: asyncio.subprocess.Process, *, timeout: float = 30) -> str:
    """SIGTERM, then its whole output once it has exited."""
    if process.returncode is None:
        process.terminate()
    output, _ = await asyncio.wait_for(process.communicate(), timeout=timeout)
    return output.decode()
