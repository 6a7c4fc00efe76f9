"""What a reviewer sees of a queued post before deciding: enough to judge it without opening it.

The header a learner would see (kind, author, date, length), the first cards as the lesson
would cut them (English, and Chinese once translated), and the teaching value the calendar
would judge each lesson by, so a post the calendar would leave out is seen to be one before it is
approved. Plain values, so the terminal review and a chat's review digest render the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass

from lessons.cards import CardText, paragraph_cards
from lessons.lesson import Lesson, LessonHeader, lessons_of
from lessons.post import Post
from lessons.sizing import LessonSizing
from lessons.teaching_value import TeachingRule

FIRST_CARDS = 3


@dataclass(frozen=True)
class LessonValue:
    """One lesson of the post, its teaching value and, when left out, why."""

    lesson_id: str
    score: float
    left_out: str | None


@dataclass(frozen=True)
class QueuedSummary:
    post: Post
    header: LessonHeader  # the first lesson's: the whole post's kind, author and date
    words: int
    lessons: tuple[LessonValue, ...]
    first_cards: tuple[CardText, ...]

    @property
    def scheduled(self) -> bool:
        """Whether every lesson of the post would get a day of its own once approved."""
        return all(value.left_out is None for value in self.lessons)


def summarize(
    post: Post, *, sizing: LessonSizing, words_per_minute: int, rule: TeachingRule, cards: int = FIRST_CARDS
) -> QueuedSummary:
    lessons = lessons_of(post, sizing, words_per_minute)
    return QueuedSummary(
        post=post,
        header=lessons[0].header,
        words=post.words,
        lessons=tuple(_value(lesson, rule) for lesson in lessons),
        first_cards=tuple(_first_cards(lessons[0], cards)),
    )


def _value(lesson: Lesson, rule: TeachingRule) -> LessonValue:
    return LessonValue(lesson.id, rule.value(lesson).score, rule.reason(lesson))


def _first_cards(lesson: Lesson, count: int) -> list[CardText]:
    found: list[CardText] = []
    for index, paragraph in enumerate(lesson.paragraphs):
        found.extend(paragraph_cards(paragraph, index))
        if len(found) >= count:
            break
    return found[:count]
