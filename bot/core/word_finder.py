"""What a typed word is and where the learner met it: dictionary entry or builder expression, and a card.

A word is filed under its lemma ("engulfed" under "engulf") with the form met. A
builder expression ("napkin math", "imo") is filed under its phrase with its note;
a dictionary word that the glossary also gives a builder sense ("moat", "ship")
keeps the dictionary gloss and gets that sense as its note. A word that is in
neither but was met in a lesson (a name, a coinage) is saved as met. A word in
none of these is most likely a typo, and is not saved.

The card comes from the message replied to when there is one; else from the most
recent lesson up to the learner's today that contains the word. Lesson texts are
searched first and a deck is built only for the lesson that matched, since
building one glosses every sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from bot.core.quoted import LessonContext
from bot.core.shelf import LessonShelf, lesson_key
from bot.storage.vocabulary_book import NewContext, NewWord
from lessons.deck import Card, Deck
from lessons.expressions import Expression
from lessons.vocabulary import DictEntry, KeyWord

ARCHIVE_SEARCHED = 366  # days back a typed word's sentence is looked for
KIND_LABELS = {
    "slang": "网络俚语 slang",
    "idiom": "习语 idiom",
    "abbreviation": "缩写 abbreviation",
    "coined": "builder 新词 coined term",
}
_FOLD = str.maketrans({"’": "'", "‘": "'", "‐": "-", "‑": "-"})

Pickable = KeyWord | Expression


@dataclass(frozen=True)
class Found:
    """A word ready to save, and the lesson card it was met on (None: dictionary only)."""

    word: NewWord
    context: NewContext
    key: str | None = None
    card: Card | None = None


@dataclass(frozen=True)
class Suggestion:
    """A key word of a card whose Chinese gloss matches what the learner typed in Chinese."""

    key: str
    card: Card
    index: int  # in `pickable(card)`
    item: Pickable


@dataclass(frozen=True)
class _Target:
    typed: str
    entry: DictEntry | None
    expression: Expression | None

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Every way the word may be written in a sentence; lemma-prefixed words are checked after."""
        forms = [self.typed, *(self.expression.forms if self.expression else ())]
        shapes = [_shape(form) for form in forms]
        if self.entry is not None and " " not in self.entry.lemma:
            shapes.append(re.escape(self.entry.lemma) + r"[a-z]*")
        return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(shapes) + r")(?![A-Za-z0-9])", re.IGNORECASE)


