"""Answering a question about a card: the model when there is one and it may be used, else offline.

The order is what keeps answers cheap and always there: a cached answer first (free, and served
even when the day's budget is gone), then the model if the person has AI questions left, and the
offline explainer whenever there is no model, the budget is used up, or the model fails. Every
answer says which of these it is (`Source`), so the reply can tell the learner.

The model gets one deadline for the whole answer (`AiExplaining.deadline`), whatever its client's
attempts and retries would add up to: the chat adapter handles a bounded number of updates at
once, and a question held for a minute holds a slot that /today needs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.learning.answer_cache import AnswerCache, cache_key
from bot.learning.budget import Asker, DailyBudget
from bot.learning.llm import LlmUnavailable
from bot.learning.llm_explainer import LlmExplainer
from bot.learning.offline_explainer import OfflineAnswer, OfflineExplainer
from bot.learning.questions import Question
from bot.learning.usage_index import UsageIndex
from lessons.expressions import ExpressionGlossary
from lessons.lesson import Lesson
from lessons.vocabulary import Dictionary

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 300
ANSWER_DEADLINE = 25.0  # seconds a learner waits for the model, all attempts included


class Source(StrEnum):
    AI = "ai"  # the model answered just now
    CACHED = "cached"  # the model's earlier answer to the same question on the same card
    NO_AI = "no_ai"  # offline: no model configured
    AI_FAILED = "ai_failed"  # offline: the model failed (or one attempt timed out)
    AI_SLOW = "ai_slow"  # offline: the model had not answered by the deadline
    QUOTA = "quota"  # offline: the person's AI questions for today are used up


@dataclass(frozen=True)
class Explanation:
    """An answer: the model's text (`answer`) or the offline findings (`offline`), and its source.

    `left_today` is how many AI questions the person has left after this one (fresh AI answers only).
    """

    source: Source
    question: Question
    answer: str | None = None
    offline: OfflineAnswer | None = None
    left_today: int | None = None
    daily_limit: int = 0

    @property
    def from_ai(self) -> bool:
        return self.source in (Source.AI, Source.CACHED)


@dataclass(frozen=True)
class AiExplaining:
    """What answering with a model needs: the model, the answers already paid for, the daily budget,
    and how long a learner may wait for it (`deadline`, in seconds)."""

    llm: LlmExplainer
    cache: AnswerCache
    budget: DailyBudget
    deadline: float = ANSWER_DEADLINE

    def __post_init__(self) -> None:
        if self.deadline <= 0:
            raise ValueError("AiExplaining.deadline must be > 0 seconds")


class Explainer:
    """The one thing the conversation asks for explanations; `ai` is None when no model is configured."""

    def __init__(
        self,
        offline: OfflineExplainer,
        ai: AiExplaining | None = None,
        *,
        max_question_chars: int = MAX_QUESTION_CHARS,
    ) -> None:
        self.offline = offline
        self.ai = ai
        self.max_question_chars = max_question_chars

    @property
    def usage(self) -> UsageIndex:
        return self.offline.usage

    async def explain(self, question: Question, asker: Asker, now: dt.datetime) -> Explanation:
        """The cache's answer, else the model's within the budget, else the offline one. The cache and
        the budget live in the database: they are read and written in a worker thread."""
        ai = self.ai
        if ai is None:
            return self._offline(question, Source.NO_AI)
        key = cache_key(ai.llm.model, question)
        cached = await asyncio.to_thread(ai.cache.get, key)
        if cached is not None:
            return Explanation(Source.CACHED, question, answer=cached, daily_limit=ai.budget.per_day)
        left = await asyncio.to_thread(ai.budget.take, asker)
        if left is None:
            return self._offline(question, Source.QUOTA, daily_limit=ai.budget.per_day)
        answer, failure = await _ask(ai, question)
        if failure is not None:
            await asyncio.to_thread(ai.budget.give_back, asker)  # a failure is not the learner's to pay for
            return self._offline(question, failure, daily_limit=ai.budget.per_day)
        await asyncio.to_thread(ai.cache.put, key, answer, now)
        return Explanation(Source.AI, question, answer=answer, left_today=left, daily_limit=ai.budget.per_day)

    def _offline(self, question: Question, source: Source, *, daily_limit: int = 0) -> Explanation:
        return Explanation(source, question, offline=self.offline.explain(question), daily_limit=daily_limit)


async def _ask(ai: AiExplaining, question: Question) -> tuple[str, Source | None]:
    """The model's answer, or why there is none: AI_SLOW past the deadline, AI_FAILED otherwise."""
    try:
        async with asyncio.timeout(ai.deadline):
            answer = await ai.llm.explain(question)
    except TimeoutError:
        log.warning("LLM %s: no answer within the %g s deadline", ai.llm.model, ai.deadline)
        return "", Source.AI_SLOW
    except LlmUnavailable:
        return "", Source.AI_FAILED
    return answer, (None if answer else Source.AI_FAILED)


def offline_explainer(
    lessons: Iterable[Lesson], dictionary: Dictionary, glossary: ExpressionGlossary
) -> Explainer:
    """Offline answers only: what a bot without a model (and every test that wants none) uses."""
    return Explainer(OfflineExplainer(dictionary, glossary, UsageIndex(lessons, dictionary)))
