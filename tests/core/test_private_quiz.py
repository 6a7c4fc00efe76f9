"""A server member's daily quiz by direct message (`/buildspeak dm on|off` on Discord), in the core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session, select

from bot.core.conversation import Conversation
from bot.core.messages import ChatKind
from bot.storage.tables import Subscriber
from tests.core.fake_platform import FakeChat

SERVER = "9000"


def member(conversation: Conversation, user_id: str = "42") -> FakeChat:
    """A member writing from server SERVER: answered alone, their lessons in the server's channel."""
    return FakeChat(conversation, chat_id=user_id, user_id=user_id, subscribe_with=None, community=SERVER)


def subscription(sessions: Callable[[], Session], chat_id: str) -> Subscriber | None:
    with sessions() as session:
        return session.exec(select(Subscriber).where(Subscriber.chat_id == chat_id)).first()


async def set_up_server(conversation: Conversation) -> None:
    server = FakeChat(conversation, chat_id=SERVER, kind=ChatKind.GROUP, subscribe_with="/buildspeak setup")
    await server.say("/setup 07:00 America/New_York")
    await server.say("/quiztime 20:30")


async def test_dm_on_subscribes_the_members_chat_to_the_quiz_alone_at_the_servers_time(
    conversation: Conversation, sessions: Callable[[], Session]
) -> None:
    await set_up_server(conversation)
    chat = member(conversation)
    await chat.say("/dm on")
    assert "每天 20:30（America/New_York" in chat.text, "the server's quiz time, in its timezone"
    assert "私信" in chat.text and "/dm off" in chat.text
    found = subscription(sessions, "42")
    assert found is not None and found.chat_kind == "private" and found.status == "active"
    assert found.lesson_time is None, "the lesson is the server's post: no second copy by DM"
    assert (found.quiz_time, found.timezone) == (dt.time(20, 30), "America/New_York")
    await chat.say("/help")
    assert "/dm on|off [HH:MM] — 每日测验私信给我" in chat.text
    assert "每日推送：无（只有测验）" in chat.text


async def test_dm_on_with_a_time_and_off_again(
    conversation: Conversation, sessions: Callable[[], Session]
) -> None:
    chat = member(conversation)
    await chat.say("/dm on 22:15")
    assert "每天 22:15" in chat.text
    found = subscription(sessions, "42")
    assert found is not None and found.quiz_time == dt.time(22, 15)
    await chat.say("/dm off")
    assert chat.text.startswith("已关闭私信测验") and "开始我的测验" in chat.text
    found = subscription(sessions, "42")
    assert found is not None and found.status == "stopped"
    await chat.say("/dm off")
    assert "本来就是关着的" in chat.text and "/dm on 21:30" in chat.text
    await chat.say("/dm on")
    found = subscription(sessions, "42")
    assert found is not None and found.status == "active" and found.lesson_time is None


async def test_bad_input_gets_the_usage_and_changes_nothing(
    conversation: Conversation, sessions: Callable[[], Session]
) -> None:
    chat = member(conversation)
    for typed in ("/dm", "/dm maybe", "/dm on 25:99", "/dm off 21:00"):
        await chat.say(typed)
        assert chat.text.startswith("用法：/dm on [HH:MM]"), typed
    assert subscription(sessions, "42") is None


async def test_a_chat_that_subscribes_itself_is_told_its_quiz_comes_there(
    conversation: Conversation, sessions: Callable[[], Session]
) -> None:
    chat = FakeChat(conversation, chat_id="77", user_id="77")
    await chat.say("/dm on")
    assert "已经包含在订阅里" in chat.text and "/start" in chat.text
    assert subscription(sessions, "77") is None
    await chat.say("/help")
    assert "/dm" not in chat.text, "not offered where the chat subscribes itself"
