"""The two text patterns the chat side kept writing again: "is there Chinese here" and "the words here".

One definition each, so a question, a translation and the usage index cannot disagree on what a
Chinese character or an English word is.
"""

from __future__ import annotations

import re

# CJK Unified Ideographs, Extension A and the compatibility block: simplified and traditional alike.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A lowercase word as an index sees it: letters and digits, with inner apostrophes and hyphens
# ("don't", "low-hanging"). Apply it to lowercased text.
WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")


def has_chinese(text: str) -> bool:
    return CJK.search(text) is not None


def words(text: str) -> list[str]:
    """`text`'s words, lowercase, in order."""
    return WORD.findall(text.lower())
