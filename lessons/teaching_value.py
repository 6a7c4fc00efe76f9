"""Whether a lesson is worth a day: the share of its sentences a learner can learn English from.

Some posts are mostly not prose: a video's chapter list ("00:31:00 implementing the forward pass
to get logits"), a book's table of contents, a list of links. Cut into cards they teach nothing,
so the calendar leaves them out (see `lessons/calendar.py`); they stay readable by id.

The score reads the lesson's English sentences only, never the Chinese or the card alignment, so
a translation added or fixed later never moves a lesson on or off the calendar. Two facts make it:

- **prose share**: the share of sentences that are real prose, not a timestamp line, a link, code
  or a formula, a bare list item or fragment ("- sampling loop", ":)"), or a line of titles and
  names ("Chapter 2: Liberty and Surveillance in the Digital Age"). Talk filler ("Um, okay.
  Yeah.") is prose: it is how people speak.
- **key words per prose sentence**, as `lessons/vocabulary.py` picks them for the cards. Prose with
  almost nothing to learn ("Nice! Have fun! :)") counts for less, down to half its prose share
  when it has no key word at all; from KEY_WORDS_ENOUGH a sentence on, vocabulary costs nothing.

score = prose share × (1 − VOCABULARY_WEIGHT × shortfall), shortfall = max(0, 1 − key words per
prose sentence / KEY_WORDS_ENOUGH). A lesson is scheduled when its score reaches the
`[lessons] min_teaching_value` setting (default 0.5: at least half the lesson teaches).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from lessons.lesson import Lesson
from lessons.sentences import split_sentences
from lessons.vocabulary import Dictionary, key_words

SentenceKind = Literal["prose", "timestamp", "link", "code", "fragment", "names"]

# What the learner would see instead of prose, as `lessons list` names it (Chinese first).
KIND_LABELS: dict[SentenceKind, str] = {
    "prose": "正文 prose",
    "timestamp": "时间戳 timestamps",
    "link": "链接 URLs",
    "code": "代码和公式 code and formulas",
    "fragment": "列表条目和残句 bare list items",
    "names": "标题和人名 titles and names",
}

DEFAULT_MIN_SCORE = 0.5
# Key words per prose sentence from which vocabulary no longer lowers the score: one word to
# learn every other card. Talks run about 0.3-0.6, posts about 1-2.
KEY_WORDS_ENOUGH = 0.5
# How much of the score vocabulary can take away: prose with no key word keeps half its value.
VOCABULARY_WEIGHT = 0.5
# A line without end punctuation needs this many words to read as a sentence, not a list item.
MIN_SENTENCE_WORDS = 6
# A sentence with a link or code needs this many ordinary words besides to still teach.
MIN_WORDS_BESIDE = 3

_TIMESTAMP = re.compile(r"^[\W_]{0,3}\d{1,2}:\d{2}(?::\d{2})?(?!\d)")
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://\S+|\bwww\.\S+|\b(?:[\w-]+\.)+[a-z]{2,}/\S*)", re.IGNORECASE)
_CODE = re.compile(r"[`{}=<>;\\]|\w_\w|\w\.\w+\(|\(\)|^\$|^--?\w")
# A number or an operator on its own: the stuff of formulas ("6 * 8e9 * 15e12 = 7.2e23").
_FORMULA = re.compile(r"^[~≈(]*[\d.,]+(?:e\d+)?[%)]*[,:]?$|^[-+*/×=~≈^<>]+$")
_WORD = re.compile(r"^[\W_]*[A-Za-z][A-Za-z'’-]*[\W_]*$")
_BULLET = re.compile(r"^(?:[-*•–]|#+|\(?\d{1,2}[.)]|\(?[a-z][.)])\s")
_END = re.compile(r"[.!?…:;。！？]['\"”’)\]*_]*$")
# Words a title leaves in lowercase ("Liberty and Surveillance in the Digital Age").
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "over",
        "the",
        "to",
        "under",
        "vs",
        "with",
    ]
)


def sentence_kind(sentence: str) -> SentenceKind:
    """What one sentence is to a learner: prose to read, or something else a card would show."""
    text = sentence.strip()
    if _TIMESTAMP.match(text):
        return "timestamp"
    chunks = text.split()
    words = [chunk for chunk in chunks if _WORD.match(chunk) and not _URL.search(chunk)]
    if _URL.search(text) and len(words) < MIN_WORDS_BESIDE:
        return "link"
    if _is_code(_BULLET.sub("", text).split()):
        return "code"
    if not words:
        return "fragment"
    if _is_title_or_names(words) and not _END.search(text):
        return "names"
    if len(words) < MIN_SENTENCE_WORDS and (_BULLET.match(text) or not _END.search(text)):
        return "fragment"
    return "prose"


def _is_code(chunks: list[str]) -> bool:
    """Half the chunks or more are code marks, numbers or operators (a list marker is not counted)."""
    return sum(1 for chunk in chunks if _CODE.search(chunk) or _FORMULA.match(chunk)) * 2 >= len(chunks) > 0


def _is_title_or_names(words: list[str]) -> bool:
    """Two or more words, every one but title small words capitalized: a heading or a list of names."""
    cores = [word.strip("\"'“”‘’()[]*,.;:!?-–—") for word in words]
    content = [core for core in cores[1:] if len(core) > 1 and core.lower() not in _SMALL_WORDS]
    return len(cores) >= 2 and bool(content) and all(core[0].isupper() for core in content)


@dataclass(frozen=True)
class TeachingValue:
    """What a lesson's sentences are, and how many words they give to learn."""

    kinds: Mapping[SentenceKind, int]
    key_words: int

    @property
    def sentences(self) -> int:
        return sum(self.kinds.values())

    def share(self, kind: SentenceKind) -> float:
        return self.kinds.get(kind, 0) / self.sentences if self.sentences else 0.0

    @property
    def key_words_per_sentence(self) -> float:
        """Key words per prose sentence: what the cards worth reading offer to learn."""
        prose = self.kinds.get("prose", 0)
        return self.key_words / prose if prose else 0.0

    @property
    def vocabulary_shortfall(self) -> float:
        """0 with enough key words, up to 1 with none: how far the prose falls short of teaching words."""
        return max(0.0, 1 - self.key_words_per_sentence / KEY_WORDS_ENOUGH)

    @property
    def score(self) -> float:
        """0 (teaches nothing) to 1 (all prose, with words to learn)."""
        return self.share("prose") * (1 - VOCABULARY_WEIGHT * self.vocabulary_shortfall)


