"""The Discord adapter (discord.py 2.x): interactions in, the core's replies out.

Translation only. A slash command becomes an `Incoming` with its options already parsed (an
`Invocation`), a button press an `Incoming.action`, a choice in a quiz question a `PollAnswer`.
Each member studies in their own space: every member-facing reply is an answer to their
interaction, ephemeral in a server channel (only they see it), and their chat id is their user
id, so their book, schedule and quizzes are the same in any server and in DMs.

Buttons are `DynamicItem`s: their custom id is the core's action payload itself, matched by a
template, so a press is routed with nothing remembered per message and keeps working after a
restart (discord.py's store holds one pattern, not one view per message sent).

Slash commands come from the core's command registry, declared once there: discord.py's command
tree derives options from Python function signatures, so the adapter writes the registry's
commands as Discord's JSON and syncs them with discord.py's HTTP client instead.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.adapters.discord_forms import (
    MESSAGE_COMMAND,
    SAVE_FORM,
    SAVE_FROM_MESSAGE,
    answer_button_id,
    answer_form,
    answer_prompt,
    message_command_payloads,
    save_form,
    submitted_text,
    target_message_text,
)
from bot.adapters.discord_server import (
    GUILD_INSTALL,
    IN_BOT_DMS,
    IN_SERVERS,
    NOT_ON_DISCORD,
    SERVER_COMMAND,
    SERVERS_ONLY,
    UNKNOWN_CHANNEL,
    is_members_own,
    is_server_command,
    missing_permissions,
    permissions_reply,
    server_command_payload,
    spelling,
    string_options,
    subcommand_of,
)
from bot.adapters.discord_text import pieces
from bot.core import texts
from bot.core.commands import Command, Scope
from bot.core.conversation import Conversation
from bot.core.messages import (
    REMOVED,
    Audio,
    Button,
    ChatKind,
    Incoming,
    Invocation,
    Keyboard,
    Poll,
    PollAnswer,
    Reply,
)
from bot.delivery.resend import BLOCKED, FAILED, SENT, CountReply

PLATFORM = "discord"
POLL_CHOICE = "poll"  # a quiz question's option: "poll:<index>:<the core's key>"
OPTION_LETTERS = "ABCDEFGHIJ"
BUTTONS_PER_ROW, ROWS = 5, 5
DEFER_AFTER = 2.0  # seconds of handling before the interaction is deferred (Discord allows 3)
# Commands Discord serves. /start subscribes a Telegram chat; a server subscribes by its own setup.

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DiscordConfig:
    token: str
    api_base_url: str = "https://discord.com/api/v10"
    gateway_url: str = "wss://gateway.discord.gg"
    test_guild_id: int | None = None  # sync commands to this server at once (development)
    per_second: float = 50.0  # requests a second: Discord's global limit for a bot
    headroom: float = 0.03  # share of it left unused (interactions' followups, discord.py's own calls)
    per_channel_per_second: float = 1.0  # a channel takes 5 posts per 5 s


def point_at(config: DiscordConfig) -> None:
    """Where discord.py calls: Discord, or a local stand-in. discord.py reads both from class
    attributes (REST from `Route.BASE` on every request, the gateway on every connect) and has no
    other setting for them, so they are set once, at start-up, before the client logs in."""
    discord.http.Route.BASE = config.api_base_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


def build_client() -> discord.Client:
    """A client with the default intents: guilds and their channels (for setup checks), no
    message content, which a bot that works by interactions never needs."""
    return discord.Client(intents=discord.Intents.default())


def command_payloads(commands: Iterable[Command]) -> list[dict[str, Any]]:
    """The registry's commands as Discord's application commands: each member's own (English
    names, Chinese descriptions for zh-CN clients, string options), and /buildspeak for the
    server's settings."""
    commands = tuple(commands)
    personal = [
        {
            "type": 1,
            "name": command.name,
            "description": command.en[:100],
            "description_localizations": {"zh-CN": command.zh[:100]},
            "options": string_options(command),
            "contexts": [IN_SERVERS, IN_BOT_DMS],
            "integration_types": [GUILD_INSTALL],
        }
        for command in commands
        if command.name not in NOT_ON_DISCORD and not is_server_command(command)
    ]
    return [*personal, server_command_payload(commands), *message_command_payloads()]


