"""`buildspeak run`: the composition root. Builds the database, the lessons and the conversation,
then hands them to Telegram when a token is configured, else to the console chat."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import typer
from telegram.error import InvalidToken, TelegramError

from bot.adapters.console import ConsoleChat
from bot.cli.context import CliContext, context_of
from bot.core.conversation import Conversation
from bot.core.shelf import LessonShelf
from bot.core.turn import Defaults, Services
from bot.logs import configure_logging
from bot.storage.engine import migrate, session_factory

log = logging.getLogger(__name__)


def run_command(ctx: typer.Context) -> None:
    """运行 Start BuildSpeak: Telegram when TELEGRAM_BOT_TOKEN is set, else a chat in this terminal."""
    context = context_of(ctx)
    token = context.settings.telegram.token
    secret = token.get_secret_value() if token else ""
    configure_logging(context.settings.log_level, secrets=[secret])
    engine = context.database_engine
    migrate(engine)
    try:
        conversation = build_conversation(context, offline_audio=not secret)
        if secret:
            from bot.adapters.telegram_app import run_telegram

            try:
                sessions = session_factory(engine)
                settings = context.settings
                run_telegram(conversation, sessions, context.clock, settings.telegram, settings.push)
            except InvalidToken:
                raise context.fail("Telegram 拒绝了这个令牌：请检查 TELEGRAM_BOT_TOKEN。", code=2) from None
            except TelegramError as error:
                # Through the redacting log, never as a raw traceback: the error text may quote the token.
                log.error("Telegram stopped the bot: %s", error, exc_info=error)
                raise typer.Exit(1) from None
        else:
            chat = ConsoleChat(conversation, context.out, read_line)
            asyncio.run(chat.run())
    finally:
        engine.dispose()


def build_conversation(context: CliContext, *, offline_audio: bool) -> Conversation:
    shelf = LessonShelf(context.catalog, context.deck_builder, context.speaker(offline_only=offline_audio))
    defaults = Defaults(timezone=context.settings.calendar.timezone, lesson_time=dt.time(8, 0))
    services = Services(
        shelf=shelf, sessions=session_factory(context.database_engine), clock=context.clock, defaults=defaults
    )
    return Conversation(services)


def read_line() -> str | None:
    """A line typed at the prompt, or None at the end of input (Ctrl-D, or a script that ran out)."""
    try:
        return input("› ")
    except EOFError:
        return None
    except KeyboardInterrupt:
        return None
