"""Discord in the runtime: the connection every Discord-facing role shares, and the gateway role.

The connection (`DiscordPlatform`) is discord.py's client logged in (REST only) with the adapter
attached and a pacer of its own; the `push` role posts through it even in a process that does
not listen to the gateway. `DiscordGateway` is the `discord` role: it connects to the gateway
(interactions, the servers' channels and permissions) and syncs the slash commands. discord.py's
`Client.start` would own the whole lifespan; here it is driven in parts (log in, connect as a
task, close) so that Discord shares the event loop and the orderly stop with everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord

from bot.adapters.discord import PLATFORM, DiscordAdapter, DiscordConfig, build_client, point_at
from bot.adapters.discord_push import DiscordPushSender
from bot.core.conversation import Conversation
from bot.delivery.pacing import Pacer, RateLimits
from bot.observability.metrics import reply_counter

log = logging.getLogger(__name__)
READY_TIMEOUT = 60.0  # seconds for the gateway's READY and the servers that come with it


def discord_pacer(config: DiscordConfig) -> Pacer:
    """Discord's limits: 50 requests a second for the bot, 5 posts per 5 s in one channel."""
    per_channel = config.per_channel_per_second
    return Pacer(
        RateLimits(
            per_second=config.per_second,
            per_chat_per_second=per_channel,
            group_per_minute=per_channel * 60,
            headroom=config.headroom,
        )
    )


class DiscordPlatform:
    """The unit that logs in and closes the client; roles use its adapter, client and sender."""

    name = "discord connection"
    platform = PLATFORM

    def __init__(self, conversation: Conversation, config: DiscordConfig) -> None:
        self.config = config
        self.pacer = discord_pacer(config)
        count = reply_counter(conversation.services.metrics, PLATFORM)
        self.adapter = DiscordAdapter(conversation, count_reply=count)
        self.client: discord.Client = build_client()
        self.adapter.attach(self.client)
        self.sender = DiscordPushSender(
            self.client, conversation.references, self.adapter.buttons, self.pacer
        )
        self.ended = asyncio.Event()

    async def start(self) -> None:
        point_at(self.config)
        await self.client.login(self.config.token)

    async def stop(self) -> None:
        await self.client.close()


class DiscordGateway:
    """The `discord` role: the gateway connection (interactions in), and the slash commands synced."""

    name = "discord"

    def __init__(self, platform: DiscordPlatform) -> None:
        self.platform = platform
        self.ended = asyncio.Event()
        self._connection: asyncio.Task[None] | None = None

    async def start(self) -> None:
        client = self.platform.client
        self._connection = asyncio.create_task(client.connect(), name="discord gateway")
        self._connection.add_done_callback(self._connection_ended)
        async with asyncio.timeout(READY_TIMEOUT):
            await client.wait_until_ready()
        await self.platform.adapter.sync_commands(client, guild_id=self.platform.config.test_guild_id)
        log.info("Discord bot %s is up in %d server(s)", client.user, len(client.guilds))

    async def stop(self) -> None:
        """The connection closes with the platform's client; here only its task is awaited."""
        if self._connection is not None and not self._connection.done():
            await self.platform.client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connection

    def _connection_ended(self, task: asyncio.Task[None]) -> None:
        """The gateway gave up (a revoked token, intents not allowed): the process ends, as it
        would if Telegram refused its token, rather than running on without Discord."""
        if task.cancelled():
            return
        if task.exception() is not None:
            log.error("the Discord connection ended: %s", task.exception())
        if not self.platform.client.is_closed() or task.exception() is not None:
            self.ended.set()
