"""The Discord adapter running for real: discord.py against the local fake Discord, on the test's loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import discord
import pytest

from bot.adapters.discord import DiscordAdapter, DiscordConfig, point_at
from bot.core.commands import CommandRegistry
from bot.core.conversation import Conversation
from bot.core.turn import Services
from tests.fakes.discord_api import TOKEN, FakeChannel, FakeDiscordServer, FakeGuild, FakeUser, Permission


@dataclass
class School:
    """A server with a teacher (Manage Server), a student and two channels."""

    guild: FakeGuild
    general: FakeChannel
    lessons: FakeChannel
    teacher: FakeUser
    student: FakeUser


def school(fake: FakeDiscordServer) -> School:
    guild = fake.add_guild("BuildSpeak 学习群")
    teachers = fake.add_role(guild.id, "teachers", Permission.MANAGE_GUILD)
    teacher = fake.add_member(guild.id, "teacher", roles=[teachers.id]).user
    student = fake.add_member(guild.id, "student").user
    general = fake.add_text_channel(guild.id, "general")
    lessons = fake.add_text_channel(guild.id, "每日一课")
    return School(guild, general, lessons, teacher, student)


def point_discord_py_at(fake: FakeDiscordServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """As production does from settings (`point_at`), with both class attributes restored after."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    )
    point_at(DiscordConfig(token=TOKEN, api_base_url=fake.api_url, gateway_url=fake.gateway_url))


@dataclass
class Running:
    adapter: DiscordAdapter
    client: discord.Client


@asynccontextmanager
async def running_adapter(
    services: Services, *, defer_after: float = 2.0, commands: CommandRegistry | None = None
) -> AsyncIterator[Running]:
    """A connected client with the adapter attached and the commands synced globally; `commands`
    as `buildspeak run` builds them (with its admins), else the default registry."""
    adapter = DiscordAdapter(Conversation(services, commands), defer_after=defer_after)
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)

    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before any IDENTIFY but a process's first; a restart here is a new client."""

    client.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    adapter.attach(client)
    async with client:
        task = asyncio.create_task(client.start(TOKEN))
        try:
            async with asyncio.timeout(10):
                await client.wait_until_ready()
            await adapter.sync_commands(client)
            yield Running(adapter, client)
        finally:
            await client.close()
            await task
