"""Subscribing and settings through the core: every reply a person can trigger, and what it stores."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session, select

from bot.core import texts
from bot.core.conversation import Conversation
from bot.core.messages import ChatKind
from bot.storage.learners import find_learner, learner_of
from bot.storage.tables import Learner, SavedWord, Subscriber
from tests.core.fake_platform import FakeChat, with_handler


def stored(sessions: Callable[[], Session], chat_id: str = "1001") -> Subscriber | None:
    with sessions() as session:
        return session.exec(select(Subscriber).where(Subscriber.chat_id == chat_id)).first()


async def test_start_subscribes_with_defaults_and_welcomes_in_chinese(
    chat: FakeChat, sessions: Callable[[], Session]
) -> None:
    await chat.say("/start")
    assert "欢迎来到 BuildSpeak" in chat.text and "08:00" in chat.text and "/time" in chat.text
    subscriber = stored(sessions)
    assert subscriber is not None
    assert (subscriber.platform, subscriber.user_id, subscriber.chat_kind) == ("fake", "1001", "private")
    assert subscriber.timezone == "Asia/Shanghai" and subscriber.lesson_time == dt.time(8, 0)
    assert subscriber.status == "active"
    await chat.say("/start")
    assert "你已经订阅了" in chat.text


async def test_time_accepts_common_forms_and_rejects_nonsense(
    chat: FakeChat, sessions: Callable[[], Session]
) -> None:
    await chat.say("/time 7:30")
    assert "先发送 /start" in chat.text
    await chat.say("/start")
    await chat.say("/time 7:30")
    assert "每天 07:30 推送" in chat.text
    await chat.say("/time 21点半")
    assert stored(sessions).lesson_time == dt.time(21, 30)
    for bad in ("/time", "/time 25:00", "/time soon"):
        await chat.say(bad)
        assert "/time 07:30" in chat.text, bad
    assert stored(sessions).lesson_time == dt.time(21, 30), "bad input changes nothing"


async def test_timezone_accepts_names_cities_offsets_and_rejects_mars(
    chat: FakeChat, sessions: Callable[[], Session]
) -> None:
    await chat.say("/start")
    await chat.say("/tz America/New_York")
    assert "America/New_York" in chat.text and stored(sessions).timezone == "America/New_York"
    await chat.say("/tz 东京")
    assert stored(sessions).timezone == "Asia/Tokyo"
    await chat.say("/tz UTC+5:30")
    assert stored(sessions).timezone == "UTC+05:30"
    await chat.say("/tz Mars/Base")
    assert "不认识这个时区：Mars/Base" in chat.text and "/tz Asia/Shanghai" in chat.text
    assert stored(sessions).timezone == "UTC+05:30"


async def test_today_follows_the_subscribers_own_date(chat: FakeChat) -> None:
    # 01:00 UTC on 22 Nov is still 21 Nov in Honolulu (UTC-10).
    await chat.say("/start")
    await chat.say("/tz Pacific/Honolulu")
    await chat.say("/today")
    assert "📅 第 21 课 · 11 月 21 日" in chat.last.text.plain
    await chat.say("/tz Pacific/Kiritimati")
    await chat.say("/today")
    assert "📅 第 22 课 · 11 月 22 日" in chat.last.text.plain


async def test_pause_resume_stop_and_start_again_keep_settings(
    chat: FakeChat, sessions: Callable[[], Session]
) -> None:
    await chat.say("/start")
    await chat.say("/time 06:45")
    await chat.say("/pause")
    assert "已暂停" in chat.text and stored(sessions).status == "paused"
    await chat.say("/pause")
    assert "状态没有变化" in chat.text
    await chat.say("/resume")
    assert stored(sessions).status == "active"
    await chat.say("/stop")
    assert "已退订" in chat.text and "/deleteme" in chat.text and stored(sessions).status == "stopped"
    await chat.say("/pause")
    assert "先发送 /start" in chat.text
    await chat.say("/start")
    assert "欢迎回来" in chat.text
    subscriber = stored(sessions)
    assert subscriber.status == "active" and subscriber.lesson_time == dt.time(6, 45)


async def test_deleteme_asks_then_erases_only_that_person(
    chat: FakeChat, conversation: Conversation, sessions: Callable[[], Session]
) -> None:
    other = FakeChat(conversation, chat_id="2002", user_id="2002")
    await other.say("/start")
    await chat.say("/start")
    await chat.say("/today")
    with sessions() as session:
        learner = learner_of(session, platform="fake", user_id="1001", now=_now())
        session.add(SavedWord(learner_id=learner.id, lemma="engulf", created_at=_now(), updated_at=_now()))
        session.commit()
    await chat.say("/deleteme")
    assert "确定要删除" in chat.text
    await chat.press("取消")
    assert "已取消" in chat.text and stored(sessions) is not None
    await chat.say("/deleteme")
    await chat.press("确认删除")
    assert "已删除你的全部数据" in chat.text
    assert stored(sessions) is None
    with sessions() as session:
        assert session.exec(select(SavedWord)).all() == []
        assert find_learner(session, platform="fake", user_id="1001") is None
        assert len(session.exec(select(Learner)).all()) == 1, "the other person's learner stays"
    assert stored(sessions, "2002") is not None


def _now() -> dt.datetime:
    return dt.datetime(2026, 11, 22, tzinfo=dt.UTC)


async def test_in_a_group_only_admins_change_settings(
    conversation: Conversation, sessions: Callable[[], Session]
) -> None:
    group = FakeChat(conversation, chat_id="-500", user_id="1", kind=ChatKind.GROUP, admin=False)
    await group.say("/start")
    assert "本群" in group.text
    for command in ("/time 09:00", "/tz 纽约", "/pause", "/stop"):
        await group.say(command)
        assert group.text == texts.ADMINS_ONLY, command
    assert stored(sessions, "-500").lesson_time == dt.time(8, 0)
    group.admin = True
    await group.say("/time 09:00")
    assert stored(sessions, "-500").lesson_time == dt.time(9, 0)
    await group.say("/deleteme")
    assert "私聊" in group.text


async def test_help_unknown_command_and_plain_text_are_answered(chat: FakeChat) -> None:
    await chat.say("/help")
    assert "/today" in chat.text and "/deleteme" in chat.text and "◀ 上一句" in chat.text
    await chat.say("/frobnicate")
    assert "没有这个命令：/frobnicate" in chat.text
    await chat.say("hello?")
    assert "/today" in chat.text
    await chat.say("/TODAY@BuildSpeakBot")
    assert "【1/" in chat.last.text.plain


async def test_a_crashing_handler_gives_the_apology(chat: FakeChat, monkeypatch) -> None:
    async def broken(turn):
        raise RuntimeError("boom")

    monkeypatch.setattr(
        chat.conversation, "commands", with_handler(chat.conversation.commands, "today", broken)
    )
    await chat.say("/today")
    assert chat.text.startswith("抱歉，出了点问题")
    assert "boom" not in chat.text


async def test_platform_events_block_and_unblock_without_a_word(
    chat: FakeChat, sessions: Callable[[], Session]
) -> None:
    from dataclasses import replace

    from bot.core.messages import REMOVED, RETURNED

    await chat.say("/start")
    incoming = chat._incoming()
    assert await chat.conversation.handle(replace(incoming, event=REMOVED)) == []
    assert stored(sessions).status == "blocked"
    assert await chat.conversation.handle(replace(incoming, event=RETURNED)) == []
    assert stored(sessions).status == "active"
    await chat.say("/stop")
    await chat.conversation.handle(replace(incoming, event=REMOVED))
    await chat.conversation.handle(replace(incoming, event=RETURNED))
    assert stored(sessions).status == "stopped", "an unsubscribed person stays unsubscribed"


async def test_a_pause_survives_a_block_and_unblock(chat: FakeChat, sessions: Callable[[], Session]) -> None:
    from dataclasses import replace

    from bot.core.messages import REMOVED, RETURNED

    await chat.say("/start")
    await chat.say("/pause")
    await chat.conversation.handle(replace(chat._incoming(), event=REMOVED))
    await chat.conversation.handle(replace(chat._incoming(), event=RETURNED))
    assert stored(sessions).status == "paused"


async def test_a_lesson_link_opens_the_lesson_and_leaves_a_pause_alone(
    chat: FakeChat, sessions: Callable[[], Session]
) -> None:
    await chat.say("/start")
    await chat.say("/pause")
    await chat.say("/start d21")
    assert "📅 第 21 课" in chat.last.text.plain
    assert stored(sessions).status == "paused"


async def test_only_an_admin_brings_a_stopped_group_back(
    conversation: Conversation, sessions: Callable[[], Session]
) -> None:
    group = FakeChat(conversation, chat_id="-600", user_id="1", kind=ChatKind.GROUP, admin=True)
    await group.say("/start")
    await group.say("/stop")
    group.admin = False
    await group.say("/start", user_id="2")
    assert group.text == texts.ADMINS_ONLY
    assert stored(sessions, "-600").status == "stopped"


async def test_empty_settings_commands_ask_for_a_value(chat: FakeChat) -> None:
    await chat.say("/start")
    await chat.say("/tz")
    assert chat.text.startswith("请告诉我时区。例如 /tz Asia/Shanghai")
    await chat.say("/time")
    assert chat.text.startswith("请告诉我时间。例如 /time 07:30")


async def test_setup_subscribes_a_group_with_its_time_and_zone_in_one_go(
    conversation: Conversation, sessions: Callable[[], Session]
) -> None:
    group = FakeChat(conversation, chat_id="-700", user_id="1", kind=ChatKind.GROUP, admin=False)
    await group.say("/setup 07:30 Asia/Tokyo")
    assert group.text == texts.ADMINS_ONLY and stored(sessions, "-700") is None
    group.admin = True
    for bad, said in (
        ("/setup 25:00", "看不懂这个时间：25:00"),
        ("/setup 07:30 火星", "不认识这个时区：火星"),
    ):
        await group.say(bad)
        assert said in group.text, bad
        assert stored(sessions, "-700") is None, "bad input changes nothing"
    await group.say("/setup 07:30 Asia/Tokyo")
    assert (
        "设置完成" in group.text and "07:30" in group.text and "东京" in group.text
    ) or "Tokyo" in group.text
    subscriber = stored(sessions, "-700")
    assert subscriber is not None
    assert (subscriber.lesson_time, subscriber.timezone, subscriber.chat_kind) == (
        dt.time(7, 30),
        "Asia/Tokyo",
        "group",
    )
    await group.say("/pause")
    await group.say("/setup")
    assert "设置已更新" in group.text and stored(sessions, "-700").status == "active", "setup resumes"
    assert stored(sessions, "-700").lesson_time == dt.time(7, 30), "what is not given stays"


async def test_status_says_the_settings_or_that_there_is_no_subscription(chat: FakeChat) -> None:
    await chat.say("/status")
    assert "/start" in chat.text
    await chat.say("/start")
    await chat.say("/status")
    assert "每日推送：08:00" in chat.text and "订阅中" in chat.text
