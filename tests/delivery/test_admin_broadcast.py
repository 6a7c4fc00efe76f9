"""Admins' broadcasts through the push: once per subscriber and broadcast, several a day, on every
platform, through the same senders (pacer, rate limits) and ledger as the daily lesson."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

from sqlmodel import select

from bot.clock import FixedClock
from bot.core.admin import Admins
from bot.core.admin.views import broadcast_reply
from bot.core.messages import Reply
from bot.core.turn import Services
from bot.delivery.admin_broadcast import Broadcasts
from bot.delivery.broadcast import Pusher
from bot.delivery.content import DailyLessons
from bot.storage import broadcasts
from bot.storage.tables import Broadcast, PushKind, PushState
from tests.adapters.telegram_harness import running_bot
from tests.adapters.test_telegram_admin import running_admin_bot
from tests.delivery.push_support import Sessions, add_subscribers, ledger, texts_to

TITLE = "📢 BuildSpeak 通知"


def confirmed(sessions: Sessions, clock: FixedClock, text: str, *, at: dt.datetime | None = None) -> int:
    with sessions() as session:
        made = broadcasts.create(session, text=text, author="telegram:1", now=clock.now())
        assert made.id is not None
        broadcasts.confirm(session, made.id, by="telegram:1", now=at or clock.now())
        return made.id


def job(bot: object) -> Broadcasts:
    push = bot.runtime.push  # type: ignore[attr-defined]
    assert push is not None
    return push.broadcasts


async def test_two_broadcasts_on_one_day_reach_every_subscriber_once_each(
    services: Services, sessions: Sessions
) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    add_subscribers(sessions, [6001, 6002, -6003], timezone="Asia/Shanghai")
    add_subscribers(sessions, [6004], timezone="America/New_York")  # another local date, even
    add_subscribers(sessions, [6005], status="paused")
    add_subscribers(sessions, [6006], status="stopped")
    first = confirmed(sessions, clock, "第一条 first")
    second = confirmed(sessions, clock, "第二条 second\n两行 two lines")
    async with running_bot(services) as bot:
        broadcast_job = job(bot)
        assert [pusher.sender for pusher in broadcast_job.pushers] == [bot.pusher.sender]  # one pacer
        reports = await broadcast_job.run_once()
        assert [report.sent for report in reports] == [4, 4]
        assert await broadcast_job.run_once() == []  # nothing left: not even a run
        clock.advance(dt.timedelta(hours=20))  # another day in Shanghai, the broadcasts still open
        assert await broadcast_job.run_once() == []
    for chat in (6001, 6002, -6003, 6004):
        assert texts_to(bot.fake, chat) == [
            f"{TITLE}\n\n第一条 first",
            f"{TITLE}\n\n第二条 second\n两行 two lines",
        ], chat
    assert not bot.fake.messages(6005) and not bot.fake.messages(6006)
    rows = ledger(sessions)
    assert sorted((row.content_id, row.local_date, row.state) for row in rows["6004"]) == [
        (f"broadcast-{first}", broadcasts.ledger_date(first), PushState.SENT),
        (f"broadcast-{second}", broadcasts.ledger_date(second), PushState.SENT),
    ]
    assert all(row.kind == PushKind.BROADCAST for found in rows.values() for row in found)


async def test_nothing_goes_out_unconfirmed_cancelled_or_too_late(
    services: Services, sessions: Sessions
) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    add_subscribers(sessions, [6101, 6102])
    with sessions() as session:
        asked = broadcasts.create(session, text="只是预览 preview only", author="telegram:1", now=clock.now())
        dropped = broadcasts.create(session, text="取消了 cancelled", author="telegram:1", now=clock.now())
        assert dropped.id is not None
        broadcasts.cancel(session, dropped.id, now=clock.now())
    confirmed(
        sessions, clock, "太晚了 too late", at=clock.now() - broadcasts.OPEN_FOR - dt.timedelta(minutes=1)
    )
    async with running_bot(services) as bot:
        assert await job(bot).run_once() == []
        assert asked.id is not None
        with sessions() as session:
            assert (
                broadcasts.confirm(session, asked.id, by="telegram:1", now=clock.now()).value == "confirmed"
            )
        (report,) = await job(bot).run_once()
        assert report.sent == 2
    assert texts_to(bot.fake, 6101) == [f"{TITLE}\n\n只是预览 preview only"]


async def test_who_subscribes_while_it_is_open_gets_it_once_too(
    services: Services, sessions: Sessions
) -> None:
    clock = services.clock
    assert isinstance(clock, FixedClock)
    add_subscribers(sessions, [6201])
    confirmed(sessions, clock, "欢迎 welcome")
    async with running_bot(services) as bot:
        await job(bot).run_once()
        add_subscribers(sessions, [6202])
        clock.advance(dt.timedelta(hours=1))
        (report,) = await job(bot).run_once()
        assert report.sent == 1
        clock.advance(broadcasts.OPEN_FOR)
        add_subscribers(sessions, [6203])
        assert await job(bot).run_once() == []  # closed: a day after its confirmation
    assert [len(bot.fake.messages(chat)) for chat in (6201, 6202, 6203)] == [1, 1, 0]


async def test_ticks_at_once_send_nothing_twice(services: Services, sessions: Sessions) -> None:
    add_subscribers(sessions, range(6300, 6340))
    confirmed(sessions, services.clock, "同时 at once")  # type: ignore[arg-type]
    async with running_bot(services) as bot:
        other = Broadcasts.beside(bot.runtime.pushers)  # a second job on the same worker's senders
        await asyncio.gather(job(bot).run_once(), other.run_once())
        await other.stop()
    assert bot.fake.message_counts() == dict.fromkeys(range(6300, 6340), 1)


class Recorder:
    """A platform's push sender that keeps what it was given."""

    answers_members_alone = False

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.sent: dict[str, list[Sequence[Reply]]] = {}

    async def push(self, chat_id: str, chat_kind: str, replies: Sequence[Reply]) -> str | None:
        self.sent.setdefault(chat_id, []).append(replies)
        return "1"


