"""The fake Discord API, driven by the real discord.py client, as the end-to-end tests will drive it.

These pin down that discord.py can talk to the fake at all (gateway, compression, payloads its parsers
require, interaction responses, rate-limit handling) and that the fake refuses what Discord refuses, so
the e2e tests built on it can be trusted.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import subprocess
import sys
import urllib.request
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket

from tests.fakes.discord_api import (
    TOKEN,
    DiscordError,
    FakeChannel,
    FakeDiscordServer,
    FakeGuild,
    FakeUser,
    FormErrors,
    Overwrite,
    Permission,
    check_commands,
    check_components,
    check_embeds,
    check_message,
    check_modal,
)

ZH = {"lesson": "课程", "Today's lesson": "今天的课程", "Explain": "解释"}


@dataclass
class World:
    guild: FakeGuild
    general: FakeChannel
    lessons: FakeChannel
    admin: FakeUser
    student: FakeUser


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscordServer]:
    # A generous deadline: the machine is slow, and the deadline has a test of its own.
    async with FakeDiscordServer(heartbeat_interval=0.5, interaction_deadline=10.0) as server:
        yield server


@pytest.fixture
def world(fake: FakeDiscordServer) -> World:
    guild = fake.add_guild("BuildSpeak School")
    admins = fake.add_role(guild.id, "teachers", Permission.MANAGE_GUILD)
    admin = fake.add_member(guild.id, "teacher", roles=[admins.id]).user
    student = fake.add_member(guild.id, "student").user
    general = fake.add_text_channel(guild.id, "general")
    lessons = fake.add_text_channel(guild.id, "lessons", topic="One lesson a day")
    return World(guild, general, lessons, admin, student)


@pytest.fixture(autouse=True)
def discord_py_at(fake: FakeDiscordServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py reads both from class attributes: REST on each Route, the gateway on each connect."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_url)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))


# --- A small bot with what BuildSpeak's Discord adapter will need ---------------------------------------


class LessonView(discord.ui.View):
    """Persistent: registered with add_view, so presses work on messages sent before a restart."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Again", custom_id="lesson:again", style=discord.ButtonStyle.primary)
    async def again(self, interaction: discord.Interaction, button: discord.ui.Button[LessonView]) -> None:
        await interaction.response.send_message("Here it is again.", ephemeral=True)


class FlipView(discord.ui.View):
    @discord.ui.button(label="Flip", custom_id="card:flip")
    async def flip(self, interaction: discord.Interaction, button: discord.ui.Button[FlipView]) -> None:
        await interaction.response.edit_message(content="back: 你好", view=None)


class SentenceModal(discord.ui.Modal, title="Your sentence"):
    sentence: discord.ui.TextInput[SentenceModal] = discord.ui.TextInput(
        label="Sentence", custom_id="sentence", max_length=200
    )
    level: discord.ui.Label[SentenceModal] = discord.ui.Label(
        text="Level",
        component=discord.ui.Select(
            custom_id="level",
            options=[
                discord.SelectOption(label="Easy", value="easy"),
                discord.SelectOption(label="Hard", value="hard"),
            ],
        ),
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        select = self.level.component
        assert isinstance(select, discord.ui.Select)
        await interaction.response.send_message(f"{self.sentence.value} ({select.values[0]})", ephemeral=True)


class ZhTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContext,
    ) -> str | None:
        return ZH.get(string.message) if locale is discord.Locale.chinese else None


@dataclass
class Bot:
    client: discord.Client
    tree: app_commands.CommandTree[discord.Client]
    events: list[str] = field(default_factory=list)


