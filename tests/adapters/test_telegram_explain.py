"""Explanations end to end: python-telegram-bot polling the fake Bot API, the LLM a fake OpenAI server."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

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
