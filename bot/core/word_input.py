"""What a person typed after /save, /words or /forget: words and quoted phrases, checked before any look-up.

Checking the shape first means a bad request (a pasted link, a paragraph, an emoji,
Chinese) gets one clear answer and nothing is looked up or saved. Limits are
generous for real use: the longest builder expression in the glossary is 47
characters, and ten words is more than one card ever teaches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.learning.text_patterns import CJK

MAX_ITEMS = 10
MAX_CHARS = 50
SHOWN_CHARS = 20  # how much of a bad item is quoted back

# "napkin math", “vibe coding”, 「skill issue」: a phrase kept whole.
_QUOTED = re.compile(r"\"([^\"]*)\"|“([^”]*)”|「([^」]*)」|『([^』]*)』")
_SEPARATORS = re.compile(r"[\s,，、;；]+")
_WRAPPING = "\"'“”‘’()[]{}<>*_`,.;:!?…。，！？：；（）"
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)|^[\w-]+(?:\.[\w-]+)+/|^[\w.+-]+@[\w-]+\.", re.IGNORECASE)
_ENGLISH = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’ .+&/-]*")


class Problem(StrEnum):
    TOO_MANY = "too_many"
    TOO_LONG = "too_long"
    URL = "url"
    CHINESE = "chinese"
    NOT_ENGLISH = "not_english"  # punctuation, emoji, other scripts


@dataclass(frozen=True)
class Parsed:
    """The words to act on, or the first problem found (`culprit` is the offending text, cut short)."""

    items: tuple[str, ...] = ()
    problem: Problem | None = None
    culprit: str = ""


def command_rest(text: str) -> str:
    """Everything after the command word: "/save@Bot  napkin math" -> "napkin math"."""
    parts = text.strip().split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 and parts[0].startswith("/") else ""


def parse_words(rest: str) -> Parsed:
    """Quoted phrases and single words, deduplicated in order; empty when nothing was written."""
    items: list[str] = []
    for raw in _pieces(rest):
        item = " ".join(raw.strip(_WRAPPING + " ").split())
        problem = _problem(raw, item)
        if problem is not None:
            return Parsed(problem=problem, culprit=_shown(raw))
        if item and item.lower() not in {known.lower() for known in items}:
            items.append(item)
    if len(items) > MAX_ITEMS:
        return Parsed(problem=Problem.TOO_MANY, culprit=str(len(items)))
    return Parsed(tuple(items))


def chinese_of(text: str) -> str:
    """The Chinese characters of `text` run together ("吞没" from "「吞没」?")."""
    return "".join(CJK.findall(text))


def _pieces(rest: str) -> list[str]:
    pieces: list[str] = []
    position = 0
    for match in _QUOTED.finditer(rest):
        pieces += _SEPARATORS.split(rest[position : match.start()])
        pieces.append(next(group for group in match.groups() if group is not None))
        position = match.end()
    pieces += _SEPARATORS.split(rest[position:])
    return [piece for piece in pieces if piece.strip()]


def _problem(raw: str, item: str) -> Problem | None:
    if CJK.search(raw):
        return Problem.CHINESE
    if _URL.search(raw):
        return Problem.URL
    if len(item) > MAX_CHARS:
        return Problem.TOO_LONG
    if not item or not _ENGLISH.fullmatch(item):
        return Problem.NOT_ENGLISH
    return None


def _shown(raw: str) -> str:
    raw = raw.strip()
    return raw if len(raw) <= SHOWN_CHARS else raw[: SHOWN_CHARS - 1] + "…"
