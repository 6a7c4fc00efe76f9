"""Admin commands on Discord, through the real discord.py client and the local fake Discord.

A slash command is shown to everyone it is registered for, so /admin has none: the synced
commands name nothing of it. An admin types "/admin …" as text in a DM with the bot; the same text
from anyone else gets exactly what "/nosuchcommand" gets, and other DM text and server messages
are not read at all.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.adapters.discord import DiscordAdapter
from bot.core import texts
from bot.core.admin import Admins
from bot.core.commands import default_commands
from bot.core.turn import Services
from tests.adapters.discord_adapter.harness import School, running_adapter
from tests.fakes.discord_api import FakeDiscordServer, StoredMessage


@asynccontextmanager
async def running_with_admins(services: Services, admins: Admins) -> AsyncIterator[DiscordAdapter]:
    """As the harness's `running_adapter`, with the admins `buildspeak run` reads from ADMIN_IDS."""
    async with running_adapter(services, commands=default_commands(admins)) as running:
        yield running.adapter


async def write_in_dm(
    fake: FakeDiscordServer, user_id: int, text: str, *, answers: int = 1
) -> list[StoredMessage]:
    """The user writes `text` in their DM with the bot; the bot's messages that follow it."""
    channel = fake.dm_channel(user_id).id
    before = len(fake.messages(channel))
    fake.post_user_message(channel, user_id, text)
    held = await fake.wait_for_messages(channel, count=before + 1 + answers)
    return held[before + 1 :]


async def nothing_more(fake: FakeDiscordServer, channel_id: int, count: int) -> None:
    await asyncio.sleep(0.5)
    assert len(fake.messages(channel_id)) == count


async def test_no_synced_command_names_admin(
    services: Services, fake: FakeDiscordServer, world: School
) -> None:
    async with running_with_admins(services, Admins.of([f"discord:{world.teacher.id}"])):
        synced = fake.commands()
    assert synced and "admin" not in names(synced)
    assert "管理员" not in json.dumps(synced, ensure_ascii=False)


def names(payloads: object) -> set[str]:
    """Every command, subcommand and option name in the synced payloads."""
    if isinstance(payloads, list):
        return {name for item in payloads for name in names(item)}
    if isinstance(payloads, dict):
        own = {str(payloads["name"])} if "name" in payloads else set()
        return own | names(payloads.get("options", []))
    return set()


async def test_an_admin_uses_admin_commands_by_dm(
    services: Services, fake: FakeDiscordServer, world: School
) -> None:
    teacher = world.teacher.id
    async with running_with_admins(services, Admins.of([f"discord:{teacher}"])):
        (usage,) = await write_in_dm(fake, teacher, "/admin")
        assert usage.content.startswith("🛠 管理员命令 Admin commands") and "/admin broadcast" in usage.content
        (stats,) = await write_in_dm(fake, teacher, "/admin stats")
        assert "BuildSpeak 数据 Stats" in stats.content
        preview, question = await write_in_dm(
            fake, teacher, "/admin broadcast 周末休息 weekend off", answers=2
        )
        assert "BuildSpeak 通知" in preview.content and "周末休息 weekend off" in preview.content
        confirm = next(
            button["custom_id"]
            for row in question.components
            for button in row["components"]
            if button["label"] == "✅ 确认发送"
        )
        pressed = await fake.wait_for_response(await fake.press_button(question, confirm, user_id=teacher))
        assert pressed.response_type == 7  # the question edited in place
        assert question.content.startswith("✅ 广播 #1 已确认") and question.components == []


async def test_anyone_elses_admin_text_is_an_unknown_command_and_other_text_is_not_read(
    services: Services, fake: FakeDiscordServer, world: School
) -> None:
    student, teacher = world.student.id, world.teacher.id
    async with running_with_admins(services, Admins.of([f"discord:{teacher}", "telegram:1"])):
        for text in ("/admin", "/admin stats", "/admin broadcast hi", "/admin reload"):
            (reply,) = await write_in_dm(fake, student, text)
            assert reply.content == texts.UNKNOWN_COMMAND.format(name="admin")
            assert reply.components == []
        (unknown,) = await write_in_dm(fake, student, "/nosuchcommand")
        assert unknown.content == texts.UNKNOWN_COMMAND.format(name="nosuchcommand")
        dm = fake.dm_channel(student).id
        count = len(fake.messages(dm))
        for text in ("hello", "/today", "/start"):  # plain text, and commands with a slash command
            fake.post_user_message(dm, student, text)
        await nothing_more(fake, dm, count + 3)
        # In a server channel, even the admin's text is not read.
        fake.post_user_message(world.general.id, teacher, "/admin stats")
        await nothing_more(fake, world.general.id, 1)
