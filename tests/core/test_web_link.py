"""/web and the 🌐 阅读页 buttons through the core: a single-use sign-in link in a private chat only,
a plain "not set up" without a reader, and the reader's page under the lesson and the book."""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from bot.clock import local_date
from bot.core.conversation import Conversation
from bot.core.messages import Button, ChatKind
from bot.core.turn import Services
from bot.delivery.content import DailyLessons
from bot.storage.learners import find_learner
from bot.storage.tables import SignInToken
from bot.storage.web_signin import secret_hash
from tests.core.fake_platform import FakeChat

READER = "https://read.example.com"


@pytest.fixture
def reader_services(services: Services) -> Services:
    return dataclasses.replace(services, web_url=READER, sign_in_minutes=10)


@pytest.fixture
def private(reader_services: Services) -> FakeChat:
    return FakeChat(Conversation(reader_services))


def tokens(services: Services) -> list[SignInToken]:
    with services.sessions() as session:
        return list(session.exec(select(SignInToken)))


def buttons(chat: FakeChat) -> list[Button]:
    return [button for row in chat.last.buttons for button in row]


def today_number(services: Services) -> int:
    day = services.shelf.day(local_date(services.clock, services.defaults.timezone))
    assert day is not None
    return day.number


async def test_web_in_a_private_chat_sends_a_single_use_link_that_expires(
    private: FakeChat, reader_services: Services
) -> None:
    await private.say("/web")
    (link,) = buttons(private)
    assert link.label == "🔑 在浏览器里登录" and link.web_app is None and link.url is not None
    address = urlsplit(link.url)
    assert f"{address.scheme}://{address.netloc}{address.path}" == f"{READER}/signin"
    (token,) = parse_qs(address.query)["token"]
    text = private.text
    assert "10 分钟内有效" in text and "只能用一次" in text and "不要转发" in text
    (stored,) = tokens(reader_services)
    assert stored.token_hash == secret_hash(token) and token not in stored.token_hash, "only a hash is kept"
    assert stored.expires_at == reader_services.clock.now() + dt.timedelta(minutes=10)
    assert stored.used_at is None
    with reader_services.sessions() as session:
        learner = find_learner(session, platform="fake", user_id=private.user_id)
    assert learner is not None and stored.learner_id == learner.id


async def test_each_web_is_a_new_link(private: FakeChat, reader_services: Services) -> None:
    await private.say("/web")
    first = buttons(private)[0].url
    await private.say("/web")
    second = buttons(private)[0].url
    assert first != second and len(tokens(reader_services)) == 2


async def test_web_in_a_group_sends_no_link(reader_services: Services) -> None:
    group = FakeChat(Conversation(reader_services), chat_id="-500", kind=ChatKind.GROUP)
    await group.say("/web")
    assert "私聊" in group.text and "/web" in group.text
    assert group.last.buttons == () and "signin" not in group.text
    assert tokens(reader_services) == [], "no link is made where a group could see it"


async def test_web_without_a_reader_says_it_is_not_set_up(chat: FakeChat, services: Services) -> None:
    await chat.say("/web")
    assert "还没有开通网页阅读页" in chat.text and chat.last.buttons == ()
    assert tokens(services) == []


async def test_the_lesson_card_opens_its_day_on_the_reader_and_keeps_it_when_moving(
    private: FakeChat, reader_services: Services
) -> None:
    await private.say("/today")
    reader = Button("🌐 阅读页", web_app=f"{READER}/day/{today_number(reader_services)}")
    assert buttons(private)[-1] == reader
    await private.press("下一句 ▶")
    assert "【2/" in private.text and buttons(private)[-1] == reader, "an edited card keeps the button"


async def test_a_groups_lesson_post_carries_the_reader_too(reader_services: Services) -> None:
    group = FakeChat(Conversation(reader_services), chat_id="-500", kind=ChatKind.GROUP)
    await group.say("/today")
    assert buttons(group)[-1] == Button("🌐 阅读页", web_app=f"{READER}/day/{today_number(reader_services)}")


async def test_the_book_opens_the_mini_app_or_the_book_in_a_browser(private: FakeChat) -> None:
    await private.say("/words")
    assert buttons(private) == [Button("🌐 阅读页", web_app=f"{READER}/app", url=f"{READER}/words")]
    await private.say("/save moat")
    await private.say("/words")
    assert buttons(private)[-1] == Button("🌐 阅读页", web_app=f"{READER}/app", url=f"{READER}/words")


async def test_without_a_reader_no_reader_buttons(chat: FakeChat) -> None:
    await chat.say("/today")
    await chat.say("/words")
    labels = [button.label for reply in chat.shown for row in reply.buttons for button in row]
    assert "🌐 阅读页" not in labels


def test_the_pushed_lesson_carries_the_button_for_each_kind_of_chat(reader_services: Services) -> None:
    lessons = DailyLessons(reader_services.shelf, web_url=READER)
    date = local_date(reader_services.clock, reader_services.defaults.timezone)
    day_page = f"{READER}/day/{today_number(reader_services)}"
    for kind in ("private", "group"):
        (reply,) = lessons.replies_on(date, kind)
        assert reply.buttons[-1][-1] == Button("🌐 阅读页", web_app=day_page), kind
    assert lessons.replies_on(date, "private")[0] is lessons.replies_on(date, "private")[0], "built once"


def test_a_button_is_a_link_or_an_action_never_both() -> None:
    assert Button("📖", web_app=f"{READER}/app", url=f"{READER}/words").link == f"{READER}/words"
    assert Button("📖", web_app=f"{READER}/day/1").link == f"{READER}/day/1"
    with pytest.raises(ValueError):
        Button("📖", web_app=f"{READER}/app", action="x")
    with pytest.raises(ValueError):
        Button("📖", web_app=f"{READER}/app", start_payload="d1")
