"""`buildspeak run`: the composition root. Builds the database, the lessons and the conversation,
then hands them to Telegram when a token is configured, else to the console chat."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import httpx
import typer
from telegram.error import InvalidToken, TelegramError

from bot.adapters.console import ConsoleChat
from bot.cli.context import CliContext, context_of
from bot.core.conversation import Conversation
from bot.core.shelf import LessonShelf
from bot.core.turn import Defaults, Services
from bot.learning.setup import build_explainer, wants_llm
from bot.logs import configure_logging
from bot.storage.engine import migrate, session_factory

log = logging.getLogger(__name__)


def run_command(ctx: typer.Context) -> None:
    """运行 Start BuildSpeak: Telegram when TELEGRAM_BOT_TOKEN is set, else a chat in this terminal."""
    context = context_of(ctx)
    token = context.settings.telegram.token
    secret = token.get_secret_value() if token else ""
    llm_key = context.settings.llm.api_key
    configure_logging(
        context.settings.log_level, secrets=[secret, llm_key.get_secret_value() if llm_key else ""]
    )
    engine = context.database_engine
    migrate(engine)
    # The LLM's connection pool: created here, closed by whichever front end ran in its event loop.
    http = httpx.AsyncClient() if wants_llm(context.settings.llm, context.settings.explain) else None
    try:
        conversation = build_conversation(context, offline_audio=not secret, http=http)
        if secret:
            from bot.adapters.telegram_app import run_telegram

            try:
                sessions = session_factory(engine)
                settings = context.settings
                on_stop = http.aclose if http is not None else None
                run_telegram(
                    conversation, sessions, context.clock, settings.telegram, settings.push, on_stop=on_stop
                )
            except InvalidToken:
                raise context.fail("Telegram 拒绝了这个令牌：请检查 TELEGRAM_BOT_TOKEN。", code=2) from None
            except TelegramError as error:
                # Through the redacting log, never as a raw traceback: the error text may quote the token.
                log.error("Telegram stopped the bot: %s", error, exc_info=error)
                raise typer.Exit(1) from None
        else:
            chat = ConsoleChat(conversation, context.out, read_line)
            asyncio.run(_chat_then_close(chat, http))
    finally:
        engine.dispose()


async def _chat_then_close(chat: ConsoleChat, http: httpx.AsyncClient | None) -> None:
    try:
        await chat.run()
    finally:
        if http is not None:
            await http.aclose()


def build_conversation(
    context: CliContext, *, offline_audio: bool, http: httpx.AsyncClient | None = None
) -> Conversation:
    """`http` is the LLM's client when `wants_llm`; without it explanations are offline."""
    settings = context.settings
    shelf = LessonShelf(context.catalog, context.deck_builder, context.speaker(offline_only=offline_audio))
    defaults = Defaults(timezone=settings.calendar.timezone, lesson_time=dt.time(8, 0))
    sessions = session_factory(context.database_engine)
    explainer = build_explainer(
        settings.llm,
        settings.explain,
        lessons=shelf.catalog.lessons.values(),
        dictionary=shelf.builder.dictionary,
        glossary=shelf.builder.glossary,
        sessions=sessions,
        http=http,
    )
    services = Services(
        shelf=shelf, sessions=sessions, clock=context.clock, defaults=defaults, explainer=explainer
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
