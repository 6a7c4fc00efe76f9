"""Discord in the runtime: the gateway connection, with the adapter attached, as a unit.

discord.py's `Client.start` would own the whole lifespan; here it is driven in parts (log in,
connect as a task, close) so that Discord shares the event loop and the orderly stop with
Telegram, the push and everything else this process runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord

from bot.adapters.discord import PLATFORM, DiscordAdapter, DiscordConfig, build_client, point_at
from bot.core.conversation import Conversation

log = logging.getLogger(__name__)
READY_TIMEOUT = 60.0  # seconds for the gateway's READY and the servers that come with it


class DiscordPlatform:
    """The `discord` role: logs in, connects to the gateway, syncs the slash commands."""

    name = "discord"
    platform = PLATFORM

    def __init__(self, conversation: Conversation, config: DiscordConfig) -> None:
        self.config = config
        self.adapter = DiscordAdapter(conversation)
        self.client: discord.Client = build_client()
        self.adapter.attach(self.client)
        self.ended = asyncio.Event()
        self._connection: asyncio.Task[None] | None = None

    async def start(self) -> None:
        point_at(self.config)
        await self.client.login(self.config.token)
        self._connection = asyncio.create_task(self.client.connect(), name="discord gateway")
        self._connection.add_done_callback(self._connection_ended)
        async with asyncio.timeout(READY_TIMEOUT):
            await self.client.wait_until_ready()
        await self.adapter.sync_commands(self.client, guild_id=self.config.test_guild_id)
        log.info("Discord bot %s is up in %d server(s)", self.client.user, len(self.client.guilds))

    async def stop(self) -> None:
        await self.client.close()
        if self._connection is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._connection

    def _connection_ended(self, task: asyncio.Task[None]) -> None:
        """The gateway gave up (a revoked token, intents not allowed): the process ends, as it
        would if Telegram refused its token, rather than running on without Discord."""
        if not task.cancelled() and task.exception() is not None:
            log.error("the Discord connection ended: %s", task.exception())
        if not self.client.is_closed() or task.exception() is not None:
            self.ended.set()
