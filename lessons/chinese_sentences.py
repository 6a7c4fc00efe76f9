"""Where Chinese sentences end: after 。！？, with the brackets and quotes that close there.

Chinese marks its sentence ends plainly, so the cases to get right are the
marks around them. A closing bracket or quote after the mark belongs to the
sentence it closes ("。）", "！」"); a sentence mark followed by a comma or an
enumeration comma ends nothing ("（即将推出！）、推理"), and one inside brackets
that close mid-sentence ends only the aside; an ASCII "?" or "!" inside Latin
text is part of a URL, a name or a quoted title ("watch?v=", "Wow! signal").
A list marker after a colon ("例子：1. menugen") starts a sentence, as in
English. The ellipsis "……" is left alone: translators use it inside sentences
as often as at their end, and the English side decides those cuts better.
"""

from __future__ import annotations

import re

Span = tuple[int, int]

_END = re.compile(r"[。！？!?][。！？!?”’」』）)\]》\"']*")
_LIST_MARKER = re.compile(r"(?<=[:：;；])\s*(?=\(?\d{1,2}[.)）](?:\s|[^\d.]))")
_GOES_ON = "，、,：:；;"
_SMILEY = re.compile(r"[:;=][-']?[()DPpSsO3/\\|]")


def chinese_sentence_spans(line: str) -> list[Span]:
    """Sentences of one line of Chinese, as (start, end) offsets into it."""
    spans: list[Span] = []
    start = 0
    for cut in _cuts(line):
        if cut <= start:
            continue
        if _ends_aside_only(line, start, cut):
            continue
        if line[start:cut].strip():
            spans.append((start, cut))
        start = cut + len(line[cut:]) - len(line[cut:].lstrip())
    if line[start:].strip():
        spans.append((start, len(line.rstrip())))
    return spans


def _cuts(line: str) -> list[int]:
    ends = [match.end() for match in _END.finditer(line) if _may_end(line, match)]
    return sorted({*ends, *(match.start() for match in _LIST_MARKER.finditer(line))})


def _may_end(line: str, match: re.Match[str]) -> bool:
    rest = line[match.end() :].lstrip()
    goes_on = rest[:1] in _GOES_ON and not _SMILEY.match(rest)
    return bool(rest) and not goes_on and not _inside_latin(line, match.start())


def _ends_aside_only(line: str, start: int, cut: int) -> bool:
    """A mark inside brackets closing mid-sentence ends only the aside ("数秒（有时甚至是几分钟！）
    来运行"), unless the sentence lies wholly inside the brackets."""
    opened_before = sum(line[:start].count(c) for c in "（([") > sum(line[:start].count(c) for c in "）)]")
    return line[cut - 1] in "）)]" and line[start] not in "（([" and not opened_before


def _inside_latin(line: str, position: int) -> bool:
    """An ASCII "?" or "!" inside Latin text: between letters or digits ("watch?v=", "Yahoo!Inc"),
    or after a Latin word and before another ("（Wow! signal)")."""
    if line[position] not in "?!":
        return False
    before = line[position - 1 : position]
    after = line[position + 1 :].lstrip()[:1]
    return before.isascii() and before.isalnum() and after.isascii() and after.isalnum()
