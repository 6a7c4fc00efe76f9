"""Sentence segmentation for English and Chinese paragraphs.

sentencex does the hard part (abbreviations, decimals, URLs, quotes); the one
thing it gets wrong for builder posts is an inline numbered list: it leaves
"1." dangling at the end of the previous sentence. We move such enumerators to
the front of the sentence they number.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sentencex import segment

# "…horizons: 1." or "…thing. 2." but not "between 1 and 10.": a list marker follows
# punctuation, never a word.
_TRAILING_ENUMERATOR = re.compile(r"(?:(?<=[:：。！？!?；;])|(?<=[:：。！？!?；;.]\s))(\(?\d{1,2}[.)])\s*$")
_ONLY_ENUMERATOR = re.compile(r"^\(?\d{1,2}[.)]\s*$")


@lru_cache(maxsize=65536)
def split_sentences(text: str, language: str = "en") -> tuple[str, ...]:
    """Split one paragraph into sentences; joining them gives back the paragraph's text."""
    sentences: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        sentences.extend(_split_line(line.strip(), language))
    return tuple(sentences)


def _split_line(line: str, language: str) -> list[str]:
    raw = [s.strip() for s in segment(language, line) if s.strip()]
    result: list[str] = []
    carry = ""
    for sentence in raw:
        sentence = f"{carry} {sentence}".strip() if carry else sentence
        carry = ""
        if _ONLY_ENUMERATOR.match(sentence):
            carry = sentence
            continue
        match = _TRAILING_ENUMERATOR.search(sentence)
        if match and match.start(1) > 0:
            carry = match.group(1)
            sentence = sentence[: match.start(1)].rstrip()
        result.append(sentence)
    if carry:
        result.append(carry)
    return result


def sentence_count(text: str, language: str = "en") -> int:
    """How many sentences a paragraph holds."""
    return len(split_sentences(text, language))
