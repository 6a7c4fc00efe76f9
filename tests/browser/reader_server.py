"""The bot's web app with the reader, served on a real loopback port from a thread of its own.

Playwright's sync API drives the browser from the test's thread; the app runs on its own event
loop in a second thread, as it runs in the bot. A test that needs the core directly (a FakeChat
answering the same quiz) hands its coroutine to that loop with `call`, so the page and the chat
share one conversation, one database and one clock.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from aiohttp import web

from bot.core.conversation import Conversation
from bot.settings import WebSettings
from bot.web.app import build_app
from bot.web.health import Health
from bot.web.reader.deps import ReaderDeps

T = TypeVar("T")

TEST_BOT_TOKEN = "123456:BROWSER-TEST-TOKEN"
TEST_BOT_USERNAME = "BuildSpeakTestBot"
START_TIMEOUT = 30.0  # seconds


class ReaderServer:
    """`url` is the reader's address (http://127.0.0.1:<port>); `stop()` closes it and its thread."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="reader-server", daemon=True)

    @property
    def settings(self) -> WebSettings:
        """The reader's settings: its public address is the port bound here, before the app exists."""
        return WebSettings(public_url=self.url)

    def start(self) -> ReaderServer:
        self._thread.start()
        self.call(self._serve())
        return self

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = START_TIMEOUT) -> T:
        """Run `coroutine` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def stop(self) -> None:
        if self._runner is not None:
            self.call(self._runner.cleanup())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=START_TIMEOUT)
        self._loop.close()
        self._socket.close()

    async def _serve(self) -> None:
        deps = ReaderDeps(
            self.conversation,
            self.settings,
            telegram_token=TEST_BOT_TOKEN,
            bot_username=TEST_BOT_USERNAME,
        )
        self._runner = web.AppRunner(build_app(Health([]), reader=deps))
        await self._runner.setup()
        await web.SockSite(self._runner, self._socket).start()
