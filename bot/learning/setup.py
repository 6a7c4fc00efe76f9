"""From settings to an explainer: offline always, with a model behind it when one is configured.

The composition root owns the `httpx.AsyncClient` (it must be closed in the event loop that used
it), so this module only says whether one is needed and builds everything else around it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import httpx
from sqlmodel import Session

from bot.learning.answer_cache import AnswerCache
from bot.learning.budget import DailyBudget
from bot.learning.explainer import AiExplaining, Explainer
from bot.learning.llm import ChatClient, LlmConfig
from bot.learning.llm_explainer import LlmExplainer
from bot.learning.offline_explainer import OfflineExplainer
from bot.learning.usage_index import UsageIndex
from bot.observability.metrics import Metrics
from bot.settings import ExplainSettings, LlmSettings
from lessons.expressions import ExpressionGlossary
from lessons.lesson import Lesson
from lessons.vocabulary import Dictionary

log = logging.getLogger(__name__)

PROMPTED_ANSWER_CHARS = 600  # the length the prompt asks for; the hard cut is max_answer_chars
# A learner is waiting: a 429 asking for longer than this is waited this long, not 30 s. The answer's
# deadline ([explain] answer_deadline) bounds the whole wait anyway.
INTERACTIVE_RETRY_AFTER = 3.0


def wants_llm(llm: LlmSettings, explain: ExplainSettings) -> bool:
    """A model is used when one is configured and people may ask it something (daily_questions > 0)."""
    return llm.configured and explain.daily_questions > 0


def llm_config(llm: LlmSettings) -> LlmConfig:
    return LlmConfig(
        base_url=llm.base_url,
        api_key=llm.api_key.get_secret_value() if llm.api_key else None,
        model=llm.model.strip(),
        timeout=llm.timeout,
        max_answer_tokens=llm.max_answer_tokens,
        max_prompt_chars=llm.max_prompt_chars,
        retries=llm.retries,
        max_answer_chars=llm.max_answer_chars,
    )


def build_explainer(
    llm: LlmSettings,
    explain: ExplainSettings,
    *,
    lessons: Iterable[Lesson],
    dictionary: Dictionary,
    glossary: ExpressionGlossary,
    sessions: Callable[[], Session],
    http: httpx.AsyncClient | None,
    metrics: Metrics | None = None,
) -> Explainer:
    """The explainer the bot runs with; `http` is needed (and used) only when `wants_llm`.
    `metrics` counts and times the model's calls (None: nothing counted)."""
    offline = OfflineExplainer(dictionary, glossary, UsageIndex(lessons, dictionary))
    limit = explain.max_question_chars
    if not wants_llm(llm, explain) or http is None:
        log.info("Explanations: offline (dictionary, glossary and library); no LLM configured")
        return Explainer(offline, max_question_chars=limit)
    config = llm_config(llm)
    answer_chars = min(PROMPTED_ANSWER_CHARS, config.max_answer_chars)
    client = ChatClient(config, http, max_retry_after=INTERACTIVE_RETRY_AFTER)
    ai = AiExplaining(
        llm=LlmExplainer(client, glossary, answer_chars=answer_chars, metrics=metrics),
        cache=AnswerCache(sessions),
        budget=DailyBudget(sessions, explain.daily_questions),
        deadline=explain.answer_deadline,
    )
    log.info(
        "Explanations: LLM %s at %s, %d a day each", config.model, config.base_url, explain.daily_questions
    )
    return Explainer(offline, ai, max_question_chars=limit)
