"""Engagement counts as sources write them: "1,248", "31.4K", "2.1M"."""

from __future__ import annotations

import re

from lessons.post import Engagement

_COUNT = re.compile(r"^\s*(\d+(?:[.,]\d+)*)\s*([KkMm万]?)\s*$")
_MULTIPLIER = {"": 1, "k": 1_000, "m": 1_000_000, "万": 10_000}
_FIELDS = {
    "likes": "likes",
    "like": "likes",
    "retweets": "reposts",
    "reposts": "reposts",
    "replies": "replies",
    "quotes": "quotes",
    "views": "views",
}


def parse_count(text: str) -> int:
    """A displayed count as an integer (31.4K -> 31400); ValueError when it is none."""
    match = _COUNT.match(text)
    if not match:
        raise ValueError(f"not a count: {text!r}")
    number, suffix = match.groups()
    multiplier = _MULTIPLIER[suffix.lower()]
    if multiplier == 1:
        return int(number.replace(",", "").split(".")[0])
    return round(float(number.replace(",", "")) * multiplier)


def parse_labelled_counts(text: str) -> Engagement:
    """ "Likes: 1,248; Retweets: 72; Replies: 132" -> Engagement; unknown labels are ignored."""
    values: dict[str, int] = {}
    for part in text.split(";"):
        label, _, number = part.partition(":")
        field = _FIELDS.get(label.strip().lower())
        if field and number.strip():
            values[field] = parse_count(number)
    return Engagement(**values)