class DiscordAdapter:
    """Connects a discord.py client to the conversation core."""

    def __init__(
        self,
        conversation: Conversation,
        *,
        defer_after: float = DEFER_AFTER,
        count_reply: CountReply | None = None,
    ) -> None:
        self.conversation = conversation
        self.defer_after = defer_after
        self.count_reply = count_reply  # told how each reply message ended (None: nothing counted)
        self.buttons = core_button(self)

    def attach(self, client: discord.Client) -> None:
        client.event(self.on_interaction)
        client.event(self.on_guild_remove)
        client.event(self.on_message)
        client.add_dynamic_items(self.buttons)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server (kicked, or the server deleted): its push stops, its data stays."""
        incoming = Incoming(
            platform=PLATFORM,
            chat_id=str(guild.id),
            user_id="",
            chat_kind=ChatKind.GROUP,
            user_name=guild.name,
            event=REMOVED,
            ref=f"guild {guild.id} removed",
        )
        await self.conversation.handle(incoming)
        log.info("removed from server %s: its daily post stops", guild.id)

    async def sync_commands(self, client: discord.Client, *, guild_id: int | None = None) -> None:
        """Register the commands: in one server at once (development), else globally."""
        application_id = client.application_id
        assert application_id is not None, "sync after login"
        payload = command_payloads(self.conversation.commands)
        if guild_id is not None:
            await client.http.bulk_upsert_guild_commands(application_id, guild_id, payload)
        else:
            await client.http.bulk_upsert_global_commands(application_id, payload)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Slash and context-menu commands and form submits; button presses arrive through their
        dynamic item (`pressed`)."""
        data: dict[str, Any] = dict(interaction.data or {})
        if interaction.type is discord.InteractionType.modal_submit:
            await self._submitted(interaction, data)
            return
        if interaction.type is not discord.InteractionType.application_command:
            return
        if data.get("type", 1) == MESSAGE_COMMAND:
            await self._message_command(interaction, data)
            return
        if data.get("name") == SERVER_COMMAND:
            await self._server_command(interaction, data)
            return
        options = {str(option["name"]): str(option.get("value", "")) for option in data.get("options", [])}
        incoming = self._incoming(interaction, command=Invocation(str(data.get("name", "")), options))
        await self._handle(interaction, incoming)

    async def _server_command(self, interaction: discord.Interaction, data: dict[str, Any]) -> None:
        """/buildspeak …: the server is the chat; a channel for the daily post is checked first."""
        responder = Responder(interaction, self.buttons, ephemeral=True, count=self.count_reply)
        guild = interaction.guild
        if interaction.guild_id is None:
            await responder.say(SERVERS_ONLY)
            return
        name, arguments = subcommand_of(data)
        command = self.conversation.commands.get(name)
        if command is not None and is_members_own(command):  # the member's own push, from this server
            member = Invocation(name, arguments)
            await self._handle(interaction, self._incoming(interaction, command=member))
            return
        if "channel" in arguments:
            channel_id = int(arguments["channel"])
            missing = missing_permissions(guild, channel_id)
            if missing is None or missing:
                await responder.say(permissions_reply(channel_id, missing) if missing else UNKNOWN_CHANNEL)
                return
        permissions = interaction.permissions

        async def is_admin() -> bool:
            return permissions.manage_guild or permissions.administrator

        incoming = Incoming(
            platform=PLATFORM,
            chat_id=str(interaction.guild_id),
            user_id=str(interaction.user.id),
            chat_kind=ChatKind.GROUP,
            user_name=guild.name if guild is not None else None,
            language=str(interaction.locale),
            ref=f"interaction {interaction.id}",
            command=Invocation(name, arguments),
            subscribe_with="/buildspeak setup",
            spell=spelling,
            is_admin=is_admin,
        )
        await self._handle(interaction, incoming)

    async def _message_command(self, interaction: discord.Interaction, data: dict[str, Any]) -> None:
        """用 BuildSpeak 讲解 explains the message's text; 收藏单词 asks which of its words to save."""
        text = target_message_text(data)
        if data.get("name") == SAVE_FROM_MESSAGE:
            await interaction.response.send_modal(save_form(text))
            return
        incoming = self._incoming(interaction, command=Invocation("explain", {"text": text}))
        await self._handle(interaction, incoming)

    async def _submitted(self, interaction: discord.Interaction, data: dict[str, Any]) -> None:
        """A form's text: a quiz answer (as if typed in a private chat) or words to save."""
        text = submitted_text(data)
        if data.get("custom_id") == SAVE_FORM:
            incoming = self._incoming(interaction, command=Invocation("save", {"words": text}))
        else:
            incoming = self._incoming(interaction, text=text, answering=True)
        await self._handle(interaction, incoming)

    async def on_message(self, message: discord.Message) -> None:
        """A command typed as text in a DM with the bot, when Discord has no slash command for it.

        Discord offers the bot's commands as slash commands, visible to everyone they are registered
        for, so the admins' /admin has none (nobody else must see it): an admin types "/admin stats"
        in a DM with the bot instead (Discord hands a bot its DMs' text without the message content
        intent). Every such text (any "/word" that is not a slash command) is answered as Telegram
        answers it, so "/admin …" from anyone else gets exactly what "/nosuchcommand" gets. Other
        text, in DMs or servers, is not read: slash commands are the way in.
        """
        if message.guild is not None or message.author.bot or not message.content.startswith("/"):
            return
        invocation = self.conversation.commands.parse(message.content)
        command = self.conversation.commands.get(invocation.name) if invocation is not None else None
        if invocation is None or (command is not None and command.scope is not Scope.ADMIN):
            return
        incoming = Incoming(
            platform=PLATFORM,
            chat_id=str(message.author.id),
            user_id=str(message.author.id),
            chat_kind=ChatKind.PRIVATE,
            text=message.content,
            user_name=message.author.display_name,
            ref=f"message {message.id}",
            message_id=str(message.id),
            subscribe_with=None,  # a member's lessons come in their server's channel
            spell=spelling,
        )
        try:
            for reply in await self.conversation.handle(incoming):
                outgoing = messages_of(reply, self.buttons) if reply.shows_something else []
                if not outgoing and reply.notice:
                    outgoing = [OutgoingMessage(content=reply.notice)]
                for piece in outgoing:
                    await message.channel.send(**piece.kwargs())
        except discord.HTTPException as error:
            log.error("DM %s: Discord refused the answer: %s", message.id, error)

    async def pressed(self, interaction: discord.Interaction, payload: str) -> None:
        prompt = answer_prompt(payload)
        if prompt is not None:
            await interaction.response.send_modal(answer_form(prompt))
            return
        choice = _poll_choice(payload)
        if choice is not None:
            incoming = self._incoming(interaction, poll_answer=choice)
        else:
            incoming = self._incoming(interaction, action=payload)
        await self._handle(interaction, incoming)

    async def _handle(self, interaction: discord.Interaction, incoming: Incoming) -> None:
        # In a server every answer is the member's alone; in DMs there is no one else.
        ephemeral = interaction.guild_id is not None
        responder = Responder(interaction, self.buttons, ephemeral=ephemeral, count=self.count_reply)
        try:
            if self.conversation.may_be_slow(incoming):
                await responder.defer()  # an answer from the model may take longer than Discord's 3 s
            handling = asyncio.ensure_future(self.conversation.handle(incoming))
            done, _ = await asyncio.wait({handling}, timeout=self.defer_after)
            if not done and not interaction.response.is_done():
                await responder.defer()  # slower than expected (a busy database, a first audio)
            await responder.deliver(await handling)
        except discord.HTTPException as error:
            log.error("interaction %s: Discord refused the answer: %s", interaction.id, error)
            await responder.apologise()

    def _incoming(self, interaction: discord.Interaction, **what: Any) -> Incoming:
        user = interaction.user
        return Incoming(
            platform=PLATFORM,
            chat_id=str(user.id),
            user_id=str(user.id),
            chat_kind=ChatKind.PRIVATE,
            user_name=user.display_name,
            language=str(interaction.locale),
            ref=f"interaction {interaction.id}",
            subscribe_with=None,  # a member's lessons come in their server's channel
            community=str(interaction.guild_id) if interaction.guild_id is not None else None,
            spell=spelling,
            **what,
        )


