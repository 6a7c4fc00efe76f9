"""Which library sentences use a word: "builders use it like this", for answers without an LLM.

Built once, lazily, in memory. The build is deliberately cheap: it indexes paragraphs, not
sentences, by each word's lowercase form and its dictionary lemma ("engulfed" → engulf), which
is a tokenizer and a hash look-up per word (~0.2 s for the bundled library). Cutting paragraphs
into aligned sentence cards costs about ten times more (the EN↔ZH alignment), so it is done
only for the few paragraphs an answer reads, and those cards are kept in a small LRU.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.learning.text_patterns import words
from lessons.cards import CardText, paragraph_cards
from lessons.lesson import Lesson
from lessons.vocabulary import Dictionary

SCANNED_PARAGRAPHS = 24  # paragraphs cut into cards for one answer, at most
KEPT_PARAGRAPHS = 256  # paragraphs whose cards are kept
SHORT_SENTENCE = 240  # characters; longer sentences are used only when no short one is found


@dataclass(frozen=True)
class Usage:
    """A library sentence that uses the word, with its translation and where it is from."""

    en: str
    zh: str | None
    lesson_id: str
    author: str


class UsageIndex:
    """Library paragraphs by the words (and lemmas) they use; sentences found on demand."""

    def __init__(self, lessons: Iterable[Lesson], dictionary: Dictionary) -> None:
        """`lessons` is read on the first question (a dict's values view stays current until then)."""
        self._lessons = lessons
        self._dictionary = dictionary
        self._paragraphs: list[tuple[Lesson, int]] = []
        self._postings: dict[str, list[int]] = {}
        self._keys: dict[str, str] = {}
        self._cards: OrderedDict[int, list[CardText]] = OrderedDict()
        self._built = False
        self.build_seconds: float | None = None

    def build(self) -> None:
        """Index every paragraph (once; later calls do nothing). Called by the first question."""
        if self._built:
            return
        started = time.perf_counter()
        for lesson in self._lessons:
            for index, paragraph in enumerate(lesson.paragraphs):
                number = len(self._paragraphs)
                self._paragraphs.append((lesson, index))
                for key in {self.key(word) for word in words(paragraph.en)}:
                    self._postings.setdefault(key, []).append(number)
        self._built = True
        self.build_seconds = time.perf_counter() - started

    @property
    def paragraphs(self) -> int:
        self.build()
        return len(self._paragraphs)

    def key(self, word: str) -> str:
        """A word's index key: its dictionary lemma when it has one ("engulfed" → "engulf")."""
        word = word.lower()
        key = self._keys.get(word)
        if key is None:
            entry = self._dictionary.lookup(word)
            key = self._keys[word] = entry.lemma.lower() if entry is not None else word
        return key

    def examples(
        self, term: str, *, limit: int = 3, exclude: str | None = None, other_than: str | None = None
    ) -> list[Usage]:
        """Up to `limit` sentences using `term`, one per post first, translated and short first.

        `exclude` is the sentence being explained; lessons other than `other_than` (the card's own
        lesson) come first, since the point is to see the word used somewhere else.
        """
        uses = self._matcher(term)
        if uses is None or limit <= 0:
            return []
        best: list[Usage] = []
        spare: list[Usage] = []
        units_seen: set[str] = set()
        for number in self._spread(self._candidates(term))[:SCANNED_PARAGRAPHS]:
            lesson, _ = self._paragraphs[number]
            card = next((c for c in self._paragraph_cards(number) if c.en != exclude and uses(c.en)), None)
            if card is None:
                continue
            usage = Usage(card.en, card.zh, lesson.id, lesson.header.author)
            repeated = lesson.unit in units_seen or lesson.id == other_than
            if repeated or card.zh is None or len(card.en) > SHORT_SENTENCE:
                spare.append(usage)
                continue
            units_seen.add(lesson.unit)
            best.append(usage)
            if len(best) >= limit:
                break
        spare.sort(key=lambda usage: (usage.zh is None, len(usage.en) > SHORT_SENTENCE))
        return (best + spare)[:limit]

    def _candidates(self, term: str) -> list[int]:
        """Paragraphs that have every word of `term`, in library order."""
        self.build()
        keys = {self.key(word) for word in words(term)}
        if not keys:
            return []
        postings = sorted((self._postings.get(key, []) for key in keys), key=len)
        found = set(postings[0]).intersection(*postings[1:])
        return sorted(found)

    def _spread(self, numbers: list[int]) -> list[int]:
        """Translated paragraphs first, and the first of each post (or talk) before the others:
        examples from many builders, each with its Chinese."""
        seen: set[str] = set()
        ranked: list[tuple[bool, bool, int]] = []
        for number in numbers:
            lesson, index = self._paragraphs[number]
            ranked.append((not lesson.paragraphs[index].zh, lesson.unit in seen, number))
            seen.add(lesson.unit)
        return [number for *_, number in sorted(ranked)]

    def _matcher(self, term: str) -> Callable[[str], bool] | None:
        """One word matches any of its forms; a phrase matches its words in order, as written."""
        wanted = words(term)
        if not wanted:
            return None
        if len(wanted) == 1:
            key = self.key(wanted[0])
            return lambda sentence: any(self.key(w) == key for w in words(sentence))
        pattern = re.compile(r"(?<![a-z0-9])" + r"\W+".join(map(re.escape, wanted)) + r"(?![a-z0-9])")
        return lambda sentence: pattern.search(sentence.lower()) is not None

    def _paragraph_cards(self, number: int) -> list[CardText]:
        cards = self._cards.pop(number, None)
        if cards is None:
            lesson, index = self._paragraphs[number]
            cards = paragraph_cards(lesson.paragraphs[index], index)
        self._cards[number] = cards
        while len(self._cards) > KEPT_PARAGRAPHS:
            self._cards.popitem(last=False)
        return cards
