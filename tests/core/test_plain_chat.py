"""Text typed in a private chat without a command or a reply: a question about the card last looked at.

Small talk gets a hint and changes nothing; a word alone is explained as /explain explains it,
on the last card when that card has it; in a group nothing changes. The last card is kept in the
database, so new services on the same database (a restart) still know it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from bot.clock import FixedClock
from bot.core.conversation import Conversation
from bot.core.messages import ChatKind
from bot.core.turn import Services
from bot.learning.setup import build_explainer
from bot.settings import ExplainSettings, LlmSettings
from bot.storage.tables import Learner, LearnerDay, QuestionUsage
from lessons.catalog import Catalog
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.core.fake_platform import FakeChat
from tests.fakes.openai_api import MODEL, FakeOpenAIServer

TODAY = dt.date(2026, 11, 22)
YESTERDAY = dt.date(2026, 11, 21)  # day 21: "It was the worst. But it did have a few really awesome UI…"
# Today's cards, by words of theirs: which number each has is the segmenter's business.
DISABLE = "try to disable them"  # "In addition, yesterday I ran a test … try to disable them with -w 0 …"
RECOMPUTE = "to recompute?"  # "… Are you using -r 1 to recompute?"
FEW = "Few more things to try"  # the newest card with "few", and the first with "batch size"
HINT = (
    "想问英文？直接发单词或短语，例如 token、forward pass；或者用中文提问，例如「这句话什么意思？」，"
    "我会结合你最近看的那张卡片讲解。发送 /today 开始今天的课，/help 查看全部命令。"
)


def sentence(catalog: Catalog, services: Services, number: int, date: dt.date = TODAY) -> str:
    return services.shelf.deck(catalog.day(date).lesson).cards[number - 1].en


def card_number(services: Services, words: str) -> int:
    """The number of today's card with `words` in it."""
    deck = services.shelf.deck(services.shelf.catalog.day(TODAY).lesson)
    return next(card.number for card in deck.cards if words in card.en)


async def at_card(chat: FakeChat, number: int) -> None:
    await chat.say("/today")
    for _ in range(number - 1):
        await chat.press("下一句 ▶")


def about(text: str) -> str:
    """The card sentence an offline answer is about ("" for none)."""
    line = next((line for line in text.splitlines() if line.startswith("原句：")), "")
    return line.removeprefix("原句：")


# --- Questions about the last card -------------------------------------------------------------


