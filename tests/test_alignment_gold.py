"""The aligner against the hand-checked gold set: a quality floor that catches regressions."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.alignment import GOLD, score
from lessons.library import Library

BUNDLED = Path(__file__).parent.parent / "lessons" / "library"


def test_sentence_pair_f1_on_the_gold_set_meets_the_target() -> None:
    result = score(Library.load(BUNDLED), json.loads(GOLD.read_text(encoding="utf-8")))
    assert result.posts >= 30 and result.sentences >= 300
    assert result.f1 >= 0.95, f"precision {result.precision:.3f} recall {result.recall:.3f}"
