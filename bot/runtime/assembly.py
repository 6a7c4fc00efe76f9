"""Putting a process together: which roles run, and the units that serve them, built once.

Everything is passed in (the conversation, sessions, clock, settings); nothing here reads the
environment, so a test builds exactly what `buildspeak run` builds, pointed at its fakes.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field, replace

from aiohttp.web import Application
from sqlmodel import Session

from bot.adapters.console import ConsoleChat
from bot.adapters.discord import DiscordConfig
from bot.adapters.telegram import TelegramConfig
from bot.clock import Clock
from bot.core.admin.library import LibraryWatch
from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.delivery.broadcast import PushContent, Pusher, PushSender
from bot.delivery.content import DailyLessons
from bot.delivery.inbox import Inbox
from bot.delivery.pacing import Pacer
from bot.delivery.quiz_ahead import QuizzesAhead
from bot.delivery.quiz_content import DailyQuizzes
from bot.delivery.quiz_results import GroupQuizResults
from bot.delivery.setup import build_pacer, build_pusher, resend_policy
from bot.runtime.console import ConsoleRole
from bot.runtime.discord import DiscordGateway, DiscordPlatform
from bot.runtime.heap import freeze_startup_heap
from bot.runtime.presence import Presence
from bot.runtime.push import PushRole
from bot.runtime.review_digest import ReviewDigestBuilder
from bot.runtime.telegram import TelegramPlatform, TelegramPolling, TelegramRole
from bot.runtime.telegram_webhook import TelegramWebhook, WebhookConfig, WebhookRegistration
from bot.runtime.units import Unit, serve, stop_on_signals
from bot.runtime.web import WebServer, build_web_server
from bot.settings import PushSettings, ReplySettings, RuntimeSettings, WebSettings
from bot.sources.daily import DailyFetch
from bot.web.reader.deps import READER, ReaderDeps
from bot.web.telegram_webhook import WebhookEndpoint

log = logging.getLogger(__name__)
TELEGRAM, DISCORD, PUSH, CONSOLE = "telegram", "discord", "push", "console"


class RoleError(ValueError):
    """Roles that cannot run with these settings; the message says what to set (Chinese first)."""


def choose_roles(
    requested: Sequence[str], *, telegram_token: bool, push_enabled: bool, discord_token: bool = False
) -> tuple[str, ...]:
    """The roles to run: those asked for, or every role the settings enable (Telegram and
    Discord in one process and one event loop when both have a token)."""
    if not requested:
        if not telegram_token and not discord_token:
            return (CONSOLE,)
        platforms = tuple(
            role for role, token in ((TELEGRAM, telegram_token), (DISCORD, discord_token)) if token
        )
        return (*platforms, PUSH) if push_enabled else platforms
    roles = tuple(dict.fromkeys(requested))
    if TELEGRAM in roles and not telegram_token:
        raise RoleError("telegram 角色需要 TELEGRAM_BOT_TOKEN。The telegram role needs a bot token.")
    if DISCORD in roles and not discord_token:
        raise RoleError("discord 角色需要 DISCORD_BOT_TOKEN。The discord role needs a bot token.")
    if PUSH in roles and not telegram_token and not discord_token:
        raise RoleError(
            "push 角色需要一个可推送的平台：设置 TELEGRAM_BOT_TOKEN 或 DISCORD_BOT_TOKEN。"
            "The push role needs a platform."
        )
    if PUSH in roles and not push_enabled:
        raise RoleError("push 角色已关闭（push.enabled = false）。The push is disabled in the settings.")
    return roles


@dataclass
class Runtime:
    """The units of one process, in start order, and the parts tests and commands reach into."""

    units: list[Unit]
    presence: Presence
    telegram: TelegramPlatform | None = None
    discord: DiscordPlatform | None = None
    push: PushRole | None = None
    inbox: Inbox | None = None  # Telegram's, in a process that takes updates (polling or webhook)
    telegram_role: TelegramRole | None = None
    discord_gateway: bool = False
    web: WebServer | None = None
    closers: list[Callable[[], Awaitable[object]]] = field(default_factory=list)

    @property
    def pushers(self) -> tuple[Pusher, ...]:
        return self.push.pushers if self.push is not None else ()

    async def run(self, *, stop: asyncio.Event | None = None, signals: bool = True) -> None:
        """Serve until SIGTERM/SIGINT (with `signals`), `stop`, or a unit that ends by itself."""
        stop = stop or asyncio.Event()
        if signals:
            stop_on_signals(stop)
        try:
            await serve(self.units, stop=stop, on_started=freeze_startup_heap)
        finally:
            for close in self.closers:
                await close()


def assemble(
    conversation: Conversation,
    *,
    roles: Sequence[str],
    sessions: Callable[[], Session],
    clock: Clock,
    push: PushSettings,
    runtime: RuntimeSettings,
    telegram: TelegramConfig | None = None,
    discord: DiscordConfig | None = None,
    console: ConsoleChat | None = None,
    scheduled: bool = True,
    contents: Sequence[PushContent] | None = None,
    replies: ReplySettings | None = None,
    telegram_pacer: Pacer | None = None,
    web: WebSettings | None = None,
    webhook: WebhookConfig | None = None,
    announce: Callable[[str], None] | None = None,
    sources: DailyFetch | None = None,
    review: ReviewDigestBuilder | None = None,
) -> Runtime:
    """The units for `roles`: the worker first, then platform connections, then the roles, then
    the web app (`web`: its settings; None, or disabled: no HTTP server).

    `contents` are the kinds of push (default: the daily lesson); `scheduled=False` builds the
    pushers without their timer, for tests and `push now`. `telegram_pacer` replaces the one the
    push settings make (a test's, on a clock it controls). `webhook` takes Telegram's updates by
    webhook, served by the web app, instead of polling. `announce` is told the web app's URL.
    `sources` is the followed sources' daily fetch into the review queue, run by the push role;
    `review` builds the admins' review digest and days-left warning, a unit beside the push.
    """
    replies = replies or ReplySettings()
    # The console serves the reader too (its /web signs a browser in to the console's book), but
    # a port taken there is only a warning: the chat in the terminal is what was asked for.
    serving = web is not None and web.enabled
    if webhook is not None and not serving:
        raise RoleError(
            "Telegram webhook 需要 web 服务（web.enabled = true）。The webhook needs the web server enabled."
        )
    worker_id = uuid.uuid4().hex
    inbox = None
    if telegram is not None and TELEGRAM in roles:
        inbox = Inbox(
            sessions, clock, platform="telegram", worker_id=worker_id, max_attempts=replies.handling_attempts
        )
    platforms: list[TelegramPlatform | DiscordPlatform] = []
    if telegram is not None and (TELEGRAM in roles or PUSH in roles):
        pacer = telegram_pacer or build_pacer(push)
        resend = resend_policy(replies)
        platforms.append(TelegramPlatform(conversation, telegram, pacer, resend=resend, inbox=inbox))
    if discord is not None and (DISCORD in roles or PUSH in roles):
        platforms.append(DiscordPlatform(conversation, discord))
    presence = Presence(
        sessions=sessions,
        clock=clock,
        roles=roles,
        pacers={platform.platform: platform.pacer for platform in platforms},
        every=runtime.heartbeat_every,
        timeout=runtime.worker_timeout,
        worker_id=worker_id,
    )
    # Every process follows an admin's reload of the library (`/admin reload`), whoever got it.
    library = LibraryWatch(conversation.services.shelf, sessions, every=runtime.heartbeat_every)
    units: list[Unit] = [presence, library, *platforms]
    built = Runtime(units, presence, inbox=inbox)
    for platform in platforms:
        if isinstance(platform, TelegramPlatform):
            built.telegram = platform
        else:
            built.discord = platform
    if built.telegram is not None and inbox is not None:
        built.telegram_role = telegram_role(
            built.telegram,
            inbox,
            webhook,
            live_workers=lambda: presence.live_worker_ids("telegram"),
            replies=replies,
            runtime=runtime,
        )
        units.append(built.telegram_role)
    if built.discord is not None and DISCORD in roles:
        units.append(DiscordGateway(built.discord))
        built.discord_gateway = True
    if PUSH in roles:
        senders: list[PushSender] = [platform.sender for platform in platforms]
        kinds = contents if contents is not None else default_contents(conversation.services, senders)
        pushers = [
            build_pusher(
                push,
                sender=sender,
                content=content,
                sessions=sessions,
                clock=clock,
                worker_id=presence.worker_id,
                worker_timeout=runtime.worker_timeout,
                metrics=conversation.services.metrics,
            )
            for sender in senders
            for content in kinds
        ]
        results = GroupQuizResults({sender.platform: sender for sender in senders}, sessions, clock)
        kit = conversation.services.quizzes
        warm = [lambda: kit.choices] if kit is not None else []
        ahead = quizzes_ahead(kinds, [sender.platform for sender in senders], sessions, clock)
        built.push = PushRole(
            pushers,
            every=push.check_every,
            scheduled=scheduled,
            results=results,
            ahead=ahead,
            warm=warm,
            sources=sources,
        )
        units.append(built.push)
        if review is not None:
            units.append(review(conversation, senders, presence.worker_id))
    if CONSOLE in roles:
        if console is None:
            raise RoleError("console 角色需要一个终端。The console role needs a terminal.")
        units.append(ConsoleRole(console))
    if serving:
        assert web is not None
        reader = reader_deps(conversation, web, telegram)
        add_web(
            built,
            web,
            sessions=sessions,
            conversation=conversation,
            webhook=webhook,
            reader=reader,
            announce=announce,
            optional=CONSOLE in roles,
        )
    return built


def telegram_role(
    platform: TelegramPlatform,
    inbox: Inbox,
    webhook: WebhookConfig | None,
    *,
    live_workers: Callable[[], Awaitable[Collection[str]]],
    replies: ReplySettings,
    runtime: RuntimeSettings,
) -> TelegramRole:
    """Updates by long polling (the default), or by webhook when its URL is set."""
    timing = {"stop_grace": replies.stop_grace, "recheck_every": runtime.heartbeat_every}
    if webhook is None:
        return TelegramPolling(platform, inbox, live_workers=live_workers, **timing)
    return TelegramWebhook(platform, inbox, webhook, live_workers=live_workers, **timing)


def add_web(
    built: Runtime,
    settings: WebSettings,
    *,
    sessions: Callable[[], Session],
    conversation: Conversation,
    webhook: WebhookConfig | None,
    reader: ReaderDeps | None = None,
    announce: Callable[[str], None] | None,
    optional: bool = False,
) -> None:
    """The web app last (it serves the roles above), and after it the webhook's registration:
    Telegram's first request must find the app listening."""
    role = built.telegram_role
    endpoint = None
    if webhook is not None and isinstance(role, TelegramWebhook):
        endpoint = WebhookEndpoint(settings.webhook_path, webhook.secret, role)
    metrics = conversation.services.metrics
    built.web = build_web_server(
        built,
        settings,
        sessions=sessions,
        registry=metrics.registry if metrics is not None else None,
        webhook=endpoint,
        reader=reader,
        announce=announce,
        optional=optional,
    )
    if reader is not None and built.telegram is not None:
        built.web.app.on_startup.append(bot_username_from(built.telegram))
    built.units.append(built.web)
    if isinstance(role, TelegramWebhook):
        built.units.append(WebhookRegistration(role))


def reader_deps(
    conversation: Conversation, web: WebSettings, telegram: TelegramConfig | None
) -> ReaderDeps | None:
    """The reader's pages on this process's app, when the settings want them; Mini App sign-in
    when there is a Telegram token to check its init data with."""
    if not web.reader:
        return None
    return ReaderDeps(conversation, web, telegram_token=telegram.token if telegram is not None else None)


def bot_username_from(platform: TelegramPlatform) -> Callable[[Application], Awaitable[None]]:
    """The bot's @username for 关于's link, known once getMe has answered: the web app starts after
    the platforms, so at its start-up it is."""

    async def fill(app: Application) -> None:
        username = platform.application.bot.username if platform.connected else None
        if username:
            app[READER] = replace(app[READER], bot_username=username)

    return fill


def quizzes_ahead(
    contents: Sequence[PushContent], platforms: Sequence[str], sessions: Callable[[], Session], clock: Clock
) -> QuizzesAhead | None:
    """The job that builds tonight's quizzes before quiz time, when the quiz is pushed and asked to."""
    quiz = next((content for content in contents if isinstance(content, DailyQuizzes)), None)
    if quiz is None or not quiz.kit.config.build_ahead:
        return None
    return QuizzesAhead(quiz, platforms, sessions, clock, ahead=quiz.kit.config.build_ahead)


def default_contents(services: Services, senders: Sequence[PushSender] = ()) -> list[PushContent]:
    """What the push sends every day: the lesson at each chat's lesson time, the quiz at its quiz time."""
    assert services.quizzes is not None
    quiz = DailyQuizzes(
        services.shelf,
        services.quizzes,
        services.sessions,
        services.clock,
        default_zone=services.defaults.timezone,
        members_alone=[sender.platform for sender in senders if sender.answers_members_alone],
    )
    return [DailyLessons(services.shelf, web_url=services.web_url), quiz]
