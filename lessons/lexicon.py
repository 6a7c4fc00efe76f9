"""Which English words of a sentence show up, translated, in a Chinese sentence.

Lengths and kept terms say little when neighbouring sentences are alike; the
words do. The bundled ECDICT subset (lessons/data/, the key words' dictionary)
gives each English word its Chinese glosses ("training" → 训练, 培养); a word is
found in a Chinese sentence when a two-character piece of one of its glosses
(or a one-character gloss) occurs there. Free translations miss many words,
so the count says little about one pairing alone; it tells apart the ways of
pairing the same sentences, where every English word is counted once.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DICTIONARY = Path(__file__).parent / "data" / "ecdict_subset.tsv.gz"

# The most frequent English words (by BNC rank) carry no evidence: "the", "have", "go".
_COMMONEST_RANK = 100
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_PART_OF_SPEECH = re.compile(r"\b[a-z]+\.\s*")
_BRACKETED = re.compile(r"\[[^\]]*\]|（[^）]*）|\([^)]*\)")


@dataclass(frozen=True, eq=False)
class Lexicon:
    """English words (lower case) with their glosses, and inflected forms with their lemma."""

    glosses: dict[str, str]
    lemma_of: dict[str, str]
    common: frozenset[str]

    @classmethod
    def load(cls, path: Path = DICTIONARY) -> Lexicon:
        glosses: dict[str, str] = {}
        lemma_of: dict[str, str] = {}
        common: set[str] = set()
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if line.startswith("#"):
                    continue
                word, _, gloss, _, bnc, _, lemma, forms = (line.rstrip("\n").split("\t") + [""] * 8)[:8]
                key = word.lower()
                glosses[key] = f"{glosses[key]}, {gloss}" if key in glosses else gloss
                if lemma:
                    lemma_of[key] = lemma.lower()
                for form in forms.split():
                    lemma_of.setdefault(form.lower(), key)
                if bnc.isdigit() and 0 < int(bnc) <= _COMMONEST_RANK:
                    common.add(key)
        return cls(glosses, lemma_of, frozenset(common))

    def pieces(self, word: str) -> frozenset[str]:
        """The character pieces of the glosses of `word` (or of its lemma); none for the
        commonest words."""
        return _pieces_of(self, word.lower())

    def found(self, english: str, chinese: str) -> tuple[int, int]:
        """How many of the English words the lexicon knows, and how many of them appear,
        translated, in `chinese`."""
        present = _chinese_pieces(chinese)
        words = [pieces for pieces in _words_of(self, english)]
        return len(words), sum(1 for pieces in words if pieces & present)


@lru_cache(maxsize=65536)
def _pieces_of(lexicon: Lexicon, word: str) -> frozenset[str]:
    lemma = lexicon.lemma_of.get(word, word)
    if word in lexicon.common or lemma in lexicon.common:
        return frozenset()
    return frozenset(_pieces(lexicon.glosses.get(word, "")) | _pieces(lexicon.glosses.get(lemma, "")))


@lru_cache(maxsize=65536)
def _words_of(lexicon: Lexicon, english: str) -> tuple[frozenset[str], ...]:
    found = (lexicon.pieces(word.strip("'-")) for word in _WORD.findall(english))
    return tuple(pieces for pieces in found if pieces)


@lru_cache(maxsize=65536)
def _chinese_pieces(chinese: str) -> frozenset[str]:
    """Every character and every pair of neighbouring characters of the Chinese text."""
    pieces: set[str] = set()
    for run in _CJK_RUN.findall(chinese):
        pieces.update(run)
        pieces.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(pieces)


def _pieces(gloss: str) -> set[str]:
    """Two-character pieces of each gloss, or the gloss itself when it is one character."""
    pieces: set[str] = set()
    for run in _CJK_RUN.findall(_BRACKETED.sub(" ", _PART_OF_SPEECH.sub(" ", gloss))):
        term = run.rstrip("的地")
        if len(term) == 1:
            pieces.add(term)
        pieces.update(term[i : i + 2] for i in range(len(term) - 1))
    return pieces


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The bundled dictionary, read on first use (about half a second) and kept."""
    return Lexicon.load()
