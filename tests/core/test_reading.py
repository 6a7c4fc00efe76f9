"""Reading through the core: /today, card navigation, audio, the whole text, /lesson, /archive."""

from __future__ import annotations

import datetime as dt

from bot.core.messages import ChatKind
from bot.core.shelf import lesson_key
from lessons.catalog import Catalog
from tests.core.fake_platform import FakeChat

TODAY = dt.date(2026, 11, 22)


def labels(chat: FakeChat) -> list[str]:
    return [button.label for row in chat.last.buttons for button in row]


async def test_today_shows_the_header_and_card_one_with_its_translation_hidden(
    chat: FakeChat, catalog: Catalog
) -> None:
    lesson = catalog.day(TODAY).lesson
    await chat.say("/today")
    (reply,) = chat.shown
    assert "/start" in reply.text.plain, "someone not subscribed is told how to get it daily, in the card"
    assert "📅 第 22 课 · 11 月 22 日" in reply.text.plain
    assert lesson.header.headline in reply.text.plain
    assert labels_of(reply) == ["◀ 上一句", "🔊", "下一句 ▶", "全文", "⭐ 收藏"]
    spoilers = [span for line in reply.text.lines for span in line if span.spoiler]
    assert len(spoilers) == 1
    assert spoilers[0].text in lesson.paragraphs[0].zh
    source = [span for line in reply.text.lines for span in line if span.url]
    assert source[0].url == lesson.header.source


def labels_of(reply) -> list[str]:
    return [button.label for row in reply.buttons for button in row]


async def test_next_and_previous_edit_the_same_message(chat: FakeChat, catalog: Catalog) -> None:
    await chat.say("/start")
    await chat.say("/today")
    count = len(chat.shown)
    first = chat.last.text.plain
    await chat.press("下一句 ▶")
    assert len(chat.shown) == count, "the card message is edited, not sent again"
    assert "【2/" in chat.last.text.plain
    assert "📅 第 22 课" in chat.last.text.plain, "the day line survives the edit"
    await chat.press("◀ 上一句")
    assert chat.last.text.plain == first


async def test_the_ends_of_a_lesson_answer_with_a_notice(chat: FakeChat, catalog: Catalog) -> None:
    await chat.say("/today")
    await chat.press("◀ 上一句", message=-1)
    assert chat.notices[-1] == "已经是第一句了。"
    total = len(chat.conversation.services.shelf.deck(catalog.day(TODAY).lesson).cards)
    for _ in range(total - 1):
        await chat.press("下一句 ▶", message=-1)
    assert f"【{total}/{total}】" in chat.last.text.plain
    await chat.press("下一句 ▶", message=-1)
    assert "最后一句" in chat.notices[-1]


async def test_speaker_button_sends_the_card_audio(chat: FakeChat) -> None:
    await chat.say("/today")
    replies = await chat.press("🔊", message=-1)
    audio = replies[0].audio
    assert audio is not None and audio.path.is_file() and audio.path.stat().st_size > 1000
    assert audio.key == audio.path.stem
    again = await chat.press("🔊", message=-1)
    assert again[0].audio == audio, "the same sentence is not synthesized twice"


async def test_whole_text_sends_every_sentence_and_the_lesson_audio(chat: FakeChat, catalog: Catalog) -> None:
    lesson = catalog.day(TODAY).lesson
    await chat.say("/today")
    replies = await chat.press("全文", message=-1)
    text, audio = replies
    for paragraph in lesson.paragraphs:
        assert paragraph.en.split()[0] in text.text.plain
    assert audio.audio is not None and audio.audio.path.is_file()


async def test_buttons_on_an_old_lesson_still_work(chat: FakeChat, catalog: Catalog) -> None:
    old = catalog.day(dt.date(2026, 11, 3)).lesson
    await chat.say("/lesson 3")
    assert "📅 第 3 课 · 11 月 3 日" in chat.last.text.plain
    await chat.press("下一句 ▶")
    assert old.header.headline in chat.last.text.plain and "【2/" in chat.last.text.plain


async def test_lesson_number_bad_or_future_is_explained(chat: FakeChat) -> None:
    await chat.say("/lesson")
    assert "用法：/lesson N" in chat.text and "1 到 22" in chat.text
    await chat.say("/lesson abc")
    assert "用法：/lesson N" in chat.text
    await chat.say("/lesson 23")
    assert "第 23 课还没有开放" in chat.text
    await chat.say("/lesson 0")
    assert "还没有开放" in chat.text


async def test_archive_lists_past_days_newest_first_with_paging(chat: FakeChat, catalog: Catalog) -> None:
    await chat.say("/archive")
    assert chat.text.startswith("📚 往期课程（第 1/3 页）")
    assert chat.text.index("22. 11/22") < chat.text.index("21. 11/21")
    await chat.press("较早 ▶")
    assert "第 2/3 页" in chat.text
    await chat.press("14")
    assert "📅 第 14 课" in chat.last.text.plain
    assert catalog.day(dt.date(2026, 11, 14)).lesson.header.headline in chat.last.text.plain


