"""Small text facts the content side needs everywhere: language, words, slugs.

The library mixes English and Chinese in one file, and real posts are messy
(URLs, numbers, emoji, formulas), so every importer asks the same questions:
is this paragraph Chinese, English, or neither? How many words does it hold?
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Literal

Language = Literal["en", "zh", "neutral"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_URL = re.compile(r"(?:https?://\S+|\b(?:[\w-]+\.)+[a-z]{2,}(?:/\S*)?)", re.IGNORECASE)
_WORDLIKE = re.compile(r"[A-Za-z0-9]")
# List markers and references such as "1.", "2)", "(3)", "(1,2)," are not words.
_MARKER = re.compile(r"^\(?\d+(?:,\d+)*[.)]+[,;:.]?$")

_FULLWIDTH_PUNCTUATION = re.compile(r"[，。：；！？「」『』（）、《》]")
# A paragraph with this share of CJK among its letters is Chinese: translations
# keep many English terms and whole titles in English ("Attention is All You
# Need"), while English builder posts almost never contain Chinese at all.
_CJK_SHARE = 0.05
# Fewer English words than this, once URLs are removed, and no CJK: a URL, a
# formula or an emoji, which both halves of a bilingual post repeat verbatim.
_MIN_WORDS_FOR_ENGLISH = 2


def cjk_count(text: str) -> int:
    """Number of Chinese characters in `text`."""
    return len(_CJK.findall(text))


def language_of(text: str) -> Language:
    """Classify a paragraph as Chinese, English or neutral (no prose to translate)."""
    cjk = cjk_count(text)
    without_urls = _URL.sub(" ", text)
    latin_letters = sum(len(w) for w in _LATIN_WORD.findall(without_urls))
    if cjk and cjk / (cjk + latin_letters) >= _CJK_SHARE:
        return "zh"
    if _FULLWIDTH_PUNCTUATION.search(text) and (cjk or latin_letters < 40):
        return "zh"
    prose_words = [w for w in _LATIN_WORD.findall(without_urls) if len(w) > 1]
    if len(prose_words) < _MIN_WORDS_FOR_ENGLISH:
        return "neutral"
    return "en"


def word_count(text: str) -> int:
    """English words as the BuildSpeak page counts them (its "444 词" for the 2026-04-30 post).

    Whitespace-separated tokens with a letter or digit, except list markers.
    """
    return sum(1 for token in text.split() if _WORDLIKE.search(token) and not _MARKER.match(token))


def reading_minutes(words: int, words_per_minute: int) -> int:
    """Whole minutes to read `words` aloud at a learner's pace, never less than one."""
    return max(1, round(words / words_per_minute))


def normalize_space(text: str) -> str:
    """Collapse runs of spaces and tabs inside lines; keep line breaks; trim the ends."""
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def slugify(text: str, max_length: int = 60) -> str:
    """A lowercase ASCII slug, stable for the same input, with a hash when cut short."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not slug:
        return short_hash(text)
    if len(slug) > max_length:
        slug = f"{slug[: max_length - 9].rstrip('-')}-{short_hash(text)}"
    return slug


def short_hash(text: str, length: int = 8) -> str:
    """A short, stable hex digest: ids and orderings must not change between runs."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]
