"""What the reader's handlers need, passed in by the composition root and kept on the app.

Handlers read it with `request.app[READER]`; nothing is looked up globally, so a test builds an
app around its own services, clock and database.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.settings import WebSettings


@dataclass(frozen=True)
class ReaderDeps:
    """`conversation` runs what the page shares with the chats (the review quiz) through the core;
    `telegram_token` checks a Mini App's init data (None: no Mini App sign-in on this app);
    `bot_username` links to the bot on Telegram from 关于 (None: not known, no link)."""

    conversation: Conversation
    settings: WebSettings
    telegram_token: str | None = None
    bot_username: str | None = None

    @property
    def services(self) -> Services:
        return self.conversation.services


READER = web.AppKey("reader", ReaderDeps)
