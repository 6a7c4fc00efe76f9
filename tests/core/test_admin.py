"""/admin through the core: what admins get for every subcommand, and that nobody else can tell the
commands exist (byte for byte the unknown-command reply, nothing in /help)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from bot.core import texts
from bot.core.admin import Admins
from bot.core.admin.views import broadcast_reply
from bot.core.commands import CommandRegistry, Scope, default_commands
from bot.core.conversation import Conversation
from bot.core.messages import ChatKind, Reply, RichText
from bot.core.turn import Services
from bot.delivery.content import DailyLessons
from bot.storage.tables import Broadcast, LibraryReload, Subscriber
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.core.fake_platform import FakeChat

Sessions = Callable[[], Session]
ADMIN, OTHER = "1001", "2002"
SUBCOMMANDS = [
    "/admin",
    "/admin stats",
    "/admin pin 2026-11-30 x-1",
    "/admin preview",
    "/admin preview 2026-11-23",
    "/admin broadcast 大家好",
    "/admin reload",
    "/admin nonsense",
    "/ADMIN STATS",
    "/admin@BuildSpeakBot stats",
]


@pytest.fixture
def admin_conversation(services: Services) -> Conversation:
    return Conversation(services, default_commands(Admins.of([f"fake:{ADMIN}"])))


@pytest.fixture
def admin_chat(admin_conversation: Conversation) -> FakeChat:
    return FakeChat(admin_conversation, chat_id=ADMIN, user_id=ADMIN)


def without_admin(services: Services) -> Conversation:
    """The same bot with no admin command at all: what an unknown command gets there."""
    return Conversation(services, CommandRegistry(tuple(default_commands())))


def count(sessions: Sessions, table: type) -> int:
    with sessions() as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


@pytest.mark.parametrize("text", SUBCOMMANDS)
async def test_anyone_else_gets_exactly_the_unknown_command_reply(
    text: str, services: Services, admin_conversation: Conversation, sessions: Sessions
) -> None:
    unknown = await FakeChat(without_admin(services), chat_id=OTHER, user_id=OTHER).say(text)
    assert unknown == [Reply(RichText.of(texts.UNKNOWN_COMMAND.format(name="admin")))]
    stranger = FakeChat(admin_conversation, chat_id=OTHER, user_id=OTHER)
    assert await stranger.say(text) == unknown
    # The admin's id on another platform, and the admin in a group, are not an admin here.
    elsewhere = FakeChat(admin_conversation, chat_id=ADMIN, user_id=ADMIN, platform="telegram")
    assert await elsewhere.say(text) == unknown
    group = FakeChat(admin_conversation, chat_id="-500", user_id=ADMIN, kind=ChatKind.GROUP)
    assert await group.say(text) == unknown
    assert count(sessions, Broadcast) == 0 and count(sessions, LibraryReload) == 0


async def test_help_and_the_registry_listing_show_nothing_of_admin(
    admin_chat: FakeChat, admin_conversation: Conversation
) -> None:
    stranger = FakeChat(admin_conversation, chat_id=OTHER, user_id=OTHER)
    for chat in (stranger, admin_chat):
        await chat.say("/help")
        assert "admin" not in chat.text.lower() and "管理员" not in chat.text
    registry = admin_conversation.commands
    assert "admin" not in [command.name for command in registry]
    assert [command.name for command in registry.admin_commands()] == ["admin"]
    assert registry.get("admin") is not None and registry.get("admin").scope is Scope.ADMIN


async def test_a_bare_id_is_an_admin_on_every_platform(services: Services) -> None:
    admins = Admins.of(["telegram:7", "discord:8", "9"])
    assert admins.includes("telegram", "7") and not admins.includes("discord", "7")
    assert admins.includes("discord", "8") and not admins.includes("telegram", "8")
    assert admins.includes("telegram", "9") and admins.includes("discord", "9")
    assert admins.on("telegram") == ["7", "9"] and admins.on("discord") == ["8", "9"]
    conversation = Conversation(services, default_commands(Admins.of(["9"])))
    chat = FakeChat(conversation, chat_id="9", user_id="9", platform="telegram")
    await chat.say("/admin")
    assert chat.text == texts.ADMIN_USAGE


async def test_admin_alone_and_an_unknown_subcommand_show_the_usage(admin_chat: FakeChat) -> None:
    for text in ("/admin", "/admin help", "/admin 统计"):
        await admin_chat.say(text)
        assert admin_chat.text == texts.ADMIN_USAGE
    for name in ("stats", "pin", "preview", "broadcast", "reload"):
        assert f"/admin {name}" in texts.ADMIN_USAGE


async def test_stats_counts_subscribers_pushes_quizzes_retention_and_saved_words(
    admin_chat: FakeChat, admin_conversation: Conversation, sessions: Sessions
) -> None:
    for user in ("3001", "3002", "3003"):
        learner = FakeChat(admin_conversation, chat_id=user, user_id=user)
        await learner.say("/start")
        await learner.say("/save engulf")
    await FakeChat(admin_conversation, chat_id="3003", user_id="3003").say("/pause")
    await FakeChat(admin_conversation, chat_id="3002", user_id="3002").say("/save moat")
    group = FakeChat(admin_conversation, chat_id="-77", user_id="3001", kind=ChatKind.GROUP)
    await group.say("/start")
    await admin_chat.say("/admin stats")
    text = admin_chat.text
    assert "📊 BuildSpeak 数据 Stats · 2026-11-22 01:00 UTC" in text
    assert "fake：订阅中 3（私聊 2，群组 1） · 已暂停 1（私聊 1）" in text
    assert "fake · 每日一课：已送达 0 / 到时间 3" in text and "fake · 测验" in text
    assert "每日测验 0 份" in text and "答题 0 次，答对 —" in text
    # Everyone subscribed today: nobody has been here 7 days yet.
    assert "7 日留存 —（0/0） · 30 日留存 —（0/0）" in text
    assert "engulf ×3 · moat ×1" in text
    assert "最近的广播" not in text


async def test_retention_counts_who_stayed_and_studied(
    admin_chat: FakeChat, admin_conversation: Conversation, sessions: Sessions, services: Services
) -> None:
    """Three people subscribed ten days ago: one studies today, one stopped, one never came back."""
    for user in ("4001", "4002", "4003"):
        await FakeChat(admin_conversation, chat_id=user, user_id=user).say("/start")
    with sessions() as session:
        for subscriber in session.exec(select(Subscriber)).all():
            subscriber.joined_at = services.clock.now() - dt.timedelta(days=10)
            session.add(subscriber)
        session.commit()
    await FakeChat(admin_conversation, chat_id="4001", user_id="4001").say("/today")
    stopped = FakeChat(admin_conversation, chat_id="4002", user_id="4002")
    await stopped.say("/today")
    await stopped.say("/stop")
    await admin_chat.say("/admin stats")
    assert "7 日留存 33%（1/3） · 30 日留存 —（0/0）" in admin_chat.text


async def test_preview_is_exactly_what_the_push_sends(admin_chat: FakeChat, services: Services) -> None:
    pushed = DailyLessons(services.shelf).replies_on(dt.date(2026, 11, 22), "private")
    for text in ("/admin preview", "/admin preview today", "/admin preview 2026-11-22"):
        replies = await admin_chat.say(text)
        head, lesson = replies
        assert head.text is not None and head.text.plain.startswith(
            "👀 预览 Preview · 2026-11-22 · 第 22 课 · "
        )
        assert [lesson] == pushed
    (head, lesson) = await admin_chat.say("/admin preview tomorrow")
    assert "2026-11-23 · 第 23 课" in head.text.plain  # type: ignore[union-attr]
    assert [lesson] == DailyLessons(services.shelf).replies_on(dt.date(2026, 11, 23), "private")
    await admin_chat.say("/admin preview 2026-10-01")
    assert admin_chat.text == "2026-10-01 没有课（课表从 2026-11-01 开始）。"
    await admin_chat.say("/admin preview someday")
    assert admin_chat.text == texts.ADMIN_BAD_DATE.format(text="someday")


@pytest.fixture
def own_library(sessions: Sessions, tmp_path: Path, builder: DeckBuilder) -> Services:
    """Services over a library of their own (pins too): what a test pins or reloads is its alone."""
    catalog = chat_support.bundled_catalog(tmp_path)
    return chat_support.services(catalog, builder, sessions, tmp_path / "audio")


async def test_pin_puts_the_lesson_on_the_day_here_and_asks_every_worker_to_reload(
    own_library: Services, sessions: Sessions
) -> None:
    conversation = Conversation(own_library, default_commands(Admins.of([f"fake:{ADMIN}"])))
    chat = FakeChat(conversation, chat_id=ADMIN, user_id=ADMIN)
    shelf = own_library.shelf
    lesson_id = shelf.day(dt.date(2026, 11, 1)).lesson.id  # type: ignore[union-attr]
    assert shelf.day(dt.date(2026, 11, 30)).lesson.id != lesson_id  # type: ignore[union-attr]
    await chat.say(f"/admin pin 2026-11-30 {lesson_id}")
    title = shelf.catalog.lesson(lesson_id).header.title or shelf.catalog.lesson(lesson_id).header.author
    assert chat.text == texts.ADMIN_PIN_DONE.format(date="2026-11-30", lesson_id=lesson_id, title=title)
    assert shelf.day(dt.date(2026, 11, 30)).lesson.id == lesson_id  # type: ignore[union-attr]
    assert f'2026-11-30 = "{lesson_id}"' in shelf.catalog.config.pins_file.read_text(encoding="utf-8")
    with sessions() as session:
        (reload,) = session.exec(select(LibraryReload)).all()
    assert (reload.requested_by, reload.reason) == (f"fake:{ADMIN}", f"pin 2026-11-30 {lesson_id}")
    assert shelf.generation == reload.id

    await chat.say(f"/admin pin 2026-11-21 {lesson_id}")
    assert chat.text == "2026-11-21 已经过去了：只能置顶今天（2026-11-22）或以后的日子。"
    await chat.say("/admin pin 2026-11-30 x-no-such-lesson")
    assert chat.text == "课程库里没有 ID 为 x-no-such-lesson 的课。"
    for text in ("/admin pin", "/admin pin 2026-11-30", "/admin pin 2026-11-30 a b"):
        await chat.say(text)
        assert chat.text == texts.ADMIN_PIN_USAGE, text
    await chat.say(f"/admin pin 30/11 {lesson_id}")
    assert chat.text == texts.ADMIN_BAD_DATE.format(text="30/11")
    assert count(sessions, LibraryReload) == 1


async def test_pin_of_a_lesson_not_worth_a_day_says_so(own_library: Services) -> None:
    conversation = Conversation(own_library, default_commands(Admins.of([ADMIN])))
    chat = FakeChat(conversation, chat_id=ADMIN, user_id=ADMIN)
    catalog = own_library.shelf.catalog
    unscheduled = next(lesson for lesson in catalog.lessons.values() if catalog.teaching.reason(lesson))
    await chat.say(f"/admin pin tomorrow {unscheduled.id}")
    assert "📌 已置顶：2026-11-23" in chat.text
    assert "注意：这一课本身不排课（不排课 not scheduled" in chat.text


async def test_reload_reads_the_library_again_here_and_records_a_generation(
    sessions: Sessions, tmp_path: Path, builder: DeckBuilder
) -> None:
    from tests.adapters.telegram_harness import write_post

    library = tmp_path / "library"
    library.mkdir()
    text = "One sentence here. Another one follows it. And a third one ends the post for good."
    write_post(library, "x-1", [(text, "一句。两句。三句。")])
    catalog = Catalog.open(CatalogConfig(library, tmp_path / "pins.toml", chat_support.CALENDAR_START))
    services = chat_support.services(catalog, builder, sessions, tmp_path / "audio")
    chat = FakeChat(
        Conversation(services, default_commands(Admins.of([ADMIN]))), chat_id=ADMIN, user_id=ADMIN
    )
    write_post(library, "x-2", [(text, "一句。两句。三句。")], date="2025-01-04")
    (library / "broken.md").write_text("no front matter", encoding="utf-8")
    await chat.say("/admin reload")
    lines = chat.text.split("\n")
    assert lines[0] == texts.ADMIN_RELOAD_DONE.format(lessons=2, before=1, pins=0)
    assert lines[1].startswith("有 1 个文件读不了，已跳过：") and "broken.md" in lines[1]
    assert set(services.shelf.catalog.lessons) == {"x-1", "x-2"} and services.shelf.generation == 1

    (tmp_path / "pins.toml").write_text("[pins]\n2026-11-30 = 5\n", encoding="utf-8")
    await chat.say("/admin reload")
    assert chat.text.startswith("重新读取失败，课程库保持原样：")
    assert "pin for 2026-11-30 must be a lesson id in quotes" in chat.text
    assert set(services.shelf.catalog.lessons) == {"x-1", "x-2"} and services.shelf.generation == 1
    assert count(sessions, LibraryReload) == 1


async def test_a_broadcast_is_previewed_then_confirmed_once(
    admin_chat: FakeChat, admin_conversation: Conversation, sessions: Sessions
) -> None:
    for user in ("5001", "5002"):
        await FakeChat(admin_conversation, chat_id=user, user_id=user).say("/start")
    await FakeChat(admin_conversation, chat_id="-88", user_id="5001", kind=ChatKind.GROUP).say("/start")
    message = "今晚 22:00 维护 maintenance\n大约十分钟。"
    preview, question = await admin_chat.say(f"/admin broadcast {message}")
    assert preview == broadcast_reply(message)
    assert preview.text.plain == "📢 BuildSpeak 通知\n\n今晚 22:00 维护 maintenance\n大约十分钟。"  # type: ignore[union-attr]
    assert question.text.plain == texts.ADMIN_BROADCAST_ASK.format(count=3, platforms="fake 3")  # type: ignore[union-attr]
    assert [button.label for row in question.buttons for button in row] == ["✅ 确认发送", "❌ 取消"]
    with sessions() as session:
        (stored,) = session.exec(select(Broadcast)).all()
    assert (stored.text, stored.author, stored.confirmed_at) == (message, f"fake:{ADMIN}", None)

    await admin_chat.press("✅ 确认发送")
    assert admin_chat.text == texts.ADMIN_BROADCAST_CONFIRMED.format(id=stored.id)
    assert admin_chat.last.buttons == ()  # the question was edited: no second press on it
    # The same button pressed again (a double tap, a second admin on an older copy): nothing new.
    confirm = question.buttons[0][0]
    again = await admin_chat._send(admin_chat._incoming(action=confirm.action), None)
    assert again[0].text.plain == texts.ADMIN_BROADCAST_WAS_CONFIRMED.format(id=stored.id)  # type: ignore[union-attr]
    cancel = question.buttons[0][1]
    late = await admin_chat._send(admin_chat._incoming(action=cancel.action), None)
    assert late[0].text.plain == texts.ADMIN_BROADCAST_WAS_CONFIRMED.format(id=stored.id)  # type: ignore[union-attr]
    with sessions() as session:
        (stored,) = session.exec(select(Broadcast)).all()
    assert stored.confirmed_by == f"fake:{ADMIN}" and stored.cancelled_at is None


async def test_a_cancelled_broadcast_cannot_be_confirmed(admin_chat: FakeChat, sessions: Sessions) -> None:
    _, question = await admin_chat.say("/admin broadcast 测试")
    await admin_chat.press("❌ 取消")
    with sessions() as session:
        (stored,) = session.exec(select(Broadcast)).all()
    assert admin_chat.text == texts.ADMIN_BROADCAST_CANCELLED.format(id=stored.id)
    confirm = question.buttons[0][0]
    replies = await admin_chat._send(admin_chat._incoming(action=confirm.action), None)
    assert replies[0].text.plain == texts.ADMIN_BROADCAST_WAS_CANCELLED.format(id=stored.id)  # type: ignore[union-attr]
    with sessions() as session:
        assert session.exec(select(Broadcast)).one().confirmed_at is None
    missing = await admin_chat._send(admin_chat._incoming(action="ab:ok:999"), None)
    assert missing[0].text.plain == texts.ADMIN_BROADCAST_MISSING  # type: ignore[union-attr]


async def test_broadcast_without_text_or_too_long_says_why(admin_chat: FakeChat, sessions: Sessions) -> None:
    for text in ("/admin broadcast", "/admin broadcast   "):
        await admin_chat.say(text)
        assert admin_chat.text == texts.ADMIN_BROADCAST_USAGE
    await admin_chat.say("/admin broadcast " + "长" * 3501)
    assert admin_chat.text == texts.ADMIN_BROADCAST_TOO_LONG.format(length=3501, limit=3500)
    assert count(sessions, Broadcast) == 0


async def test_anyone_elses_press_on_a_broadcast_button_is_a_stale_button(
    admin_chat: FakeChat, admin_conversation: Conversation, sessions: Sessions
) -> None:
    _, question = await admin_chat.say("/admin broadcast 测试")
    confirm = question.buttons[0][0]
    stranger = FakeChat(admin_conversation, chat_id=OTHER, user_id=OTHER)
    replies = await stranger._send(stranger._incoming(action=confirm.action), None)
    assert replies == [Reply(notice=texts.STALE_BUTTON)]
    # Exactly what a button the core does not know gets.
    assert await stranger._send(stranger._incoming(action="zz:1"), None) == replies
    for broken in ("ab:ok:²", "ab:ok", "ab:maybe:1", "ab"):  # even from the admin: nothing happens
        assert await admin_chat._send(admin_chat._incoming(action=broken), None) == replies
    with sessions() as session:
        assert session.exec(select(Broadcast)).one().confirmed_at is None


async def test_a_broadcast_keeps_its_lines_and_a_non_text_invocation_works(admin_chat: FakeChat) -> None:
    """A platform that parsed the command itself (no text) hands the arguments over."""
    from bot.core.messages import Invocation

    incoming = replace(
        admin_chat._incoming(text=""), command=Invocation("admin", {"action": "broadcast", "rest": "hello"})
    )
    preview, _ = await admin_chat._send(incoming, None)
    assert preview == broadcast_reply("hello")
