"""A lesson's deck: its sentence cards with key words, builder expressions and audio.

Text cards come from `cards.py`; this module adds what a learner studies on
each card. The dictionary, the glossary and the synthesizer are passed in, so
a deck can be built without audio (fast, for the CLI and tests) or with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lessons.cards import CardText, paragraph_cards
from lessons.expressions import Expression, ExpressionGlossary
from lessons.lesson import Lesson
from lessons.vocabulary import Dictionary, KeyWord, key_words


class Spoken(Protocol):
    path: Path


class Speaker(Protocol):
    """What the deck needs from the audio module: a file for a text, or None."""

    def synthesize(self, text: str, *, slow: bool = False) -> Spoken | None: ...


@dataclass(frozen=True)
class Card:
    """One step of a lesson: a sentence, its translation, and what to learn from it."""

    number: int
    en: str
    zh: str | None
    paragraph: int
    start: float | None
    words: tuple[KeyWord, ...]
    expressions: tuple[Expression, ...]
    audio: Path | None = None


@dataclass(frozen=True)
class Deck:
    """The cards of one lesson, plus the audio of the whole text."""

    lesson: Lesson
    cards: tuple[Card, ...]
    audio: Path | None = None

    @property
    def english(self) -> str:
        return "\n\n".join(paragraph.en for paragraph in self.lesson.paragraphs)


@dataclass(frozen=True)
class DeckBuilder:
    """Builds decks from the shared dictionary and glossary (loaded once by the caller)."""

    dictionary: Dictionary
    glossary: ExpressionGlossary
    words_per_card: int = 6

    def build(self, lesson: Lesson, speaker: Speaker | None = None) -> Deck:
        texts = [card for i, p in enumerate(lesson.paragraphs) for card in paragraph_cards(p, i)]
        cards = tuple(self._card(number, text, speaker) for number, text in enumerate(texts, 1))
        deck = Deck(lesson, cards)
        if speaker is not None:
            deck = Deck(lesson, cards, _path(speaker.synthesize(deck.english)))
        return deck

    def _card(self, number: int, text: CardText, speaker: Speaker | None) -> Card:
        return Card(
            number=number,
            en=text.en,
            zh=text.zh,
            paragraph=text.paragraph,
            start=text.start,
            words=tuple(key_words(text.en, self.dictionary, limit=self.words_per_card)),
            expressions=tuple(self.glossary.find(text.en)),
            audio=_path(speaker.synthesize(text.en)) if speaker else None,
        )


def _path(audio: Spoken | None) -> Path | None:
    return audio.path if audio is not None else None