async def test_a_question_typed_without_replying_is_about_the_card_last_looked_at(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await at_card(chat, card_number(services, DISABLE))
    await chat.say("disable 在这里什么意思？")
    assert chat.text.startswith("📚 离线讲解（未配置 AI）")
    assert DISABLE in about(chat.text)
    assert "disable /dis'eibl/" in chat.text
    await chat.say("这句话的语法")
    assert DISABLE in about(chat.text), "the whole sentence, same card"
    assert chat.button("🔊 听原句").action is not None


async def test_with_no_card_looked_at_a_question_is_about_todays_first_card(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await chat.say("这个词什么意思 good")
    assert about(chat.text) == sentence(catalog, services, 1)
    assert "good /" in chat.text


async def test_english_not_on_the_last_card_is_found_where_explain_finds_it(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await at_card(chat, card_number(services, DISABLE))
    await chat.say("recompute 是什么意思？")
    assert RECOMPUTE in about(chat.text), "its lesson's"
    await chat.say("这句话的语法")
    assert RECOMPUTE in about(chat.text), "the card answered about is now the last"


async def test_a_question_about_english_in_no_lesson_stays_on_the_last_card(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await at_card(chat, card_number(services, DISABLE))
    await chat.say("qwzxv 是什么意思？")
    assert DISABLE in about(chat.text)
    assert "词典里没有「qwzxv」" in chat.text or "都没有找到「qwzxv」" in chat.text


# --- A word or phrase alone ---------------------------------------------------------------------


async def test_a_word_alone_is_explained_on_the_last_card_when_it_has_the_word(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await chat.say("/lesson 21")
    await chat.say("few")
    assert about(chat.text) == sentence(catalog, services, 1, YESTERDAY), "/explain would take today's card"
    await chat.say("/explain few")
    assert FEW in about(chat.text), "the newest card with it"


async def test_a_word_or_phrase_not_on_the_last_card_is_explained_as_explain_does(
    conversation: Conversation,
) -> None:
    learner = FakeChat(conversation)
    await at_card(learner, card_number(conversation.services, DISABLE))
    other = FakeChat(conversation, chat_id="2002", user_id="2002")
    answers = {}
    for typed in ("forward pass", "token", "engulfed"):
        await learner.say(typed)
        await other.say(f"/explain {typed}")
        assert learner.text == other.text, typed
        assert learner.last.buttons == other.last.buttons, typed
        answers[typed] = learner.text
    assert "🛠 builders use it like this（forward pass）" in answers["forward pass"]
    assert "token" in about(answers["token"]).lower()
    assert about(answers["engulfed"]) == "" and "engulf /in'gʌlf/" in answers["engulfed"], "in no lesson"


# --- Small talk and bad input: a hint, and nothing changes ----------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("你好", "你好 👋 " + HINT),
        ("你好呀！", "你好 👋 " + HINT),
        ("hi", "你好 👋 " + HINT),
        ("Hello 👋", "你好 👋 " + HINT),
        ("在吗？", "你好 👋 " + HINT),
        ("谢谢", "不客气 🙂 " + HINT),
        ("Thanks!", "不客气 🙂 " + HINT),
        ("好的", HINT),
        ("ok", HINT),
        ("👍", HINT),
        ("🙂🙂🙂", HINT),
        ("？？？", HINT),
        ("...", HINT),
        ("12345", HINT),
        ("为什么" * 101, "这段话有 303 字，太长了（最多 300 字）。" + HINT),
        ("word " * 80, "这段话有 399 字，太长了（最多 300 字）。" + HINT),
    ],
)
async def test_small_talk_and_bad_input_get_a_hint_and_change_nothing(
    chat: FakeChat, sessions: Callable[[], Session], typed: str, expected: str
) -> None:
    await chat.say(typed)
    assert chat.text == expected
    assert chat.last.buttons == ()
    with sessions() as session:
        assert session.exec(select(Learner)).all() == [], "no learner made, no card remembered"
        assert session.exec(select(QuestionUsage)).all() == []


async def test_small_talk_leaves_the_last_card_as_it_was(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await at_card(chat, card_number(services, DISABLE))
    for typed in ("你好", "谢谢", "👍", "x" * 400):
        await chat.say(typed)
    await chat.say("这句话的语法")
    assert DISABLE in about(chat.text)


async def test_with_no_lesson_yet_a_question_about_the_sentence_says_what_to_do(
    services: Services,
) -> None:
    before_the_calendar = FixedClock(dt.datetime(2026, 10, 1, 1, 0, tzinfo=dt.UTC))
    chat = FakeChat(Conversation(dataclasses.replace(services, clock=before_the_calendar)))
    await chat.say("这句话什么意思？")
    assert chat.text == "现在还没有可以提问的课文卡片 🙂 直接发英文单词或短语，例如 token，我来讲解。"
    await chat.say("engulfed")
    assert "engulf /in'gʌlf/" in chat.text, "a word is still explained"


# --- Where the last card comes from ---------------------------------------------------------------


async def test_the_last_card_survives_a_restart(
    chat: FakeChat,
    catalog: Catalog,
    builder: DeckBuilder,
    sessions: Callable[[], Session],
    audio_dir: Path,
    services: Services,
) -> None:
    await at_card(chat, card_number(services, DISABLE))
    restarted = FakeChat(Conversation(chat_support.services(catalog, builder, sessions, audio_dir)))
    await restarted.say("这句话的语法")
    assert DISABLE in about(restarted.text)


async def test_lesson_n_and_a_cards_audio_set_the_last_card(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await chat.say("/explain batch size")
    answer = len(chat.shown) - 1
    await chat.say("/lesson 21")
    await chat.say("这句话的语法")
    assert about(chat.text) == sentence(catalog, services, 1, YESTERDAY)
    await chat.press("🔊 听原句", answer)
    await chat.say("这句话的语法")
    assert FEW in about(chat.text)


async def test_a_last_card_gone_from_the_library_falls_back_to_todays_first(
    chat: FakeChat, catalog: Catalog, services: Services, sessions: Callable[[], Session]
) -> None:
    await at_card(chat, card_number(services, DISABLE))
    for key, number in (("x-gone", 1), (None, None), (catalog.day(TODAY).lesson.id, 99)):
        with sessions() as session:
            (learner,) = session.exec(select(Learner)).all()
            learner.last_lesson_key, learner.last_card = key, number
            session.add(learner)
            session.commit()
        await chat.say("这句话的语法")
        assert about(chat.text) == sentence(catalog, services, 1), (key, number)


async def test_reading_is_counted_as_before(chat: FakeChat, sessions: Callable[[], Session]) -> None:
    await at_card(chat, 3)
    await chat.say("这句话的语法")
    with sessions() as session:
        (day,) = session.exec(select(LearnerDay)).all()
    assert day.cards_read == 3, "/today and two ▶; a question reads no card"


# --- Groups: nothing changes -----------------------------------------------------------------------


async def test_in_a_group_text_that_is_no_reply_gets_no_answer(
    conversation: Conversation, sessions: Callable[[], Session]
) -> None:
    private = FakeChat(conversation, chat_id="7", user_id="7")
    await at_card(private, card_number(conversation.services, DISABLE))
    group = FakeChat(conversation, chat_id="-500", user_id="7", kind=ChatKind.GROUP)
    await group.say("/today")
    shown = len(group.shown)
    for typed in ("disable 什么意思？", "token", "你好", "👍", "这句话的语法"):
        await group.say(typed)
    assert len(group.shown) == shown
    with sessions() as session:
        assert session.exec(select(QuestionUsage)).all() == []


# --- With a model ------------------------------------------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAIServer]:
    async with FakeOpenAIServer(api_key="sk-plain") as server:
        server.reply_with("【这里的意思】disable：关闭。")
        yield server


async def test_the_model_gets_the_last_cards_sentence(
    services: Services, catalog: Catalog, fake: FakeOpenAIServer
) -> None:
    async with httpx.AsyncClient() as http:
        explainer = build_explainer(
            LlmSettings(base_url=fake.base_url, api_key="sk-plain", model=MODEL, retries=0),
            ExplainSettings(),
            lessons=services.shelf.catalog.lessons.values(),
            dictionary=services.shelf.builder.dictionary,
            glossary=services.shelf.builder.glossary,
            sessions=services.sessions,
            http=http,
        )
        conversation = Conversation(dataclasses.replace(services, explainer=explainer))
        chat = FakeChat(conversation)
        await at_card(chat, card_number(services, DISABLE))
        await chat.say("disable 在这里什么意思？")
        await chat.say("你好")
    (request,) = fake.requests
    user = request["messages"][1]["content"]
    assert f"原句：{sentence(catalog, services, card_number(services, DISABLE))}" in user
    assert "学生的问题：disable 在这里什么意思？" in user
    assert chat.shown[-2].text is not None
    assert chat.shown[-2].text.plain.startswith("🤖 AI 讲解 · disable")
    assert chat.text == "你好 👋 " + HINT, "small talk never reaches the model"
