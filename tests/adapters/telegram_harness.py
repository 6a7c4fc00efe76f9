"""The real python-telegram-bot stack polling a local fake Bot API, around our conversation core.

`async with running_bot(services) as bot:` starts the runtime's units exactly as
`buildspeak run` does (worker, connection, command menu and polling, push), pointed at a
`FakeTelegramServer`; tests inject updates into the fake and read what the bot sent back.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from telegram.ext import Application

from bot.adapters.telegram import TelegramConfig
from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.delivery.broadcast import PushContent, Pusher
from bot.delivery.pacing import Pacer
from bot.runtime.assembly import Runtime, assemble
from bot.runtime.units import started
from bot.settings import PushSettings, ReplySettings, RuntimeSettings
from tests.fakes.telegram_api import FakeTelegramServer, SentMessage

USER = 4242
# Fast limits and retries; pushes run when a test calls them (the scheduler's tick is tested on its own).
TEST_PUSH = PushSettings(per_second=500, per_chat_per_second=50, retry_base_delay=0.01, retry_max_delay=0.05)
# Replies retried quickly and given up on within a second; a stop waits a second for queued replies.
TEST_REPLIES = ReplySettings(give_up_after=1.0, retry_base_delay=0.01, retry_max_delay=0.05, stop_grace=1.0)


@dataclass
class RunningBot:
    fake: FakeTelegramServer
    application: Application
    services: Services
    runtime: Runtime

    @property
    def pusher(self) -> Pusher:
        """The daily lesson's pusher on Telegram."""
        return self.runtime.pushers[0]

    async def say(self, text: str, *, chat_id: int = USER, **options: object) -> list[SentMessage]:
        """Send `text` and wait until the bot has handled it; returns the bot's messages in that chat."""
        update = self.fake.send_text(chat_id, text, **options)
        await self.handled(update["update_id"])
        return self.fake.messages(chat_id)

    async def press(self, message: SentMessage, label: str, *, user_id: int | None = None) -> None:
        data = next(b["callback_data"] for b in message.buttons if b["text"] == label)
        update = self.fake.press_button(message.message_id, message.chat_id, data, user_id=user_id)
        await self.handled(update["update_id"])

    async def handled(self, update_id: int) -> None:
        """The update is processed once the bot confirmed it and every call it caused has been answered."""
        await self.fake.wait_confirmed(update_id)
        # Confirmed means stored and queued; the handler (and error handler) then hand the replies
        # to the outboxes, which are drained once every send has been answered.
        assert self.runtime.telegram is not None
        await self.runtime.telegram.idle()


@asynccontextmanager
async def running_bot(
    services: Services,
    push: PushSettings = TEST_PUSH,
    *,
    scheduled: bool = False,
    on_stop: Callable[[], Awaitable[object]] | None = None,
    contents: Sequence[PushContent] | None = None,
    fake: FakeTelegramServer | None = None,
    replies: ReplySettings = TEST_REPLIES,
    pacer: Pacer | None = None,
) -> AsyncIterator[RunningBot]:
    """The bot as `buildspeak run` starts it. The push is built but not scheduled unless asked:
    tests call `bot.pusher.run_once()` with their own clock instead of waiting for ticks.
    `contents` are the kinds of push (default: the daily lesson). `fake`: a Bot API server the
    test keeps running (a restart: the bot stops and starts again, Telegram's chats and polls stay).
    `pacer` replaces the one `push` makes (one on a clock the test controls)."""
    async with _serving(fake) as fake:
        config = TelegramConfig(token=fake.token, api_base_url=fake.url, poll_timeout=1)
        runtime = assemble(
            Conversation(services),
            roles=("telegram", "push"),
            sessions=services.sessions,
            clock=services.clock,
            push=push,
            runtime=RuntimeSettings(),
            telegram=config,
            scheduled=scheduled,
            contents=contents,
            replies=replies,
            telegram_pacer=pacer,
        )
        assert runtime.telegram is not None
        try:
            async with started(runtime.units):
                yield RunningBot(fake, runtime.telegram.application, services, runtime)
        finally:
            if on_stop is not None:
                await on_stop()


@asynccontextmanager
async def _serving(fake: FakeTelegramServer | None) -> AsyncIterator[FakeTelegramServer]:
    """The test's own server as it is, or a new one for this bot alone."""
    if fake is not None:
        yield fake
        return
    async with FakeTelegramServer() as started:
        yield started


def write_post(
    folder: Path, post_id: str, paragraphs: list[tuple[str, str]], date: str = "2025-01-03"
) -> None:
    """A library file in the bundled format: front matter, then each English paragraph and its Chinese."""
    body = "\n\n".join(f"{en}\n\n> {zh}" for en, zh in paragraphs)
    text = textwrap.dedent(
        f"""\
        ---
        id: {post_id}
        kind: post
        author: Test Builder
        handle: tester
        date: '{date}'
        source: https://x.com/tester/status/{post_id.removeprefix("x-")}
        added: '2026-11-01'
        ---

        """
    )
    (folder / f"{post_id}.md").write_text(text + body + "\n", encoding="utf-8")


TRICKY = "x-900000000000000001"
LONG = "x-900000000000000002"


def tricky_and_long_library(folder: Path, pins: Path) -> None:
    """Two posts: one full of HTML and Markdown characters, one longer than a Telegram message.

    The tricky one is pinned to 2026-11-22 and the long one to 2026-11-21.
    """
    folder.mkdir(parents=True, exist_ok=True)
    write_post(
        folder,
        TRICKY,
        [
            (
                "Write <b>tags</b> & *stars* in snake_case_names without fear. "
                "The check is x < y && y > z, nothing more. "
                "Ship it when the tests pass, and not a minute before that happens.",
                "放心写 <b>标签</b> & *星号* 和 snake_case_names。检查只是 x < y && y > z。"
                "测试通过就发布，一分钟都不要提前。",
            )
        ],
    )
    sentence = (
        "This is a deliberately long sentence about building software with language models, "
        "written so that the whole lesson cannot fit into a single Telegram message of four thousand "
        "characters, which forces the adapter to split the text at a line between two cards number {n}."
    )
    paragraphs = [
        (" ".join(sentence.format(n=n) for n in range(p * 3, p * 3 + 3)), "中文译文。" * 60) for p in range(4)
    ]
    write_post(folder, LONG, paragraphs, date="2025-01-04")
    pins.write_text(f'[pins]\n2026-11-22 = "{TRICKY}"\n2026-11-21 = "{LONG}"\n', encoding="utf-8")


MORNING = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
