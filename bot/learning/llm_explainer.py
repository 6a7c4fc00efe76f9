"""Explanations from an LLM: the prompt that makes a model a good teacher for this one card.

The model gets what a teacher beside the learner would see: the sentence, our translation, who
wrote it and where, the builder expressions our glossary found in it (models often miss new
slang), what the learner asked and which English they asked about. It is told to answer in
Chinese with technical terms left in English, in the four parts a learner needs, in plain text
(chat apps show Markdown as stray asterisks), and within a size that fits one message.

Each question put to the model is counted and timed here (`Metrics.llm_calls`, `llm_seconds`):
the explainer falls back to its offline answer whenever this call fails or is cut off by the
learner's deadline, so the error and timeout counts are its fallbacks for want of a model.
"""

from __future__ import annotations

import asyncio
import re
import time

from bot.learning.llm import ChatClient, Message
from bot.learning.questions import Question
from bot.observability.metrics import Metrics
from lessons.expressions import ExpressionGlossary

SYSTEM_PROMPT = """你是 BuildSpeak 的英语老师。
学生是说中文的程序员，正在逐句读 builder（工程师、创业者、研究者）写的英文帖子。
回答要求：
- 用简体中文回答。技术术语保留英文原词，不要翻译（例如 token、agent、RAG、fine-tune、prompt、benchmark）。
- 紧扣学生给出的这句话和这个问题，按下面四部分回答，每部分以【】小标题开头，每部分一两句话：
【这里的意思】它在这句话里的意思（不是词典上的所有意思）
【语法 / 用法】值得注意的语法或用法：词形、搭配、句子结构
【语气】这个表达的语气和场合：正式、口语、俚语、调侃、夸张……
【再举一例】一个新的英文例句（builder 会写的那种），后面附中文翻译
- 如果学生问的是整句话，就讲整句的意思和结构，以及句中最值得学的一两个词或表达。
- 纯文本，不要用 Markdown（不要 **、#、表格）。全文不超过 {limit} 个字。
- 如果问题和这句英文无关，礼貌地用一句话把话题拉回这句英文。"""

_MARKDOWN_EMPHASIS = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)


class LlmExplainer:
    """Turns a `Question` into chat messages for the model and its answer into plain text.

    `answer_chars` is the length asked for in the prompt; the client still cuts anything longer.
    Raises `LlmUnavailable` (from the client) when there is no usable answer. `metrics` counts and
    times the calls (None: nothing counted).
    """

    def __init__(
        self,
        client: ChatClient,
        glossary: ExpressionGlossary,
        *,
        answer_chars: int = 600,
        metrics: Metrics | None = None,
    ) -> None:
        self.client = client
        self.glossary = glossary
        self.answer_chars = answer_chars
        self.metrics = metrics

    @property
    def model(self) -> str:
        return self.client.config.model

    def messages(self, question: Question) -> list[Message]:
        return [
            {"role": "system", "content": SYSTEM_PROMPT.format(limit=self.answer_chars)},
            {"role": "user", "content": self._user_message(question)},
        ]

    async def explain(self, question: Question) -> str:
        started, outcome = time.perf_counter(), "error"  # `LlmUnavailable`, or any other failure
        try:
            answer = plain_text(await self.client.complete(self.messages(question), temperature=0.3))
            outcome = "ok" if answer else "error"  # nothing left of it: the explainer answers offline
            return answer
        except asyncio.CancelledError:  # the explainer's deadline (or a stop) cut the wait short
            outcome = "timeout"
            raise
        finally:
            self._measure(outcome, time.perf_counter() - started)

    def _measure(self, outcome: str, seconds: float) -> None:
        if self.metrics is not None:
            self.metrics.llm_calls.labels(outcome).inc()
            self.metrics.llm_seconds.observe(seconds)

    def _user_message(self, question: Question) -> str:
        lines: list[str] = []
        card = question.card
        if card is not None:
            source = card.author or "一位 builder"
            lines.append(f"出处：{source}" + (f"《{card.title}》" if card.title else ""))
            lines.append(f"原句：{card.sentence}")
            lines.append(f"译文：{card.translation or '（暂无译文）'}")
            for expression in self.glossary.find(card.sentence):
                lines.append(f"句中的地道表达：{expression.phrase}：{expression.zh}")
        else:
            lines.append("（学生没有给出原句，请按最常见的 builder 用法讲解。）")
        if question.terms:
            lines.append("学生问的英文：" + "；".join(question.terms))
        else:
            lines.append("学生问的是整句话。")
        lines.append(f"学生的问题：{question.text}")
        return "\n".join(lines)


def plain_text(answer: str) -> str:
    """The answer without the Markdown models add anyway: **bold**, __bold__ and # headings."""
    answer = _MARKDOWN_EMPHASIS.sub(lambda match: match.group(1) or match.group(2), answer)
    return _MARKDOWN_HEADING.sub("", answer).strip()
