"""Running the Telegram bot: the PTB application, the adapter, and the daily push beside them.

The push shares the adapter's pacer (one budget for replies and broadcasts) and runs as an
APScheduler job in the application's own event loop: started after PTB initialises, stopped
before it shuts down, so the last sends still have a bot to go through.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import Session
from telegram import Update
from telegram.ext import Application

from bot.adapters.telegram import TelegramAdapter, TelegramConfig, build_application
from bot.adapters.telegram_push import TelegramPushSender
from bot.clock import Clock
from bot.core.conversation import Conversation
from bot.delivery.broadcast import Pusher
from bot.delivery.content import DailyLessons
from bot.delivery.setup import build_pacer, build_pusher, schedule_pushes
from bot.runtime import freeze_startup_heap
from bot.settings import PushSettings, TelegramSettings

log = logging.getLogger(__name__)


@dataclass
class TelegramBot:
    """What `buildspeak run` starts for Telegram; tests reach the pusher to drive it with a clock."""

    application: Application
    adapter: TelegramAdapter
    pusher: Pusher | None
    scheduler: AsyncIOScheduler
    scheduled: bool = True  # False: the pusher runs only when called (tests, `push now`)
    on_stop: Callable[[], Awaitable[object]] | None = None  # closes what the composition root opened


def telegram_bot(
    conversation: Conversation,
    sessions: Callable[[], Session],
    clock: Clock,
    config: TelegramConfig,
    push: PushSettings,
    *,
    scheduled: bool = True,
    on_stop: Callable[[], Awaitable[object]] | None = None,
) -> TelegramBot:
    """The application with the adapter attached; commands and the push schedule start with it."""
    adapter = TelegramAdapter(conversation, sessions, clock, build_pacer(push))
    application = build_application(config)
    adapter.attach(application)
    pusher = None
    if push.enabled:
        sender = TelegramPushSender(adapter, application.bot)
        lessons = DailyLessons(conversation.services.shelf)
        pusher = build_pusher(push, sender=sender, lessons=lessons, sessions=sessions, clock=clock)
    bot = TelegramBot(application, adapter, pusher, AsyncIOScheduler(timezone=dt.UTC), scheduled, on_stop)
    application.post_init = lambda app: _started(bot, push)
    application.post_stop = lambda app: _stopping(bot)
    return bot


async def _started(bot: TelegramBot, push: PushSettings) -> None:
    await bot.adapter.register_commands(bot.application)
    log.info("Telegram bot @%s is up", bot.application.bot.username)
    if bot.pusher is not None and bot.scheduled:
        await bot.pusher.recover()
        schedule_pushes(bot.scheduler, bot.pusher, every=push.check_every)
        bot.scheduler.start()


async def _stopping(bot: TelegramBot) -> None:
    if bot.scheduler.running:
        bot.scheduler.shutdown(wait=False)
    if bot.pusher is not None:
        await bot.pusher.stop()
    if bot.on_stop is not None:
        await bot.on_stop()


def run_telegram(
    conversation: Conversation,
    sessions: Callable[[], Session],
    clock: Clock,
    settings: TelegramSettings,
    push: PushSettings,
    *,
    on_stop: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Poll Telegram until Ctrl-C or SIGTERM (PTB handles both and shuts down in order);
    `on_stop` runs last, in the bot's event loop (the LLM's httpx client is closed there)."""
    assert settings.token is not None
    config = TelegramConfig(token=settings.token.get_secret_value(), api_base_url=settings.api_base_url)
    bot = telegram_bot(conversation, sessions, clock, config, push, on_stop=on_stop)
    print(f"BuildSpeak 已连接 Telegram（{settings.api_base_url}），按 Ctrl-C 停止。")
    freeze_startup_heap()
    bot.application.run_polling(allowed_updates=Update.ALL_TYPES)