def make_bot(guild_id: int) -> Bot:
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)
    bot = Bot(client, tree)
    guild = discord.Object(guild_id)

    @tree.command(
        name=app_commands.locale_str("lesson"), description=app_commands.locale_str("Today's lesson")
    )
    @app_commands.guilds(guild)
    async def lesson(interaction: discord.Interaction, channel: discord.TextChannel, word: str) -> None:
        await interaction.response.send_message(f"{word} in #{channel.name}", ephemeral=True)

    @tree.command(name="settings", description="Change the school's settings")
    @app_commands.guilds(guild)
    async def settings(interaction: discord.Interaction) -> None:
        allowed = interaction.permissions.manage_guild
        await interaction.response.send_message("saved" if allowed else "teachers only", ephemeral=True)

    @tree.command(name="later", description="Answer after thinking")
    async def later(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("thought about it")
        await interaction.followup.send("and one more thing", ephemeral=True)

    @tree.command(name="quiz", description="A question, then its answer")
    async def quiz(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Which is right: 'affect' or 'effect'?")
        original = await interaction.original_response()
        await interaction.edit_original_response(content=f"{original.content} (answered: it depends)")

    @tree.command(name="card", description="A flash card")
    async def card(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("front: hello", view=FlipView(), ephemeral=True)

    @tree.command(name="practice", description="Write a sentence")
    async def practice(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(SentenceModal())

    @tree.command(name="streak", description="Your streak")
    async def streak(interaction: discord.Interaction) -> None:
        where = "DM" if isinstance(interaction.channel, discord.DMChannel) else "guild"
        await interaction.response.send_message(f"{interaction.user.name}: 3 days ({where})")

    @tree.context_menu(name=app_commands.locale_str("Explain"))
    async def explain(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message(f"Explaining: {message.content}", ephemeral=True)

    async def setup_hook() -> None:
        client.add_view(LessonView())
        await tree.set_translator(ZhTranslator())

    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before any IDENTIFY but the first (Discord's identify rate); not here."""

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    client.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    for name in ("resumed",):
        client.event(_recorder(bot, name))
    return bot


def _recorder(bot: Bot, name: str) -> Any:
    async def record(*args: Any) -> None:
        bot.events.append(name)

    record.__name__ = f"on_{name}"
    return record


@pytest.fixture
async def bot(fake: FakeDiscordServer, world: World) -> AsyncIterator[Bot]:
    bot = make_bot(world.guild.id)
    async with bot.client:  # sets up what wait_until_ready needs before start() gets going
        task = asyncio.create_task(bot.client.start(TOKEN))
        try:
            async with asyncio.timeout(10):
                await bot.client.wait_until_ready()
            await bot.tree.sync(guild=discord.Object(world.guild.id))
            await bot.tree.sync()
            yield bot
        finally:
            await bot.client.close()
            await task


# --- Connecting -------------------------------------------------------------------------------------------


async def test_the_client_connects_compressed_and_caches_the_world(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    client = bot.client
    guild = client.get_guild(world.guild.id)

    # zlib-stream here; zstd-stream where discord.py can import a zstd module (Python 3.14, zstandard)
    compression = discord.utils._ActiveDecompressionContext.COMPRESSION_TYPE
    assert fake.gateway_queries == [{"v": "10", "encoding": "json", "compress": compression}]
    assert [frame.name for frame in fake.gateway_log[:2]] == ["HEARTBEAT", "IDENTIFY"]
    assert fake.gateway_log[1].data["intents"] == discord.Intents.default().value
    assert client.user is not None and client.user.id == fake.application_id
    assert guild is not None and guild.name == "BuildSpeak School"
    assert {channel.name for channel in guild.text_channels} == {"general", "lessons"}
    assert guild.me.guild_permissions.send_messages and not guild.me.guild_permissions.manage_guild
    assert client.application_id == fake.application_id


async def test_heartbeats_are_acknowledged(fake: FakeDiscordServer, bot: Bot) -> None:
    await fake.wait_for_gateway("HEARTBEAT", count=2, timeout=5)

    assert bot.client.latency < 1.0


async def test_zlib_stream_frames_end_with_a_sync_flush(fake: FakeDiscordServer, world: World) -> None:
    """Whatever discord.py picks, zlib-stream framing is checked here: one context, 00 00 ff ff ends."""
    inflate = zlib.decompressobj()
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{fake.gateway_url}?v=10&encoding=json&compress=zlib-stream") as ws,
    ):
        hello = await ws.receive_bytes(timeout=5)
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}})
        ready = await ws.receive_bytes(timeout=5)
        guild_create = await ws.receive_bytes(timeout=5)
        await ws.send_json({"op": 2, "d": {"token": TOKEN, "intents": 1, "properties": {}}})
        closed = await ws.receive(timeout=5)

    assert all(frame.endswith(b"\x00\x00\xff\xff") for frame in (hello, ready, guild_create))
    payloads = [json.loads(inflate.decompress(frame)) for frame in (hello, ready, guild_create)]
    assert [(p["op"], p.get("t"), p.get("s")) for p in payloads] == [
        (10, None, None),
        (0, "READY", 1),
        (0, "GUILD_CREATE", 2),
    ]
    assert payloads[0]["d"]["heartbeat_interval"] == 500
    assert payloads[1]["d"]["guilds"] == [{"id": str(world.guild.id), "unavailable": True}]
    assert (closed.type, closed.data) == (aiohttp.WSMsgType.CLOSE, 4005)  # "Already authenticated."


async def test_a_wrong_token_or_a_privileged_intent_closes_the_gateway(fake: FakeDiscordServer) -> None:
    async with aiohttp.ClientSession() as session:
        codes = []
        for identify in ({"token": "nope", "intents": 1}, {"token": TOKEN, "intents": 1 << 15}):
            async with session.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
                await ws.receive_json(timeout=5)  # HELLO, uncompressed without ?compress
                await ws.send_json({"op": 2, "d": identify | {"properties": {}}})
                codes.append((await ws.receive(timeout=5)).data)

    assert codes == [4004, 4014]  # "Authentication failed.", "Disallowed intent(s)." (message content)


async def test_a_wrong_token_cannot_log_in(fake: FakeDiscordServer, world: World) -> None:
    client = discord.Client(intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await client.login("not-the-token")
    await client.close()

    (call,) = fake.calls
    assert (call.status, call.response) == (401, {"message": "401: Unauthorized", "code": 0})


async def test_gateway_bot_points_back_at_the_fake(fake: FakeDiscordServer) -> None:
    headers = {"Authorization": f"Bot {TOKEN}"}
    url = f"{fake.api_url}/gateway/bot"
    async with aiohttp.ClientSession(headers=headers) as session, session.get(url) as response:
        body = await response.json()

    assert body["url"] == fake.gateway_url and body["shards"] == 1
    assert body["session_start_limit"]["max_concurrency"] == 1


# --- Application commands -------------------------------------------------------------------------------


async def test_sync_records_guild_and_global_commands_with_localizations(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    guild_commands = {command["name"]: command for command in fake.commands(world.guild.id)}
    global_commands = {(command["type"], command["name"]) for command in fake.commands()}

    assert set(guild_commands) == {"lesson", "settings"}
    lesson = guild_commands["lesson"]
    assert lesson["name_localizations"] == {"zh-CN": "课程"}
    assert lesson["description_localizations"] == {"zh-CN": "今天的课程"}
    assert [(option["name"], option["type"]) for option in lesson["options"]] == [("channel", 7), ("word", 3)]
    chat_input = {(1, name) for name in ("later", "quiz", "card", "practice", "streak")}
    assert global_commands == chat_input | {(3, "Explain")}
    explain = next(command for command in fake.commands() if command["type"] == 3)
    assert explain["description"] == "" and explain["name_localizations"] == {"zh-CN": "解释"}

    synced_again = await bot.tree.sync()  # an overwrite keeps each command's id
    assert {command.id for command in synced_again} == {int(command["id"]) for command in fake.commands()}


async def test_a_command_discord_would_refuse_is_50035(bot: Bot, fake: FakeDiscordServer) -> None:
    bad = [{"name": "Lesson", "description": "capitals are not allowed", "type": 1}]
    with pytest.raises(discord.HTTPException) as raised:
        await bot.client.http.bulk_upsert_global_commands(fake.application_id, bad)

    assert raised.value.code == 50035
    assert "Command name is invalid" in raised.value.text


# --- Interactions ---------------------------------------------------------------------------------------


async def test_a_slash_command_is_answered_ephemerally(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    interaction = await fake.slash_command(
        "lesson", user_id=world.student.id, channel_id=world.general.id,
        options={"channel": world.lessons.id, "word": "serendipity"},
    )  # fmt: skip

    reply = await fake.wait_for_response(interaction)

    assert reply.response_type == 4 and reply.ephemeral
    assert reply.content == "serendipity in #lessons"
    assert interaction.payload["data"]["resolved"]["channels"][str(world.lessons.id)]["name"] == "lessons"
    assert fake.message_counts() == {}  # ephemeral: not a message of the channel


async def test_member_permissions_come_with_the_interaction(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    by_admin = await fake.slash_command("settings", user_id=world.admin.id, channel_id=world.general.id)
    by_student = await fake.slash_command("settings", user_id=world.student.id, channel_id=world.general.id)

    assert (await fake.wait_for_response(by_admin)).content == "saved"
    assert (await fake.wait_for_response(by_student)).content == "teachers only"
    assert int(by_admin.payload["member"]["permissions"]) & Permission.MANAGE_GUILD
    assert by_admin.payload["locale"] == "zh-CN" and by_admin.payload["guild_locale"] == "zh-CN"


async def test_a_deferred_answer_is_filled_by_the_first_followup(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    interaction = await fake.slash_command("later", user_id=world.student.id, channel_id=world.general.id)

    first, second = await fake.wait_for_followups(interaction, count=2)

    assert interaction.response_type == 5
    assert first is interaction.message  # the "thinking..." message, now with the answer
    assert (first.content, first.ephemeral, first.loading) == ("thought about it", True, False)
    assert (second.content, second.ephemeral) == ("and one more thing", True)


async def test_the_original_response_is_fetched_and_edited(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    interaction = await fake.slash_command("quiz", user_id=world.student.id, channel_id=world.general.id)

    await fake.wait_for("PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")

    (message,) = fake.messages(world.general.id)
    assert message is interaction.message and message.edits == 1 and message.type == 20
    assert message.content == "Which is right: 'affect' or 'effect'? (answered: it depends)"
    assert message.interaction_metadata is not None and message.interaction_metadata["name"] == "quiz"
    (call,) = fake.calls_to("GET /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
    assert call.params["message_id"] == "@original" and call.params["webhook_token"] == "<redacted>"


async def test_a_429_on_an_interaction_callback_is_retried(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    fake.fail_next("POST /interactions/{interaction_id}/{interaction_token}/callback", 429, retry_after=0.05)

    interaction = await fake.slash_command("streak", user_id=world.student.id, channel_id=world.general.id)

    assert (await fake.wait_for_response(interaction)).content == "student: 3 days (guild)"
    assert interaction.callbacks == 1 and fake.rate_limited_count == 1


async def test_a_persistent_view_button_reaches_its_callback(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    channel = bot.client.get_channel(world.lessons.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send("Word of the day: serendipity", view=LessonView())
    (posted,) = fake.messages(world.lessons.id)

    press = await fake.press_button(posted, "lesson:again", user_id=world.student.id)

    reply = await fake.wait_for_response(press)
    assert (reply.response_type, reply.content, reply.ephemeral) == (4, "Here it is again.", True)
    assert press.payload["message"]["id"] == str(posted.id)


async def test_a_button_on_an_ephemeral_message_updates_it(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    card = await fake.wait_for_response(
        await fake.slash_command("card", user_id=world.student.id, channel_id=world.general.id)
    )
    assert card.message is not None and card.message.custom_ids == ["card:flip"]

    with pytest.raises(ValueError, match="ephemeral"):
        await fake.press_button(card.message, "card:flip", user_id=world.admin.id)
    flip = await fake.wait_for_response(
        await fake.press_button(card.message, "card:flip", user_id=world.student.id)
    )

    assert flip.response_type == 7 and flip.message is card.message
    assert (card.message.content, card.message.components, card.message.edits) == ("back: 你好", [], 1)


async def test_a_modal_opens_and_its_submit_arrives(bot: Bot, fake: FakeDiscordServer, world: World) -> None:
    opened = await fake.wait_for_response(
        await fake.slash_command("practice", user_id=world.student.id, channel_id=world.general.id)
    )
    assert opened.response_type == 9 and opened.modal is not None
    assert opened.modal["title"] == "Your sentence"
    assert [component["type"] for component in opened.modal["components"]] == [1, 18]  # a row, then a label

    submitted = await fake.submit_modal(opened, {"sentence": "I have been learning.", "level": ["hard"]})

    reply = await fake.wait_for_response(submitted)
    assert reply.content == "I have been learning. (hard)"
    with pytest.raises(ValueError, match="required"):
        await fake.submit_modal(opened, {"level": ["easy"]})


async def test_a_message_context_menu_command(bot: Bot, fake: FakeDiscordServer, world: World) -> None:
    said = fake.post_user_message(world.general.id, world.student.id, "How do I use 'albeit'?")

    interaction = await fake.message_command("Explain", said, user_id=world.student.id)

    reply = await fake.wait_for_response(interaction)
    assert reply.content == "Explaining: How do I use 'albeit'?"
    assert interaction.payload["data"]["target_id"] == str(said.id)


async def test_a_slash_command_in_a_dm(bot: Bot, fake: FakeDiscordServer, world: World) -> None:
    interaction = await fake.slash_command("streak", user_id=world.student.id)

    reply = await fake.wait_for_response(interaction)

    assert "member" not in interaction.payload and interaction.payload["user"]["username"] == "student"
    assert reply.content == "student: 3 days (DM)" and not reply.ephemeral
    assert fake.messages(fake.dm_channel(world.student.id).id) == [reply.message]
    with pytest.raises(ValueError, match="no command 'settings'"):
        await fake.slash_command("settings", user_id=world.student.id)  # a guild command: not in DMs


async def test_one_initial_response_within_the_deadline(fake: FakeDiscordServer, world: World) -> None:
    fake.interaction_deadline = 0.1
    async with aiohttp.ClientSession() as session:
        slow = await _raw_command(fake, world)
        await asyncio.sleep(0.15)
        assert await _callback(session, fake, slow) == (404, 10062)

        quick = await _raw_command(fake, world)
        assert await _callback(session, fake, quick) == (204, None)
        assert await _callback(session, fake, quick) == (400, 40060)
    assert quick.callbacks == 2 and quick.content == "hi"


async def _raw_command(fake: FakeDiscordServer, world: World) -> Any:
    """An interaction for a client-less test: register the command directly, as a sync would."""
    if not fake.commands():
        fake.set_commands([{"name": "hi", "type": 1, "description": "Say hi"}])
    return await fake.slash_command("hi", user_id=world.student.id, channel_id=world.general.id)


async def _callback(
    session: aiohttp.ClientSession, fake: FakeDiscordServer, interaction: Any
) -> tuple[int, Any]:
    url = f"{fake.api_url}/interactions/{interaction.id}/{interaction.token}/callback"
    async with session.post(url, json={"type": 4, "data": {"content": "hi"}}) as response:
        body = await response.json() if response.status != 204 else {}
        return response.status, body.get("code")


# --- Channels, permissions, rate limits -----------------------------------------------------------------


async def test_an_embed_and_a_file_then_a_thread_from_the_message(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    channel = bot.client.get_channel(world.lessons.id)
    assert isinstance(channel, discord.TextChannel)
    embed = discord.Embed(title="serendipity", description="finding good things by chance")
    embed.add_field(name="例句", value="It was pure serendipity.")

    message = await channel.send(embed=embed, file=discord.File(io.BytesIO(b"ID3-audio"), "serendipity.mp3"))
    created = asyncio.ensure_future(bot.client.wait_for("thread_create", timeout=5))
    thread = await message.create_thread(name="Discuss serendipity")
    assert (await created).id == thread.id  # THREAD_CREATE came over the gateway too

    (stored,) = fake.messages(world.lessons.id)
    assert stored.embeds[0]["fields"] == [
        {"name": "例句", "value": "It was pure serendipity.", "inline": True}
    ]
    assert [(a.filename, a.content) for a in stored.attachments] == [("serendipity.mp3", b"ID3-audio")]
    assert thread.id == message.id and fake.channel(thread.id).parent_id == world.lessons.id
    assert await message.attachments[0].read() == b"ID3-audio"  # served back, as by Discord's CDN
    await thread.send("What does it mean to you?")
    assert [m.content for m in fake.messages(thread.id)] == ["What does it mean to you?"]


async def test_missing_attach_files_is_forbidden(bot: Bot, fake: FakeDiscordServer, world: World) -> None:
    updated = asyncio.ensure_future(bot.client.wait_for("guild_channel_update", timeout=5))
    fake.set_overwrites(world.lessons.id, [Overwrite.member(fake.bot.id, deny=Permission.ATTACH_FILES)])
    await updated
    channel = bot.client.get_channel(world.lessons.id)
    assert isinstance(channel, discord.TextChannel)
    assert not channel.permissions_for(channel.guild.me).attach_files  # the client saw the overwrite

    with pytest.raises(discord.Forbidden) as raised:
        await channel.send("with audio", file=discord.File(io.BytesIO(b"x"), "a.mp3"))
    await channel.send("text still goes")

    assert (raised.value.status, raised.value.code, raised.value.text) == (403, 50013, "Missing Permissions")
    assert [m.content for m in fake.messages(world.lessons.id)] == ["text still goes"]


async def test_no_view_channel_is_missing_access_and_unknown_channels_404(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    fake.set_overwrites(world.lessons.id, [Overwrite.role(world.guild.id, deny=Permission.VIEW_CHANNEL)])
    http = bot.client.http

    with pytest.raises(discord.Forbidden) as hidden:
        await http.send_message(world.lessons.id, params=_text("hello"))
    with pytest.raises(discord.NotFound) as gone:
        await http.send_message(12345, params=_text("hello"))
    with pytest.raises(discord.HTTPException) as empty:
        await http.send_message(world.general.id, params=_text("   "))

    assert (hidden.value.code, gone.value.code, empty.value.code) == (50001, 10003, 50006)


def _text(content: str) -> Any:
    return discord.http.handle_message_parameters(content=content)


async def test_a_user_with_closed_dms_cannot_be_messaged(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    fake.close_dms(world.student.id)
    user = await bot.client.fetch_user(world.student.id)  # not cached: no members intent
    dm = await user.create_dm()

    with pytest.raises(discord.Forbidden) as raised:
        await dm.send("Your daily lesson")

    assert raised.value.code == 50007 and dm.id == fake.dm_channel(world.student.id).id


async def test_a_429_on_the_channel_bucket_is_waited_out_once(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    fake.rate_limit("POST /channels/{channel_id}/messages", limit=2, per=0.3)
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as other_process:
        for number in range(2):  # another process of the same bot uses up the channel's bucket
            url = f"{fake.api_url}/channels/{world.general.id}/messages"
            async with other_process.post(url, json={"content": f"other {number}"}) as response:
                assert response.headers["X-RateLimit-Remaining"] == str(1 - number)
    channel = bot.client.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)

    await channel.send("from the bot")

    assert fake.rate_limited_count == 1
    limited = next(call for call in fake.calls if call.status == 429)
    assert limited.response["global"] is False and 0 < limited.response["retry_after"] <= 0.3
    assert [m.content for m in fake.messages(world.general.id)] == ["other 0", "other 1", "from the bot"]


async def test_the_global_limit_and_injected_failures(fake: FakeDiscordServer, world: World) -> None:
    fake.global_rate_limit(2)
    fake.fail_next("GET /channels/{channel_id}", 500, message="500: Internal Server Error")
    url = f"{fake.api_url}/channels/{world.general.id}"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bot {TOKEN}"}) as session:
        statuses = []
        for _ in range(4):  # the injected failure comes before the limits and is not counted
            async with session.get(url) as response:
                statuses.append(response.status)
                headers, body = response.headers, await response.json()

    assert statuses == [500, 200, 200, 429]
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    assert headers["Via"] and int(headers["Retry-After"]) >= 1
    assert body["global"] is True and body["message"] == "You are being rate limited."


async def test_removing_the_bot_from_a_guild(bot: Bot, fake: FakeDiscordServer, world: World) -> None:
    removed = asyncio.ensure_future(bot.client.wait_for("guild_remove", timeout=5))
    fake.remove_bot_from_guild(world.guild.id)
    assert (await removed).id == world.guild.id

    with pytest.raises(discord.Forbidden) as raised:
        await bot.client.http.send_message(world.general.id, params=_text("hello?"))

    assert bot.client.get_guild(world.guild.id) is None and raised.value.code == 50001


# --- The gateway ----------------------------------------------------------------------------------------


async def test_a_dropped_gateway_resumes_and_replays_what_was_missed(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    await fake.disconnect_gateway(hold=True)
    interaction = await fake.slash_command("streak", user_id=world.student.id, channel_id=world.general.id)
    assert not interaction.responded
    fake.release_gateway()

    reply = await fake.wait_for_response(interaction)

    assert reply.content == "student: 3 days (guild)"
    assert (fake.identify_count, fake.resume_count) == (1, 1)
    assert len(fake.gateway_queries) == 2 and "resumed" in bot.events
    (resume,) = [frame for frame in fake.gateway_log if frame.name == "RESUME"]
    assert resume.data["token"] == "<redacted>"


async def test_an_invalid_session_makes_the_client_identify_again(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    await fake.invalidate_session()
    await fake.wait_for_gateway("IDENTIFY", count=2, timeout=10)

    interaction = await fake.slash_command("streak", user_id=world.admin.id, channel_id=world.general.id)

    assert (await fake.wait_for_response(interaction)).content == "teacher: 3 days (guild)"


async def test_a_reconnect_request_and_a_deleted_channel(
    bot: Bot, fake: FakeDiscordServer, world: World
) -> None:
    await fake.send_reconnect()
    await fake.wait_for_gateway("RESUME")
    deleted = asyncio.ensure_future(bot.client.wait_for("guild_channel_delete", timeout=5))

    fake.delete_channel(world.lessons.id)

    assert (await deleted).id == world.lessons.id and fake.resume_count == 1
    with pytest.raises(discord.NotFound):
        await bot.client.http.send_message(world.lessons.id, params=_text("anyone?"))


async def test_user_commands_and_selects_without_a_client(fake: FakeDiscordServer, world: World) -> None:
    fake.set_commands([{"name": "Profile", "type": 2}], guild_id=world.guild.id)
    profile = await fake.user_command(
        "Profile", world.student.id, user_id=world.admin.id, channel_id=world.general.id
    )
    resolved = profile.payload["data"]["resolved"]
    assert resolved["users"][str(world.student.id)]["username"] == "student"
    assert resolved["members"][str(world.student.id)]["roles"] == []

    menu = {"type": 3, "custom_id": "level", "options": [{"label": "Easy", "value": "easy"}]}
    posted = fake.post_user_message(world.general.id, world.admin.id, "pick")
    posted.components = [{"type": 1, "components": [menu]}]  # as if the message carried a menu
    picked = await fake.select(posted, "level", ["easy"], user_id=world.student.id)
    assert picked.payload["data"] == {"custom_id": "level", "component_type": 3, "values": ["easy"]}
    with pytest.raises(ValueError, match="not options"):
        await fake.select(posted, "level", ["hard"], user_id=world.student.id)


async def test_the_token_never_reaches_the_fakes_records_or_logs(
    bot: Bot, fake: FakeDiscordServer, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="tests.fakes.discord_api")
    channel = bot.client.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    fake.fail_next("POST /channels/{channel_id}/messages", 400, 50035, "Invalid Form Body")
    with pytest.raises(discord.HTTPException):
        await channel.send("refused")
    await channel.send("hello")
    await fake.wait_for(lambda call: call.ok and call.route == "POST /channels/{channel_id}/messages")

    records = [str(call) for call in fake.calls] + [repr(frame) for frame in fake.gateway_log]
    assert not [record for record in [*records, caplog.text] if TOKEN in record]


def test_the_standalone_server_reports_its_stats() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.serve_discord", "--channels", "2", "--members", "1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        api, control = process.stdout.readline().split()
        world = _get_json(f"{control}/world")
        channel_id = world["guilds"][0]["channels"][0]
        for _ in range(2):
            _post_json(f"{api}/api/v10/channels/{channel_id}/messages", {"content": "same"})
        stats = _get_json(f"{control}/stats")
    finally:
        process.kill()
        process.wait()
    assert len(world["guilds"][0]["channels"]) == 2 and len(world["guilds"][0]["members"]) == 3
    assert stats == {"accepted": 2, "rate_limited": 0, "channels": 1, "duplicates": 1}


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def _post_json(url: str, body: dict[str, Any]) -> Any:
    headers = {"Authorization": f"Bot {TOKEN}", "Content-Type": "application/json"}
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    return _get_json(request)  # type: ignore[arg-type]


# --- The validators, as Discord words its refusals ------------------------------------------------------


def _errors(check: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    errors = FormErrors()
    check(errors, *args, **kwargs)
    return errors.tree


def test_embed_limits() -> None:
    fine = {"title": "t" * 256, "description": "d" * 4096, "fields": [{"name": "n", "value": "v"}] * 25}
    assert _errors(check_embeds, [fine]) == {}

    too_long = _errors(check_embeds, [{"title": "t" * 257, "footer": {"text": ""}}])
    assert too_long["embeds"]["0"]["title"]["_errors"][0] == {
        "code": "BASE_TYPE_MAX_LENGTH",
        "message": "Must be 256 or fewer in length.",
    }
    assert too_long["embeds"]["0"]["footer"]["text"]["_errors"][0]["code"] == "BASE_TYPE_BAD_LENGTH"
    assert "_errors" in _errors(check_embeds, [{"title": "x"}] * 11)["embeds"]
    assert _errors(check_embeds, [{"fields": [{"name": "n", "value": "v"}] * 26}])["embeds"]["0"]["fields"]
    assert _errors(check_embeds, [{"fields": [{"name": "n", "value": "v" * 1025}]}])
    assert _errors(check_embeds, [{"author": {"name": "a" * 257}}])

    total = _errors(check_embeds, [{"description": "d" * 4000}, {"description": "d" * 2001}])
    assert total["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"


def test_component_limits() -> None:
    def button(custom_id: str, **extra: Any) -> dict[str, Any]:
        return {"type": 2, "style": 1, "label": "b", "custom_id": custom_id, **extra}

    assert (
        _errors(check_components, [{"type": 1, "components": [button(str(n)) for n in range(5)]}] * 1) == {}
    )
    six = _errors(check_components, [{"type": 1, "components": [button(str(n)) for n in range(6)]}])
    assert (
        six["components"]["0"]["components"]["5"]["_errors"][0]["code"] == "COMPONENT_LAYOUT_WIDTH_EXCEEDED"
    )
    rows = [{"type": 1, "components": [button(f"{row}")]} for row in range(6)]
    assert "_errors" in _errors(check_components, rows)["components"]

    twice = _errors(check_components, [{"type": 1, "components": [button("a"), button("a")]}])
    duplicated = twice["components"]["0"]["components"]["1"]["custom_id"]["_errors"][0]
    assert duplicated["code"] == "COMPONENT_CUSTOM_ID_DUPLICATED"

    link_without_url = {"type": 2, "style": 5, "label": "docs", "custom_id": "x"}
    link_errors = _errors(check_components, [{"type": 1, "components": [link_without_url]}])
    assert set(link_errors["components"]["0"]["components"]["0"]) == {"url", "custom_id"}
    assert _errors(check_components, [{"type": 1, "components": [button("c" * 101)]}])
    assert _errors(check_components, [{"type": 1, "components": [button("l", label="l" * 81)]}])
    assert _errors(check_components, [{"type": 1, "components": [button("s", style=7)]}])
    select = {"type": 3, "custom_id": "s", "options": [{"label": "a", "value": "a"}]}
    assert _errors(
        check_components, [{"type": 1, "components": [select, button("b")]}]
    )  # a select fills a row


def test_message_bodies() -> None:
    check_message({"content": "x" * 2000})
    with pytest.raises(DiscordError) as too_long:
        check_message({"content": "x" * 2001})
    with pytest.raises(DiscordError) as empty:
        check_message({"content": ""})
    with pytest.raises(DiscordError) as ephemeral:
        check_message({"content": "x", "flags": 64})  # only interaction responses may be ephemeral

    assert (too_long.value.code, empty.value.code, ephemeral.value.code) == (50035, 50006, 50035)
    check_message({"content": "x", "flags": 64}, interaction=True)
    check_message({}, files=1)


def test_modal_limits() -> None:
    text_input = {"type": 4, "custom_id": "a", "style": 1, "label": "A"}
    check_modal(
        {"custom_id": "m", "title": "t" * 45, "components": [{"type": 1, "components": [text_input]}]}
    )
    check_modal(
        {"custom_id": "m", "title": "t", "components": [{"type": 18, "label": "A", "component": text_input}]}
    )

    for bad in (
        {"custom_id": "m", "title": "t" * 46, "components": [{"type": 1, "components": [text_input]}]},
        {"custom_id": "m", "title": "t", "components": []},
        {"custom_id": "m", "title": "t", "components": [{"type": 1, "components": [text_input]}] * 6},
        {
            "custom_id": "m",
            "title": "t",
            "components": [{"type": 1, "components": [{**text_input, "style": 3}]}],
        },
        {
            "custom_id": "m",
            "title": "t",
            "components": [{"type": 2, "style": 1, "custom_id": "b", "label": "b"}],
        },
    ):
        with pytest.raises(DiscordError) as raised:
            check_modal(bad)
        assert raised.value.code == 50035


def test_command_validation() -> None:
    check_commands(
        [
            {"name": "lesson", "description": "Today", "name_localizations": {"zh-CN": "课程"}},
            {"name": "Explain this", "type": 3},
        ]
    )
    for bad in (
        [{"name": "Lesson", "description": "capital"}],
        [{"name": "lesson today", "description": "space"}],
        [{"name": "lesson", "description": ""}],
        [{"name": "lesson", "description": "x" * 101}],
        [{"name": "lesson", "description": "d", "name_localizations": {"zh": "课程"}}],
        [{"name": "Explain", "type": 3, "description": "menus have none"}],
        [{"name": "a", "description": "d"}, {"name": "a", "description": "d"}],
        [
            {
                "name": "a",
                "description": "d",
                "options": [
                    {"type": 3, "name": "o", "description": "d"},
                    {"type": 3, "name": "p", "description": "d", "required": True},
                ],
            }
        ],
    ):
        with pytest.raises(DiscordError) as raised:
            check_commands(bad)
        assert raised.value.code == 50035, bad
