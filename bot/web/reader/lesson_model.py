"""A lesson as the reading page shows it: the header's parts, and each card's English cut into runs
of plain text, key words (tap for the gloss) and builder expressions (marked).

The deck says which words and expressions a card teaches (the same ones the chat lists under a
card); this module only finds where each stands in the sentence, so the page can mark it in place.
A key word that cannot be found in place is still shown, after the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.shelf import lesson_key
from bot.web.reader.audio import card_audio_url, lesson_audio_url
from lessons.deck import Card, Deck
from lessons.expressions import Expression
from lessons.lesson import KIND_LABELS, LessonHeader
from lessons.library import format_timestamp
from lessons.vocabulary import KeyWord

# As the glossary matches: a form never continues a word on either side, gaps may be hyphens.
_BEFORE = r"(?<![A-Za-z0-9_-])"
_AFTER = r"(?![A-Za-z0-9_-])"
_GAP = r"[\s\-\u2010\u2011]+"
_APOSTROPHE = "['\u2019\u2018\u02bc]?"
# A key word may be part of a compound: "animated" in "re-animated" is still the word to look up.
_WORD_BEFORE = r"(?<![A-Za-z0-9_])"
_WORD_AFTER = r"(?![A-Za-z0-9_])"


@dataclass(frozen=True)
class Piece:
    """Some text of the sentence; a key word when `word` is set (`gloss_id` names its gloss)."""

    text: str
    word: KeyWord | None = None
    gloss_id: str = ""


@dataclass(frozen=True)
class Run:
    """Pieces side by side, inside one builder expression's mark when `expression` is set."""

    pieces: tuple[Piece, ...]
    expression: Expression | None = None


@dataclass(frozen=True)
class CardView:
    number: int
    audio: str
    stamp: str  # "[1:02] " in a talk, else ""
    runs: tuple[Run, ...]
    loose_words: tuple[Piece, ...]  # key words not found in the sentence as written
    zh: str | None
    expressions: tuple[Expression, ...]
    new_paragraph: bool


@dataclass(frozen=True)
class LessonView:
    key: str
    header: LessonHeader
    kind_label: str
    title_line: str  # "《title》 · 第 1/3 部分", or ""
    audio: str
    cards: tuple[CardView, ...]

    @property
    def source_site(self) -> str:
        """ "x.com", as the page shows where the original lives."""
        host = re.sub(r"^[a-z]+://", "", self.header.source).split("/", 1)[0]
        return host.removeprefix("www.")


def lesson_view(deck: Deck) -> LessonView:
    lesson = deck.lesson
    header = lesson.header
    titles = [f"《{header.title}》"] if header.title else []
    titles += [header.part_label] if header.part_label else []
    cards = tuple(
        card_view(lesson.id, card, index > 0 and card.paragraph != deck.cards[index - 1].paragraph)
        for index, card in enumerate(deck.cards)
    )
    return LessonView(
        key=lesson_key(lesson.id),
        header=header,
        kind_label=KIND_LABELS[header.kind],
        title_line=" · ".join(titles),
        audio=lesson_audio_url(lesson.id),
        cards=cards,
    )


def card_view(lesson_id: str, card: Card, new_paragraph: bool) -> CardView:
    expression_spans = _expression_spans(card.en, card.expressions)
    words = [Piece(word.word, word, f"gloss-{card.number}-{n}") for n, word in enumerate(card.words, 1)]
    word_spans, loose = _word_spans(card.en, words, [span for span, _ in expression_spans])
    return CardView(
        number=card.number,
        audio=card_audio_url(lesson_id, card.number),
        stamp=f"[{format_timestamp(card.start)}] " if card.start is not None else "",
        runs=_runs(card.en, expression_spans, word_spans),
        loose_words=tuple(loose),
        zh=card.zh,
        expressions=card.expressions,
        new_paragraph=new_paragraph,
    )


Span = tuple[int, int]


def _expression_spans(text: str, expressions: tuple[Expression, ...]) -> list[tuple[Span, Expression]]:
    """Where each expression first stands, longest form first, never overlapping another's mark."""
    found: list[tuple[Span, Expression]] = []
    for expression in expressions:
        flags = 0 if expression.case_sensitive else re.IGNORECASE
        for form in sorted(expression.forms, key=len, reverse=True):
            span = _first_free(re.compile(_form_pattern(form), flags), text, [s for s, _ in found])
            if span is not None:
                found.append((span, expression))
                break
    return sorted(found, key=lambda item: item[0])


def _form_pattern(form: str) -> str:
    tokens = [re.escape(token).replace("'", _APOSTROPHE) for token in re.split(r"[\s-]+", form.strip())]
    return _BEFORE + _GAP.join(tokens) + _AFTER


def _word_spans(
    text: str, words: list[Piece], marked: list[Span]
) -> tuple[list[tuple[Span, Piece]], list[Piece]]:
    """Each key word's first place as written (a word may sit inside an expression's mark, not
    across its edge); the words with no such place come back apart."""
    placed: list[tuple[Span, Piece]] = []
    loose: list[Piece] = []
    for word in words:
        body = _WORD_BEFORE + re.escape(word.text) + _WORD_AFTER
        taken = [span for span, _ in placed]
        span = _first_free(re.compile(body), text, taken, marked) or _first_free(
            re.compile(body, re.IGNORECASE), text, taken, marked
        )
        if span is None:
            loose.append(word)
        else:
            placed.append((span, word))
    return sorted(placed, key=lambda item: item[0]), loose


def _first_free(
    pattern: re.Pattern[str], text: str, taken: Sequence[Span], edges: Sequence[Span] = ()
) -> Span | None:
    """The first match that overlaps nothing taken and crosses no edge of the `edges` spans."""
    for match in pattern.finditer(text):
        span = match.span()
        if any(_overlap(span, other) for other in taken):
            continue
        if any(_overlap(span, edge) and not _inside(span, edge) for edge in edges):
            continue
        return span
    return None


def _overlap(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _inside(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _runs(
    text: str, expressions: list[tuple[Span, Expression]], words: list[tuple[Span, Piece]]
) -> tuple[Run, ...]:
    """The sentence cut at every mark's edge: runs outside expressions, and one run per expression."""
    runs: list[Run] = []
    at = 0
    for (start, end), expression in expressions:
        if start > at:
            runs.append(Run(_pieces(text, at, start, words)))
        runs.append(Run(_pieces(text, start, end, words), expression))
        at = end
    if at < len(text):
        runs.append(Run(_pieces(text, at, len(text), words)))
    return tuple(runs)


def _pieces(text: str, start: int, end: int, words: list[tuple[Span, Piece]]) -> tuple[Piece, ...]:
    pieces: list[Piece] = []
    at = start
    for (word_start, word_end), word in words:
        if word_start < start or word_end > end:
            continue
        if word_start > at:
            pieces.append(Piece(text[at:word_start]))
        pieces.append(Piece(text[word_start:word_end], word.word, word.gloss_id))  # as written
        at = word_end
    if at < end:
        pieces.append(Piece(text[at:end]))
    return tuple(pieces)
