"""A lesson: one day's reading, cut from a post, with the header the reader sees first.

A post that fits in a day is one lesson with the post's id. A longer post is
cut into parts (`<post id>-part2`) read on consecutive days; a talk already
arrives from its importer as a series of part-sized posts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
    """Cut a post into its day-sized lessons."""
    if post.series:
        return [
            _lesson(post, post.id, post.paragraphs, post.series.part, post.series.parts, words_per_minute)
        ]
    counts = [sentence_count(p.en) for p in post.paragraphs]
    ranges = part_ranges(counts, sizing)
    if len(ranges) == 1:
        return [_lesson(post, post.id, post.paragraphs, 1, 1, words_per_minute)]
    return [
        _lesson(
            post, f"{post.id}-part{n}", post.paragraphs[r.start : r.stop], n, len(ranges), words_per_minute
        )
        for n, r in enumerate(ranges, 1)
    ]


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
