"""Explanations end to end: python-telegram-bot polling the fake Bot API, the LLM a fake OpenAI server."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session
from telegram.constants import ChatAction
from telegram.error import BadRequest

from bot.adapters.telegram import typing, without_mention
from bot.core.turn import Services
from bot.learning.setup import build_explainer
from bot.settings import ExplainSettings, LlmSettings
from lessons.catalog import Catalog, CatalogConfig
from lessons.deck import DeckBuilder
from tests import chat_support
from tests.adapters.telegram_harness import USER, running_bot, tricky_and_long_library
from tests.fakes.openai_api import MODEL, FakeOpenAIServer

Sessions = Callable[[], Session]
SENTENCE = "Write <b>tags</b> & *stars* in snake_case_names without fear."
GROUP = -100777


@pytest.fixture
def services(sessions: Sessions, tmp_path: Path, builder: DeckBuilder) -> Services:
    """Today's lesson is the HTML-hostile post: its first card is SENTENCE."""
    library, pins = tmp_path / "library", tmp_path / "pins.toml"
    tricky_and_long_library(library, pins)
    catalog = Catalog.open(CatalogConfig(library, pins, chat_support.CALENDAR_START))
    return chat_support.services(catalog, builder, sessions, tmp_path / "audio")


async def test_a_reply_to_a_card_message_gets_an_offline_explanation(services: Services) -> None:
    async with running_bot(services) as bot:
        card = (await bot.say("/today"))[-1]
        answer = (await bot.say("fear 在这里什么意思？", reply_to_message_id=card.message_id))[-1]
    assert answer.text is not None and answer.text.startswith("📚 离线讲解（未配置 AI）")
    assert f"原句：{SENTENCE}" in answer.text, "the card's HTML characters arrive as written"
    assert answer.source is not None and "Write &lt;b&gt;tags&lt;/b&gt; &amp; *stars*" in answer.source
    assert "fear /" in answer.text


async def test_a_reply_to_a_card_message_gets_the_models_answer_and_the_client_is_closed_on_stop(
    services: Services,
) -> None:
    async with FakeOpenAIServer(api_key="sk-e2e") as fake:
        fake.reply_with("【这里的意思】without fear：放心大胆地。")
        http = httpx.AsyncClient()
        explainer = build_explainer(
            LlmSettings(base_url=fake.base_url, api_key="sk-e2e", model=MODEL, retries=0),
            ExplainSettings(),
            lessons=services.shelf.catalog.lessons.values(),
            dictionary=services.shelf.builder.dictionary,
            glossary=services.shelf.builder.glossary,
            sessions=services.sessions,
            http=http,
        )
        with_llm = dataclasses.replace(services, explainer=explainer)
        async with running_bot(with_llm, on_stop=http.aclose) as bot:
            card = (await bot.say("/today"))[-1]
            answer = (await bot.say("without fear 的语气？", reply_to_message_id=card.message_id))[-1]
        assert http.is_closed, "the LLM's client is closed when the bot stops"
        (request,) = fake.requests
    assert f"原句：{SENTENCE}" in request["messages"][1]["content"]
    assert "译文：放心写 <b>标签</b> & *星号* 和 snake_case_names。" in request["messages"][1]["content"]
    assert answer.text == "🤖 AI 讲解 · without fear\n\n【这里的意思】without fear：放心大胆地。"
    assert answer.chat_id == USER


async def test_a_reply_to_the_answer_or_to_the_cards_audio_stays_on_that_card(services: Services) -> None:
    async with running_bot(services) as bot:
        card = (await bot.say("/today", chat_id=USER))[-1]
        answer = (await bot.say("fear 在这里什么意思？", reply_to_message_id=card.message_id))[-1]
        assert [button["text"] for button in answer.buttons] == ["🔊 听原句"]
        follow_up = (await bot.say("那 tags 呢？", reply_to_message_id=answer.message_id))[-1]
        await bot.press(follow_up, "🔊 听原句")
        audio = bot.fake.messages(USER)[-1]
        assert audio.audio is not None and audio.caption == SENTENCE
        about_audio = (await bot.say("snake_case_names 是什么？", reply_to_message_id=audio.message_id))[-1]
    assert follow_up.text is not None and f"原句：{SENTENCE}" in follow_up.text and "tag /" in follow_up.text
    assert about_audio.text is not None and f"原句：{SENTENCE}" in about_audio.text


