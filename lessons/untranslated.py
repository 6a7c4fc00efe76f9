"""What a sentence costs when the other language has nothing for it.

Translators leave out what carries no meaning to translate: a closing ":D" or
"<3", "+100", "<|endoftext|>", a "lol" or a "Thanks!", a leaked tag in the
Chinese ("<step3_refined_translation>"). Such a sentence should stand alone,
as an English-only card. But a sentence with words is rarely left out: its
translation is usually merged into a neighbour's, and guessing it missing
would hand that neighbour's translation to the wrong card. So the price is low
only when the sentence is made of such marks, and the other side shows no
trace of them (the token itself, or a usual rendering of the interjection:
"lol" → 哈, "thanks" → 谢).
"""

from __future__ import annotations

import re
import unicodedata

# Price of leaving out marks the other side does not repeat, and of leaving out anything else.
TOKEN_COST = 0.3
PROSE_COST = 3.0

_TOKEN = re.compile(
    r"<\|?[\w-]+\|?>"  # special tokens and tags: <|endoftext|>, <s>, <step3_refined_translation>
    r"|https?://\S+|[@#]\w+"  # links, handles, hashtags
    r"|(?<!\w)(?:[:;=][-']?[()DPpSsO3/\\|]|<3|xD|XD)(?!\w)"  # smileys
    r"|[+\-~]?\d[\d.,]*[%x]?"  # numbers such as +100
)
# Interjections, with what shows that a translation rendered them.
_INTERJECTIONS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\b(?:lol|lmao|rofl|ha(?:ha)+h?|hah+|he(?:he)+|heh)\b", re.IGNORECASE), ("哈", "笑", "lol")),
    (re.compile(r"\b(?:thanks?(?: you)?|thx|ty|cheers)\b", re.IGNORECASE), ("谢",)),
    (re.compile(r"\b(?:wow|whoa|omg)\b", re.IGNORECASE), ("哇", "天", "惊")),
)
_PROSE = re.compile(r"[A-Za-z]{2,}|[\u3400-\u9fff]")
_PUNCTUATION = ".,;:!?()[]\"'…-–—*"


def lone_sentence_cost(sentence: str, other_side: str) -> float:
    """Price of `sentence` having no counterpart, given the whole other side of the paragraph."""
    rest = sentence
    other_side = unicodedata.normalize("NFKC", other_side)  # ":）" is ":)"
    for pattern, renderings in _INTERJECTIONS:
        if pattern.search(rest):
            if any(rendering in other_side.lower() for rendering in renderings):
                return PROSE_COST
            rest = pattern.sub(" ", rest)
    leftover = _TOKEN.sub(" ", rest)
    if _PROSE.search(leftover):
        return PROSE_COST
    marks = [token.lstrip("+-~") for token in _TOKEN.findall(rest)]
    marks += [chunk.strip(_PUNCTUATION) for chunk in leftover.split()]
    if any(mark and mark in other_side for mark in marks):
        return PROSE_COST
    return TOKEN_COST