class WordFinder:
    """Looks words up in the shelf's dictionary and glossary, and their sentences in its lessons."""

    def __init__(self, shelf: LessonShelf) -> None:
        self.shelf = shelf
        self.dictionary = shelf.builder.dictionary
        self.glossary = shelf.builder.glossary

    def find(self, typed: str, around: LessonContext | None, today: dt.date) -> Found | None:
        """The word to save and where it was met; None when it is in no dictionary, glossary or lesson."""
        target = _Target(typed, self.dictionary.lookup(typed), self._expression(typed))
        met = self._met(target, around, today)
        flagged = met is not None and target.expression in met[1].expressions
        if target.expression is not None and (flagged or target.entry is None):
            word = _expression_word(target.expression, target.entry)
        elif target.entry is not None:
            entry = target.entry
            word = NewWord(
                entry.lemma, entry.phonetic or None, entry.gloss or None, self._builder_sense(typed)
            )
        elif met is not None:
            word = NewWord(typed)
        else:
            return None
        if met is None:
            return Found(word, NewContext(form=typed))
        deck, card, form = met
        return Found(word, card_context(deck, card, form), lesson_key(deck.lesson.id), card)

    def picked(self, deck: Deck, card: Card, item: Pickable) -> Found:
        """A word chosen from a card's ⭐ list: the card is its context."""
        if isinstance(item, Expression):
            form = self._form_in(_Target(item.phrase, None, item), card.en) or item.phrase
            word = _expression_word(item, self.dictionary.lookup(item.phrase))
        else:
            word = NewWord(
                item.lemma, item.phonetic or None, item.gloss or None, self._builder_sense(item.word)
            )
            form = item.word
        return Found(word, card_context(deck, card, form), lesson_key(deck.lesson.id), card)

    def suggest(self, chinese: str, around: LessonContext | None, today: dt.date) -> list[Suggestion]:
        """Key words of the replied-to card (or lesson, or else the latest lesson) glossed with `chinese`."""
        if not chinese:
            return []
        if around is not None:
            key, cards = around.key, [around.card] if around.card else list(around.deck.cards)
        else:
            days = self.shelf.archive(today)
            if not days:
                return []
            key, cards = lesson_key(days[0].lesson.id), list(self.shelf.deck(days[0].lesson).cards)
        found: dict[str, Suggestion] = {}
        for card in cards:
            for index, item in enumerate(pickable(card)):
                meaning = item.gloss if isinstance(item, KeyWord) else item.zh
                name = item_name(item)
                if chinese in meaning and name.lower() not in found:
                    found[name.lower()] = Suggestion(key, card, index, item)
        return list(found.values())[:3]

    def names_for(self, typed: str) -> list[str]:
        """What a typed word may be filed under: as typed, its lemma, the expression it belongs to."""
        entry, expression = self.dictionary.lookup(typed), self._expression(typed)
        names = [typed, entry.lemma if entry else "", expression.phrase if expression else ""]
        return [name for name in dict.fromkeys(names) if name]

    def _expression(self, typed: str) -> Expression | None:
        expression = self.glossary.get(typed)
        if expression is not None and expression.case_sensitive and typed not in expression.forms:
            return None  # "rip" is not "RIP"
        return expression

    def _builder_sense(self, typed: str) -> str | None:
        """The glossary's builder sense of a one-word entry ("moat": a lasting edge), as a note."""
        expression = self._expression(typed)
        if (
            expression is None
            or " " in expression.phrase
            or typed.lower() in map(str.lower, expression.alone)
        ):
            return None
        return f"{KIND_LABELS[expression.kind]} {expression.phrase}：{expression.zh}"

    def _met(
        self, target: _Target, around: LessonContext | None, today: dt.date
    ) -> tuple[Deck, Card, str] | None:
        if around is not None:
            cards = [around.card] if around.card else []
            cards += [card for card in around.deck.cards if card is not around.card]
            for card in cards:
                if (form := self._form_in(target, card.en)) is not None:
                    return around.deck, card, form
        for day in self.shelf.archive(today)[:ARCHIVE_SEARCHED]:
            text = "\n".join(paragraph.en for paragraph in day.lesson.paragraphs)
            if self._form_in(target, text) is None:
                continue
            deck = self.shelf.deck(day.lesson)
            for card in deck.cards:
                if (form := self._form_in(target, card.en)) is not None:
                    return deck, card, form
        return None

    def _form_in(self, target: _Target, sentence: str) -> str | None:
        """The word as written in `sentence`, if it is there (an inflection counts when it has the lemma)."""
        forms = [target.typed, *(target.expression.forms if target.expression else ())]
        for match in target.pattern.finditer(sentence.translate(_FOLD)):
            written = sentence[match.start() : match.end()]  # folding kept every offset
            if any(_same(written, form) for form in forms):
                return written
            entry, met = target.entry, self.dictionary.lookup(written) if target.entry else None
            if entry is not None and met is not None and met.lemma.lower() == entry.lemma.lower():
                return written
        return None


def pickable(card: Card) -> list[Pickable]:
    """What the ⭐ list offers for a card: its key words, then its builder expressions."""
    return [*card.words, *card.expressions]


def item_name(item: Pickable) -> str:
    """What a ⭐ list item is filed under: a key word's lemma, an expression's phrase."""
    return item.lemma if isinstance(item, KeyWord) else item.phrase


def card_context(deck: Deck, card: Card, form: str) -> NewContext:
    header = deck.lesson.header
    return NewContext(
        form=form,
        sentence_en=card.en,
        sentence_zh=card.zh,
        lesson_id=deck.lesson.id,
        card_number=card.number,
        author=header.author,
        source_url=header.source,
    )


def _expression_word(expression: Expression, entry: DictEntry | None) -> NewWord:
    note = KIND_LABELS[expression.kind] + (f"：{expression.note}" if expression.note else "")
    phonetic = entry.phonetic if entry is not None and " " not in expression.phrase else None
    return NewWord(expression.phrase, phonetic or None, expression.zh, note)


def _shape(form: str) -> str:
    """A form as a pattern where a space and a hyphen stand for each other ("low-hanging fruit")."""
    return r"[\s-]+".join(map(re.escape, re.split(r"[\s-]+", form.translate(_FOLD))))


def _same(written: str, form: str) -> bool:
    def key(text: str) -> str:
        return " ".join(re.split(r"[\s-]+", text.translate(_FOLD).lower()))

    return bool(form) and key(written) == key(form)
