"""Sentence segmentation for English and Chinese paragraphs.

A line break always ends a sentence (posts put list items, links and headings
on lines of their own); inside a line each language has its own rules
(lessons/english_sentences.py, lessons/chinese_sentences.py). Every sentence
is a slice of the paragraph's own text, so joining them gives the paragraph
back, whitespace aside.

The rules are ours rather than a general-purpose splitter's because builder
posts break its habits: it kept "Multimodal I/O. Enable …" and "etc. Ideally"
together (its abbreviation list), cut "nn.|Module", and missed every boundary
inside brackets and quotes. The hand-aligned gold set measures the result:
benchmarks/alignment.py.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lessons.chinese_sentences import chinese_sentence_spans
from lessons.english_sentences import english_sentence_spans

Span = tuple[int, int]

# What makes a piece of a line a sentence: letters, digits, pictographs (and, after the
# first piece, a smiley).
_WORDS = re.compile(r"[\w\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff]")
_SMILEY = re.compile(r"[:;=][-']?[()DPpSsO3/\\|]|<3")


@lru_cache(maxsize=65536)
def split_sentences(text: str, language: str = "en") -> tuple[str, ...]:
    """Split one paragraph into sentences; joining them gives back the paragraph's text."""
    return tuple(text[start:end] for start, end in sentence_offsets(text, language))


def sentence_offsets(text: str, language: str = "en") -> tuple[Span, ...]:
    """Where each sentence of `text` lies in it; whitespace between sentences belongs to none."""
    spans_of_line = chinese_sentence_spans if language == "zh" else english_sentence_spans
    spans: list[Span] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        indent = offset + len(line) - len(stripped)
        line_spans = _with_content(stripped, spans_of_line(stripped.rstrip()))
        spans.extend((indent + start, indent + end) for start, end in line_spans)
        offset += len(line)
    return tuple(spans)


def _with_content(line: str, spans: list[Span]) -> list[Span]:
    """A piece of bare punctuation ("!!!", "...") is no sentence: it joins the one before it, or
    the one after it at the start of a line, like a leading smiley (":) I'd look at …" reacts
    with what follows). A closing emoji or smiley stays: a translation either repeats it or
    leaves it out, and then it is an English-only card."""
    merged: list[Span] = []
    lead: int | None = None  # start of the leading pieces waiting for a sentence to join
    for start, end in spans:
        piece = line[start:end]
        if _WORDS.search(piece) or (merged and _SMILEY.search(piece)):
            merged.append((start if lead is None else lead, end))
            lead = None
        elif merged:
            merged[-1] = (merged[-1][0], end)
        elif lead is None:
            lead = start
    if lead is not None:
        merged.append((lead, spans[-1][1]))
    return merged


def sentence_count(text: str, language: str = "en") -> int:
    """How many sentences a paragraph holds."""
    return len(split_sentences(text, language))
