"""The explainer's order: cache, then the model within the daily budget, else offline; and its setup."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from bot.learning.answer_cache import cache_key
from bot.learning.budget import Asker
from bot.learning.explainer import Explainer, Source
from bot.learning.questions import CardContext, Question
from bot.learning.setup import INTERACTIVE_RETRY_AFTER, build_explainer, llm_config, wants_llm
from bot.settings import ExplainSettings, LlmSettings
from bot.storage.learners import learner_of
from lessons.deck import DeckBuilder
from tests.fakes.openai_api import MODEL, FakeOpenAIServer
from tests.learning.explain_support import small_catalog

NOW = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
ASKER = Asker(1, dt.date(2026, 11, 22))
CARD = CardContext("The flood engulfed the town.", "洪水吞没了小镇。", "Ada Builder", None, "x-100")
QUESTION = Question("engulfed 什么意思？", ("engulfed",), CARD)


@pytest.fixture(autouse=True)
def asker_is_a_learner(sessions: Callable[[], Session]) -> None:
    """ASKER's learner, the first one made in this test's database; its question counts need it."""
    with sessions() as session:
        assert learner_of(session, platform="telegram", user_id="42", now=NOW).id == ASKER.learner_id


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAIServer]:
    async with FakeOpenAIServer(api_key="k") as server:
        server.reply_with("【这里的意思】吞没。")
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def explainer_for(
    tmp_path: Path,
    builder: DeckBuilder,
    sessions: Callable[[], Session],
    http: httpx.AsyncClient | None,
    llm: LlmSettings,
    daily: int = 2,
    deadline: float = 25.0,
) -> Explainer:
    return build_explainer(
        llm,
        ExplainSettings(daily_questions=daily, max_question_chars=100, answer_deadline=deadline),
        lessons=small_catalog(tmp_path).lessons.values(),
        dictionary=builder.dictionary,
        glossary=builder.glossary,
        sessions=sessions,
        http=http,
    )


@pytest.fixture
def explainer(
    tmp_path: Path,
    builder: DeckBuilder,
    sessions: Callable[[], Session],
    http: httpx.AsyncClient,
    fake: FakeOpenAIServer,
) -> Explainer:
    llm = LlmSettings(base_url=fake.base_url, api_key="k", model=MODEL, timeout=0.5, retries=0)
    return explainer_for(tmp_path, builder, sessions, http, llm)


async def test_the_model_answers_then_the_cache_serves_the_same_question_free(
    explainer: Explainer, fake: FakeOpenAIServer
) -> None:
    first = await explainer.explain(QUESTION, ASKER, NOW)
    assert (first.source, first.answer, first.left_today, first.daily_limit) == (
        Source.AI,
        "【这里的意思】吞没。",
        1,
        2,
    )
    again = await explainer.explain(Question("ENGULFED 什么意思", ("ENGULFED",), CARD), ASKER, NOW)
    assert (again.source, again.answer, again.left_today) == (Source.CACHED, "【这里的意思】吞没。", None)
    assert len(fake.requests) == 1
    assert explainer.ai is not None and explainer.ai.budget.used(ASKER) == 1


async def test_when_the_budget_is_used_up_the_answer_is_offline(
    explainer: Explainer, fake: FakeOpenAIServer
) -> None:
    for text in ("engulfed?", "flood?"):
        assert (await explainer.explain(Question(text, (text[:-1],), CARD), ASKER, NOW)).source is Source.AI
    out = await explainer.explain(Question("town?", ("town",), CARD), ASKER, NOW)
    assert out.source is Source.QUOTA and out.answer is None and out.daily_limit == 2
    assert out.offline is not None and [note.lemma for note in out.offline.words] == ["town"]
    tomorrow = Asker(ASKER.learner_id, ASKER.today + dt.timedelta(days=1))
    assert (await explainer.explain(Question("town?", ("town",), CARD), tomorrow, NOW)).source is Source.AI
    assert len(fake.requests) == 3


async def test_a_failed_call_is_offline_costs_nothing_and_is_not_cached(
    explainer: Explainer, fake: FakeOpenAIServer
) -> None:
    fake.fail_next(500)
    failed = await explainer.explain(QUESTION, ASKER, NOW)
    assert failed.source is Source.AI_FAILED and failed.offline is not None
    assert explainer.ai is not None and explainer.ai.budget.used(ASKER) == 0
    assert (await explainer.explain(QUESTION, ASKER, NOW)).source is Source.AI


async def test_one_deadline_covers_every_attempt_and_retry_and_costs_nothing(
    tmp_path: Path,
    builder: DeckBuilder,
    sessions: Callable[[], Session],
    http: httpx.AsyncClient,
    fake: FakeOpenAIServer,
) -> None:
    llm = LlmSettings(base_url=fake.base_url, api_key="k", model=MODEL, timeout=20, retries=2)
    explainer = explainer_for(tmp_path, builder, sessions, http, llm, deadline=0.5)
    fake.fail_next(429, retry_after=30, count=3)
    started = time.monotonic()
    slow = await explainer.explain(QUESTION, ASKER, NOW)
    assert time.monotonic() - started < 1.5, "not 2 x 30 s of Retry-After"
    assert slow.source is Source.AI_SLOW and slow.offline is not None and slow.offline.words
    assert explainer.ai is not None and explainer.ai.budget.used(ASKER) == 0
    fake.delay_next(1)
    assert (await explainer.explain(QUESTION, ASKER, NOW)).source is Source.AI_SLOW, "a slow answer too"
    assert explainer.ai.cache.get(cache_key(MODEL, QUESTION)) is None


def test_the_bot_waits_briefly_for_a_model(
    tmp_path: Path, builder: DeckBuilder, sessions: Callable[[], Session], http: httpx.AsyncClient
) -> None:
    llm = LlmSettings(base_url="http://127.0.0.1:1/v1", model="m")
    explainer = explainer_for(tmp_path, builder, sessions, http, llm, deadline=12.5)
    assert explainer.ai is not None and explainer.ai.deadline == 12.5
    assert explainer.ai.llm.client.max_retry_after == INTERACTIVE_RETRY_AFTER <= 5
    assert ExplainSettings().answer_deadline == 25.0


async def test_without_a_model_everything_is_offline(
    tmp_path: Path, builder: DeckBuilder, sessions: Callable[[], Session]
) -> None:
    explainer = explainer_for(tmp_path, builder, sessions, None, LlmSettings())
    assert explainer.ai is None and explainer.max_question_chars == 100
    answer = await explainer.explain(QUESTION, ASKER, NOW)
    assert answer.source is Source.NO_AI and answer.offline is not None and answer.offline.words


def test_the_cache_key_changes_with_model_sentence_and_question_but_not_with_spelling_noise() -> None:
    key = cache_key("m", QUESTION)
    assert len(key) == 64
    assert cache_key("m", Question(" Engulfed  什么意思", ("Engulfed",), CARD)) == key
    assert cache_key("other-model", QUESTION) != key
    assert cache_key("m", Question(QUESTION.text, QUESTION.terms, CardContext("Another sentence."))) != key
    assert cache_key("m", Question("engulfed 的语气？", ("engulfed",), CARD)) != key


def test_a_model_is_used_only_when_configured_and_allowed() -> None:
    configured = LlmSettings(base_url="http://127.0.0.1:1/v1", model="qwen2.5")
    assert wants_llm(configured, ExplainSettings())
    assert not wants_llm(configured, ExplainSettings(daily_questions=0))
    assert not wants_llm(LlmSettings(), ExplainSettings())
    config = llm_config(
        LlmSettings(base_url="https://api.deepseek.com/v1", model=" deepseek-chat ", api_key="sk")
    )
    assert (config.url, config.model, config.api_key) == (
        "https://api.deepseek.com/v1/chat/completions",
        "deepseek-chat",
        "sk",
    )
    assert (config.timeout, config.retries, config.max_answer_chars) == (20.0, 2, 1500)
