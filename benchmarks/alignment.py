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
from pathlib import Path

from lessons.cards import align_spans, sentence_spans
from lessons.library import Library

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "fixtures" / "alignment_gold.json"

Pair = tuple[tuple[int, ...], tuple[int, ...]]


def predicted_pairs(en: str, zh: str) -> set[Pair]:
    en_spans, zh_spans = sentence_spans(en, "en"), sentence_spans(zh, "zh")
    beads = align_spans(en, en_spans, zh, zh_spans)
    return {(tuple(bead.en), tuple(bead.zh)) for bead in beads}


def gold_pairs(paragraph: dict) -> set[Pair]:
    return {(tuple(pair["en"]), tuple(pair["zh"])) for pair in paragraph["pairs"]}


def main(show_errors: bool) -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    library = Library.load(ROOT / "lessons" / "library")
    correct = predicted_total = gold_total = sentences = 0
    for post in gold["posts"]:
        paragraphs = library.posts[post["id"]].paragraphs
        for item in post["paragraphs"]:
            paragraph = paragraphs[item["index"]]
            predicted = predicted_pairs(paragraph.en, paragraph.zh or "")
            expected = gold_pairs(item)
            correct += len(predicted & expected)
            predicted_total += len(predicted)
            gold_total += len(expected)
            sentences += len(item["en_sentences"])
            if show_errors and predicted != expected:
                print(f"{post['id']} paragraph {item['index']}:")
                print(f"  gold only:      {sorted(expected - predicted)}")
                print(f"  predicted only: {sorted(predicted - expected)}")
    precision = correct / predicted_total
    recall = correct / gold_total
    f1 = 2 * precision * recall / (precision + recall)
    print(f"posts: {len(gold['posts'])}, English sentences: {sentences}, gold pairs: {gold_total}")
    print(f"precision: {precision:.3f}  recall: {recall:.3f}  F1: {f1:.3f}")
    print(f"target F1 >= 0.95 -> {'met' if f1 >= 0.95 else 'MISSED'}")


if __name__ == "__main__":
    main("--show-errors" in sys.argv)
