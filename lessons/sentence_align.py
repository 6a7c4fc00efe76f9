"""How the sentences of one paragraph pair up with those of its translation.

Paragraph pairing (lessons/importers/pairing.py) and sentence pairing share the
aligner (lessons/align.py) but not its prices. Here a pairing is priced by the
length ratio, by the Latin terms and numbers a translation keeps as they are
(in both directions: the Chinese's must come from the English, the English
numbers and code-like terms must reappear), and by the English words whose
dictionary translation the Chinese lacks (lessons/lexicon.py). A sentence
without a counterpart is cheap only for what translators drop, a ":D", "+100"
or "<|endoftext|>" (lessons/untranslated.py); it stands alone as an
English-only card. And the aligner is cautious: a cut between two cards that
too little of the probability passes through is dropped, so an unsure pairing
becomes one coarser card rather than a guess. The figures that set these
prices are in benchmarks/alignment.py, measured on the tune half of the gold set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

from lessons.align import Bead, align_cautiously, anchor_terms, length_cost
from lessons.lexicon import default_lexicon
from lessons.untranslated import PROSE_COST, lone_sentence_cost

# Sentence beads; an unpaired sentence pays what `_lone_cost` says on top.
SENTENCE_PENALTIES: dict[tuple[int, int], float] = {
    (1, 1): 0.0,
    (2, 1): 0.9,
    (1, 2): 0.9,
    (2, 2): 2.8,
    (3, 1): 1.8,
    (1, 3): 1.8,
    (3, 2): 2.8,
    (2, 3): 2.8,
    (1, 0): 0.0,
    (0, 1): 0.0,
}
# A chain's probability falls off as exp(-cost / TEMPERATURE); a cut between
# cards stays only if at least CONFIDENCE of the probability passes through it.
TEMPERATURE = 0.1
CONFIDENCE = 0.9

# Terms a translation keeps as they are: numbers, and words with digits or inner capitals.
_KEPT_TERM = re.compile(r"\d|[a-z][A-Z]|[A-Z]{2,}")
_MISSING_TERM_WEIGHT = 1.0
_FOREIGN_TERM_WEIGHT = 2.0
# Price of each English word whose dictionary translation the Chinese lacks.
LEXICAL_WEIGHT = 0.2


def align_sentences(en: Sequence[str], zh: Sequence[str]) -> list[Bead]:
    """Which English sentences go with which Chinese ones; unsure stretches come out merged."""
    lone = (_lone_cost("\n".join(zh)), _lone_cost("\n".join(en)))
    return align_cautiously(en, zh, sentence_pair_cost, SENTENCE_PENALTIES, lone, TEMPERATURE, CONFIDENCE)


def _lone_cost(other_side: str) -> Callable[[str], float]:
    """Prices a sentence left without a counterpart, given the whole other side of the paragraph;
    one with words also pays for each of them, as it would paired with unrelated Chinese."""

    @lru_cache(maxsize=1024)
    def cost(sentence: str) -> float:
        price = lone_sentence_cost(sentence, other_side)
        if price < PROSE_COST:
            return price
        return price + LEXICAL_WEIGHT * default_lexicon().found(sentence, "")[0]

    return cost


def sentence_pair_cost(en: str, zh: str) -> float:
    """How unlikely it is that `zh` translates `en`: their length ratio, the Latin terms of
    the Chinese that the English lacks, and the numbers and code-like terms of the English
    that the Chinese lacks (a translation keeps those as they are)."""
    if en.strip() == zh.strip():
        return 0.0
    en_terms, zh_terms = _terms(en), _terms(zh)
    cost = length_cost(en, zh)
    if zh_terms:
        cost += _FOREIGN_TERM_WEIGHT * len(zh_terms - en_terms) / len(zh_terms)
    kept = _kept_terms(en)
    if kept:
        cost += _MISSING_TERM_WEIGHT * len(kept - zh_terms) / len(kept)
    known, found = default_lexicon().found(en, zh)
    return cost + LEXICAL_WEIGHT * (known - found)


@lru_cache(maxsize=65536)
def _terms(text: str) -> frozenset[str]:
    return frozenset(_normal(term) for term in anchor_terms(text))


@lru_cache(maxsize=65536)
def _kept_terms(text: str) -> frozenset[str]:
    return frozenset(_normal(term) for term in anchor_terms(text) if _KEPT_TERM.search(term))


def _normal(term: str) -> str:
    """Lower-case, without thousands commas or a plural "s": "AIs" and "AI" are one term."""
    term = term.lower().replace(",", "")
    return term[:-1] if len(term) > 2 and term.endswith("s") and term[-2].isalpha() else term
