"""Monotonic alignment of two sequences (paragraphs or sentences) by dynamic programming.

The translations in our library split and merge freely, so a strict 1-1 zip
would mis-pair everything after the first merge. This is the Gale-Church idea
(length ratio) strengthened by anchors: Chinese translations of builder posts
keep technical terms, names and numbers in English, and those must match.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from lessons.text import cjk_count

# (English items, Chinese items) a bead may join, with the price of choosing it:
# 1-1 is the norm; merges cost a little; leaving a side unpaired costs a lot.
# 2-2 is dear so that two plausible 1-1 pairs are not lumped together (tuned on
# the hand-checked gold set: benchmarks/alignment.py; F1 0.949 -> 0.965).
BEAD_PENALTIES: dict[tuple[int, int], float] = {
    (1, 1): 0.0,
    (2, 1): 0.9,
    (1, 2): 0.9,
    (2, 2): 2.8,
    (3, 1): 1.8,
    (1, 3): 1.8,
    (1, 0): 3.0,
    (0, 1): 3.0,
}

# Size of a Chinese translation per English character, counting a Chinese
# character as 1 and any other character as 0.5 (measured on the 368 one-to-one
# posts of the 2024 archive: median 0.41, deciles 0.33-0.54).
ZH_PER_EN_CHAR = 0.41

_ANCHOR = re.compile(r"[A-Za-z][A-Za-z0-9+#.-]*[A-Za-z0-9+#]|[A-Za-z]|\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Bead:
    """Which English items are paired with which Chinese items (index ranges)."""

    en: range
    zh: range


def align(
    en: Sequence[str], zh: Sequence[str], cost: Callable[[str, str], float] | None = None
) -> list[Bead]:
    """Cover both sequences, in order, with the cheapest chain of beads."""
    pair_cost = cost or translation_cost
    n, m = len(en), len(zh)
    best = [[math.inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if best[i][j] == math.inf:
                continue
            for (di, dj), penalty in BEAD_PENALTIES.items():
                if i + di > n or j + dj > m:
                    continue
                en_text = "\n".join(en[i : i + di])
                zh_text = "\n".join(zh[j : j + dj])
                step = penalty + (pair_cost(en_text, zh_text) if di and dj else 0.0)
                if best[i][j] + step < best[i + di][j + dj]:
                    best[i + di][j + dj] = best[i][j] + step
                    back[i + di][j + dj] = (di, dj)
    return _trace(back, n, m)


def _trace(back: list[list[tuple[int, int] | None]], n: int, m: int) -> list[Bead]:
    beads: list[Bead] = []
    i, j = n, m
    while i or j:
        step = back[i][j]
        assert step is not None, "alignment lattice is connected by the (1,0) and (0,1) beads"
        di, dj = step
        beads.append(Bead(range(i - di, i), range(j - dj, j)))
        i, j = i - di, j - dj
    return beads[::-1]


def translation_cost(en: str, zh: str) -> float:
    """How unlikely it is that `zh` translates `en`: length mismatch plus missing anchors."""
    if en.strip() == zh.strip():
        return 0.0
    return _length_cost(en, zh) + _anchor_cost(en, zh)


def _length_cost(en: str, zh: str) -> float:
    zh_size = cjk_count(zh) + 0.5 * (len(zh) - cjk_count(zh))
    expected = ZH_PER_EN_CHAR * len(en)
    return abs(math.log((zh_size + 4) / (expected + 4)))


def _anchor_cost(en: str, zh: str) -> float:
    zh_anchors = anchors(zh)
    if not zh_anchors:
        return 0.0
    missing = len(zh_anchors - anchors(en)) / len(zh_anchors)
    return 2.0 * missing


@lru_cache(maxsize=65536)
def anchors(text: str) -> frozenset[str]:
    """Latin terms and numbers, lower-cased: what a translation keeps untranslated."""
    return frozenset(token.lower().replace(",", "") for token in _ANCHOR.findall(text))
