"""A lesson: one day's reading, cut from a post, with the header the reader sees first.

A post that fits in a day is one lesson with the post's id. A longer post is
cut into parts (`<post id>-part2`) read on consecutive days; a talk already
arrives from its importer as a series of part-sized posts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass

from lessons.cards import paragraph_cards
from lessons.post import Engagement, Paragraph, Post, PostKind
from lessons.sentences import sentence_count
from lessons.sizing import LessonSizing, part_ranges
from lessons.text import reading_minutes, word_count

KIND_LABELS: dict[str, str] = {
    "post": "🐦 X · 动态",
    "thread": "🧵 X · 长帖",
    "talk": "🎤 演讲",
    "article": "📝 文章",
}


@dataclass(frozen=True)
class LessonHeader:
    """What the BuildSpeak page shows above a post."""

    kind: PostKind
    title: str | None
    author: str
    handle: str | None
    date: dt.date
    words: int
    minutes: int
    engagement: Engagement
    source: str
    part: int
    parts: int

    @property
    def reading_label(self) -> str:
        return f"{self.words} 词 · 约 {self.minutes} 分钟"

    @property
    def part_label(self) -> str | None:
        return f"第 {self.part}/{self.parts} 部分" if self.parts > 1 else None

    @property
    def byline(self) -> str:
        handle = f" @{self.handle}" if self.handle and f"@{self.handle}" != self.author else ""
        return f"{self.author}{handle}"

    @property
    def date_label(self) -> str:
        return f"{self.date.year} 年 {self.date.month} 月 {self.date.day} 日"

    @property
    def headline(self) -> str:
        """The page's first header line: kind, author, date, length."""
        return f"{KIND_LABELS[self.kind]} · {self.byline} · {self.date_label} · {self.reading_label}"

    @property
    def engagement_label(self) -> str:
        """ "♥ 31.4K  ↻ 2.1K", as the page shows counts; empty when none are known."""
        engagement = self.engagement
        counts = (
            ("♥", engagement.likes),
            ("↻", engagement.reposts),
            ("💬", engagement.replies),
            ("❝", engagement.quotes),
        )
        return "  ".join(f"{symbol} {compact_count(value)}" for symbol, value in counts if value is not None)


def compact_count(value: int) -> str:
    """31400 -> "31.4K"."""
    for size, suffix in ((1_000_000, "M"), (1_000, "K")):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(value)


@dataclass(frozen=True)
class Lesson:
    """One day's reading: some paragraphs of a post, in order."""

    id: str
    post: Post
    paragraphs: tuple[Paragraph, ...]
    header: LessonHeader

    @property
    def sentences(self) -> int:
        return sum(sentence_count(p.en) for p in self.paragraphs)

    @property
    def unit(self) -> str:
        """What the calendar schedules as one block: the series, or else the post."""
        return self.post.series.id if self.post.series else self.post.id


def lessons_of(post: Post, sizing: LessonSizing, words_per_minute: int) -> list[Lesson]:
    """Cut a post into its day-sized lessons: at paragraph breaks, and inside a long paragraph when
    the post is too long for one lesson."""
    if post.series:
        return [
            _lesson(post, post.id, post.paragraphs, post.series.part, post.series.parts, words_per_minute)
        ]
    paragraphs = post.paragraphs
    if sum(sentence_count(p.en) for p in paragraphs) > sizing.max_sentences:
        paragraphs = tuple(piece for paragraph in paragraphs for piece in split_paragraph(paragraph, sizing))
    ranges = part_ranges([sentence_count(p.en) for p in paragraphs], sizing)
    if len(ranges) == 1:
        return [_lesson(post, post.id, paragraphs, 1, 1, words_per_minute)]
    return [
        _lesson(post, f"{post.id}-part{n}", paragraphs[r.start : r.stop], n, len(ranges), words_per_minute)
        for n, r in enumerate(ranges, 1)
    ]


def split_paragraph(paragraph: Paragraph, sizing: LessonSizing) -> list[Paragraph]:
    """A paragraph longer than a lesson's target, cut into even pieces between aligned sentence pairs.

    The cuts fall where a card ends, so each piece's Chinese translates exactly its English; and
    the pieces are slices of the paragraph's own text, so nothing is lost. A cut is skipped where
    the card after it has no Chinese of its own (the translation does not split there).
    """
    sentences = sentence_count(paragraph.en)
    if sentences <= sizing.target_sentences:
        return [paragraph]
    cards = paragraph_cards(paragraph, 0)
    wanted = _even_cuts(
        [sentence_count(card.en) for card in cards], math.ceil(sentences / sizing.target_sentences)
    )
    en_cuts, zh_cuts = [0], [0]
    en_from = zh_from = 0
    for number, card in enumerate(cards):
        en_at = paragraph.en.find(card.en, en_from)
        zh_at = paragraph.zh.find(card.zh, zh_from) if paragraph.zh and card.zh else -1
        en_from, zh_from = max(en_at, en_from), max(zh_at, zh_from)
        if number in wanted and en_at > 0 and (paragraph.zh is None or zh_at > 0):
            en_cuts.append(en_at)
            zh_cuts.append(zh_at)
    en_cuts.append(len(paragraph.en))
    zh_cuts.append(len(paragraph.zh or ""))
    return [
        Paragraph(
            en=paragraph.en[en_cuts[i] : en_cuts[i + 1]].strip(),
            zh=paragraph.zh[zh_cuts[i] : zh_cuts[i + 1]].strip() if paragraph.zh else None,
            start=paragraph.start if i == 0 else None,
        )
        for i in range(len(en_cuts) - 1)
    ]


def _even_cuts(counts: list[int], pieces: int) -> set[int]:
    """Indexes of the cards that start a new piece, so the pieces hold about equal sentences."""
    before = [0, *itertools.accumulate(counts)]  # sentences before card i
    total = before[-1]
    return {
        min(range(1, len(counts)), key=lambda i: abs(before[i] - total * piece / pieces))
        for piece in range(1, pieces)
        if len(counts) > 1
    }


def _lesson(
    post: Post, lesson_id: str, paragraphs: tuple[Paragraph, ...], part: int, parts: int, wpm: int
) -> Lesson:
    words = sum(word_count(p.en) for p in paragraphs)
    header = LessonHeader(
        kind=post.kind,
        title=post.series.title if post.series else post.title,
        author=post.author,
        handle=post.handle,
        date=post.date,
        words=words,
        minutes=reading_minutes(words, wpm),
        engagement=post.engagement,
        source=str(post.source),
        part=part,
        parts=parts,
    )
    return Lesson(lesson_id, post, paragraphs, header)
