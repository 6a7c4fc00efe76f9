"""`buildspeak run`: builds the database, the lessons and the conversation, then runs the roles
(Telegram polling, the push, the console chat) in one runtime (`bot/runtime/`)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Annotated

import httpx
import typer
from sqlmodel import Session
from telegram.error import InvalidToken, TelegramError

from bot.adapters.console import ConsoleChat
from bot.adapters.discord import DiscordConfig
from bot.adapters.telegram import TelegramConfig
from bot.cli.context import CliContext, context_of
from bot.core.admin import Admins
from bot.core.commands import default_commands
from bot.core.conversation import Conversation
from bot.core.quiz_kit import QuizConfig, QuizKit
from bot.core.shelf import LessonShelf
from bot.core.turn import Defaults, Services
from bot.learning.review_schedule import ScheduleRules, Timing
from bot.learning.setup import build_explainer, wants_llm
from bot.logs import configure_logging
from bot.observability.metrics import Metrics, SubscriberGauge
from bot.runtime.assembly import CONSOLE, PUSH, RoleError, Runtime, assemble, choose_roles
from bot.runtime.presence import SharedSQLite
from bot.runtime.review_digest import review_digest
from bot.runtime.telegram_webhook import webhook_config
from bot.runtime.web import ANNOUNCE, ListenError
from bot.settings import ROLE_NAMES, DiscordSettings, QuizSettings, WebSettings
from bot.sources.daily import DailyFetch
from bot.sources.setup import daily_fetch
from bot.storage.engine import migrate, session_factory
from bot.storage.subscribers import active_per_platform
from lessons.following.queue import QueueInLibrary

log = logging.getLogger(__name__)


def run_command(
    ctx: typer.Context,
    roles: Annotated[
        str,
        typer.Option(
            "--roles",
            help=f"roles to run, comma-separated ({', '.join(ROLE_NAMES)}); default: all the settings enable",
        ),
    ] = "",
) -> None:
    """运行 Start BuildSpeak: Telegram and the daily push when TELEGRAM_BOT_TOKEN is set, else a chat
    in this terminal. `--roles push` runs only the push, `--roles telegram` only the replies."""
    context = context_of(ctx)
    settings = context.settings
    token = settings.telegram.token
    secret = token.get_secret_value() if token else ""
    keys = (settings.llm.api_key, settings.discord.token, settings.telegram.webhook_secret)
    secrets = [secret] + [key.get_secret_value() for key in keys if key]
    configure_logging(settings.log_level, secrets=secrets, format=settings.log_format)
    asked = tuple(part.strip() for part in roles.split(",") if part.strip()) or settings.runtime.roles
    unknown = [role for role in asked if role not in ROLE_NAMES]
    if unknown:
        raise context.fail(
            f"没有这个角色 unknown role: {', '.join(unknown)} (choose from {', '.join(ROLE_NAMES)})", code=2
        )
    try:
        chosen = choose_roles(
            asked,
            telegram_token=bool(secret),
            push_enabled=settings.push.enabled,
            discord_token=settings.discord.token is not None,
        )
    except RoleError as error:
        raise context.fail(str(error), code=2) from None
    engine = context.database_engine
    try:
        migrate(engine)
        asyncio.run(_serve(context, chosen, secret))
    except InvalidToken:
        raise context.fail("Telegram 拒绝了这个令牌：请检查 TELEGRAM_BOT_TOKEN。", code=2) from None
    except SharedSQLite as error:
        raise context.fail(str(error), code=2) from None
    except TelegramError as error:
        # Through the redacting log, never as a raw traceback: the error text may quote the token.
        log.error("Telegram stopped the bot: %s", error, exc_info=error)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


async def _serve(context: CliContext, roles: tuple[str, ...], secret: str) -> None:
    """Build every unit inside the event loop that will run them (PTB and httpx bind to it)."""
    try:
        runtime = build_runtime(context, roles, secret)
    except RoleError as error:
        raise context.fail(str(error), code=2) from None
    webhook = webhook_config(context.settings.telegram, secret) if secret else None
    if webhook is not None:  # PTB's DEBUG lines quote setWebhook's parameters, the secret among them
        for handler in logging.getLogger().handlers:
            masked = getattr(handler.formatter, "secrets", None)
            if isinstance(masked, list) and webhook.secret not in masked:
                masked.append(webhook.secret)
    if runtime.telegram is not None:
        print(f"BuildSpeak 已连接 Telegram（{context.settings.telegram.api_base_url}），按 Ctrl-C 停止。")
    if runtime.discord is not None:
        print(f"BuildSpeak 已连接 Discord（{context.settings.discord.api_base_url}），按 Ctrl-C 停止。")
    # The console reads the terminal in a thread that a signal cannot interrupt: there Ctrl-C and
    # Ctrl-D end the chat itself, as before.
    try:
        await runtime.run(signals=CONSOLE not in roles)
    except ListenError as error:
        raise context.fail(str(error), code=2) from None


def build_runtime(
    context: CliContext, roles: tuple[str, ...], secret: str, *, read: Callable[[], str | None] | None = None
) -> Runtime:
    """The runtime for `roles`; `read` gives the console's lines (default: the terminal)."""
    settings = context.settings
    # The LLM's connection pool: opened here, closed when the runtime ends.
    http = httpx.AsyncClient() if wants_llm(settings.llm, settings.explain) else None
    metrics = Metrics()
    metrics.watch(SubscriberGauge(session_factory(context.database_engine), active_per_platform))
    console = CONSOLE in roles
    reader = reader_address(settings.web, console=console)
    conversation = build_conversation(
        context, offline_audio=not secret, http=http, metrics=metrics, web_url=reader
    )
    telegram = None
    if secret:
        telegram = TelegramConfig(token=secret, api_base_url=settings.telegram.api_base_url)
    discord = discord_config(settings.discord)
    chat = ConsoleChat(conversation, context.out, read or read_line) if console else None
    webhook = webhook_config(settings.telegram, secret) if secret else None
    runtime = assemble(
        conversation,
        roles=roles,
        sessions=conversation.services.sessions,
        clock=context.clock,
        push=settings.push,
        runtime=settings.runtime,
        replies=settings.replies,
        telegram=telegram,
        discord=discord,
        console=chat,
        web=settings.web,
        webhook=webhook,
        announce=announce_reader if console else announce_web,
        sources=followed_sources(context, roles, conversation.services.sessions),
        review=review_digest(
            settings, digest_time=settings.sources.digest_time, warn_below=settings.sources.warn_below_days
        ),
    )
    if http is not None:
        runtime.closers.append(http.aclose)
    return runtime


