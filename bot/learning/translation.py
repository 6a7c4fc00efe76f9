"""Filling in a post's missing Chinese with the configured model (`buildspeak translate ID`).

A post is translated paragraph by paragraph, and a long paragraph in chunks of whole sentences,
so no request is cut to fit the prompt limit and an answer never has to be long. The model is
asked for one Chinese sentence per English sentence, with technical terms, names and numbers kept
in English: those are what the card aligner anchors on, as in the translations already in the
library. A paragraph whose answer is unusable is left untranslated and reported, so a second run
retries only what is missing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.learning.llm import CUT_MARK, ChatClient, LlmConfig, LlmUnavailable, Message
from bot.learning.text_patterns import has_chinese
from lessons.post import Paragraph, Post
from lessons.sentences import split_sentences

CHUNK_CHARS = 1500  # English sent per request; its Chinese comfortably fits the answer limits below
ANSWER_CHARS = 4000
ANSWER_TOKENS = 3000
TEMPERATURE = 0.2  # a translation, not a story: stay close to the text

_FENCE = re.compile(r"^```[a-z]*\n(.*?)\n?```$", re.DOTALL)
_LABEL = re.compile(r"^(?:译文|翻译|中文|Translation|Chinese)\s*[:：]\s*", re.IGNORECASE)

SYSTEM = (
    "You translate posts by software builders (X posts, threads, talk transcripts, blog posts) "
    "from English into Simplified Chinese for Chinese-speaking developers who are learning English "
    "from them. Rules:\n"
    "1. Translate sentence by sentence: one Chinese sentence for each English sentence, in the same "
    'order, each ending with Chinese punctuation (。！？). Keep list markers such as "1." or "-".\n'
    "2. Keep technical terms, product and company names, people's names, handles, numbers, code, "
    "file names and URLs in English exactly as written (LLM, RLHF, token, agent, fine-tune, "
    "AlphaGo, 100,000, install.sh).\n"
    "3. Natural, plain Chinese that keeps the author's tone; no explanations or notes.\n"
    "4. Answer with the translation only: no quotes, no labels, no English original."
)


@dataclass(frozen=True)
class TranslationReport:
    """What a run did: the post with whatever could be translated, and what could not."""

    post: Post
    translated: int  # paragraphs filled in by this run
    failed: tuple[tuple[int, str], ...]  # (paragraph number, why), 1-based

    @property
    def complete(self) -> bool:
        return not self.failed and self.post.translated


def translation_config(config: LlmConfig) -> LlmConfig:
    """The chat settings with room for a translation's answer (an explanation's limits are smaller)."""
    return dataclasses.replace(
        config,
        max_answer_chars=max(config.max_answer_chars, ANSWER_CHARS),
        max_answer_tokens=max(config.max_answer_tokens, ANSWER_TOKENS),
        max_prompt_chars=max(config.max_prompt_chars, CHUNK_CHARS + len(SYSTEM) + 500),
    )


async def translate_post(
    post: Post,
    client: ChatClient,
    *,
    retranslate: bool = False,
    on_paragraph: Callable[[int, int], Awaitable[None] | None] | None = None,
) -> TranslationReport:
    """Translate the paragraphs without Chinese (every one with `retranslate`), in order."""
    wanted = [i for i, p in enumerate(post.paragraphs) if retranslate or not p.zh]
    paragraphs = list(post.paragraphs)
    failed: list[tuple[int, str]] = []
    for done, index in enumerate(wanted, 1):
        try:
            zh = await _translate_paragraph(client, post, paragraphs[index])
            paragraphs[index] = paragraphs[index].model_copy(update={"zh": zh})
        except (LlmUnavailable, UnusableAnswer) as error:
            failed.append((index + 1, str(error)))
        if on_paragraph is not None:
            result = on_paragraph(done, len(wanted))
            if result is not None:
                await result
    updated = post.model_copy(update={"paragraphs": tuple(paragraphs)})
    return TranslationReport(updated, len(wanted) - len(failed), tuple(failed))


class UnusableAnswer(Exception):
    """The model answered, but not with a Chinese translation we can use."""


async def _translate_paragraph(client: ChatClient, post: Post, paragraph: Paragraph) -> str:
    """Chinese sentences run together; a paragraph laid out in lines (a list) keeps its lines."""
    joiner = "\n" if "\n" in paragraph.en.strip() else ""
    parts = [await _translate_chunk(client, post, chunk, joiner) for chunk in chunks(paragraph.en)]
    return joiner.join(parts)


async def _translate_chunk(client: ChatClient, post: Post, english: str, joiner: str) -> str:
    answer = await client.complete(translation_messages(post, english), temperature=TEMPERATURE)
    return clean_answer(answer, client.config.max_answer_chars, joiner=joiner)


def translation_messages(post: Post, english: str) -> list[Message]:
    about = f"{post.author}" + (f", 《{post.title}》" if post.title else "")
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"From a post by {about}. Translate:\n\n{english}"},
    ]


def chunks(english: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Whole sentences packed into pieces of at most `limit` characters (a longer sentence alone);
    the lines of a list stay lines."""
    pieces: list[str] = []
    for line in english.splitlines():
        for number, sentence in enumerate(split_sentences(line, "en")):
            if pieces and len(pieces[-1]) + 1 + len(sentence) <= limit:
                pieces[-1] += (" " if number else "\n") + sentence
            else:
                pieces.append(sentence)
    return pieces or [english]


def clean_answer(answer: str, limit: int, *, joiner: str = "") -> str:
    """The translation inside the answer, or UnusableAnswer: cut short, empty, or not Chinese."""
    text = answer.strip()
    if len(text) >= limit and text.endswith(CUT_MARK):
        raise UnusableAnswer("the answer was cut at the length limit")
    if fenced := _FENCE.match(text):
        text = fenced[1].strip()
    text = _LABEL.sub("", text).strip().strip('"“”「」').strip()
    if not has_chinese(text):
        raise UnusableAnswer(f"the answer is not Chinese: {text[:60]!r}")
    return joiner.join(line.strip() for line in text.splitlines() if line.strip())
