"""End to end through python-telegram-bot, polling a local fake of the Bot API."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.core import reading, texts
from bot.core.commands import Scope, default_commands
from bot.core.messages import Poll, Reply
from bot.core.turn import Services
from bot.logs import configure_logging
from bot.storage.tables import Identity, Learner, PlatformReference, Subscriber
from lessons.audio import mp3_seconds
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.adapters.telegram_harness import USER, running_bot, tricky_and_long_library
from tests.fakes.telegram_api import SentMessage

GROUP = -100777


Sessions = Callable[[], Session]


@pytest.fixture
def services(sessions: Sessions, tmp_path: Path, builder: DeckBuilder) -> Services:
    """A small library (HTML-hostile post today, an over-long one yesterday) over the test database."""
    library, pins = tmp_path / "library", tmp_path / "pins.toml"
    tricky_and_long_library(library, pins)
    catalog = Catalog.open(CatalogConfig(library, pins, chat_support.CALENDAR_START))
    return chat_support.services(catalog, builder, sessions, tmp_path / "audio")


def subscribers(sessions: Sessions) -> list[Subscriber]:
    with sessions() as session:
        return list(session.exec(select(Subscriber)).all())


def labels(message: SentMessage) -> list[str]:
    return [button["text"] for button in message.buttons]


async def test_command_menu_is_registered_in_chinese(services: Services) -> None:
    async with running_bot(services) as bot:
        (call,) = bot.fake.calls_to("setMyCommands")
        commands = {c["command"]: c["description"] for c in call.params["commands"]}
        offered = {c.name: c.zh for c in default_commands() if c.scope is not Scope.MEMBER}
        assert commands == offered and "dm" not in commands, "a Telegram chat subscribes itself"
        assert commands["deleteme"] == "删除我的全部数据"


async def test_start_stores_the_subscriber_and_welcomes(services: Services, sessions: Sessions) -> None:
    async with running_bot(services) as bot:
        (welcome,) = await bot.say("/start")
    assert "欢迎来到 BuildSpeak" in welcome.text and "08:00" in welcome.text
    (subscriber,) = subscribers(sessions)
    assert (subscriber.platform, subscriber.chat_id, subscriber.user_id) == ("telegram", str(USER), str(USER))
    assert subscriber.chat_kind == "private" and subscriber.status == "active"


async def test_today_sends_card_one_escaped_with_hidden_translation_and_keyboard(
    services: Services,
    sessions,
) -> None:
    async with running_bot(services) as bot:
        await bot.say("/start")
        card = (await bot.say("/today"))[-1]
    assert card.parse_mode == "HTML"
    assert "Write <b>tags</b> & *stars* in snake_case_names without fear." in card.text, "rendered as written"
    assert "【1/3】" in card.text and "📅 第 22 课" in card.text
    spoilers = [e for e in card.entities if e["type"] == "spoiler"]
    assert len(spoilers) == 1
    assert labels(card) == ["◀ 上一句", "🔊", "下一句 ▶", "全文", "⭐ 收藏"]
    assert card.link_preview_options == {"is_disabled": True}


async def test_next_edits_the_message_in_place_and_old_buttons_still_work(services: Services) -> None:
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        await bot.press(card, "下一句 ▶")
        (edited,) = [m for m in bot.fake.messages(USER) if m.message_id == card.message_id]
        assert edited.edits == 1 and "【2/3】" in edited.text
        assert "The check is x < y && y > z, nothing more." in edited.text
        await bot.say("/lesson 21")
        await bot.press(bot.fake.message(USER, card.message_id), "◀ 上一句")  # the older message still works
        assert "【1/3】" in bot.fake.message(USER, card.message_id).text
        answers = bot.fake.callback_answers
        assert len(answers) == 2, "every button press is answered, so the client stops spinning"


async def test_speaker_uploads_once_then_reuses_the_file_id_for_everyone(
    services: Services,
    sessions,
) -> None:
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        await bot.press(card, "🔊")
        await bot.press(card, "🔊")
        other = (await bot.say("/today", chat_id=5151))[-1]
        await bot.press(other, "🔊")
        assert len(bot.fake.uploads) == 1
        assert len(bot.fake.file_reuses) == 2
        upload = bot.fake.uploads[0]
        assert (mp3_seconds(upload.content) or 0) > 0.5, "a real MP3 of the sentence"
        audio = bot.fake.messages(5151)[-1]
        assert audio.kind == "audio" and audio.caption.startswith("Write <b>tags</b>")
    with sessions() as session:
        (stored,) = session.exec(select(PlatformReference)).all()
    assert (stored.platform, stored.kind, stored.value) == ("telegram", "audio-file", upload.file_id)


async def test_whole_text_of_a_long_lesson_is_split_within_the_limit(services: Services) -> None:
    async with running_bot(services) as bot:
        card = (await bot.say("/lesson 21"))[-1]
        before = len(bot.fake.messages(USER))
        await bot.press(card, "全文")
        new = bot.fake.messages(USER)[before:]
    texts_sent = [m for m in new if m.kind == "text"]
    assert len(texts_sent) >= 2
    assert all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in texts_sent)
    assert "number 11." in texts_sent[-1].text
    assert new[-1].kind == "audio"


async def test_timezone_nonsense_is_rejected_with_an_example(services: Services, sessions: Sessions) -> None:
    async with running_bot(services) as bot:
        await bot.say("/start")
        reply = (await bot.say("/tz Mars/Base"))[-1]
        assert "不认识这个时区：Mars/Base" in reply.text and "/tz Asia/Shanghai" in reply.text
        reply = (await bot.say("/tz 旧金山"))[-1]
        assert "America/Los_Angeles" in reply.text
    assert subscribers(sessions)[0].timezone == "America/Los_Angeles"


async def test_deleteme_removes_the_users_rows_after_confirmation(
    services: Services,
    sessions,
) -> None:
    async with running_bot(services) as bot:
        await bot.say("/start")
        await bot.say("/today")
        await bot.say("/start", chat_id=5151)
        question = (await bot.say("/deleteme"))[-1]
        assert labels(question) == ["确认删除", "取消"]
        await bot.press(question, "确认删除")
        assert "已删除你的全部数据" in bot.fake.message(USER, question.message_id).text
    assert [s.chat_id for s in subscribers(sessions)] == ["5151"]
    with sessions() as session:
        (other,) = session.exec(select(Identity)).all()
        assert other.user_id == "5151", "this person's learner and identity are gone, the other one's stay"
        assert [learner.id for learner in session.exec(select(Learner))] == [other.learner_id]


async def test_a_crash_is_logged_with_the_update_id_and_answered_with_the_apology(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(turn: object) -> list:
        raise RuntimeError("boom in a handler")

    monkeypatch.setattr(reading, "today", broken)  # the registry binds handlers as the bot starts
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        async with running_bot(services) as bot:
            configure_logging("DEBUG", secrets=[bot.fake.token], stream=stream)
            update = bot.fake.send_text(USER, "/today")
            await bot.handled(update["update_id"])
            # A send Telegram refuses for good (a 5xx would be sent again: see test_telegram_faults.py).
            bot.fake.fail_next("sendMessage", 400, "Bad Request: can't parse entities: unclosed tag")
            update2 = bot.fake.send_text(USER, "/help")
            await bot.handled(update2["update_id"])
            sent = [m.text for m in bot.fake.messages(USER)]
    finally:
        root.handlers[:], root.level = saved
    assert sent == [texts.APOLOGY, texts.APOLOGY]
    log = stream.getvalue()
    assert f"update {update['update_id']}" in log and f"update {update2['update_id']}" in log
    assert "boom in a handler" in log and "can't parse entities" in log.lower(), "each failure with its cause"
    assert bot.fake.token not in log and bot.fake.token.split(":")[1] not in log
    assert all("Traceback" not in text for text in sent)


async def test_group_is_one_subscriber_admins_change_it_and_the_daily_post_links_to_private(
    services: Services,
    sessions,
) -> None:
    async with running_bot(services) as bot:
        bot.fake.add_bot_to_group(GROUP, "Builders 中文群", by_user_id=7)
        await bot.fake.wait_for("sendMessage")
        await bot.application.update_queue.join()
        assert "本群" in bot.fake.messages(GROUP)[-1].text
        post = (await bot.say("/today", chat_id=GROUP, user_id=8, chat_type="group", chat_title="Builders"))[
            -1
        ]
        assert "Write <b>tags</b>" in post.text and "The check is" in post.text
        assert [e["type"] for e in post.entities].count("spoiler") == 3
        link, quiz = post.buttons
        assert link["url"] == f"https://t.me/{bot.fake.bot_username}?start=d22"
        assert link["text"] == "📖 开始学习（私聊）", "a button that leaves the group says where it goes"
        assert (quiz["text"], quiz["url"]) == (
            "📝 今日测验（私聊）",
            f"https://t.me/{bot.fake.bot_username}?start=quiz",
        )
        reply = (await bot.say("/time 09:00", chat_id=GROUP, user_id=8, chat_type="group"))[-1]
        assert reply.text == texts.ADMINS_ONLY
        assert reply.reply_to_message is not None, "the refusal is that member's business: a reply to them"
        assert reply.reply_to_message["text"] == "/time 09:00"
        bot.fake.set_member_status(GROUP, 8, "administrator")
        reply = (await bot.say("/time 09:00", chat_id=GROUP, user_id=8, chat_type="group"))[-1]
        assert "每天 09:00 推送" in reply.text
        assert reply.reply_to_message is None, "the group's new time is everyone's news"
        await bot.say("hello everyone", chat_id=GROUP, user_id=8, chat_type="group")
        assert bot.fake.messages(GROUP)[-1].text == reply.text, "chatter in a group gets no answer"
        opened = await bot.say("/start d22", chat_id=8)
        assert "【1/3】" in opened[-1].text
    (group,) = [s for s in subscribers(sessions) if s.chat_id == str(GROUP)]
    assert group.chat_kind == "group" and group.lesson_time.hour == 9


async def test_long_group_post_is_cut_to_one_message(services: Services) -> None:
    async with running_bot(services) as bot:
        before = len(bot.fake.messages(GROUP))
        await bot.say("/lesson 21", chat_id=GROUP, user_id=8, chat_type="group")
        (post,) = bot.fake.messages(GROUP)[before:]
    assert post.text.endswith("完整内容请点下方按钮）")
    assert len(post.text.encode("utf-16-le")) // 2 <= 4096


def membership(bot_user: dict, old: str, new: str) -> dict:
    """A private chat's my_chat_member update: the person blocked ("kicked") or unblocked the bot."""
    return {
        "my_chat_member": {
            "chat": {"id": USER, "type": "private", "first_name": "Tester"},
            "from": {"id": USER, "is_bot": False, "first_name": "Tester"},
            "date": 0,
            "old_chat_member": {
                "user": bot_user,
                "status": old,
                **({"until_date": 0} if old == "kicked" else {}),
            },
            "new_chat_member": {
                "user": bot_user,
                "status": new,
                **({"until_date": 0} if new == "kicked" else {}),
            },
        }
    }