def teaching_value(sentences: Iterable[str], dictionary: Dictionary) -> TeachingValue:
    """Score English sentences; key words are counted on prose only (a timestamp line has some too)."""
    kinds: Counter[SentenceKind] = Counter()
    words = 0
    for sentence in sentences:
        kind = sentence_kind(sentence)
        kinds[kind] += 1
        if kind == "prose":
            words += len(key_words(sentence, dictionary))
    return TeachingValue(kinds=dict(kinds), key_words=words)


def lesson_sentences(lesson: Lesson) -> list[str]:
    """The lesson's English sentences, as its cards cut them before alignment."""
    return [sentence for paragraph in lesson.paragraphs for sentence in split_sentences(paragraph.en)]


@dataclass
class TeachingRule:
    """The threshold, applied to lessons with their scores computed once each, when first asked."""

    dictionary: Dictionary
    min_score: float = DEFAULT_MIN_SCORE
    _values: dict[str, TeachingValue] = field(default_factory=dict, repr=False)

    def value(self, lesson: Lesson) -> TeachingValue:
        if lesson.id not in self._values:
            self._values[lesson.id] = teaching_value(lesson_sentences(lesson), self.dictionary)
        return self._values[lesson.id]

    def schedules(self, lesson: Lesson) -> bool:
        """Whether the calendar may give the lesson a day of its own."""
        return self.value(lesson).score >= self.min_score

    def reason(self, lesson: Lesson) -> str | None:
        """Why the lesson is not scheduled ("不排课 not scheduled: 73% 时间戳 timestamps"), or None."""
        if self.schedules(lesson):
            return None
        value = self.value(lesson)
        return f"不排课 not scheduled ({value.score:.2f} < {self.min_score:g}): {why_low(value)}"


def why_low(value: TeachingValue, most: int = 2) -> str:
    """The largest non-prose shares, and the vocabulary when it is what pulls the score down."""
    others = sorted(
        ((share, kind) for kind in value.kinds if kind != "prose" if (share := value.share(kind)) >= 0.1),
        reverse=True,
    )
    parts = [f"{share:.0%} {KIND_LABELS[kind]}" for share, kind in others[:most]]
    if value.vocabulary_shortfall > 0 and value.kinds.get("prose"):
        per = value.key_words_per_sentence
        parts.append(f"每句 {per:.1f} 个生词 {per:.1f} key words a sentence")
    return ", ".join(parts) or f"{value.score:.0%} 价值 value"
