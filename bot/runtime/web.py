"""The web unit: the process's HTTP app on a real port, and the health checks the runtime knows of.

It starts after the platforms and roles (it serves what they do: an update that arrives finds
the handlers running) and stops first, so no request comes in while the rest shut down. At the
stop signal (`halt`) it stops listening at once; requests under way get `shutdown_timeout`
seconds to finish.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.schedulers.base import BaseScheduler
from prometheus_client import CollectorRegistry
from sqlmodel import Session

from bot.runtime.discord import DiscordPlatform
from bot.runtime.telegram import TelegramPlatform, TelegramRole
from bot.settings import WebSettings
from bot.web.app import build_app
from bot.web.health import Check, DatabaseCheck, Health, Status
from bot.web.reader.deps import ReaderDeps
from bot.web.telegram_webhook import WebhookEndpoint

if TYPE_CHECKING:
    from bot.runtime.assembly import Runtime

log = logging.getLogger(__name__)
ANNOUNCE = "BuildSpeak web:"  # the line that says where the app listens (tests read it)


class ListenError(RuntimeError):
    """The app cannot listen where the settings say (the port taken, an address not this host's)."""


class WebServer:
    """Serves `app` on host:port (port 0: any free one; `url` says which, once started, and
    `announce` is told it: `buildspeak run` prints it, else it is logged)."""

    name = "web"

    def __init__(
        self,
        app: web.Application,
        *,
        host: str,
        port: int,
        announce: Callable[[str], None] | None = None,
        shutdown_timeout: float = 3.0,
        on_close: Callable[[], None] | None = None,
        optional: bool = False,
    ) -> None:
        self.app = app
        self.optional = optional  # a port taken is a warning, not a failure (the console's reader)
        self.host = host
        self.port = port
        self.announce = announce
        self.on_close = on_close
        self.url: str | None = None
        self.ended = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
        self._site: web.TCPSite | None = None
        self._closing: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await self._site.start()
        except OSError as error:
            await self._runner.cleanup()
            self._site = None
            failure = ListenError(
                f"web 服务无法监听 {self.host}:{self.port}（{error.strerror or error}）。"
                "Set BUILDSPEAK_WEB__PORT to a free port (0: any), or web.enabled = false."
            )
            if not self.optional:
                raise failure from error
            log.warning("%s The chat goes on without the reader.", failure)
            return
        host, port = self._runner.addresses[0][:2]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}"
        if self.announce is not None:
            self.announce(self.url)
        else:
            log.info("%s %s", ANNOUNCE, self.url)

    def halt(self) -> None:
        """The stop signal: stop listening now (requests under way go on until `stop`)."""
        if self._site is not None and self._closing is None:
            self._closing = asyncio.ensure_future(self._site.stop())

    async def stop(self) -> None:
        self.halt()
        if self._closing is not None:
            await self._closing
        if self.url is not None:  # it listened (an optional server may not have)
            await self._runner.cleanup()
        if self.on_close is not None:
            self.on_close()


def telegram_check(platform: TelegramPlatform, role: TelegramRole | None) -> Check:
    """Connected (getMe answered); with the `telegram` role, updates coming in too."""

    async def probe() -> Status:
        if not platform.connected:
            return Status(False, "not connected")
        if role is None:
            return Status(True, "connected (sending only)")
        return Status(*role.status())

    return Check("telegram", probe)


def discord_check(platform: DiscordPlatform, *, gateway: bool) -> Check:
    """Logged in; with the gateway (the `discord` role), connected and ready too."""

    async def probe() -> Status:
        client = platform.client
        if client.is_closed():
            return Status(False, "closed")
        if gateway:
            ready = client.is_ready()
            return Status(ready, "gateway ready" if ready else "gateway not ready")
        logged_in = client.user is not None
        return Status(logged_in, "logged in (sending only)" if logged_in else "not logged in")

    return Check("discord", probe)


class SchedulerCheck:
    """The push's scheduler is running and ticking: a job submitted (or skipped because the last
    run is still going, a long broadcast) within a few ticks."""

    name = "scheduler"

    def __init__(self, scheduler: BaseScheduler, *, every: float, scheduled: bool = True) -> None:
        self.scheduler = scheduler
        self.every = every
        self.scheduled = scheduled  # False: pushes run only when called (tests, `push now`)
        self.stale_after = 3 * every + 10
        self.last_tick = time.monotonic()
        scheduler.add_listener(self._ticked, EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES)

    def check(self) -> Check:
        return Check(self.name, self.probe)

    async def probe(self) -> Status:
        if not self.scheduled:
            return Status(True, "not scheduled: pushes run when called")
        if not self.scheduler.running:
            return Status(False, "not running")
        since = time.monotonic() - self.last_tick
        if since > self.stale_after:
            return Status(False, f"no tick for {since:.0f} s (every {self.every:g} s)")
        return Status(True, f"running; the last tick {since:.0f} s ago")

    def _ticked(self, event: JobEvent) -> None:
        self.last_tick = time.monotonic()


def build_web_server(
    runtime: Runtime,
    settings: WebSettings,
    *,
    sessions: Callable[[], Session],
    registry: CollectorRegistry | None = None,
    webhook: WebhookEndpoint | None = None,
    reader: ReaderDeps | None = None,
    announce: Callable[[str], None] | None = None,
    optional: bool = False,
) -> WebServer:
    """The app with a check for each part this process runs: the database always, each platform
    it connects to, the push's scheduler when it runs the push."""
    database = DatabaseCheck(sessions)
    health = Health([database.check()])
    if runtime.telegram is not None:
        health.add(telegram_check(runtime.telegram, runtime.telegram_role))
    if runtime.discord is not None:
        health.add(discord_check(runtime.discord, gateway=runtime.discord_gateway))
    if runtime.push is not None:
        push = runtime.push
        health.add(SchedulerCheck(push.scheduler, every=push.every, scheduled=push.scheduled).check())
    app = build_app(health, registry=registry, webhook=webhook, reader=reader)
    return WebServer(
        app,
        host=settings.host,
        port=settings.port,
        announce=announce,
        on_close=database.close,
        optional=optional,
    )