async def test_blocking_marks_the_subscriber_blocked_and_unblocking_resumes(
    services: Services, sessions: Sessions
) -> None:
    async with running_bot(services) as bot:
        await bot.say("/start")
        update = bot.fake.push_update(membership(bot.fake.bot_user, "member", "kicked"))
        await bot.handled(update["update_id"])
        assert subscribers(sessions)[0].status == "blocked"
        update = bot.fake.push_update(membership(bot.fake.bot_user, "kicked", "member"))
        await bot.handled(update["update_id"])
        assert subscribers(sessions)[0].status == "active"
        assert len(bot.fake.messages(USER)) == 1, "nothing is said for either change"


async def test_editing_an_old_command_does_not_run_it_again(services: Services) -> None:
    async with running_bot(services) as bot:
        sent = await bot.say("/today")
        update = bot.fake.push_update(
            {
                "edited_message": {
                    "message_id": 1,
                    "date": 0,
                    "edit_date": 1,
                    "chat": {"id": USER, "type": "private", "first_name": "Tester"},
                    "from": {"id": USER, "is_bot": False, "first_name": "Tester"},
                    "text": "/today",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                }
            }
        )
        await bot.handled(update["update_id"])
        assert len(bot.fake.messages(USER)) == len(sent)


async def test_a_card_that_cannot_be_edited_is_sent_anew_and_a_late_answer_loses_nothing(
    services: Services,
) -> None:
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        bot.fake.fail_next("editMessageText", 400, "Bad Request: message to edit not found")
        bot.fake.fail_next(
            "answerCallbackQuery", 400, "Bad Request: query is too old and response timeout expired"
        )
        await bot.press(card, "下一句 ▶")
        latest = bot.fake.messages(USER)[-1]
    assert latest.message_id != card.message_id and "【2/3】" in latest.text
    assert all(m.text != texts.APOLOGY for m in bot.fake.messages(USER))


async def test_a_quiz_reply_is_sent_as_a_telegram_quiz_and_its_poll_id_is_kept(
    services: Services, sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core's poll part through the real adapter: sent as Telegram's quiz, its chat and key kept."""
    quiz = Poll(
        "q-engulf", "engulf 在这里是什么意思？", ("吞没", "建造", "出售"), correct=0, explanation="吞没"
    )

    async def asks(turn: object) -> list[Reply]:
        return [Reply(poll=quiz)]

    monkeypatch.setattr(reading, "today", asks)
    async with running_bot(services) as bot:
        (message,) = await bot.say("/today")
        poll = message.poll
    assert poll is not None and poll["type"] == "quiz" and poll["correct_option_ids"] == [0]
    assert [option["text"] for option in poll["options"]] == ["吞没", "建造", "出售"]
    assert poll["is_anonymous"] is False and poll["explanation"] == "吞没"
    with sessions() as session:
        (kept,) = session.exec(select(PlatformReference).where(PlatformReference.kind == "poll")).all()
    chat_and_key = f"{message.chat_id} q-engulf"
    assert (kept.key, kept.value) == (poll["id"], chat_and_key), "an answer leads back to the chat and quiz"