class Responder:
    """Answers one interaction with the core's replies: the first as its response (or an edit of
    the pressed message), the rest as followups; a press that shows nothing is acknowledged. `count`
    is told how each message ended: sent, blocked (Discord's 403) or failed."""

    def __init__(
        self,
        interaction: discord.Interaction,
        buttons: type[CoreButton],
        *,
        ephemeral: bool,
        count: CountReply | None = None,
    ) -> None:
        self.interaction = interaction
        self.buttons = buttons
        self.ephemeral = ephemeral
        self.count = count

    async def defer(self) -> None:
        """A command shows "thinking…"; a press keeps its message, to be edited or followed."""
        if self.interaction.type is discord.InteractionType.component:
            await self.interaction.response.defer()
        else:
            await self.interaction.response.defer(ephemeral=self.ephemeral, thinking=True)

    async def deliver(self, replies: Sequence[Reply]) -> None:
        for reply in replies:
            if reply.edit and self._pressed_own_message() and reply.text is not None:
                await self.edit(reply)
            elif reply.shows_something:
                for message in messages_of(reply, self.buttons):
                    await self.send(message)
        notice = next((reply.notice for reply in replies if reply.notice), None)
        if notice and not any(reply.shows_something for reply in replies):
            await self.send(OutgoingMessage(content=notice))
        if not self.interaction.response.is_done():
            await self.interaction.response.defer()  # a press that changed nothing visible

    def _pressed_own_message(self) -> bool:
        """A press on the member's own message (ephemeral, or in DMs) may change it; a press on the
        channel's post for everyone gets its answer as a new message for the member alone."""
        message = self.interaction.message
        if self.interaction.type is not discord.InteractionType.component or message is None:
            return False
        return self.interaction.guild_id is None or message.flags.ephemeral

    async def send(self, message: OutgoingMessage) -> None:
        kwargs = message.kwargs()
        async with self._counted():
            if not self.interaction.response.is_done():
                await self.interaction.response.send_message(ephemeral=self.ephemeral, **kwargs)
            else:
                await self.interaction.followup.send(ephemeral=self.ephemeral, **kwargs)

    async def edit(self, reply: Reply) -> None:
        assert reply.text is not None
        content = pieces(reply.text, single=True)[0]
        view = view_of(reply.buttons, self.buttons)
        async with self._counted():
            if not self.interaction.response.is_done():
                await self.interaction.response.edit_message(content=content, view=view, attachments=[])
            else:
                await self.interaction.edit_original_response(content=content, view=view, attachments=[])

    @asynccontextmanager
    async def _counted(self) -> AsyncIterator[None]:
        """Count the message sent in the block: sent, blocked (Discord's 403) or failed."""
        try:
            yield
        except discord.HTTPException as error:
            if self.count is not None:
                self.count(BLOCKED if isinstance(error, discord.Forbidden) else FAILED)
            raise
        if self.count is not None:
            self.count(SENT)

    async def say(self, text: str) -> None:
        await self.send(OutgoingMessage(content=text))

    async def apologise(self) -> None:
        try:
            await self.send(OutgoingMessage(content=texts.APOLOGY))
        except discord.HTTPException as error:
            log.warning("could not apologise for interaction %s: %s", self.interaction.id, error)


