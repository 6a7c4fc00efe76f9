"""The `console` role: the chat in this terminal, which ends the process when the person quits."""

from __future__ import annotations

import asyncio
from contextlib import suppress

from bot.adapters.console import ConsoleChat


class ConsoleRole:
    name = "console"

    def __init__(self, chat: ConsoleChat) -> None:
        self.chat = chat
        self.ended = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._chat(), name="console")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _chat(self) -> None:
        try:
            await self.chat.run()
        finally:
            self.ended.set()
