"""LLM answers kept in the database, so the same question on the same card is paid for once.

A lesson goes to every subscriber on the same day, so many learners ask the same thing about the
same sentence ("engulfed 什么意思"). The key is a hash of the model, the card's sentence and the
question with case, width, spacing and end punctuation folded away: a new model, another card or
another question is another key. Rows never expire: an answer about a fixed sentence stays right.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from sqlmodel import Session

from bot.learning.questions import Question, normalised
from bot.storage.explanations import cached_answer, store_answer


def cache_key(model: str, question: Question) -> str:
    """64 hex characters (sha256): the primary key of CachedExplanation."""
    sentence = question.card.sentence.strip() if question.card else ""
    material = "\x1f".join((model, sentence, normalised(question.text)))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class AnswerCache:
    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions

    def get(self, key: str) -> str | None:
        with self._sessions() as session:
            return cached_answer(session, key=key)

    def put(self, key: str, answer: str, now: dt.datetime) -> None:
        with self._sessions() as session:
            store_answer(session, key=key, answer=answer, now=now)
