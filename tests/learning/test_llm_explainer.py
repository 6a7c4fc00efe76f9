"""The LLM explainer's prompt and answer clean-up, against the fake OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.learning.llm import ChatClient, LlmConfig, LlmUnavailable
from bot.learning.llm_explainer import LlmExplainer, plain_text
from bot.learning.questions import CardContext, Question
from lessons.deck import DeckBuilder
from tests.fakes.openai_api import MODEL, FakeOpenAIServer

CARD = CardContext(
    "Tests pass, the demo works, ship it.",
    "测试通过，demo 能跑，发布吧。",
    "Ada Builder @ada",
    "On shipping",
    "x-1",
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAIServer]:
    async with FakeOpenAIServer(api_key=None) as server:
        yield server


@pytest.fixture
async def explainer(fake: FakeOpenAIServer, builder: DeckBuilder) -> AsyncIterator[LlmExplainer]:
    async with httpx.AsyncClient() as http:
        config = LlmConfig(base_url=fake.base_url, api_key=None, model=MODEL, timeout=0.5, retries=0)
        yield LlmExplainer(ChatClient(config, http), builder.glossary, answer_chars=400)


async def test_the_prompt_carries_the_card_its_source_its_expressions_and_the_question(
    fake: FakeOpenAIServer, explainer: LlmExplainer
) -> None:
    await explainer.explain(Question("ship it 是什么语气？", ("ship it",), CARD))
    (request,) = fake.requests
    system, user = request["messages"]
    assert system["role"] == "system" and "不超过 400 个字" in system["content"]
    for part in (
        "【这里的意思】",
        "【语法 / 用法】",
        "【语气】",
        "【再举一例】",
        "token、agent、RAG、fine-tune",
    ):
        assert part in system["content"]
    assert user["content"].splitlines() == [
        "出处：Ada Builder @ada《On shipping》",
        "原句：Tests pass, the demo works, ship it.",
        "译文：测试通过，demo 能跑，发布吧。",
        f"句中的地道表达：ship it：{explainer.glossary.get('ship it').zh}",
        "学生问的英文：ship it",
        "学生的问题：ship it 是什么语气？",
    ]
    assert request["max_tokens"] == 700


async def test_a_question_about_the_whole_sentence_or_without_a_card_says_so(
    fake: FakeOpenAIServer, explainer: LlmExplainer
) -> None:
    await explainer.explain(Question("这句话的语法", (), CARD))
    await explainer.explain(Question("/explain engulf", ("engulf",)))
    whole, bare = (request["messages"][1]["content"] for request in fake.requests)
    assert "学生问的是整句话。" in whole
    assert bare.startswith("（学生没有给出原句") and "学生问的英文：engulf" in bare


async def test_markdown_is_removed_from_the_answer(fake: FakeOpenAIServer, explainer: LlmExplainer) -> None:
    fake.reply_with("## 讲解\n**【这里的意思】** 发布吧\n__注意__：这是口语。")
    assert await explainer.explain(Question("ship it?", ("ship it",), CARD)) == (
        "讲解\n【这里的意思】 发布吧\n注意：这是口语。"
    )


async def test_a_timeout_raises_llm_unavailable(fake: FakeOpenAIServer, explainer: LlmExplainer) -> None:
    fake.delay_next(2)
    with pytest.raises(LlmUnavailable, match="timed out"):
        await explainer.explain(Question("ship it?", ("ship it",), CARD))


def test_plain_text_leaves_ordinary_text_alone() -> None:
    assert plain_text("a * b = c, 2 ** 3 = 8, #hashtag") == "a * b = c, 2 ** 3 = 8, #hashtag"
