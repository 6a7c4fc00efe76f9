"""A server's admin sets BuildSpeak up with /buildspeak: the channel checked for what the daily
post needs, the server subscribed with its time and timezone, members refused."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from sqlmodel import Session, select

from bot.adapters.discord import command_payloads
from bot.core.commands import default_commands
from bot.core.references import CHANNEL
from bot.core.turn import Services
from bot.storage.references import recall
from bot.storage.tables import Subscriber
from tests.adapters.discord_adapter.harness import School, running_adapter
from tests.fakes.discord_api import FakeDiscordServer, FakeInteraction, Overwrite, Permission

Sessions = Callable[[], Session]


def server_subscriber(sessions: Sessions, world: School) -> Subscriber | None:
    with sessions() as session:
        query = select(Subscriber).where(Subscriber.platform == "discord")
        return session.exec(query.where(Subscriber.chat_id == str(world.guild.id))).first()


def channel_of(sessions: Sessions, world: School) -> str | None:
    with sessions() as session:
        return recall(session, platform="discord", kind=CHANNEL, key=str(world.guild.id))


async def setup(fake: FakeDiscordServer, world: School, user_id: int, **options: object) -> FakeInteraction:
    asked = await fake.slash_command(
        "buildspeak setup", user_id=user_id, channel_id=world.general.id, options=options
    )
    return await fake.wait_for_response(asked)


async def server_command(fake: FakeDiscordServer, world: School, name: str, user_id: int) -> FakeInteraction:
    asked = await fake.slash_command(f"buildspeak {name}", user_id=user_id, channel_id=world.general.id)
    return await fake.wait_for_response(asked)


def test_the_server_command_holds_the_servers_settings_and_a_members_dm_quiz() -> None:
    payloads = command_payloads(default_commands())
    (server,) = [p for p in payloads if p["name"] == "buildspeak"]
    assert "default_member_permissions" not in server, "every member has /buildspeak dm"
    assert server["contexts"] == [0], "servers only"
    subcommands = {option["name"]: option for option in server["options"]}
    assert {"setup", "pause", "resume", "status", "quiztime", "time", "tz", "dm"} <= set(subcommands)
    switch, time = subcommands["dm"]["options"]
    assert (switch["name"], switch["required"]) == ("switch", True)
    assert (time["name"], time["required"]) == ("time", False)
    assert "dm" not in {p["name"] for p in payloads}, "a subcommand, not a command of its own"
    channel, time, zone = subcommands["setup"]["options"]
    assert (channel["name"], channel["type"], channel["required"]) == ("channel", 7, True)
    assert (time["name"], zone["name"]) == ("time", "timezone")


async def test_an_admin_sets_up_the_channel_time_and_timezone(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services):
        done = await setup(
            fake, world, world.teacher.id, channel=world.lessons.id, time="07:30", timezone="Asia/Tokyo"
        )
        assert done.ephemeral and "设置完成" in done.content and "每日推送：07:30" in done.content
        subscriber = server_subscriber(sessions, world)
        assert subscriber is not None and subscriber.chat_kind == "group" and subscriber.status == "active"
        assert (subscriber.lesson_time, subscriber.timezone) == (dt.time(7, 30), "Asia/Tokyo")
        assert channel_of(sessions, world) == str(world.lessons.id)

        moved = await setup(fake, world, world.teacher.id, channel=world.general.id)
        assert "设置已更新" in moved.content and channel_of(sessions, world) == str(world.general.id)

        paused = await fake.wait_for_response(
            await fake.slash_command(
                "buildspeak pause", user_id=world.teacher.id, channel_id=world.general.id
            )
        )
        assert "已暂停" in paused.content
        status = await fake.wait_for_response(
            await fake.slash_command(
                "buildspeak status", user_id=world.student.id, channel_id=world.general.id
            )
        )
        assert "已暂停" in status.content and status.ephemeral


async def test_a_member_without_manage_server_changes_nothing(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services):
        refused = await setup(fake, world, world.student.id, channel=world.lessons.id, time="07:30")
        assert refused.ephemeral and "只有" in refused.content and "管理员" in refused.content
        assert "群" not in refused.content, "a server is not a group chat"
        assert server_subscriber(sessions, world) is None and channel_of(sessions, world) is None


async def test_examples_and_help_name_the_commands_as_discord_types_them(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services):
        wrong = await setup(fake, world, world.teacher.id, channel=world.lessons.id, time="25:00")
        assert "看不懂这个时间：25:00" in wrong.content and "/buildspeak time 07:30" in wrong.content
        assert server_subscriber(sessions, world) is None, "bad input changes nothing"
        asked = await fake.slash_command("help", user_id=world.student.id, channel_id=world.general.id)
        shown = (await fake.wait_for_response(asked)).content
        assert "/buildspeak dm on\\|off [HH:MM] — 每日测验私信给我" in shown, "| escaped for Markdown"
        assert "/buildspeak setup [HH:MM] [Area/City]" in shown and "/today — 今天的课" in shown
        assert "/start" not in shown, "a member subscribes nothing with /start on Discord"


async def test_a_channel_where_the_bot_may_not_post_is_named_with_what_is_missing(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    bot_role = fake.bot_role(world.guild.id)
    deny = Permission.ATTACH_FILES | Permission.CREATE_PUBLIC_THREADS
    fake.set_overwrites(world.lessons.id, [Overwrite.role(bot_role.id, deny=deny)])
    async with running_adapter(services):
        refused = await setup(fake, world, world.teacher.id, channel=world.lessons.id)
        assert "附加文件" in refused.content and "创建公开子区" in refused.content
        assert "发送消息" not in refused.content.split("：", 1)[1].split("。")[0]
        assert server_subscriber(sessions, world) is None, "nothing set up until the channel works"


async def test_a_server_that_removes_the_bot_gets_no_more_posts(
    services: Services, sessions: Sessions, fake: FakeDiscordServer, world: School
) -> None:
    async with running_adapter(services) as running:
        await setup(fake, world, world.teacher.id, channel=world.lessons.id)
        fake.remove_bot_from_guild(world.guild.id)
        await running.client.wait_for("guild_remove", timeout=5)
        for _ in range(50):  # the core records it just after discord.py's event
            found = server_subscriber(sessions, world)
            if found is not None and found.status == "blocked":
                break
            await asyncio.sleep(0.1)
        assert found is not None and found.status == "blocked"
