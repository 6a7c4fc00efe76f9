"""The admins' daily digest and days-left warning: who gets them, on which platforms, once a day across
restarts, and what auto-approval does first. Senders record what they are given (the Telegram test
sends through the real PTB stack)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.clock import FixedClock
from bot.core.admin import Admins
from bot.core.admin.review import LABELS
from bot.core.messages import Reply
from bot.core.turn import Services
from bot.delivery.errors import RecipientGone, SlowDown, TemporaryFailure
from bot.delivery.review_digest import DigestConfig, ReviewDigest
from lessons.deck import DeckBuilder
from lessons.following.days_left import first_day
from lessons.library import Library
from tests import chat_support
from tests.review.review_support import GOOD, LOW, MORNING, TODAY, ZONE, Desk

Sessions = Callable[[], Session]
NINE = dt.time(9, 0)


class Recorder:
    """A platform's push sender that keeps what each chat was sent, one list per push."""

    answers_members_alone = False

    def __init__(self, platform: str, failing: Exception | None = None) -> None:
        self.platform = platform
        self.failing = failing
        self.sent: dict[str, list[Reply]] = {}
        self.kinds: set[str] = set()

    async def push(self, chat_id: str, chat_kind: str, replies: Sequence[Reply]) -> str | None:
        if self.failing is not None:
            error, self.failing = self.failing, None if isinstance(self.failing, SlowDown) else self.failing
            raise error
        self.kinds.add(chat_kind)
        self.sent.setdefault(chat_id, []).extend(replies)
        return "1"

    def texts(self, chat_id: str) -> list[str]:
        return [reply.text.plain for reply in self.sent.get(chat_id, []) if reply.text is not None]


@pytest.fixture
def desk(tmp_path: Path, builder: DeckBuilder) -> Desk:
    return Desk.made(tmp_path / "desk", builder)


@pytest.fixture
def services(desk: Desk, builder: DeckBuilder, sessions: Sessions, tmp_path: Path) -> Services:
    made = chat_support.services(desk.catalog(), builder, sessions, tmp_path / "audio")
    assert isinstance(made.clock, FixedClock)
    made.clock.moment = MORNING
    return made


def digest_of(
    desk: Desk, services: Services, senders: list[Recorder], *, auto_approve: bool = False
) -> ReviewDigest:
    """The job as a push worker builds it, for admins 4242 on Telegram and 555 on Discord."""
    return ReviewDigest(
        DigestConfig(timezone=ZONE, at=NINE, auto_approve=auto_approve),
        lambda: desk.vetting(services.sessions, services.clock),
        senders=senders,
        admins=Admins.of(["telegram:4242", "discord:555"]),
        shelf=services.shelf,
        sessions=services.sessions,
        clock=services.clock,
        holder="worker-1",
        sleep=_no_wait,
    )


async def _no_wait(seconds: float) -> None:
    return None


def clock_of(services: Services) -> FixedClock:
    assert isinstance(services.clock, FixedClock)
    return services.clock


async def test_every_admin_gets_the_digest_in_private_once_a_day_with_the_three_buttons(
    desk: Desk, services: Services
) -> None:
    desk.enqueue(GOOD)
    desk.enqueue(LOW)
    telegram, discord = Recorder("telegram"), Recorder("discord")
    clock = clock_of(services)
    clock.moment = MORNING - dt.timedelta(minutes=1)  # 08:59 in Shanghai: not yet
    assert not (await digest_of(desk, services, [telegram, discord]).run_once()).done
    assert telegram.sent == discord.sent == {}

    clock.moment = MORNING
    run = await digest_of(desk, services, [telegram, discord]).run_once()
    assert (run.done, run.reached, run.shown) == (True, 2, [GOOD, LOW])
    for sender, admin in ((telegram, "4242"), (discord, "555")):
        assert list(sender.sent) == [admin] and sender.kinds == {"private"}
        head, good, _low, warning = sender.sent[admin]  # under 14 days left: the warning comes too
        assert head.text is not None and head.text.plain.startswith("📬 待审文章 Review · 2026-11-03")
        assert (
            "新到 2 篇，共 2 篇等你审核" in head.text.plain
            and "新课还剩 2 天（到 2026-11-05）" in head.text.plain
        )
        assert [[button.label for button in row] for row in good.buttons] == [list(LABELS.values())]
        good_text, low_text, warning_text = sender.texts(admin)[1:]
        assert warning.buttons == () and warning_text.startswith("⚠️ 新课不足 14 天")
        assert "✅ 检查通过 passed" in good_text and "1. I think about something like this often" in good_text
        assert "我经常思考类似的问题" in good_text  # the first cards, with their Chinese
        assert "⏸ 需要人工审核" in low_text and "· 不排课 not scheduled (0.23 < 0.5)" in low_text

    # The same day again, and after a restart (a new job on the same database): nothing more.
    telegram.sent.clear()
    assert not (await digest_of(desk, services, [telegram, discord]).run_once()).done
    clock.moment += dt.timedelta(hours=3)
    assert not (await digest_of(desk, services, [telegram, discord]).run_once()).done
    assert telegram.sent == {}

    # The next day shows only what is new since.
    clock.moment = MORNING + dt.timedelta(days=1)
    desk.enqueue("x-1800545184465441194")
    run = await digest_of(desk, services, [telegram, discord]).run_once()
    assert run.shown == ["x-1800545184465441194"]
    head, new, warning = telegram.texts("4242")
    assert "新到 1 篇，共 3 篇等你审核" in head and new.startswith("📝 #3 ") and warning.startswith("⚠️")