@dataclass
class OutgoingMessage:
    """One Discord message: text, buttons, files."""

    content: str = ""
    view: discord.ui.View | None = None
    files: tuple[discord.File, ...] = ()

    def kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"content": self.content or None}
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = list(self.files)
        return kwargs


def messages_of(reply: Reply, buttons: type[CoreButton]) -> list[OutgoingMessage]:
    """A reply as Discord messages: its text split to fit, buttons under the last piece, its
    audio, file or picture attached to that piece; a quiz question with a button per option."""
    if reply.poll is not None:
        return [poll_message(reply.poll, buttons)]
    texts_ = pieces(reply.text, single=reply.single) if reply.text is not None else []
    files = files_of(reply)
    if not texts_:
        texts_ = [_caption(reply)]
    messages = [OutgoingMessage(content=text) for text in texts_]
    last = messages[-1]
    rows = reply.buttons
    if reply.typed_answer is not None:  # typing in a server channel would show it to everyone
        answer = Button("✍️ 作答 Answer", action=answer_button_id(reply.typed_answer.prompt))
        rows = ((answer,), *rows)
    last.view = view_of(rows, buttons)
    last.files = files
    return messages


def _caption(reply: Reply) -> str:
    """What goes with an attachment sent on its own: the audio's, file's or picture's caption."""
    if reply.audio is not None and reply.audio.caption is not None:
        return pieces(reply.audio.caption, single=True)[0]
    document_or_photo = reply.document or reply.photo
    return (document_or_photo.caption or "") if document_or_photo is not None else ""


