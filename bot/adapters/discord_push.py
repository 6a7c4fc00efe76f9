"""The daily push on Discord: a server's post in its channel, with discord.py's errors put in
delivery's words.

A server's push is one post in the channel its admin chose: the lesson as an embed (the English
with the Chinese as spoilers, as much as Discord's 4096 characters allow), the core's buttons
under it, and a thread for talking about it (the core names it, `Reply.thread`). The post is the
delivery: a thread that cannot be opened is logged, not retried, so a retry never posts twice.

discord.py waits out a 429 by itself from the headers Discord sends (per route and global), and
our pacer keeps the whole push under Discord's global limit and a channel's 5 posts per 5 s.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import aiohttp
import discord

from bot.adapters.discord import PLATFORM, CoreButton, files_of, messages_of, view_of
from bot.adapters.discord_server import missing_permissions
from bot.adapters.discord_text import EMBED_DESCRIPTION_LIMIT, pieces
from bot.core.messages import Reply
from bot.core.references import CHANNEL, DM, SET_UP_BY, THREAD, References
from bot.delivery.errors import DeliveryError, RecipientGone, SlowDown, TemporaryFailure
from bot.delivery.pacing import Pacer

GROUP = "group"
EMBED_COLOUR = 0x2F6FEB
THREAD_NAME_LIMIT = 100
THREAD_DAYS = 1440  # minutes of quiet before Discord archives the thread: a day, as the lesson's
log = logging.getLogger(__name__)
T = TypeVar("T")


class DiscordPushSender:
    """Posts a server's daily push in its channel, and a member's own (their DM quiz) in their DMs."""

    platform = PLATFORM
    answers_members_alone = True  # a server's quiz post starts each member's own, ephemeral quiz

    def __init__(
        self, client: discord.Client, references: References, buttons: type[CoreButton], pacer: Pacer | None
    ) -> None:
        self.client = client
        self.references = references
        self.buttons = buttons
        self.pacer = pacer

    async def push(self, chat_id: str, chat_kind: str, replies: Sequence[Reply]) -> str | None:
        """A server's post in its channel; a member's own push (their DM quiz) in their DMs."""
        try:
            if chat_kind == GROUP:
                return await self._post_in_server(chat_id, replies)
            return await self._send_by_dm(chat_id, replies)
        except discord.HTTPException as error:
            raise translate(error) from error
        except discord.RateLimited as error:
            raise SlowDown(str(error), error.retry_after) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TemporaryFailure(repr(error)) from error

    async def _post_in_server(self, guild_id: str, replies: Sequence[Reply]) -> str | None:
        channel_id = await self.references.recall(PLATFORM, CHANNEL, guild_id)
        if channel_id is None:
            raise RecipientGone("no channel set up for this server (/buildspeak setup)")
        message_id: str | None = None
        try:
            for reply in replies:
                message = await self._post_where(guild_id, int(channel_id), reply)
                message_id = str(message.id)
                if reply.thread:
                    await self._open_thread(guild_id, message, reply.thread)
        except discord.HTTPException as error:
            if isinstance(translate(error), RecipientGone):
                await self._tell_admin(guild_id, int(channel_id), error)
            raise
        return message_id

    async def _send_by_dm(self, user_id: str, replies: Sequence[Reply]) -> str | None:
        """In the member's DMs, rendered as their answers are. DMs they closed (403, "Cannot send
        messages to this user") stop this push for them: the server's quiz post stays their way in,
        and `/buildspeak dm on` after opening DMs starts it again."""
        channel = self.client.get_partial_messageable(await self._dm_channel(user_id))
        sent: discord.Message | None = None
        for message in [message for reply in replies for message in messages_of(reply, self.buttons)]:
            sent = await self._paced(str(channel.id), lambda m=message: channel.send(**m.kwargs()), dm=True)
        return str(sent.id) if sent is not None else None

    async def _dm_channel(self, user_id: str) -> int:
        """The DM channel with this member: asked of Discord once, then remembered (it never changes)."""
        known = await self.references.recall(PLATFORM, DM, user_id)
        if known is not None:
            return int(known)
        opened = await self._paced(
            user_id, lambda: self.client.http.start_private_message(int(user_id)), dm=True
        )
        await self.references.remember(PLATFORM, DM, user_id, str(opened["id"]))
        return int(opened["id"])

    async def _post(self, channel_id: int, reply: Reply) -> discord.Message:
        """A text reply as an embed with its buttons and files; anything else (a group quiz's
        question) as the adapter renders a reply; the last message posted is returned."""
        channel = self.client.get_partial_messageable(channel_id)
        if reply.text is None:
            sent = None
            for message in messages_of(reply, self.buttons):
                sent = await self._paced(str(channel_id), lambda m=message: channel.send(**m.kwargs()))
            assert sent is not None
            return sent
        text = pieces(reply.text, limit=EMBED_DESCRIPTION_LIMIT, single=True)[0]
        embed = discord.Embed(description=text, colour=EMBED_COLOUR)
        view = view_of(reply.buttons, self.buttons) or discord.utils.MISSING
        files = list(files_of(reply)) or discord.utils.MISSING
        return await self._paced(str(channel_id), lambda: channel.send(embed=embed, view=view, files=files))

    async def _post_where(self, guild_id: str, channel_id: int, reply: Reply) -> discord.Message:
        """In the thread the reply belongs in, if it has one that still takes posts; else the channel."""
        thread = await self._thread_of(guild_id) if reply.in_thread else None
        if thread is not None:
            try:
                return await self._post(thread, reply)
            except discord.HTTPException as error:  # archived for good, deleted: the channel then
                log.info(
                    "thread %s of server %s refused a post (%s); posting in the channel",
                    thread,
                    guild_id,
                    error,
                )
        return await self._post(channel_id, reply)

    async def _thread_of(self, guild_id: str) -> int | None:
        """The thread under the server's latest post that opened one (where the day's scoreboard
        goes), if any: without one, the channel."""
        thread = await self.references.recall(PLATFORM, THREAD, guild_id)
        return int(thread) if thread else None

    async def _open_thread(self, guild_id: str, message: discord.Message, name: str) -> None:
        """Through the REST route: a worker that only posts has no gateway cache, and a message
        posted through a partial channel does not know its server. A thread started from a
        message has the message's id; it is kept as the server's latest."""
        channel_id = message.channel.id
        try:
            await self._paced(
                str(channel_id),
                lambda: self.client.http.start_thread_with_message(
                    channel_id, message.id, name=name[:THREAD_NAME_LIMIT], auto_archive_duration=THREAD_DAYS
                ),
            )
        except discord.HTTPException as error:  # the post is out: the push is done either way
            log.warning("no thread under post %s in channel %s: %s", message.id, message.channel.id, error)
            return
        await self.references.replace(PLATFORM, THREAD, guild_id, str(message.id))

    async def _tell_admin(self, guild_id: str, channel_id: int, error: discord.HTTPException) -> None:
        """The channel stopped taking our posts: the admin who set it up hears why, by DM (the
        push stops there until they run /buildspeak setup again; /buildspeak status says so too).
        A DM they do not accept is only logged."""
        admin = await self.references.recall(PLATFORM, SET_UP_BY, guild_id)
        if admin is None:
            return
        text = lost_channel_text(self.client.get_guild(int(guild_id)), channel_id, error)
        try:
            dm = await self.client.http.start_private_message(int(admin))
            channel = self.client.get_partial_messageable(int(dm["id"]))
            await self._paced(str(channel.id), lambda: channel.send(text))
        except discord.HTTPException as failure:
            log.info("could not tell admin %s of server %s: %s", admin, guild_id, failure)

    async def _paced(self, channel_id: str, send: Callable[[], Awaitable[T]], *, dm: bool = False) -> T:
        if self.pacer is not None:
            await self.pacer.wait_turn(channel_id, group=not dm)
        try:
            return await send()
        except discord.RateLimited as error:  # longer than discord.py would wait by itself
            if self.pacer is not None:
                self.pacer.pause(error.retry_after)
            raise


def lost_channel_text(guild: discord.Guild | None, channel_id: int, error: discord.HTTPException) -> str:
    """Why the daily post stopped, in Chinese, with what to fix (the missing permissions, when
    this process sees the server through the gateway)."""
    where = f"「{guild.name}」的 <#{channel_id}>" if guild is not None else f"<#{channel_id}>"
    if isinstance(error, discord.NotFound):
        cause = "这个频道已被删除，或者我已不在这个服务器里。"
    else:
        missing = missing_permissions(guild, channel_id) if guild is not None else None
        cause = f"我缺少这些权限：{'、'.join(missing)}。" if missing else "我没有在那里发消息的权限了。"
    return (
        f"⚠️ BuildSpeak 无法在{where}发布今天的课：{cause}\n"
        "这个服务器的每日推送已暂停。修好后运行 /buildspeak setup 即可恢复。"
    )


def translate(error: discord.HTTPException) -> DeliveryError:
    """discord.py's exception, as what the delivery should do about it."""
    reason = f"{error.status} {error.code}: {error.text}"[:300]
    if isinstance(error, discord.Forbidden | discord.NotFound):
        # 50001 Missing Access, 50013 Missing Permissions, 10003 Unknown Channel: the server's
        # channel no longer takes our posts; the push stops there until an admin sets it up again.
        return RecipientGone(reason)
    if error.status == 429:  # discord.py retries these itself; one that reaches us waits a second
        return SlowDown(reason, 1.0)
    if isinstance(error, discord.DiscordServerError):
        return TemporaryFailure(reason)
    return DeliveryError(reason)