def reader_address(web: WebSettings, *, console: bool = False) -> str:
    """Where people open the reader, for the chats' 📖 buttons and /web links: `public_url`; for
    the console chat without one, the app's own local address (when its port is known ahead)."""
    if not web.reader:
        return ""
    # A worker serving no HTTP itself (a push worker) still links to the reader at public_url.
    if web.public_url or not console or not web.enabled or web.port == 0:
        return web.public_url
    host = "127.0.0.1" if web.host in ("", "0.0.0.0", "::") else web.host
    return f"http://{f'[{host}]' if ':' in host else host}:{web.port}"


def announce_web(url: str) -> None:
    print(f"{ANNOUNCE} {url}", flush=True)


def announce_reader(url: str) -> None:
    """The console's line for the reader it serves beside the chat."""
    announce_web(url)
    print(
        f"🌐 阅读页 reader: {url}/ （聊天里发送 /web 登录你的生词本 · send /web to open your book there）",
        flush=True,
    )


def followed_sources(
    context: CliContext, roles: tuple[str, ...], sessions: Callable[[], Session]
) -> DailyFetch | None:
    """The daily fetch of the followed sources, in the process that runs the push."""
    if PUSH not in roles:
        return None
    try:
        return daily_fetch(context.settings, sessions=sessions, clock=context.clock)
    except QueueInLibrary as error:
        raise RoleError(str(error)) from None


def discord_config(settings: DiscordSettings) -> DiscordConfig | None:
    if settings.token is None:
        return None
    return DiscordConfig(
        token=settings.token.get_secret_value(),
        api_base_url=settings.api_base_url,
        gateway_url=settings.gateway_url,
        test_guild_id=settings.test_guild_id,
    )


def build_conversation(
    context: CliContext,
    *,
    offline_audio: bool,
    http: httpx.AsyncClient | None = None,
    metrics: Metrics | None = None,
    web_url: str | None = None,
) -> Conversation:
    """`http` is the LLM's client when `wants_llm`; without it explanations are offline. `metrics`
    (None: nothing counted) goes to everything that counts: the core, the model's calls, the voices."""
    settings = context.settings
    on_audio = metrics.count_audio if metrics is not None else None
    speaker = context.speaker(offline_only=offline_audio, on_audio=on_audio)
    shelf = LessonShelf(context.catalog, context.deck_builder, speaker)
    defaults = Defaults(
        timezone=settings.calendar.timezone,
        lesson_time=settings.push.default_lesson_time,
        quiz_time=settings.quiz.default_quiz_time,
    )
    sessions = session_factory(context.database_engine)
    explainer = build_explainer(
        settings.llm,
        settings.explain,
        lessons=shelf.catalog.lessons.values(),
        dictionary=shelf.builder.dictionary,
        glossary=shelf.builder.glossary,
        sessions=sessions,
        http=http,
        metrics=metrics,
    )
    quizzes = QuizKit(quiz_config(settings.quiz), shelf.builder.dictionary, shelf.builder.glossary)
    services = Services(
        shelf=shelf,
        sessions=sessions,
        clock=context.clock,
        defaults=defaults,
        explainer=explainer,
        quizzes=quizzes,
        metrics=metrics,
        web_url=reader_address(settings.web) if web_url is None else web_url,
        sign_in_minutes=settings.web.sign_in_minutes,
    )
    return Conversation(services, default_commands(Admins.of(settings.admin.ids)))


def quiz_config(settings: QuizSettings) -> QuizConfig:
    rules = ScheduleRules(
        desired_retention=settings.desired_retention,
        maximum_interval=settings.maximum_interval,
        fuzz=settings.fuzz,
        known_stability=settings.known_stability,
    )
    timing = Timing(
        fast_choice=settings.fast_choice,
        slow_choice=settings.slow_choice,
        fast_typed=settings.fast_typed,
        slow_typed=settings.slow_typed,
    )
    return QuizConfig(
        max_questions=settings.max_questions,
        today_words=settings.today_words,
        group_questions=settings.group_questions,
        group_minutes=settings.group_minutes,
        build_ahead=dt.timedelta(minutes=settings.build_ahead_minutes),
        rules=rules,
        timing=timing,
    )


def read_line() -> str | None:
    """A line typed at the prompt, or None at the end of input (Ctrl-D, or a script that ran out)."""
    try:
        return input("› ")
    except EOFError:
        return None
    except KeyboardInterrupt:
        return None