def files_of(reply: Reply) -> tuple[discord.File, ...]:
    """The reply's audio, file and picture, as attachments (fresh objects: a File is read once)."""
    return tuple(file for file in (_audio(reply.audio), _document(reply), _photo(reply)) if file)


def poll_message(poll: Poll, buttons: type[CoreButton]) -> OutgoingMessage:
    """A quiz question as a message: the options lettered in the text, a lettered button each
    (an option may be longer than a button's 80 characters)."""
    lines = [f"**{discord.utils.escape_markdown(poll.question)}**"]
    lines += [
        f"{OPTION_LETTERS[i]}. {discord.utils.escape_markdown(text)}" for i, text in enumerate(poll.options)
    ]
    view = discord.ui.View(timeout=None)
    for index in range(len(poll.options)):
        custom_id = f"{POLL_CHOICE}:{index}:{poll.key}"
        view.add_item(buttons(discord.ui.Button(label=OPTION_LETTERS[index], custom_id=custom_id)))
    return OutgoingMessage(content="\n".join(lines), view=view)


def view_of(rows: Keyboard, buttons: type[CoreButton]) -> discord.ui.View | None:
    """The core's keyboard as a view of at most 5 rows of 5 buttons (Discord's limits)."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    row_number = 0
    for row in rows:
        for start in range(0, len(row), BUTTONS_PER_ROW):
            if row_number >= ROWS:
                log.warning("a keyboard of more than %d rows: the rest is left out", ROWS)
                return view
            for button in row[start : start + BUTTONS_PER_ROW]:
                if (item := _button(button, row_number, buttons)) is not None:
                    view.add_item(item)
            row_number += 1
    return view


def _button(button: Button, row: int, buttons: type[CoreButton]) -> discord.ui.Item[discord.ui.View] | None:
    """The core's button; a private-chat link alone has no Discord form (the core gives study
    buttons an action too) and is left out. A reader page (Discord has no Mini Apps) is a link."""
    if button.action is not None:
        return buttons(discord.ui.Button(label=button.label[:80], custom_id=button.action, row=row))
    if button.link is not None:
        return discord.ui.Button(label=button.label[:80], url=button.link, row=row)
    log.warning("button %r has only a private-chat link: not shown on Discord", button.label)
    return None


class CoreButton(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"(?P<payload>.+)"):
    """Any button the core made: its custom id is the payload; the adapter handles the press."""

    adapter: DiscordAdapter | None = None

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> CoreButton:
        assert isinstance(item, discord.ui.Button)
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.adapter is not None:
            await self.adapter.pressed(interaction, self.custom_id)


def core_button(adapter: DiscordAdapter) -> type[CoreButton]:
    """The dynamic item class routed to this adapter (a subclass per adapter, so two clients in
    one process, as in tests, each reach their own)."""
    return type("CoreButtonFor", (CoreButton,), {"adapter": adapter}, template=r"(?P<payload>.+)")


def _poll_choice(payload: str) -> PollAnswer | None:
    prefix, _, rest = payload.partition(":")
    if prefix != POLL_CHOICE:
        return None
    index, _, key = rest.partition(":")
    if not index.isdigit() or not key:
        return None
    return PollAnswer(key, (int(index),))


def _audio(audio: Audio | None) -> discord.File | None:
    return discord.File(audio.path, filename=audio.path.name) if audio is not None else None


def _document(reply: Reply) -> discord.File | None:
    document = reply.document
    return discord.File(io.BytesIO(document.data), filename=document.filename) if document else None


def _photo(reply: Reply) -> discord.File | None:
    photo = reply.photo
    return discord.File(io.BytesIO(photo.data), filename=photo.filename) if photo else None
