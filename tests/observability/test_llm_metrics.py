"""The model's calls counted by outcome and timed, through the explainer the bot starts with
(`build_explainer`) and the real client against the local fake OpenAI server."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.core.conversation import Conversation
from bot.core.turn import Services
from bot.learning.setup import build_explainer
from bot.observability.metrics import Metrics
from bot.settings import ExplainSettings, LlmSettings
from tests.core.fake_platform import FakeChat
from tests.fakes.openai_api import MODEL, FakeOpenAIServer
from tests.observability.scrape import value

KEY = "sk-test-metrics"
ANSWER = "【这里的意思】ship it 就是「发布吧」。"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAIServer]:
    async with FakeOpenAIServer(api_key=KEY) as server:
        server.reply_with(ANSWER)
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def asking(
    services: Services, fake: FakeOpenAIServer, http: httpx.AsyncClient, *, deadline: float
) -> FakeChat:
    llm = LlmSettings(base_url=fake.base_url, api_key=KEY, model=MODEL, timeout=5.0, retries=0)
    explainer = build_explainer(
        llm,
        ExplainSettings(daily_questions=10, answer_deadline=deadline),
        lessons=services.shelf.catalog.lessons.values(),
        dictionary=services.shelf.builder.dictionary,
        glossary=services.shelf.builder.glossary,
        sessions=services.sessions,
        http=http,
        metrics=services.metrics,
    )
    return FakeChat(Conversation(dataclasses.replace(services, explainer=explainer)))


def calls(metrics: Metrics, outcome: str) -> float:
    return value(metrics, "buildspeak_llm_calls_total", outcome=outcome)


async def test_an_answer_is_counted_ok_and_timed(
    services: Services, metrics: Metrics, fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    chat = asking(services, fake, http, deadline=10.0)
    await chat.say("/explain ship it")

    assert len(fake.requests) == 1 and "发布吧" in chat.text
    assert calls(metrics, "ok") == 1
    assert value(metrics, "buildspeak_llm_seconds_count") == 1
    assert value(metrics, "buildspeak_llm_seconds_sum") > 0


async def test_a_failed_call_is_an_error_and_the_offline_answer_is_given(
    services: Services, metrics: Metrics, fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    chat = asking(services, fake, http, deadline=10.0)
    fake.fail_next(500)
    await chat.say("/explain ship it")

    assert "发布吧" not in chat.text, "the offline explainer answered"
    assert (calls(metrics, "ok"), calls(metrics, "error")) == (0, 1)
    assert value(metrics, "buildspeak_llm_seconds_count") == 1


async def test_a_call_cut_off_by_the_deadline_is_a_timeout(
    services: Services, metrics: Metrics, fake: FakeOpenAIServer, http: httpx.AsyncClient
) -> None:
    chat = asking(services, fake, http, deadline=0.3)
    fake.delay_next(3.0)
    await chat.say("/explain ship it")

    assert "发布吧" not in chat.text
    assert (calls(metrics, "timeout"), calls(metrics, "error")) == (1, 0)
    assert 0.3 <= value(metrics, "buildspeak_llm_seconds_sum") < 3.0
