"""The digest's buttons through the conversation core: 通过 joins the library and the calendar after
the current queue, 跳过 keeps the post out for good, 预览全文 shows the whole text; anyone but an admin
in a private chat is refused and nothing changes. And /admin stats says how many days are left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from bot.clock import FixedClock
from bot.core import texts
from bot.core.admin import Admins
from bot.core.commands import default_commands
from bot.core.conversation import Conversation
from bot.core.messages import ChatKind
from bot.core.turn import Services
from bot.storage import post_reviews
from bot.storage.tables import LibraryReload
from lessons.deck import DeckBuilder
from lessons.following.days_left import first_day
from lessons.library import Library
from tests import chat_support
from tests.core.fake_platform import FakeChat
from tests.review.review_support import GOOD, LOW, MORNING, TODAY, Desk
from tests.review.test_review_digest import Recorder, digest_of

Sessions = Callable[[], Session]
ADMIN, OTHER_ADMIN, STRANGER = "1001", "1002", "2002"
APPROVE, SKIP, WHOLE = "✅ 通过", "⏭ 跳过", "📄 预览全文"


@pytest.fixture
def desk(tmp_path: Path, builder: DeckBuilder) -> Desk:
    return Desk.made(tmp_path / "desk", builder)


@pytest.fixture
def services(desk: Desk, builder: DeckBuilder, sessions: Sessions, tmp_path: Path) -> Services:
    made = chat_support.services(desk.catalog(), builder, sessions, tmp_path / "audio")
    assert isinstance(made.clock, FixedClock)
    made.clock.moment = MORNING
    return made


@pytest.fixture
def conversation(services: Services) -> Conversation:
    return Conversation(services, default_commands(Admins.of([f"fake:{ADMIN}", f"fake:{OTHER_ADMIN}"])))


async def digest_in(*chats: FakeChat, desk: Desk, services: Services) -> None:
    """Run the day's digest and show each admin's chat what it got, as their platform would."""
    recorder = Recorder("fake")
    digest = digest_of(desk, services, [recorder])
    digest.admins = Admins.of([f"fake:{ADMIN}", f"fake:{OTHER_ADMIN}"])
    await digest.run_once()
    for chat in chats:
        chat.shown.extend(recorder.sent[chat.user_id])


def decision(sessions: Sessions, post_id: str) -> tuple[str | None, str | None]:
    with sessions() as session:
        row = post_reviews.reviews_of(session, [post_id])[post_id]
    return row.decision, row.decided_by


async def test_approving_joins_the_library_after_the_current_queue_with_past_days_unchanged(
    desk: Desk, services: Services, conversation: Conversation, sessions: Sessions
) -> None:
    desk.enqueue(GOOD)
    chat = FakeChat(conversation, chat_id=ADMIN, user_id=ADMIN)
    other = FakeChat(conversation, chat_id=OTHER_ADMIN, user_id=OTHER_ADMIN)
    await digest_in(chat, other, desk=desk, services=services)
    before = services.shelf.catalog
    past = {day: before.day(day) for day in (dt.date(2026, 11, 1), dt.date(2026, 11, 2), TODAY)}

    (edited,) = await chat.press(APPROVE)

    assert edited.edit and edited.buttons == ()
    assert edited.text is not None and "✅ 检查通过" in edited.text.plain
    assert edited.text.plain.endswith("✅ 已通过（fake:1001）：第一次推送 2026-11-06")
    assert (
        Library.load(desk.library_dir).posts[GOOD].added == dt.date(2026, 11, 4)
        and desk.queue().posts() == []
    )
    after = services.shelf.catalog  # reloaded here, and a new generation for every other worker
    assert {day: after.day(day) for day in past} == past
    assert first_day(after, GOOD, TODAY) == dt.date(2026, 11, 6)
    assert decision(sessions, GOOD) == ("approved", "fake:1001")
    with sessions() as session:
        assert session.get(LibraryReload, 1).reason == f"approve {GOOD}"  # type: ignore[union-attr]

    # The other admin's copy of the digest: the post is decided, nothing happens twice.
    await other.press(APPROVE)
    assert other.notices[-1] == "已由 fake:1001 通过。"
    assert decision(sessions, GOOD) == ("approved", "fake:1001")


async def test_skipping_keeps_the_post_out_for_good(
    desk: Desk, services: Services, conversation: Conversation, sessions: Sessions
) -> None:
    desk.enqueue(LOW)
    chat = FakeChat(conversation, chat_id=ADMIN, user_id=ADMIN)
    await digest_in(chat, desk=desk, services=services)
    lessons_before = set(services.shelf.catalog.lessons)

    (edited,) = await chat.press(SKIP)

    assert edited.edit and edited.text is not None
    assert edited.text.plain.endswith("⏭ 已跳过（fake:1001）：不会再被抓取进队列。")
    queue = desk.queue()
    assert queue.posts() == [] and LOW in queue.skipped.posts
    assert LOW not in Library.load(desk.library_dir).posts
    assert set(services.shelf.catalog.lessons) == lessons_before
    assert decision(sessions, LOW) == ("skipped", "fake:1001")


async def test_the_whole_text_shows_every_paragraph_and_its_chinese(
    desk: Desk, services: Services, conversation: Conversation
) -> None:
    desk.enqueue(GOOD)
    chat = FakeChat(conversation, chat_id=ADMIN, user_id=ADMIN)
    await digest_in(chat, desk=desk, services=services)
    shown = len(chat.shown)

    (whole,) = await chat.press(WHOLE)

    assert not whole.edit and len(chat.shown) == shown + 1
    text = chat.text
    assert text.startswith(f"📄 全文预览 · {GOOD}")
    for paragraph in desk.queue().post(GOOD).paragraphs:
        assert paragraph.en in text and paragraph.zh in text  # type: ignore[operator]
    assert [post.id for post in desk.queue().posts()] == [GOOD]  # looking changes nothing


@pytest.mark.parametrize("where", ["stranger", "admin in a group", "admin on another platform"])
async def test_anyone_but_an_admin_in_private_is_refused_and_nothing_changes(
    where: str, desk: Desk, services: Services, conversation: Conversation, sessions: Sessions
) -> None:
    desk.enqueue(GOOD)
    admin_chat = FakeChat(conversation, chat_id=ADMIN, user_id=ADMIN)
    await digest_in(admin_chat, desk=desk, services=services)
    presser = {
        "stranger": FakeChat(conversation, chat_id=STRANGER, user_id=STRANGER),
        "admin in a group": FakeChat(conversation, chat_id="-500", user_id=ADMIN, kind=ChatKind.GROUP),
        "admin on another platform": FakeChat(
            conversation, chat_id=ADMIN, user_id=ADMIN, platform="telegram"
        ),
    }[where]
    presser.shown.extend(admin_chat.shown)  # a forwarded message, or a forged press
    files = sorted(path.relative_to(desk.root) for path in desk.root.rglob("*.md"))

    for label in (APPROVE, SKIP, WHOLE):
        replies = await presser.press(label)
        assert [reply.notice for reply in replies] == [texts.STALE_BUTTON]

    assert sorted(path.relative_to(desk.root) for path in desk.root.rglob("*.md")) == files
    assert decision(sessions, GOOD) == (None, None)
    assert all(lesson.post.id != GOOD for lesson in services.shelf.catalog.lessons.values())


async def test_a_button_of_a_post_approved_in_the_terminal_says_it_is_gone(
    desk: Desk, services: Services, conversation: Conversation
) -> None:
    desk.enqueue(GOOD)
    chat = FakeChat(conversation, chat_id=ADMIN, user_id=ADMIN)
    await digest_in(chat, desk=desk, services=services)
    desk.queue().approve(GOOD, Library.load(desk.library_dir), TODAY)  # `buildspeak sources approve`
    for label in (APPROVE, SKIP, WHOLE):
        await chat.press(label)
        assert chat.notices[-1] == "这篇已不在审核队列（可能已在终端通过或跳过）。"


async def test_admin_stats_says_how_many_days_of_new_lessons_are_left(conversation: Conversation) -> None:
    chat = FakeChat(conversation, chat_id=ADMIN, user_id=ADMIN)
    await chat.say("/admin stats")
    assert (
        "课程 Lessons\n新课还剩 2 天（到 2026-11-05） · 2 days of new lessons left  ⚠️ 不足 14 天" in chat.text
    )