async def test_every_platform_gets_its_own_run_and_one_without_a_sender_holds_up_nobody(
    services: Services, sessions: Sessions
) -> None:
    clock = services.clock
    add_subscribers(sessions, [6401], platform="telegram")
    add_subscribers(sessions, [6402], platform="discord")
    add_subscribers(sessions, [6403], platform="console")  # nobody pushes there
    first = confirmed(sessions, clock, "一 one")  # type: ignore[arg-type]
    second = confirmed(sessions, clock, "二 two")  # type: ignore[arg-type]
    senders = [Recorder("telegram"), Recorder("discord")]
    lessons = DailyLessons(services.shelf)
    pushers = [
        Pusher(sender=sender, content=lessons, sessions=sessions, clock=clock, worker_id="w1")
        for sender in senders
    ]
    broadcast_job = Broadcasts.beside([*pushers, *pushers])  # one broadcast pusher per platform
    assert [pusher.sender.platform for pusher in broadcast_job.pushers] == ["telegram", "discord"]
    reports = await broadcast_job.run_once()
    await broadcast_job.stop()
    assert [report.sent for report in reports] == [1, 1, 1, 1]
    for sender, chat in zip(senders, ("6401", "6402"), strict=True):
        assert sender.sent == {chat: [[broadcast_reply("一 one")], [broadcast_reply("二 two")]]}
    with sessions() as session:
        assert broadcasts.next_to_send(session, platform="console", now=clock.now()).id == first  # type: ignore[union-attr]
        assert broadcasts.delivery_counts(session, [first, second]) == {
            first: {"sent": 2},
            second: {"sent": 2},
        }


async def test_an_admin_broadcast_from_the_chat_goes_out_and_shows_in_stats(
    services: Services, sessions: Sessions
) -> None:
    """The whole way on Telegram: /admin broadcast, ✅, the push role's tick, /admin stats."""
    add_subscribers(sessions, [6501, 6502])
    async with running_admin_bot(services, Admins.of(["telegram:4242"])) as bot:
        await bot.say("/start")  # the admin subscribes too
        await bot.say("/admin broadcast 新功能上线 new feature")
        preview, question = bot.fake.messages(4242)[-2:]
        assert preview.text == f"{TITLE}\n\n新功能上线 new feature"
        await bot.press(question, "✅ 确认发送")
        assert bot.fake.messages(4242)[-1].buttons == []  # edited: no second press on it
        (report,) = await job(bot).run_once()
        assert report.sent == 3
        await bot.say("/admin stats")
        stats = bot.fake.messages(4242)[-1].text or ""
    assert "「新功能上线 new feature」" in stats and "已送达 3" in stats
    with sessions() as session:
        (stored,) = session.exec(select(Broadcast)).all()
    assert stored.confirmed_by == "telegram:4242"
    assert [message.text for message in bot.fake.messages(6501)] == [f"{TITLE}\n\n新功能上线 new feature"]
    assert bot.fake.message_counts()[6502] == 1