async def test_a_removed_lesson_answers_kindly(chat: FakeChat) -> None:
    replies = await chat.conversation.handle(chat._incoming(action="c:x-no-such-post:2:"))
    assert replies[0].notice and "不在课程库" in replies[0].notice


async def test_a_group_gets_the_whole_lesson_in_one_message_with_a_private_link(
    conversation, catalog: Catalog
) -> None:
    group = FakeChat(conversation, chat_id="-100", kind=ChatKind.GROUP)
    await group.say("/today")
    reply = group.last
    assert reply.single
    button = group.button("📖 开始学习")
    assert button.start_payload == "d22"
    lesson = catalog.day(TODAY).lesson
    spoilers = [span.text for line in reply.text.lines for span in line if span.spoiler]
    assert "".join(spoilers) == "".join(p.zh for p in lesson.paragraphs if p.zh).replace("\n", "")
    private = FakeChat(conversation, chat_id="7", user_id="7")
    await private.say(f"/start {button.start_payload}")
    assert "欢迎来到 BuildSpeak" in private.shown[0].text.plain
    assert "📅 第 22 课" in private.last.text.plain and "【1/" in private.last.text.plain


async def test_a_group_posts_quiz_button_opens_the_members_own_quiz_in_private(
    conversation, catalog: Catalog
) -> None:
    group = FakeChat(conversation, chat_id="-100", kind=ChatKind.GROUP)
    await group.say("/today")
    assert labels(group) == ["📖 开始学习", "📝 今日测验"]
    button = group.button("📝 今日测验")
    assert button.start_payload == "quiz" and button.action == "qn:"
    private = FakeChat(conversation, chat_id="7", user_id="7")
    await private.say("/today")
    await private.say(f"/start {button.start_payload}")
    welcome = next(reply for reply in private.shown if "欢迎来到 BuildSpeak" in reply.text.plain)
    opening = private.shown[private.shown.index(welcome) + 1]
    assert "复习今天课上的重点词" in opening.text.plain, "nothing is due: today's lesson is asked"
    await private.say(f"/start {button.start_payload}")
    assert not any("欢迎" in reply.text.plain for reply in private.shown[-2:] if reply.text), (
        "a subscriber's link opens the quiz, nothing more"
    )


def test_lesson_keys_fit_a_button_payload(catalog: Catalog) -> None:
    for lesson_id in catalog.lessons:
        payload = f"c:{lesson_key(lesson_id)}:15:365"
        assert len(payload.encode()) <= 64, lesson_id


async def test_odd_numbers_get_a_friendly_answer_not_the_apology(chat: FakeChat) -> None:
    for typed in ("/lesson 99999999", "/lesson ²", "/lesson -3", "/start d99999999999"):
        await chat.say(typed)
        assert "抱歉" not in chat.text, typed
    for payload in ("o:²", "ar:²", "ar:99999999999", "c:x-1:²:²", "a:x-1:99999999", "nonsense", ""):
        replies = await chat.conversation.handle(chat._incoming(action=payload))
        assert all("抱歉" not in (r.notice or "") for r in replies), payload


async def test_before_the_calendar_starts_every_lesson_command_says_so(
    catalog: Catalog, builder, sessions, tmp_path
) -> None:
    from dataclasses import replace

    from bot.clock import FixedClock
    from bot.core.conversation import Conversation
    from bot.core.shelf import LessonShelf
    from bot.core.turn import Services
    from tests.chat_support import MORNING

    early = Catalog(replace(catalog.config, start=dt.date(2027, 1, 1)), catalog.library)
    services = Services(shelf=LessonShelf(early, builder), sessions=sessions, clock=FixedClock(MORNING))
    chat = FakeChat(Conversation(services))
    for command in ("/today", "/lesson 1", "/archive", "/lesson"):
        await chat.say(command)
        assert chat.text == "今天还没有课程（课表从 2027-01-01 开始）。", command


async def test_without_a_voice_the_speaker_buttons_say_so(catalog: Catalog, builder, sessions) -> None:
    from bot.clock import FixedClock
    from bot.core.conversation import Conversation
    from bot.core.shelf import LessonShelf
    from bot.core.turn import Services
    from tests.chat_support import MORNING

    services = Services(shelf=LessonShelf(catalog, builder), sessions=sessions, clock=FixedClock(MORNING))
    chat = FakeChat(Conversation(services))
    await chat.say("/today")
    await chat.press("🔊")
    assert chat.notices[-1] == "暂时无法生成音频，请稍后再试。"
    replies = await chat.press("全文")
    assert replies[0].text is not None and replies[-1].notice == "暂时无法生成音频，请稍后再试。"


async def test_a_card_number_outside_the_lesson_is_answered(chat: FakeChat, catalog: Catalog) -> None:
    key = lesson_key(catalog.day(TODAY).lesson.id)
    for payload in (f"c:{key}:99:22", f"a:{key}:0"):
        replies = await chat.conversation.handle(chat._incoming(action=payload))
        assert replies[0].notice == "没有这一句了。", payload
