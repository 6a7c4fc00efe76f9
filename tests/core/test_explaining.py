"""Explanations through the core: replies to lesson messages and /explain, offline and with an LLM.

The LLM is the local fake OpenAI server reached through the real ChatClient and a real
httpx.AsyncClient, wired by the same `build_explainer` the bot starts with.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlmodel import Session, select

from bot.core.conversation import Conversation
from bot.core.messages import Button, ChatKind, Incoming, Quoted
from bot.core.shelf import lesson_key
from bot.core.turn import Services
from bot.learning.setup import build_explainer
from bot.settings import ExplainSettings, LlmSettings
from bot.storage.tables import CachedExplanation, Identity, QuestionUsage
from lessons.catalog import Catalog
from lessons.deck import Card
from tests.core.fake_platform import FakeChat
from tests.fakes.openai_api import MODEL, FakeOpenAIServer

TODAY = dt.date(2026, 11, 22)
KEY = "sk-test-explain"
DISABLE_CARD = 5  # today's card: "... try to disable them with -w 0, and see if that helps ..."
AI_ANSWER = (
    "【这里的意思】disable 在这里是「关闭」某个功能。\n【语法 / 用法】disable them：them 指 master weights。"
)


async def at_card(chat: FakeChat, number: int) -> None:
    """Open today's lesson and step to card `number`, which is then the latest message."""
    await chat.say("/today")
    for _ in range(number - 1):
        await chat.press("下一句 ▶")


def card(catalog: Catalog, services: Services, number: int) -> Card:
    return services.shelf.deck(catalog.day(TODAY).lesson).cards[number - 1]


# --- Offline (no LLM configured: the default) ------------------------------------------------------


