"""The sentence cards against the hand-aligned gold set: a quality floor that catches regressions.

The floor is on the held-out posts, which no tuning looked at, and on mispaired
cards in both halves: a card may be coarser than the gold, never wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.alignment import Tally, score
from benchmarks.alignment_gold import load_gold
from lessons.library import Library

BUNDLED = Path(__file__).parent.parent / "lessons" / "library"
HELD_OUT_F1_FLOOR = 0.96


@pytest.fixture(scope="module")
def tallies() -> dict[str, Tally]:
    return score(Library.load(BUNDLED), load_gold())


def test_the_gold_set_is_large_and_split_before_tuning(tallies: dict[str, Tally]) -> None:
    assert tallies["tune"].posts + tallies["held-out"].posts >= 80
    assert tallies["held-out"].posts >= 40 and tallies["held-out"].units >= 180


def test_no_card_shows_another_sentence_translation(tallies: dict[str, Tally]) -> None:
    assert tallies["tune"].mispaired == 0
    assert tallies["held-out"].mispaired == 0


def test_held_out_sentence_pair_f1_stays_above_the_floor(tallies: dict[str, Tally]) -> None:
    held = tallies["held-out"]
    assert held.f1 >= HELD_OUT_F1_FLOOR, f"precision {held.precision:.3f} recall {held.recall:.3f}"
