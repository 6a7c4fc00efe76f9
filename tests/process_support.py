"""`python -m bot run` as real processes against the fake Bot API: their environment, start, output."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import socket
import sys
import weakref
from pathlib import Path

from tests.chat_support import PROJECT
from tests.fakes.telegram_api import FakeTelegramServer

WEB_LINE = re.compile(r"BuildSpeak web: (http://\S+)")
# What `web_url` read of a process's output before `stop_bot` reads the rest.
_READ: weakref.WeakKeyDictionary[asyncio.subprocess.Process, list[bytes]] = weakref.WeakKeyDictionary()


def noon_somewhere() -> str:
    """A fixed-offset zone where it is around noon now, so no date changes during the test."""
    offset = (12 - dt.datetime.now(dt.UTC).hour + 12) % 24 - 12  # in [-12, 11]
    return f"UTC{offset:+03d}:00" if offset else "UTC"  # UTC+00:00 is spelled UTC


def bot_environment(
    fake: FakeTelegramServer, tmp_path: Path, database_url: str, **settings: str
) -> dict[str, str]:
    """The environment of a bot process on this test's database; `settings` add BUILDSPEAK_ keys
    (`PUSH__PER_SECOND="40"`). Its web app listens on a free port (`web_url` says which), so that
    several bot processes of one test don't clash."""
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.url,
        "BUILDSPEAK_DATABASE__URL": database_url,
        "BUILDSPEAK_AUDIO__CACHE_DIR": str(tmp_path / "audio"),
        "BUILDSPEAK_LIBRARY__PATH": str(PROJECT / "lessons" / "library"),
        "BUILDSPEAK_LIBRARY__PINS": str(tmp_path / "pins.toml"),
        "BUILDSPEAK_CALENDAR__START": "2020-01-01",
        "BUILDSPEAK_WEB__PORT": "0",
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
    return b"".join([*_READ.pop(process, []), output]).decode()


async def web_url(process: asyncio.subprocess.Process, *, timeout: float = 60) -> str:
    """Where the process's web app listens (`http://127.0.0.1:PORT`), read from the line it prints
    once it is up; what is read on the way stays part of `stop_bot`'s output."""
    assert process.stdout is not None
    read = _READ.setdefault(process, [])
    async with asyncio.timeout(timeout):
        while line := await process.stdout.readline():
            read.append(line)
            if found := WEB_LINE.search(line.decode(errors="replace")):
                return found.group(1)
    raise AssertionError("the bot exited without serving the web app:\n" + b"".join(read).decode())


def free_port() -> int:
    """A port free now, for a process that must know its own address before it starts (the
    webhook URL it gives Telegram)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
