"""The review on Telegram, through the real PTB stack against the fake Bot API: the digest in the
admin's private chat with 通过 / 跳过 / 预览全文, what each does, a stranger's press refused, and a
queued post never pushed to subscribers until it is approved."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.adapters.telegram import TelegramConfig
from bot.clock import FixedClock
from bot.core import texts
from bot.core.admin import Admins
from bot.core.commands import default_commands
from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.delivery.review_digest import DigestConfig, ReviewDigest
from bot.runtime.assembly import assemble
from bot.runtime.units import started
from bot.settings import RuntimeSettings
from lessons.deck import DeckBuilder
from lessons.library import Library
from tests import chat_support
from tests.adapters.telegram_harness import TEST_PUSH, TEST_REPLIES, RunningBot
from tests.fakes.telegram_api import FakeTelegramServer, SentMessage
from tests.review.review_support import GOOD, LOW, MORNING, ZONE, Desk, bundled

Sessions = Callable[[], Session]
ADMIN, STRANGER, SUBSCRIBER = 4242, 5151, 777
APPROVE, SKIP, WHOLE = "✅ 通过", "⏭ 跳过", "📄 预览全文"
ADMINS = Admins.of([f"telegram:{ADMIN}"])


@pytest.fixture
def desk(tmp_path: Path, builder: DeckBuilder) -> Desk:
    return Desk.made(tmp_path / "desk", builder)


@pytest.fixture
def services(desk: Desk, builder: DeckBuilder, sessions: Sessions, tmp_path: Path) -> Services:
    made = chat_support.services(desk.catalog(), builder, sessions, tmp_path / "audio")
    assert isinstance(made.clock, FixedClock)
    made.clock.moment = MORNING
    return made


@asynccontextmanager
async def review_bot(
    services: Services, fake: FakeTelegramServer | None = None, admins: Admins = ADMINS
) -> AsyncIterator[RunningBot]:
    """`buildspeak run` with ADMIN_IDS=telegram:4242, its push built but run by the test; `fake`: a
    Bot API server the test keeps across a restart."""
    async with _serving(fake) as fake:
        runtime = assemble(
            Conversation(services, default_commands(admins)),
            roles=("telegram", "push"),
            sessions=services.sessions,
            clock=services.clock,
            push=TEST_PUSH,
            runtime=RuntimeSettings(),
            telegram=TelegramConfig(token=fake.token, api_base_url=fake.url, poll_timeout=1),
            scheduled=False,
            replies=TEST_REPLIES,
        )
        assert runtime.telegram is not None
        async with started(runtime.units):
            yield RunningBot(fake, runtime.telegram.application, services, runtime)


@asynccontextmanager
async def _serving(fake: FakeTelegramServer | None) -> AsyncIterator[FakeTelegramServer]:
    if fake is not None:
        yield fake
        return
    async with FakeTelegramServer() as server:
        yield server


def digest(bot: RunningBot, desk: Desk) -> ReviewDigest:
    """The job as the runtime's unit builds it, on this process's Telegram sender."""
    services = bot.services
    assert bot.runtime.telegram is not None
    return ReviewDigest(
        DigestConfig(timezone=ZONE, at=dt.time(9, 0)),
        lambda: desk.vetting(services.sessions, services.clock),
        senders=[bot.runtime.telegram.sender],
        admins=ADMINS,
        shelf=services.shelf,
        sessions=services.sessions,
        clock=services.clock,
        holder="worker-1",
    )


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


def notices(bot: RunningBot) -> list[str]:
    return [call.params.get("text", "") for call in bot.fake.calls_to("answerCallbackQuery")]


async def test_the_digest_and_its_buttons_in_the_admins_private_chat(desk: Desk, services: Services) -> None:
    desk.enqueue(GOOD)
    desk.enqueue(LOW)
    async with FakeTelegramServer() as fake:
        async with review_bot(services, fake) as bot:
            await digest(bot, desk).run_once()
        # Taken off ADMIN_IDS, the same person's press on the digest is refused, and nothing changes.
        files = sorted(path.name for path in desk.root.rglob("*.md"))
        async with review_bot(services, fake, Admins()) as bot:
            good = bot.fake.messages(ADMIN)[1]
            for label in (APPROVE, SKIP, WHOLE):
                await bot.press(good, label)
            assert notices(bot) == [texts.STALE_BUTTON] * 3
            assert bot.fake.message_counts() == {ADMIN: 4}
        assert sorted(path.name for path in desk.root.rglob("*.md")) == files
        async with review_bot(services, fake) as bot:
            await _review(bot, desk, services)


async def _review(bot: RunningBot, desk: Desk, services: Services) -> None:
    """What the admin sees and what each button does."""
    head, good, low, warning = bot.fake.messages(ADMIN)
    assert head.text is not None and head.text.startswith("📬 待审文章 Review · 2026-11-03")
    assert labels(good) == labels(low) == [APPROVE, SKIP, WHOLE]
    assert good.text is not None and "✅ 检查通过" in good.text and "1. I think about something" in good.text
    assert low.text is not None and "⏸ 需要人工审核" in low.text
    assert warning.text is not None and warning.text.startswith("⚠️ 新课不足 14 天")
    assert bot.fake.message_counts() == {ADMIN: 4}  # the admin's private chat, nobody else's

    await bot.press(good, WHOLE)  # the whole text, as a new message
    whole = bot.fake.messages(ADMIN)[-1]
    assert whole.text is not None and whole.text.startswith(f"📄 全文预览 · {GOOD}")
    for paragraph in bundled().posts[GOOD].paragraphs:
        assert paragraph.en in whole.text and (paragraph.zh or "") in whole.text

    await bot.press(good, APPROVE)
    approved = bot.fake.message(ADMIN, good.message_id)
    assert approved is not None and approved.buttons == []
    assert approved.text is not None and approved.text.endswith(
        f"✅ 已通过（telegram:{ADMIN}）：第一次推送 2026-11-06"
    )
    day = services.shelf.day(dt.date(2026, 11, 6))
    assert day is not None and day.lesson.post.id == GOOD  # after the five days already queued

    await bot.press(low, SKIP)
    skipped = bot.fake.message(ADMIN, low.message_id)
    assert skipped is not None and skipped.text is not None and skipped.text.endswith("不会再被抓取进队列。")
    assert desk.queue().posts() == [] and LOW in desk.queue().skipped.posts
    assert LOW not in Library.load(desk.library_dir).posts


async def test_a_queued_post_is_never_pushed_until_approved(desk: Desk, services: Services) -> None:
    desk.enqueue(GOOD)
    clock = services.clock
    assert isinstance(clock, FixedClock)
    async with review_bot(services) as bot:
        await bot.say("/start", chat_id=SUBSCRIBER)
        # 2026-11-06 08:30 in Shanghai: the five posts of the library were 11-01 … 11-05.
        clock.moment = dt.datetime(2026, 11, 6, 0, 30, tzinfo=dt.UTC)
        await bot.pusher.run_once()
        pushed = bot.fake.messages(SUBSCRIBER)[-1].text
        assert pushed is not None and "11 月 6 日" in pushed
        good_first = bundled().posts[GOOD].paragraphs[0].en[:40]
        assert good_first not in pushed  # a repeat of an approved lesson, not the queued post

        clock.moment = dt.datetime(2026, 11, 6, 1, 0, tzinfo=dt.UTC)  # 09:00: the digest
        await digest(bot, desk).run_once()  # the admin approves it today, 11-06
        good = bot.fake.messages(ADMIN)[1]
        await bot.press(good, APPROVE)
        clock.moment = dt.datetime(2026, 11, 7, 0, 30, tzinfo=dt.UTC)
        await bot.pusher.run_once()
        pushed = bot.fake.messages(SUBSCRIBER)[-1].text
        assert pushed is not None and "11 月 7 日" in pushed and good_first in pushed
