"""Whether a queued post may go out without a person reading it first: the checks behind auto-approval.

A post passes when all of these hold, else it waits for a reviewer with the reasons listed:

- **Chinese throughout**: every paragraph translated (an English-only post can be approved by a
  person, never automatically).
- **Teaching value**: every lesson cut from it reaches `[lessons] min_teaching_value`, as the
  calendar judges it (`lessons/teaching_value.py`); a lesson below would never get a day.
- **No card that may be mispaired**, on the cards the deck builds. The aligner is cautious: where
  it is unsure it merges sentences into one card instead of guessing, so a translation that went
  wrong shows up as one of these, which a correct one does not:
  - a prose sentence with no counterpart on a translated paragraph (English left without Chinese,
    or Chinese without English), beyond what translators drop (a ":D", "+100", see
    `lessons/untranslated.py`);
  - a card whose pair price (`sentence_pair_cost`: length ratio, kept terms, dictionary words) is
    above MAX_PAIR_COST, higher than any of the 2,433 hand-checked cards of the bundled library
    (their highest is 5.8);
  - a card of MAX_MERGED or more English sentences: the aligner could not pair them one by one;
  - a paragraph whose Chinese fits another paragraph's English better, by more than
    PARAGRAPH_MARGIN (a translation written into the wrong paragraph: cards pair within a
    paragraph, so they cannot tell).

Measured on the bundled library's translated paragraphs of 3+ sentences (424): 9 are flagged;
with their Chinese taken from another paragraph 273 of 407 are, with the first Chinese sentence
moved to the end 171, with the second one dropped 191 (the rest come out as coarse cards that
are still right: each card's Chinese translates its English). Of the 159 translated posts of 2+
paragraphs, none has a paragraph whose Chinese fits another better by PARAGRAPH_MARGIN, and every
one is caught with each paragraph given the next one's Chinese. 9 of the 294 translated posts would
wait for a person.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lessons.cards import align_spans, sentence_spans
from lessons.deck import DeckBuilder
from lessons.lesson import Lesson, lessons_of
from lessons.post import Paragraph, Post
from lessons.sentence_align import sentence_pair_cost
from lessons.sentences import sentence_count
from lessons.sizing import LessonSizing
from lessons.teaching_value import TeachingRule
from lessons.untranslated import PROSE_COST, lone_sentence_cost

MAX_PAIR_COST = 6.0
MAX_MERGED = 3
PARAGRAPH_MARGIN = 0.5  # in pair-price units (0 flags 7 of the 159 right posts above, 0.5 none)
MOST_REASONS = 6  # listed one by one; the rest are counted


@dataclass(frozen=True)
class Rules:
    """How the library cuts and judges lessons (the calendar's own settings), and the deck builder."""

    sizing: LessonSizing
    words_per_minute: int
    teaching: TeachingRule
    decks: DeckBuilder


@dataclass(frozen=True)
class Verdict:
    """`reasons` is empty exactly when the post passed; `score` is its weakest lesson's value."""

    post_id: str
    translated: bool
    score: float
    reasons: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.reasons


def check_post(post: Post, rules: Rules) -> Verdict:
    lessons = lessons_of(post, rules.sizing, rules.words_per_minute)
    reasons = list(_untranslated(post))
    for lesson in lessons:
        reasons += _teaching(lesson, rules.teaching, len(lessons))
    mispaired = [*swapped_paragraphs(post)]
    mispaired += [
        f"{_where(lesson, len(lessons))}{problem}"
        for lesson in lessons
        for problem in card_problems(lesson, rules.decks)
    ]
    if len(mispaired) > MOST_REASONS:
        mispaired = [*mispaired[:MOST_REASONS], f"……另有 {len(mispaired) - MOST_REASONS} 处 and more"]
    score = min(rules.teaching.value(lesson).score for lesson in lessons)
    return Verdict(post.id, post.translated, score, (*reasons, *mispaired))


def card_problems(lesson: Lesson, decks: DeckBuilder) -> list[str]:
    """The lesson's cards that may be mispaired, as the deck shows them (1-based card numbers)."""
    problems: list[str] = []
    for card in decks.build(lesson).cards:
        paragraph = lesson.paragraphs[card.paragraph]
        if not paragraph.zh:
            continue
        if card.zh is None:
            if lone_sentence_cost(card.en, paragraph.zh) >= PROSE_COST:
                problems.append(f"卡 {card.number} 没有译文 card {card.number} has no Chinese")
        elif sentence_pair_cost(card.en, card.zh) > MAX_PAIR_COST:
            problems.append(f"卡 {card.number} 译文对不上 card {card.number}: the Chinese does not match")
        elif (merged := sentence_count(card.en)) >= MAX_MERGED:
            problems.append(f"卡 {card.number} 合了 {merged} 句 card {card.number} joins {merged} sentences")
    problems += [
        f"第 {index + 1} 段有中文没有对应英文 paragraph {index + 1}: Chinese with no English"
        for index, paragraph in enumerate(lesson.paragraphs)
        if paragraph.zh and _lone_chinese(paragraph)
    ]
    return problems


def swapped_paragraphs(post: Post) -> list[str]:
    """Paragraphs whose English another paragraph's Chinese fits better than their own."""
    translated = [(number, p.en, p.zh) for number, p in enumerate(post.paragraphs, 1) if p.zh]
    problems = []
    for number, english, chinese in translated:
        own = sentence_pair_cost(english, chinese)
        better = [
            other for other, _, zh in translated if sentence_pair_cost(english, zh) + PARAGRAPH_MARGIN < own
        ]
        if better:
            problems.append(
                f"第 {number} 段译文对不上（第 {better[0]} 段的中文更贴合它）"
                f" paragraph {number}: paragraph {better[0]}'s Chinese fits it better"
            )
    return problems


def _lone_chinese(paragraph: Paragraph) -> bool:
    """A Chinese sentence the aligner pairs with no English (the cards hang it on a neighbour)."""
    assert paragraph.zh is not None
    en_spans, zh_spans = sentence_spans(paragraph.en, "en"), sentence_spans(paragraph.zh, "zh")
    for bead in align_spans(paragraph.en, en_spans, paragraph.zh, zh_spans):
        if bead.zh and not bead.en:
            start, end = zh_spans[bead.zh[0]][0], zh_spans[bead.zh[-1]][1]
            if lone_sentence_cost(paragraph.zh[start:end], paragraph.en) >= PROSE_COST:
                return True
    return False


def _untranslated(post: Post) -> Iterator[str]:
    missing = sum(1 for paragraph in post.paragraphs if not paragraph.zh)
    if missing:
        yield f"{missing}/{len(post.paragraphs)} 段没有中文 paragraphs without Chinese"


def _teaching(lesson: Lesson, teaching: TeachingRule, lessons: int) -> list[str]:
    reason = teaching.reason(lesson)
    return [f"{_where(lesson, lessons)}{reason}"] if reason else []


def _where(lesson: Lesson, lessons: int) -> str:
    """ "第 2 部分：" for a post cut into parts; nothing for a post that is one lesson."""
    return f"第 {lesson.header.part} 部分：" if lessons > 1 else ""
