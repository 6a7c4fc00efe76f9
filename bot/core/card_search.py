"""Which lesson card holds a word, a phrase or a sentence: the one search behind /save, /explain and
replies, so they all agree on where a learner met a word.

A typed word is found however a sentence writes it: as typed, as any form of its dictionary lemma
("engulf" finds "…engulfed…"), as one of a builder expression's glossary forms, with a space and a
hyphen standing for each other ("low hanging fruit"). The newest lesson wins, among the
`RECENT_DAYS` days up to the learner's today.

Building a deck glosses every sentence, and the shelf keeps only a few decks, shared by every chat.
So a lesson is first matched on its paragraphs' text (a regex over a few kilobytes), and a deck is
built only for a lesson that matched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from bot.core.shelf import LessonShelf
from lessons.deck import Card, Deck
from lessons.expressions import Expression
from lessons.lesson import Lesson
from lessons.vocabulary import DictEntry

RECENT_DAYS = 366  # days back, up to today, that a word's or a sentence's card is looked for
_FOLD = str.maketrans({"’": "'", "‘": "'", "‐": "-", "‑": "-"})
_GAP = r"[\s\-‐‑]+"  # between the words of a form: spaces, or hyphens of any kind
_APOSTROPHE = "['’‘]"


@dataclass(frozen=True)
class Met:
    """A card that has what was looked for, and how its sentence writes it (`form`)."""

    deck: Deck
    card: Card
    form: str


@dataclass(frozen=True)
class Target:
    """What is looked for: the text as typed, and the dictionary entry and builder expression it names."""

    typed: str
    entry: DictEntry | None = None
    expression: Expression | None = None

    @property
    def forms(self) -> tuple[str, ...]:
        """The ways of writing it that count as it without asking the dictionary."""
        return (self.typed, *(self.expression.forms if self.expression else ()))

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Every way it may be written in a sentence; lemma-prefixed words are checked after a match."""
        shapes = [_shape(form) for form in self.forms]
        if self.entry is not None and " " not in self.entry.lemma:
            shapes.append(re.escape(self.entry.lemma) + r"[a-z]*")
        return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(shapes) + r")(?![A-Za-z0-9])", re.IGNORECASE)


class CardSearch:
    """Finds cards in the shelf's lessons, with its dictionary and glossary to know a word's forms."""

    def __init__(self, shelf: LessonShelf) -> None:
        self.shelf = shelf
        self.dictionary = shelf.builder.dictionary
        self.glossary = shelf.builder.glossary

    def target(self, typed: str) -> Target:
        return Target(typed, self.dictionary.lookup(typed), self.expression(typed))

    def expression(self, typed: str) -> Expression | None:
        """The builder expression `typed` names; where the glossary says case matters, "rip" is not "RIP"."""
        expression = self.glossary.get(typed)
        if expression is not None and expression.case_sensitive and typed not in expression.forms:
            return None
        return expression

    def in_deck(self, target: Target, deck: Deck, first: Card | None = None) -> Met | None:
        """`first` (the card replied to) if it has the target, else the deck's first card that has it."""
        cards = [first] if first is not None else []
        cards += [card for card in deck.cards if card is not first]
        for card in cards:
            if (form := self.form_in(target, card.en)) is not None:
                return Met(deck, card, form)
        return None

    def recent(self, target: Target, today: dt.date) -> Met | None:
        """The newest card that has the target, in the lessons of the recent days up to `today`."""
        for lesson in self._recent_lessons(today):
            if self.form_in(target, _english(lesson)) is None:
                continue
            met = self.in_deck(target, self.shelf.deck(lesson))
            if met is not None:  # else the match ran across two cards
                return met
        return None

    def sentence(self, text: str, today: dt.date) -> Met | None:
        """The newest card whose English is exactly `text` (an audio message's caption)."""
        wanted = text.strip()
        if not wanted:
            return None
        for lesson in self._recent_lessons(today):
            if not any(wanted in paragraph.en for paragraph in lesson.paragraphs):
                continue
            deck = self.shelf.deck(lesson)
            card = next((card for card in deck.cards if card.en.strip() == wanted), None)
            if card is not None:
                return Met(deck, card, wanted)
        return None

    def form_in(self, target: Target, sentence: str) -> str | None:
        """The target as written in `sentence`, if it is there (another form counts when it has the lemma)."""
        for match in target.pattern.finditer(sentence):
            written = match.group()
            if any(_same(written, form) for form in target.forms):
                return written
            entry = target.entry
            met = self.dictionary.lookup(written) if entry is not None else None
            if entry is not None and met is not None and met.lemma.lower() == entry.lemma.lower():
                return written
        return None

    def _recent_lessons(self, today: dt.date) -> Iterator[Lesson]:
        for day in self.shelf.archive(today)[:RECENT_DAYS]:
            yield day.lesson


def _english(lesson: Lesson) -> str:
    return "\n".join(paragraph.en for paragraph in lesson.paragraphs)


def _shape(form: str) -> str:
    """A form as a pattern where a space and a hyphen stand for each other ("low-hanging fruit") and
    any apostrophe for any other ("don’t"). Written into the pattern rather than folded out of the
    text, since folding every lesson's text would cost more than searching it."""
    pieces = re.split(_GAP, form.strip())
    return _GAP.join(
        "".join(_APOSTROPHE if char in "'’‘" else re.escape(char) for char in piece) for piece in pieces
    )


def _same(written: str, form: str) -> bool:
    def key(text: str) -> str:
        return " ".join(re.split(r"[\s-]+", text.translate(_FOLD).lower()))

    return bool(form) and key(written) == key(form)
