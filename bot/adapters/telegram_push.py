"""The daily push on Telegram: the adapter's own paced sends, with PTB's errors put in delivery's words."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.adapters.telegram import PLATFORM, TelegramAdapter, retry_seconds, separate_audio
from bot.core.messages import Reply
from bot.delivery.errors import DeliveryError, RecipientGone, RecipientMoved, SlowDown, TemporaryFailure

# A BadRequest that means the chat itself is gone, not that our message was wrong.
GONE_CHAT = ("chat not found", "user not found", "group chat was deactivated", "have no rights to send")


class TelegramPushSender:
    """Sends a push through the adapter (same rendering, same pacer as replies)."""

    platform = PLATFORM
    answers_members_alone = False  # a group's quiz is polls everyone answers

    def __init__(self, adapter: TelegramAdapter, bot: Bot) -> None:
        self.adapter = adapter
        self.bot = bot

    async def push(self, chat_id: str, chat_kind: str, replies: Sequence[Reply]) -> str | None:
        """One message per push (a card, or a group's single post), so a retry never repeats a part."""
        message_id: str | None = None
        try:
            for reply in replies:
                if reply.text is not None:
                    message_id = await self.adapter.push_text(self.bot, chat_id, reply)
                if (audio := separate_audio(reply)) is not None:
                    await self.adapter.send_audio(self.bot, chat_id, audio)
                if reply.poll is not None:  # a quiz push's questions
                    message_id = str((await self.adapter.send_poll(self.bot, chat_id, reply.poll)).message_id)
        except TelegramError as error:
            raise translate(error) from error
        return message_id


def translate(error: TelegramError) -> DeliveryError:
    """PTB's exception, as what the delivery should do about it."""
    if isinstance(error, RetryAfter):
        return SlowDown(error.message, retry_seconds(error))
    if isinstance(error, ChatMigrated):
        return RecipientMoved(error.message, str(error.new_chat_id))
    if isinstance(error, Forbidden):  # blocked, deactivated, kicked from the group
        return RecipientGone(error.message)
    if isinstance(error, BadRequest):
        if any(mark in error.message.lower() for mark in GONE_CHAT):
            return RecipientGone(error.message)
        return DeliveryError(error.message)
    if isinstance(error, NetworkError):  # timeouts, connection errors, 5xx (PTB maps them here)
        return TemporaryFailure(error.message)
    return DeliveryError(error.message)
