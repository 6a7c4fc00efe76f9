"""Running the Telegram bot: build the PTB application, attach the adapter, poll until stopped."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlmodel import Session
from telegram import Update
from telegram.ext import Application

from bot.adapters.telegram import TelegramAdapter, TelegramConfig, build_application
from bot.clock import Clock
from bot.core.conversation import Conversation
from bot.settings import TelegramSettings

log = logging.getLogger(__name__)


def telegram_application(
    conversation: Conversation, sessions: Callable[[], Session], clock: Clock, config: TelegramConfig
) -> Application:
    """The application with the adapter attached; the command menu is registered when it starts."""
    adapter = TelegramAdapter(conversation, sessions, clock)
    application = build_application(config)
    adapter.attach(application)

    async def started(app: Application) -> None:
        await adapter.register_commands(app)
        log.info("Telegram bot @%s is up", app.bot.username)

    application.post_init = started
    return application


def run_telegram(
    conversation: Conversation, sessions: Callable[[], Session], clock: Clock, settings: TelegramSettings
) -> None:
    """Poll Telegram until Ctrl-C or SIGTERM (PTB handles both and shuts down in order)."""
    assert settings.token is not None
    config = TelegramConfig(token=settings.token.get_secret_value(), api_base_url=settings.api_base_url)
    application = telegram_application(conversation, sessions, clock, config)
    print(f"BuildSpeak 已连接 Telegram（{settings.api_base_url}），按 Ctrl-C 停止。")
    application.run_polling(allowed_updates=Update.ALL_TYPES)
