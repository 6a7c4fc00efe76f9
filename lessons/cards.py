"""Sentence cards: a lesson's paragraphs cut into aligned English/Chinese sentence pairs.

The learner sees one English sentence at a time, predicts its meaning, then
checks the Chinese. So each paragraph is split into sentences on both sides
and aligned (1-1 where the translation allows, merged where the translator
split or merged sentences). A card's text is a slice of the paragraph's own
text, so concatenating a lesson's cards gives back the lesson, in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from lessons.align import Bead
from lessons.post import Paragraph
from lessons.sentence_align import align_sentences
from lessons.sentences import sentence_offsets

Span = tuple[int, int]


@dataclass(frozen=True)
class CardText:
    """The text of one card: English sentence(s) and the Chinese that translates them."""

    en: str
    zh: str | None
    paragraph: int
    start: float | None = None


def paragraph_cards(paragraph: Paragraph, index: int) -> list[CardText]:
    """Cards of one paragraph; an untranslated paragraph makes English-only cards. A talk's
    paragraph time goes on its first card only: the sentences after it were said later."""
    en_spans = sentence_spans(paragraph.en, "en")
    if not paragraph.zh:
        return [
            CardText(_cut(paragraph.en, [span]), None, index, paragraph.start if number == 0 else None)
            for number, span in enumerate(en_spans)
        ]
    zh_spans = sentence_spans(paragraph.zh, "zh")
    cards: list[CardText] = []
    pending_zh: list[Span] = []
    for bead in align_spans(paragraph.en, en_spans, paragraph.zh, zh_spans):
        zh_part = [zh_spans[j] for j in bead.zh]
        if not bead.en:
            _attach_zh(cards, pending_zh, zh_part, paragraph.zh)
            continue
        zh_part = pending_zh + zh_part
        pending_zh = []
        en_text = _cut(paragraph.en, [en_spans[i] for i in bead.en])
        zh_text = _cut(paragraph.zh, zh_part) if zh_part else None
        start = paragraph.start if not cards else None
        cards.append(CardText(en_text, zh_text, index, start))
    return cards


def align_spans(en: str, en_spans: list[Span], zh: str, zh_spans: list[Span]) -> list[Bead]:
    """Which English sentences go with which Chinese ones (indices into the span lists)."""
    return align_sentences([en[a:b] for a, b in en_spans], [zh[a:b] for a, b in zh_spans])


def _attach_zh(cards: list[CardText], pending: list[Span], spans: list[Span], zh: str) -> None:
    """Chinese with no English of its own joins the card before it (or the next one): never dropped."""
    if not cards:
        pending.extend(spans)
        return
    last = cards[-1]
    joined = _cut(zh, [*_spans_of(last.zh, zh), *spans]) if last.zh else _cut(zh, spans)
    cards[-1] = CardText(last.en, joined, last.paragraph, last.start)


def _spans_of(text: str, whole: str) -> list[Span]:
    start = whole.find(text)
    return [(start, start + len(text))] if start >= 0 else []


def _cut(text: str, spans: list[Span]) -> str:
    """The paragraph's own text from the first span's start to the last span's end."""
    return text[min(a for a, _ in spans) : max(b for _, b in spans)].strip()


def sentence_spans(text: str, language: str) -> list[Span]:
    """Where each sentence of `text` lies in it (whitespace between sentences belongs to none)."""
    return list(sentence_offsets(text, language))
