"""How big a day's lesson is, and how a long text is cut into day-sized parts.

A lesson should take a learner 10-15 minutes card by card: about 5 to 15
sentences. Shorter posts still teach if they have a few real sentences;
one-liners ("lol", a link) do not. Longer texts are cut at paragraph
boundaries into balanced parts near the target size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LessonSizing:
    """The size rules; defaults match config/buildspeak.toml [lessons]."""

    min_sentences: int = 3
    min_words: int = 25
    target_sentences: int = 10
    max_sentences: int = 15

    def __post_init__(self) -> None:
        if not 1 <= self.min_sentences <= self.target_sentences <= self.max_sentences:
            raise ValueError("lesson sizes need 1 <= min_sentences <= target_sentences <= max_sentences")

    def teaches(self, sentences: int, words: int) -> bool:
        """Whether a text is long enough to be a lesson at all."""
        return sentences >= self.min_sentences and words >= self.min_words


def part_ranges(sentence_counts: Sequence[int], sizing: LessonSizing) -> list[range]:
    """Cut paragraphs (given by their sentence counts) into contiguous, balanced parts.

    Dynamic programming over cut points: each part costs its squared distance
    from the target, plus steep penalties above the maximum and below the
    minimum, so the number of parts falls out of the sizes instead of a rule.
    A paragraph is never split here: cutting inside one needs sentence alignment.
    """
    count = len(sentence_counts)
    if sum(sentence_counts) <= sizing.max_sentences or count <= 1:
        return [range(count)]
    prefix = [0]
    for sentences in sentence_counts:
        prefix.append(prefix[-1] + sentences)
    best = [0.0] + [math.inf] * count
    cut_before = [0] * (count + 1)
    for end in range(1, count + 1):
        for start in range(end):
            cost = best[start] + _part_cost(prefix[end] - prefix[start], sizing)
            if cost < best[end]:
                best[end], cut_before[end] = cost, start
    ranges: list[range] = []
    end = count
    while end:
        ranges.append(range(cut_before[end], end))
        end = cut_before[end]
    return ranges[::-1]


def _part_cost(sentences: int, sizing: LessonSizing) -> float:
    over = max(0, sentences - sizing.max_sentences)
    under = max(0, sizing.min_sentences - sentences)
    return (sentences - sizing.target_sentences) ** 2 + 100 * over**2 + 1000 * under**2