async def test_fewer_than_14_days_left_warns_the_admins_once_a_day_across_restarts(
    desk: Desk, services: Services
) -> None:
    telegram, discord = Recorder("telegram"), Recorder("discord")
    run = await digest_of(desk, services, [telegram, discord]).run_once()
    assert (run.days_left, run.warned, run.reached) == (2, 2, 0)  # nothing queued: a warning alone
    (warning,) = telegram.texts("4242")
    assert warning.startswith("⚠️ 新课不足 14 天") and "新课还剩 2 天（到 2026-11-05）" in warning
    assert discord.texts("555") == [warning]

    clock_of(services).moment += dt.timedelta(hours=5)
    assert (await digest_of(desk, services, [telegram, discord]).run_once()).warned == 0  # a restart
    assert len(telegram.sent["4242"]) == 1

    clock_of(services).moment = MORNING + dt.timedelta(days=1)
    assert (await digest_of(desk, services, [telegram, discord]).run_once()).warned == 2
    assert "新课还剩 1 天（到 2026-11-05）" in telegram.texts("4242")[-1]


async def test_auto_approval_takes_the_passed_post_into_the_calendar_and_the_digest_says_so(
    desk: Desk, services: Services
) -> None:
    desk.enqueue(GOOD)
    desk.enqueue(LOW)
    catalog = services.shelf.catalog
    past = {day: catalog.day(day) for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 2), TODAY)}
    telegram = Recorder("telegram")

    run = await digest_of(desk, services, [telegram], auto_approve=True).run_once()

    assert run.approved == [GOOD] and run.shown == [LOW]
    after = services.shelf.catalog  # reloaded in this worker (and a generation recorded for the rest)
    assert after is not catalog and {day: after.day(day) for day in past} == past
    assert first_day(after, GOOD, TODAY) == dt.date(2026, 11, 6)
    head, low, _warning = telegram.texts("4242")
    assert f"自动通过 1 篇（检查全部通过）：{GOOD}" in head and "新到 1 篇，共 1 篇等你审核" in head
    assert "新课还剩 3 天（到 2026-11-06）" in head
    assert "不排课" in low and LOW not in Library.load(desk.library_dir).posts


async def test_with_auto_approval_off_nothing_joins_the_library(desk: Desk, services: Services) -> None:
    desk.enqueue(GOOD)
    run = await digest_of(desk, services, [Recorder("telegram")]).run_once()
    assert run.approved == [] and run.shown == [GOOD]
    assert GOOD not in Library.load(desk.library_dir).posts
    assert all(lesson.post.id != GOOD for lesson in services.shelf.catalog.lessons.values())
    assert [post.id for post in desk.queue().posts()] == [GOOD]


async def test_an_admin_out_of_reach_does_not_stop_the_others_and_nobody_reached_means_later(
    desk: Desk, services: Services
) -> None:
    desk.enqueue(GOOD)
    gone = Recorder("telegram", failing=RecipientGone("Forbidden: bot was blocked by the user"))
    run = await digest_of(desk, services, [gone]).run_once()
    assert (run.reached, run.shown) == (0, [])
    # Nobody got it: the next tick (the admin unblocked the bot) sends it, and marks it shown.
    gone.failing = None
    run = await digest_of(desk, services, [gone]).run_once()
    assert (run.reached, run.shown) == (1, [GOOD])

    desk.enqueue(LOW)
    clock_of(services).moment += dt.timedelta(days=1)
    slowed, blocked = Recorder("telegram", failing=SlowDown("Too Many Requests", 0.5)), Recorder("discord")
    blocked.failing = RecipientGone("Cannot send messages to this user")
    run = await digest_of(desk, services, [slowed, blocked]).run_once()
    assert (run.reached, run.shown) == (1, [LOW])  # a 429 is waited out; the closed DMs are skipped
    assert [text[:2] for text in slowed.texts("4242")] == ["📬 ", "📝 ", "⚠️"]


async def test_a_send_that_keeps_failing_is_tried_a_few_times_then_left_for_the_next_tick(
    desk: Desk, services: Services
) -> None:
    desk.enqueue(GOOD)
    flaky = Recorder("telegram", failing=TemporaryFailure("Bad Gateway"))
    tries: list[float] = []
    digest = digest_of(desk, services, [flaky])

    async def wait(seconds: float) -> None:
        tries.append(seconds)

    digest.sleep = wait
    run = await digest.run_once()
    assert (run.reached, run.shown) == (0, [])
    assert len(tries) == 2 * (digest.config.retry.attempts - 1)  # the digest's head, then the warning
    flaky.failing = None  # Telegram is back: the next tick sends both
    run = await digest_of(desk, services, [flaky]).run_once()
    assert (run.reached, run.shown, run.warned) == (1, [GOOD], 1)


async def test_a_stop_before_anything_went_out_leaves_the_days_digest_for_the_next_start(
    desk: Desk, services: Services
) -> None:
    """A deploy in the middle (the run cancelled while its first message waits) must not cost the
    admins the day's digest: the lease goes back, and the next process's tick sends it."""
    desk.enqueue(GOOD)

    class Stuck(Recorder):
        async def push(self, chat_id: str, chat_kind: str, replies: Sequence[Reply]) -> str | None:
            await asyncio.Event().wait()  # the platform never answers before the stop
            return None

    running = asyncio.create_task(digest_of(desk, services, [Stuck("telegram")]).run_once())
    await asyncio.sleep(0.2)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    after_restart = Recorder("telegram")
    run = await digest_of(desk, services, [after_restart]).run_once()
    assert (run.reached, run.shown) == (1, [GOOD])