async def test_in_a_group_a_mention_is_answered_and_talk_is_not(services: Services) -> None:
    async with running_bot(services) as bot:
        in_group = {"chat_id": GROUP, "user_id": 8, "chat_type": "group"}
        post = (await bot.say("/today", **in_group))[-1]
        await bot.say("nice post", reply_to_message_id=post.message_id, **in_group)
        await bot.say("谢谢", reply_to_message_id=post.message_id, **in_group)
        assert bot.fake.messages(GROUP)[-1].message_id == post.message_id, "talk between people"
        mention = f"@{bot.fake.bot_username.lower()} fear"
        answer = (await bot.say(mention, reply_to_message_id=post.message_id, **in_group))[-1]
    assert answer.text is not None and f"原句：{SENTENCE}" in answer.text
    assert "fear /" in answer.text and bot.fake.bot_username not in answer.text, (
        "the mention is not asked about"
    )


async def test_typing_shows_while_the_model_is_asked(services: Services) -> None:
    async with FakeOpenAIServer(api_key="sk-e2e") as fake:
        http = httpx.AsyncClient()
        explainer = build_explainer(
            LlmSettings(base_url=fake.base_url, api_key="sk-e2e", model=MODEL, retries=0),
            ExplainSettings(),
            lessons=services.shelf.catalog.lessons.values(),
            dictionary=services.shelf.builder.dictionary,
            glossary=services.shelf.builder.glossary,
            sessions=services.sessions,
            http=http,
        )
        async with running_bot(
            dataclasses.replace(services, explainer=explainer), on_stop=http.aclose
        ) as bot:
            card = (await bot.say("/today"))[-1]
            assert bot.fake.calls_to("sendChatAction") == [], "a lesson is no wait"
            await bot.say("without fear 的语气？", reply_to_message_id=card.message_id)
            (typing_call,) = bot.fake.calls_to("sendChatAction")
            (answer_call,) = [c for c in bot.fake.calls_to("sendMessage") if "AI 讲解" in c.params["text"]]
    assert (str(typing_call.params["chat_id"]), typing_call.params["action"]) == (str(USER), "typing")
    assert typing_call.at < answer_call.at


class ActionRecorder:
    """Stands in for the Bot: records chat actions; `refuse` makes them fail as Telegram may."""

    def __init__(self, refuse: bool = False) -> None:
        self.actions: list[tuple[str, str]] = []
        self.refuse = refuse

    async def send_chat_action(self, chat_id: str, action: str) -> bool:
        self.actions.append((chat_id, action))
        if self.refuse:
            raise BadRequest("Chat not found")
        return True


async def test_typing_is_sent_again_until_the_answer_is_ready_and_a_refusal_is_harmless() -> None:
    bot = ActionRecorder()
    async with typing(bot, "42", every=0.01):  # type: ignore[arg-type]
        await asyncio.sleep(0.05)
    count = len(bot.actions)
    await asyncio.sleep(0.03)
    assert count >= 3 and len(bot.actions) == count, "repeated while waiting, stopped after"
    assert set(bot.actions) == {("42", ChatAction.TYPING)}
    refusing = ActionRecorder(refuse=True)
    async with typing(refusing, "42", every=0.01):  # type: ignore[arg-type]
        await asyncio.sleep(0.03)
    assert len(refusing.actions) == 1, "refused once, not hammered"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@BuildSpeakTestBot fear", ("fear", True)),
        ("fear @buildspeaktestbot 是什么？", ("fear 是什么？", True)),
        ("/explain@BuildSpeakTestBot fear", ("/explain@BuildSpeakTestBot fear", False)),
        ("@BuildSpeakTestBotter fear", ("@BuildSpeakTestBotter fear", False)),
        ("mail me@BuildSpeakTestBot", ("mail me@BuildSpeakTestBot", False)),
    ],
)
def test_a_mention_of_the_bot_is_taken_out_of_the_text(text: str, expected: tuple[str, bool]) -> None:
    assert without_mention(text, "BuildSpeakTestBot") == expected
    assert without_mention(text, None) == (text, False)
