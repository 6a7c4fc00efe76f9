"""Telegram in the runtime: the connection every Telegram-facing role shares, and the polling role.

The connection (`TelegramPlatform`) is PTB's application initialised (getMe: the bot's name for
links and mentions) with the adapter attached and a pacer of its own; the `push` role sends
through it even in a process that does not poll. `TelegramPolling` is the `telegram` role: it
registers the command menu and polls. PTB is driven with initialize/start/stop/shutdown inside
our lifespan rather than by `run_polling`, so other roles share its event loop and its stop.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.ext import Application

from bot.adapters.telegram import PLATFORM, TelegramAdapter, TelegramConfig, build_application
from bot.adapters.telegram_push import TelegramPushSender
from bot.core.conversation import Conversation
from bot.delivery.pacing import Pacer

log = logging.getLogger(__name__)


class TelegramPlatform:
    """The unit that opens and closes the Bot API connection; roles use its adapter and sender."""

    name = "telegram connection"
    platform = PLATFORM

    def __init__(self, conversation: Conversation, config: TelegramConfig, pacer: Pacer) -> None:
        self.config = config
        self.pacer = pacer
        self.adapter = TelegramAdapter(conversation, pacer)
        self.application: Application = build_application(config)
        self.adapter.attach(self.application)
        self.sender = TelegramPushSender(self.adapter, self.application.bot)
        self.ended = asyncio.Event()

    async def start(self) -> None:
        await self.application.initialize()

    async def stop(self) -> None:
        await self.application.shutdown()


class TelegramPolling:
    """The `telegram` role: the command menu, then updates by long polling until stopped.

    On stop, polling ends first (no new updates are fetched), then PTB finishes the updates it
    already took before the connection closes.
    """

    name = "telegram"

    def __init__(self, platform: TelegramPlatform, *, poll_interval: float = 0.0) -> None:
        self.platform = platform
        self.poll_interval = poll_interval
        self.ended = asyncio.Event()

    async def start(self) -> None:
        application = self.platform.application
        await self.platform.adapter.register_commands(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=self.poll_interval,
            timeout=self.platform.config.poll_timeout,
            allowed_updates=Update.ALL_TYPES,
        )
        log.info("Telegram bot @%s is up", application.bot.username)

    async def stop(self) -> None:
        application = self.platform.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
