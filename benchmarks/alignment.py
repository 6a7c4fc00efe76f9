"""Precision, recall and F1 of the sentence aligner on the hand-checked gold set.

The gold set (tests/fixtures/alignment_gold.json) pairs the English and
Chinese sentences of 35+ bundled posts by reading them. A predicted pair counts
as correct only if exactly the same English sentences go with exactly the same
Chinese sentences. Target: F1 >= 0.95.

    .venv/bin/python benchmarks/alignment.py [--show-errors]
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from lessons.cards import align_spans, sentence_spans
from lessons.library import Library
from lessons.post import Post

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "fixtures" / "alignment_gold.json"

Pair = tuple[tuple[str, ...], tuple[str, ...]]


def predicted_pairs(post: Post) -> set[Pair]:
    """The aligner's sentence pairs over the whole post, as texts."""
    pairs: set[Pair] = set()
    for paragraph in post.paragraphs:
        if not paragraph.zh:
            continue
        en_spans, zh_spans = sentence_spans(paragraph.en, "en"), sentence_spans(paragraph.zh, "zh")
        for bead in align_spans(paragraph.en, en_spans, paragraph.zh, zh_spans):
            en = tuple(_squeeze(paragraph.en[slice(*en_spans[i])]) for i in bead.en)
            zh = tuple(_squeeze(paragraph.zh[slice(*zh_spans[j])]) for j in bead.zh)
            pairs.add((en, zh))
    return pairs


def gold_pairs(post: dict) -> set[Pair]:
    """Gold pairs as texts, so they hold when the importer regroups a post's paragraphs."""
    pairs: set[Pair] = set()
    for item in post["paragraphs"]:
        for pair in item["pairs"]:
            en = tuple(_squeeze(item["en_sentences"][i]) for i in pair["en"])
            zh = tuple(_squeeze(item["zh_sentences"][j]) for j in pair["zh"])
            pairs.add((en, zh))
    return pairs


def _squeeze(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Score:
    posts: int
    sentences: int
    gold: int
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        return 2 * self.precision * self.recall / (self.precision + self.recall)


def score(library: Library, gold: dict, show_errors: bool = False) -> Score:
    correct = predicted_total = gold_total = sentences = 0
    for post in gold["posts"]:
        predicted, expected = predicted_pairs(library.posts[post["id"]]), gold_pairs(post)
        correct += len(predicted & expected)
        predicted_total += len(predicted)
        gold_total += len(expected)
        sentences += sum(len(item["en_sentences"]) for item in post["paragraphs"])
        if show_errors and predicted != expected:
            print(f"{post['id']}:\n  gold only: {sorted(expected - predicted)}")
            print(f"  predicted only: {sorted(predicted - expected)}")
    return Score(len(gold["posts"]), sentences, gold_total, correct / predicted_total, correct / gold_total)


def main(show_errors: bool) -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    result = score(Library.load(ROOT / "lessons" / "library"), gold, show_errors)
    print(f"posts: {result.posts}, English sentences: {result.sentences}, gold pairs: {result.gold}")
    print(f"precision: {result.precision:.3f}  recall: {result.recall:.3f}  F1: {result.f1:.3f}")
    print(f"target F1 >= 0.95 -> {'met' if result.f1 >= 0.95 else 'MISSED'}")


if __name__ == "__main__":
    main("--show-errors" in sys.argv)
