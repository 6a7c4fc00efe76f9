"""Monotonic alignment of two sequences (paragraphs or sentences) by dynamic programming.

The translations in our library split and merge freely, so a strict 1-1 zip
would mis-pair everything after the first merge. This is the Gale-Church idea
(length ratio) strengthened by anchors: Chinese translations of builder posts
keep technical terms, names and numbers in English, and those must match.

`align` returns the cheapest chain of beads. `align_cautiously` also weighs
every other chain (a forward-backward pass over the same lattice) and keeps a
cut between two beads only where nearly all the probability passes through
it; elsewhere the beads on both sides become one. A learner then gets a
coarser card instead of a sentence paired with its neighbour's translation.
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
# 2-2 is dear so that two plausible 1-1 pairs are not lumped together.
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

PairCost = Callable[[str, str], float]
LoneCost = Callable[[str], float]


@dataclass(frozen=True)
class Bead:
    """Which English items are paired with which Chinese items (index ranges)."""

    en: range
    zh: range


class _Lattice:
    """Every bead that may be placed, with its price, computed once for all passes."""

    def __init__(
        self,
        en: Sequence[str],
        zh: Sequence[str],
        cost: PairCost,
        penalties: dict[tuple[int, int], float],
        lone: tuple[LoneCost, LoneCost] | None,
    ) -> None:
        self.n, self.m = len(en), len(zh)
        self.moves: list[tuple[int, int, int, int, float]] = []
        for i in range(self.n + 1):
            for j in range(self.m + 1):
                for (di, dj), penalty in penalties.items():
                    if (di or dj) and i + di <= self.n and j + dj <= self.m:
                        price = penalty + self._price(en[i : i + di], zh[j : j + dj], cost, lone)
                        self.moves.append((i, j, di, dj, price))

    @staticmethod
    def _price(
        en: Sequence[str], zh: Sequence[str], cost: PairCost, lone: tuple[LoneCost, LoneCost] | None
    ) -> float:
        if en and zh:
            return cost("\n".join(en), "\n".join(zh))
        if lone is None:
            return 0.0
        return lone[0]("\n".join(en)) if en else lone[1]("\n".join(zh))

    def best_chain(self) -> list[Bead]:
        """The cheapest chain of beads covering both sequences."""
        best = [[math.inf] * (self.m + 1) for _ in range(self.n + 1)]
        back: list[list[tuple[int, int] | None]] = [[None] * (self.m + 1) for _ in range(self.n + 1)]
        best[0][0] = 0.0
        for i, j, di, dj, price in self.moves:  # moves are in (i, j) order: sources come first
            if best[i][j] + price < best[i + di][j + dj]:
                best[i + di][j + dj] = best[i][j] + price
                back[i + di][j + dj] = (di, dj)
        beads: list[Bead] = []
        i, j = self.n, self.m
        while i or j:
            step = back[i][j]
            assert step is not None, "the lattice is connected by the (1,0) and (0,1) beads"
            di, dj = step
            beads.append(Bead(range(i - di, i), range(j - dj, j)))
            i, j = i - di, j - dj
        return beads[::-1]

    def through(self, temperature: float) -> list[list[float]]:
        """For each point (i, j), the probability that the chain passes through it, when a
        chain's probability falls off as exp(-cost / temperature)."""
        inf = math.inf
        forward = [[inf] * (self.m + 1) for _ in range(self.n + 1)]
        backward = [[inf] * (self.m + 1) for _ in range(self.n + 1)]
        forward[0][0] = backward[self.n][self.m] = 0.0
        for i, j, di, dj, price in self.moves:
            forward[i + di][j + dj] = _soft_min(forward[i + di][j + dj], forward[i][j] + price, temperature)
        for i, j, di, dj, price in reversed(self.moves):
            backward[i][j] = _soft_min(backward[i][j], backward[i + di][j + dj] + price, temperature)
        total = forward[self.n][self.m]
        return [
            [math.exp((total - forward[i][j] - backward[i][j]) / temperature) for j in range(self.m + 1)]
            for i in range(self.n + 1)
        ]


def _soft_min(a: float, b: float, temperature: float) -> float:
    """-T log(exp(-a/T) + exp(-b/T)), exact for infinities."""
    low, high = min(a, b), max(a, b)
    if high == math.inf:
        return low
    return low - temperature * math.log1p(math.exp((low - high) / temperature))


def align(
    en: Sequence[str],
    zh: Sequence[str],
    cost: PairCost | None = None,
    penalties: dict[tuple[int, int], float] | None = None,
) -> list[Bead]:
    """Cover both sequences, in order, with the cheapest chain of beads."""
    return _Lattice(en, zh, cost or translation_cost, penalties or BEAD_PENALTIES, None).best_chain()


def align_cautiously(
    en: Sequence[str],
    zh: Sequence[str],
    cost: PairCost,
    penalties: dict[tuple[int, int], float],
    lone: tuple[LoneCost, LoneCost],
    temperature: float,
    confidence: float,
) -> list[Bead]:
    """The cheapest chain, with every cut that less than `confidence` of the probability
    passes through removed: the beads on its two sides are merged into one.

    `lone` prices an English item and a Chinese item left without a counterpart (on top
    of their bead's penalty)."""
    lattice = _Lattice(en, zh, cost, penalties, lone)
    chain = lattice.best_chain()
    passing = lattice.through(temperature)
    merged: list[Bead] = []
    start: Bead | None = None
    for bead in chain:
        start = start or bead
        i, j = bead.en.stop, bead.zh.stop
        if (i, j) == (len(en), len(zh)) or passing[i][j] >= confidence:
            merged.append(Bead(range(start.en.start, i), range(start.zh.start, j)))
            start = None
    return merged


def translation_cost(en: str, zh: str) -> float:
    """How unlikely it is that `zh` translates `en`: length mismatch plus missing anchors."""
    if en.strip() == zh.strip():
        return 0.0
    return length_cost(en, zh) + _anchor_cost(en, zh)


def length_cost(en: str, zh: str) -> float:
    """How far the Chinese size is from what the English length predicts (log ratio)."""
    expected = ZH_PER_EN_CHAR * len(en)
    return abs(math.log((_chinese_size(zh) + 4) / (expected + 4)))


@lru_cache(maxsize=65536)
def _chinese_size(zh: str) -> float:
    """A Chinese character counts 1, any other character 0.5."""
    cjk = cjk_count(zh)
    return cjk + 0.5 * (len(zh) - cjk)


def _anchor_cost(en: str, zh: str) -> float:
    zh_anchors = anchors(zh)
    if not zh_anchors:
        return 0.0
    missing = len(zh_anchors - anchors(en)) / len(zh_anchors)
    return 2.0 * missing


@lru_cache(maxsize=65536)
def anchors(text: str) -> frozenset[str]:
    """Latin terms and numbers, lower-cased: what a translation keeps untranslated."""
    return frozenset(token.lower().replace(",", "") for token in anchor_terms(text))


def anchor_terms(text: str) -> list[str]:
    """The Latin terms and numbers of `text` as written."""
    return _ANCHOR.findall(text)
