"""What a typed word is and where the learner met it: dictionary entry or builder expression, and a card.

A word is filed under its lemma ("engulfed" under "engulf") with the form met. A
builder expression ("napkin math", "imo") is filed under its phrase with its note;
a dictionary word that the glossary also gives a builder sense ("moat", "ship")
keeps the dictionary gloss and gets that sense as its note. A word that is in
neither but was met in a lesson (a name, a coinage) is saved as met. A word in
none of these is most likely a typo, and is not saved.

The card comes from the message replied to when there is one; else from the most
recent lesson up to the learner's today that contains the word (`card_search`,
the same search /explain uses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.card_search import CardSearch, Met, Target
from bot.core.quoted import LessonContext
from bot.core.shelf import LessonShelf, lesson_key
from bot.storage.vocabulary_book import NewContext, NewWord
from lessons.deck import Card, Deck
from lessons.expressions import Expression
from lessons.vocabulary import DictEntry, KeyWord

KIND_LABELS = {
    "slang": "网络俚语 slang",
    "idiom": "习语 idiom",
    "abbreviation": "缩写 abbreviation",
    "coined": "builder 新词 coined term",
}
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


class WordFinder:
    """Looks words up in the shelf's dictionary and glossary, and their sentences in its lessons."""

    def __init__(self, shelf: LessonShelf) -> None:
        self.shelf = shelf
        self.dictionary = shelf.builder.dictionary
        self.search = CardSearch(shelf)

    def find(self, typed: str, around: LessonContext | None, today: dt.date) -> Found | None:
        """The word to save and where it was met; None when it is in no dictionary, glossary or lesson."""
        target = self.search.target(typed)
        met = self._met(target, around, today)
        flagged = met is not None and target.expression in met.card.expressions
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
        return Found(
            word, card_context(met.deck, met.card, met.form), lesson_key(met.deck.lesson.id), met.card
        )

    def picked(self, deck: Deck, card: Card, item: Pickable) -> Found:
        """A word chosen from a card's ⭐ list: the card is its context."""
        if isinstance(item, Expression):
            form = self.search.form_in(Target(item.phrase, None, item), card.en) or item.phrase
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
        entry, expression = self.dictionary.lookup(typed), self.search.expression(typed)
        names = [typed, entry.lemma if entry else "", expression.phrase if expression else ""]
        return [name for name in dict.fromkeys(names) if name]

    def _builder_sense(self, typed: str) -> str | None:
        """The glossary's builder sense of a one-word entry ("moat": a lasting edge), as a note."""
        expression = self.search.expression(typed)
        if (
            expression is None
            or " " in expression.phrase
            or typed.lower() in map(str.lower, expression.alone)
        ):
            return None
        return f"{KIND_LABELS[expression.kind]} {expression.phrase}：{expression.zh}"

    def _met(self, target: Target, around: LessonContext | None, today: dt.date) -> Met | None:
        """The card replied to, else another card of its lesson, else the newest lesson card with the word."""
        if around is not None and (met := self.search.in_deck(target, around.deck, around.card)) is not None:
            return met
        return self.search.recent(target, today)


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