async def test_a_reply_to_a_card_is_explained_offline_from_the_dictionary_and_the_library(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await at_card(chat, DISABLE_CARD)
    await chat.say("disable 在这里什么意思？", reply_to=-1)
    text = chat.text
    assert text.startswith("📚 离线讲解（未配置 AI）"), "the reply says which kind of answer it is"
    shown = card(catalog, services, DISABLE_CARD)
    assert f"原句：{shown.en}" in text and f"译文：{shown.zh}" in text
    assert "disable /dis'eibl/" in text and "四级" in text and "变形：disables" in text
    assert "🛠 builders use it like this（disable）" in text
    assert "disabling (1) with add_special_tokens=False" in text, "another library sentence, any form"
    assert "我建议在进行分词" in text, "with its translation"


async def test_a_question_about_the_whole_sentence_looks_up_its_harder_words(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await at_card(chat, DISABLE_CARD)
    await chat.say("这句话的语法", reply_to=-1)
    text = chat.text
    assert text.startswith("📚 离线讲解")
    assert f"原句：{card(catalog, services, DISABLE_CARD).en}" in text
    for word in ("addition", "disable", "batch"):
        assert f"\n{word} /" in text, word


async def test_quoted_english_is_what_is_asked_about(chat: FakeChat) -> None:
    await at_card(chat, DISABLE_CARD)
    await chat.say("why 'the batch size'?", reply_to=-1)
    assert "batch /bætʃ/" in chat.text
    assert "🛠 builders use it like this（the batch size）" in chat.text


async def test_a_reply_to_the_audio_of_a_card_is_about_that_card(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await at_card(chat, DISABLE_CARD)
    await chat.press("🔊")
    assert chat.last.audio is not None
    await chat.say("what does increase mean here?", reply_to=-1)
    assert f"原句：{card(catalog, services, DISABLE_CARD).en}" in chat.text
    assert "increase /" in chat.text


async def test_explain_a_word_uses_the_most_recent_card_that_has_it(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await chat.say("/explain batch size")
    text = chat.text
    assert text.startswith("📚 离线讲解（未配置 AI）")
    assert "原句：Few more things to try: we want to increase the batch size" in text, "today's card 3"
    assert "batch /bætʃ/" in text


async def test_explain_without_a_card_still_answers_from_the_dictionary(chat: FakeChat) -> None:
    await chat.say("/explain engulfed")
    text = chat.text
    assert "原句" not in text, "no lesson up to today has it"
    assert "engulf /in'gʌlf/" in text and "原文 engulfed 是 engulf 的变形" in text
    assert "托福、GRE" in text
    assert "fully engulfed by LLMs" in text, "the library still shows it in use"


async def test_explain_a_builder_expression_shows_the_glossary_note(chat: FakeChat) -> None:
    await chat.say("/explain ship it")
    assert "💡 地道表达" in chat.text and "ship it：" in chat.text
    assert "例：Tests pass, the demo works, ship it." in chat.text


async def test_explain_in_reply_to_a_card_uses_that_card(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    await at_card(chat, DISABLE_CARD)
    await chat.say("/explain 这句话", reply_to=-1)
    assert f"原句：{card(catalog, services, DISABLE_CARD).en}" in chat.text


async def test_explain_unknown_english_says_nothing_was_found(chat: FakeChat) -> None:
    await chat.say("/explain qwzxv")
    assert "词典和课程库里都没有找到「qwzxv」" in chat.text
    await chat.say("/explain engulfed 和 qwzxv 的区别")
    assert "engulf /in'gʌlf/" in chat.text and chat.text.endswith("词典里没有「qwzxv」。")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/explain", "用法：/explain 单词、短语或句子"),
        ("/explain   ", "用法：/explain 单词、短语或句子"),
        ("/explain 这是什么意思", "没找到要讲解的英文"),
        ("/explain " + "word " * 80, "问题太长了（399 字），请控制在 300 字以内"),
    ],
)
async def test_bad_explain_input_gets_a_friendly_reply_and_changes_nothing(
    chat: FakeChat, sessions: Callable[[], Session], command: str, expected: str
) -> None:
    await chat.say(command)
    assert expected in chat.text
    assert not chat.text.startswith(("📚", "🤖"))
    with sessions() as session:
        assert session.exec(select(QuestionUsage)).all() == []


async def test_a_too_long_reply_question_is_refused(chat: FakeChat) -> None:
    await at_card(chat, 1)
    await chat.say("为什么" * 101, reply_to=-1)
    assert chat.text == "问题太长了（303 字），请控制在 300 字以内，只问一个词、短语或一句话。"


async def test_an_empty_reply_to_a_card_gets_a_hint(chat: FakeChat) -> None:
    await at_card(chat, 1)
    await chat.say("", reply_to=-1)
    assert "回复时写下你的问题" in chat.text


async def test_a_reply_to_a_whole_lesson_must_say_which_english(conversation: Conversation) -> None:
    group = FakeChat(conversation, chat_id="-500", user_id="7", kind=ChatKind.GROUP)
    await group.say("/today")
    post = len(group.shown) - 1
    await group.say("这句话什么意思？", reply_to=post)
    assert group.text.startswith("这条消息是整篇课文，我不知道你问的是哪一句")
    await group.say("/explain 什么意思", reply_to=post)
    assert group.text.startswith("这条消息是整篇课文")


async def test_a_reply_to_something_else_is_a_plain_question_and_its_text_is_not_looked_up(
    chat: FakeChat, catalog: Catalog, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    deck = services.shelf.deck
    monkeypatch.setattr(services.shelf, "deck", lambda lesson: built.append(lesson.id) or deck(lesson))
    await chat.say("/help")
    await chat.say("what does this mean?", reply_to=-1)
    assert f"原句：{card(catalog, services, 1).en}" in chat.text, "no card looked at yet: today's first"
    await chat.say("/words")
    await chat.say("what is this?", reply_to=-1)
    assert f"原句：{card(catalog, services, 1).en}" in chat.text
    assert set(built) == {catalog.day(TODAY).lesson.id}, "only the card asked about was built"


async def test_explain_finds_the_card_with_another_form_of_the_word(chat: FakeChat) -> None:
    await chat.say("/explain increases")
    assert "原句：Few more things to try: we want to increase the batch size" in chat.text, "today's card 3"
    await chat.say("/explain helped")
    assert "原句：In addition, yesterday I ran a test" in chat.text, "card 5 has helps"


# --- Follow-ups: an answer about a card carries the card's 🔊 --------------------------------------


async def test_a_reply_to_an_answer_is_a_follow_up_about_the_same_card(
    chat: FakeChat, catalog: Catalog, services: Services
) -> None:
    key = lesson_key(catalog.day(TODAY).lesson.id)
    await at_card(chat, DISABLE_CARD)
    await chat.say("disable 在这里什么意思？", reply_to=-1)
    assert chat.button("🔊 听原句", -1).action == f"a:{key}:{DISABLE_CARD}"
    await chat.say("那 batch size 呢？", reply_to=-1)
    text = chat.text
    assert text.startswith("📚 离线讲解")
    assert f"原句：{card(catalog, services, DISABLE_CARD).en}" in text and "batch /bætʃ/" in text
    await chat.press("🔊 听原句")
    assert chat.last.audio is not None, "the button also speaks the card"


async def test_explain_marks_the_card_it_found_and_a_reply_to_it_stays_there(
    chat: FakeChat, catalog: Catalog
) -> None:
    key = lesson_key(catalog.day(TODAY).lesson.id)
    await chat.say("/explain batch size")
    assert chat.button("🔊 听原句", -1).action == f"a:{key}:3"
    await chat.say("这里的 possible 是什么意思？", reply_to=-1)
    assert "原句：Few more things to try" in chat.text and "possible /" in chat.text


async def test_an_answer_about_no_card_has_no_buttons(chat: FakeChat) -> None:
    await chat.say("/explain engulfed")
    assert chat.last.buttons == ()


# --- Groups: people talk to each other too ---------------------------------------------------------


async def test_in_a_group_talk_in_reply_to_the_post_gets_no_answer(conversation: Conversation) -> None:
    group = FakeChat(conversation, chat_id="-500", user_id="7", kind=ChatKind.GROUP)
    await group.say("/today")
    post = len(group.shown) - 1
    for talk in ("nice post", "good morning everyone", "谢谢分享", "👍", "有意思"):
        await group.say(talk, reply_to=post)
    assert len(group.shown) == post + 1, "nothing said, not even which sentence"
    await group.say("'batch size'", reply_to=post)
    assert "原句：Few more things to try" in group.text, "quoted English is a question"
    await group.say("disable", reply_to=post, addressed=True)
    assert "原句：In addition, yesterday I ran a test" in group.text, "an @mention is for the bot"
    await group.say("why?", reply_to=-1)
    assert "原句：In addition, yesterday I ran a test" in group.text, "a follow-up to the answer"


async def test_in_a_private_chat_every_reply_to_a_card_is_answered(chat: FakeChat) -> None:
    await at_card(chat, 1)
    await chat.say("good", reply_to=-1)
    assert chat.text.startswith("📚 离线讲解") and "good /" in chat.text


async def test_in_a_group_a_reply_to_the_daily_post_is_answered(conversation: Conversation) -> None:
    group = FakeChat(conversation, chat_id="-500", user_id="7", kind=ChatKind.GROUP)
    await group.say("/today")
    post = len(group.shown) - 1
    await group.say("disable 在这里什么意思？", reply_to=post)
    assert group.text.startswith("📚 离线讲解")
    assert "原句：In addition, yesterday I ran a test" in group.text
    before = len(group.shown)
    await group.say("nice post everyone")  # not a reply: people talking to each other
    assert len(group.shown) == before


async def test_help_and_the_menu_list_explain(chat: FakeChat) -> None:
    await chat.say("/help")
    assert "/explain TEXT — 讲解单词、短语或句子" in chat.text
    assert "默认问你最近看的那张卡片" in chat.text


# --- With an LLM: the fake OpenAI-compatible server ------------------------------------------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAIServer]:
    async with FakeOpenAIServer(api_key=KEY) as server:
        server.reply_with(AI_ANSWER)
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def with_llm(
    services: Services,
    fake: FakeOpenAIServer,
    http: httpx.AsyncClient,
    *,
    daily: int = 5,
    timeout: float = 5.0,
    deadline: float = 25.0,
    retries: int = 0,
) -> FakeChat:
    llm = LlmSettings(base_url=fake.base_url, api_key=KEY, model=MODEL, timeout=timeout, retries=retries)
    explainer = build_explainer(
        llm,
        ExplainSettings(daily_questions=daily, answer_deadline=deadline),
        lessons=services.shelf.catalog.lessons.values(),
        dictionary=services.shelf.builder.dictionary,
        glossary=services.shelf.builder.glossary,
        sessions=services.sessions,
        http=http,
    )
    return FakeChat(Conversation(dataclasses.replace(services, explainer=explainer)))


async def test_the_model_gets_the_cards_sentence_translation_source_and_question(
    services: Services, catalog: Catalog, fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    chat = with_llm(services, fake, http)
    await at_card(chat, DISABLE_CARD)
    await chat.say("disable 在这里什么意思？", reply_to=-1)
    (request,) = fake.requests
    assert request["model"] == MODEL
    system, user = request["messages"]
    assert "技术术语保留英文原词" in system["content"] and "【再举一例】" in system["content"]
    shown = card(catalog, services, DISABLE_CARD)
    assert f"原句：{shown.en}" in user["content"]
    assert f"译文：{shown.zh}" in user["content"]
    assert "出处：Andrej Karpathy @karpathy" in user["content"]
    assert "学生问的英文：disable" in user["content"]
    assert "学生的问题：disable 在这里什么意思？" in user["content"]
    assert fake.calls[0].headers["Authorization"] == f"Bearer {KEY}"
    text = chat.text
    assert text.startswith("🤖 AI 讲解 · disable")
    assert "【这里的意思】disable 在这里是「关闭」某个功能。" in text


async def test_a_timeout_falls_back_to_the_offline_answer_and_says_so(
    services: Services, fake: FakeOpenAIServer, http: httpx.AsyncClient, sessions: Callable[[], Session]
) -> None:
    chat = with_llm(services, fake, http, timeout=0.3)
    await at_card(chat, DISABLE_CARD)
    fake.delay_next(3)
    await chat.say("disable 在这里什么意思？", reply_to=-1)
    text = chat.text
    assert text.startswith("📚 离线讲解（AI 暂时不可用）")
    assert "disable /dis'eibl/" in text
    with sessions() as session:
        (usage,) = session.exec(select(QuestionUsage)).all()
        assert usage.questions == 0, "a failed model call does not use up the budget"
        assert session.exec(select(CachedExplanation)).all() == [], "nothing cached from a failure"


async def test_a_model_slower_than_the_deadline_gets_the_offline_answer_saying_so(
    services: Services, fake: FakeOpenAIServer, http: httpx.AsyncClient, sessions: Callable[[], Session]
) -> None:
    chat = with_llm(services, fake, http, timeout=5.0, deadline=0.3)
    await at_card(chat, DISABLE_CARD)
    fake.delay_next(3)
    started = time.monotonic()
    await chat.say("disable 在这里什么意思？", reply_to=-1)
    assert time.monotonic() - started < 2, "the deadline, not the 5 s attempt timeout"
    assert chat.text.startswith("📚 离线讲解（AI 这次太慢了，稍后可以再问一次）")
    assert "disable /dis'eibl/" in chat.text
    with sessions() as session:
        (usage,) = session.exec(select(QuestionUsage)).all()
        assert usage.questions == 0, "a slow model does not use up the budget"
        assert session.exec(select(CachedExplanation)).all() == []


async def test_in_a_group_talk_costs_no_ai_question(
    services: Services, fake: FakeOpenAIServer, http: httpx.AsyncClient, sessions: Callable[[], Session]
) -> None:
    chat = with_llm(services, fake, http)
    group = FakeChat(chat.conversation, chat_id="-500", user_id="7", kind=ChatKind.GROUP)
    await group.say("/today")
    await group.say("nice post", reply_to=-1)
    assert fake.requests == []
    with sessions() as session:
        assert session.exec(select(QuestionUsage)).all() == []


def test_only_what_may_wait_for_the_model_is_marked_slow(
    services: Services, fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    with_model = with_llm(services, fake, http).conversation
    card = Quoted("a card", (Button("🔊", action="a:x-1:1"),))
    plain = Incoming(platform="fake", chat_id="1", user_id="1")
    group = dataclasses.replace(plain, chat_id="-5", chat_kind=ChatKind.GROUP)
    slow = [
        dataclasses.replace(plain, text="/explain engulfed"),
        dataclasses.replace(plain, text="/explain@BuildSpeakBot engulfed"),
        dataclasses.replace(plain, text="good", quoted=card),
        dataclasses.replace(plain, text="good", quoted=Quoted("Okay.", audio=True)),
        dataclasses.replace(group, text="what does engulfed mean", quoted=card),
        dataclasses.replace(group, text="engulfed", quoted=card, addressed=True),
        dataclasses.replace(plain, text="good"),  # in a private chat, a question about the last card
        dataclasses.replace(plain, text="good", quoted=Quoted("/help text")),
    ]
    quick = [
        dataclasses.replace(plain, text="/today"),
        dataclasses.replace(plain, action="a:x-1:1"),
        dataclasses.replace(group, text="nice post", quoted=card),
        dataclasses.replace(group, text="good"),
        dataclasses.replace(group, text="good", quoted=Quoted("/help text")),
        dataclasses.replace(plain, text="你好"),
        dataclasses.replace(plain, text="👍"),
    ]
    assert [with_model.may_be_slow(incoming) for incoming in slow] == [True] * len(slow)
    assert [with_model.may_be_slow(incoming) for incoming in quick] == [False] * len(quick)
    assert not Conversation(services).may_be_slow(slow[0]), "offline answers are immediate"


async def test_switching_timezones_gives_extra_questions_once_not_every_day(
    services: Services, fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    chat = with_llm(services, fake, http, daily=1)

    async def source(word: str) -> str:
        await chat.say(f"/explain {word}")
        return chat.text.split(" ", 1)[0] + ("（今天的 AI 次数已用完）" in chat.text) * " quota"

    await chat.say("/start")  # Shanghai, 2026-11-22 09:00
    assert await source("batch") == "🤖"
    await chat.say("/tz America/Los_Angeles")  # 2026-11-21 17:00: a date not used yet
    assert await source("size") == "🤖"
    await chat.say("/tz Asia/Shanghai")
    assert await source("weights") == "📚 quota"
    chat.conversation.services.clock.advance(dt.timedelta(days=1))  # type: ignore[attr-defined]
    assert await source("increase") == "🤖", "the 23rd in Shanghai"
    await chat.say("/tz America/Los_Angeles")  # the 22nd there, already used
    assert await source("master") == "📚 quota"
    assert len(fake.requests) == 3, "two days, one extra question in all"


async def test_a_repeat_question_is_served_from_the_cache_without_a_second_call(
    services: Services, fake: FakeOpenAIServer, http: httpx.AsyncClient, sessions: Callable[[], Session]
) -> None:
    chat = with_llm(services, fake, http)
    await at_card(chat, DISABLE_CARD)
    await chat.say("disable 在这里什么意思？", reply_to=-1)
    card_message = len(chat.shown) - 2
    other = FakeChat(chat.conversation, chat_id="2002", user_id="2002")
    other.shown = list(chat.shown)
    await other.say("Disable  在这里什么意思", reply_to=card_message)  # case, spacing, end mark folded
    assert len(fake.requests) == 1
    assert other.text.startswith("🤖 AI 讲解")
    assert "【这里的意思】disable" in other.text
    assert "不计入今天的次数" in other.text
    with sessions() as session:
        usage = session.exec(
            select(QuestionUsage, Identity).where(QuestionUsage.learner_id == Identity.learner_id)
        )
        counted = [(identity.user_id, row.questions) for row, identity in usage]
    assert counted == [("1001", 1)], "the cached answer cost nothing"


async def test_the_daily_budget_is_enforced_and_says_when_it_resets(
    services: Services, fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    chat = with_llm(services, fake, http, daily=2)
    await at_card(chat, DISABLE_CARD)
    card_message = len(chat.shown) - 1
    await chat.say("disable 什么意思", reply_to=card_message)
    assert "今天还可以问 AI 1 次。" in chat.text
    await chat.say("batch size 什么意思", reply_to=card_message)
    assert "这是今天最后一次 AI 讲解" in chat.text
    await chat.say("increase 什么意思", reply_to=card_message)
    assert len(fake.requests) == 2, "the third question never reaches the model"
    text = chat.text
    assert text.startswith("📚 离线讲解（今天的 AI 次数已用完）")
    # 09:00 in Shanghai: midnight is 15 hours away.
    assert "⏳ 今天的 2 次 AI 讲解已用完，明天 0 点恢复（约 15 小时后）。" in text
    assert "increase /" in text, "the offline answer is still there"
    await chat.say("disable 什么意思", reply_to=card_message)
    assert chat.text.startswith("🤖 AI 讲解"), "an answer already paid for is still served"
    chat.conversation.services.clock.advance(dt.timedelta(hours=15))  # type: ignore[attr-defined]
    await chat.say("increase 什么意思", reply_to=card_message)
    assert chat.text.startswith("🤖 AI 讲解"), "a new local day, a new budget"
    assert len(fake.requests) == 3


async def test_the_budget_day_is_the_askers_own_timezone_even_in_a_group(
    services: Services, fake: FakeOpenAIServer, http: httpx.AsyncClient, sessions: Callable[[], Session]
) -> None:
    chat = with_llm(services, fake, http, daily=1)
    await chat.say("/start")
    await chat.say("/tz America/New_York")  # 2026-11-21 20:00 there
    group = FakeChat(chat.conversation, chat_id="-500", user_id=chat.user_id, kind=ChatKind.GROUP)
    await group.say("/today")
    await group.say("disable 什么意思", reply_to=len(group.shown) - 1)
    assert group.text.startswith("🤖 AI 讲解")
    await group.say("batch 什么意思", reply_to=len(group.shown) - 2)
    assert "明天 0 点恢复（约 4 小时后）" in group.text
    with sessions() as session:
        (usage,) = session.exec(select(QuestionUsage)).all()
    assert usage.local_date == dt.date(2026, 11, 21)


async def test_a_model_error_falls_back_and_is_not_cached(
    services: Services, fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    chat = with_llm(services, fake, http)
    fake.fail_next(503)
    await chat.say("/explain engulfed")
    assert chat.text.startswith("📚 离线讲解（AI 暂时不可用）")
    await chat.say("/explain engulfed")
    assert chat.text.startswith("🤖 AI 讲解 · engulfed")
    assert len(fake.requests) == 2
