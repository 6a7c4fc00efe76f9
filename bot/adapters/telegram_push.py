"""The daily push on Telegram: the adapter's own paced sends, with PTB's errors put in delivery's words."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Bot
from telegram.error import TelegramError

from bot.adapters.telegram import PLATFORM, TelegramAdapter, separate_audio
from bot.adapters.telegram_errors import translate
from bot.core.messages import Reply


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
