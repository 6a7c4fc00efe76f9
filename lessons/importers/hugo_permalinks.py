"""Hugo's permalink tokens and path sanitizing, as `resources/page/permalinks.go` and `common/paths` do them.

A pattern such as `/:year/:month/:slug/` names facts about a page; each token
becomes text, and every path element is then sanitized the way Hugo does it
(`Vim (text editor)` → `vim-text-editor`), so the URL matches the published one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lessons.importers.site_base import MONTHS, WEEKDAYS, SiteError, is_word_char

# Hugo's `:default` date handler: the first of these front matter keys that is set.
DATE_KEYS = ("date", "publishdate", "pubdate", "published", "lastmod", "modified")
_DATE_TOKENS = frozenset({"year", "month", "monthname", "day", "weekday", "weekdayname", "yearday"})
_TOKEN = re.compile(r":(\w+)(\[.+?\])?")
# Go's reference-time layout elements (`:06/:1/:2`), longest first at each start.
_GO_LAYOUT = re.compile(r"January|Monday|2006|Jan|Mon|002|__2|_2|01|02|03|04|05|06|15|PM|pm|1|2|3|4|5")
_PATH_MARKS = frozenset("./\\_#+~-@")


@dataclass(frozen=True)
class PageFacts:
    """What a permalink pattern can name about a page."""

    sections: tuple[str, ...]  # its section path (`:sections`), the first one being `:section`
    name: str  # the content base name: file name without extension and language, or a bundle's folder
    slug: str | None
    title: str | None
    date: dt.datetime | None


def expand(pattern: str, page: PageFacts, settings: Mapping[str, Any]) -> str:
    """Replace each `:token` of a pattern (a `\\:` stays a colon); SiteError for one that cannot be filled."""
    escaped = pattern.replace("\\:", "\0")

    def fill(match: re.Match[str]) -> str:
        return _token(match.group(1), match.group(2) or "", page, settings, pattern)

    return _TOKEN.sub(fill, escaped).replace("\0", ":")


def sanitize(text: str, settings: Mapping[str, Any]) -> str:
    """Hugo's paths.Sanitize + MakePathSanitized: spaces to one hyphen, other symbols dropped, lowercased."""
    kept: list[str] = []
    hyphen_due = was_hyphen = False
    for index, char in enumerate(text):
        if _path_char(text, index, char):
            was_hyphen = char == "-"
            if hyphen_due and not was_hyphen:
                kept.append("-")
            hyphen_due = False
            kept.append(char)
        elif kept and not was_hyphen and char.isspace():
            hyphen_due = True
    path = "".join(kept)
    if settings.get("removepathaccents") is True:
        path = _without_accents(path)
    return path if settings.get("disablepathtolower") is True else path.lower()


def _token(name: str, cut: str, page: PageFacts, settings: Mapping[str, Any], pattern: str) -> str:
    if name == "sections":
        return "/".join(_cut(list(page.sections), cut))
    if not cut and name == "section":
        return page.sections[0] if page.sections else ""
    if not cut and name in ("title", "slug", "slugorfilename", "slugorcontentbasename"):
        text = page.slug if name != "title" else None
        text = text or (page.name if name.startswith("slugor") else page.title)
        if not text:
            raise SiteError(f"the permalink {pattern!r} uses :{name} and the page has no title or slug")
        return sanitize(text, settings)
    if not cut and name in ("filename", "contentbasename"):
        return sanitize(page.name, settings)
    formatted = None if cut else _date_token(name, page.date)
    if formatted is None and not cut and (name in _DATE_TOKENS or _GO_LAYOUT.search(name)):
        raise SiteError(
            f"the permalink {pattern!r} uses :{name} and the page has no date "
            f"(front matter {', '.join(DATE_KEYS)})"
        )
    if formatted is None:
        raise SiteError(f"the permalink {pattern!r} has a token Hugo does not know: :{name}{cut}")
    return formatted


def _path_char(text: str, index: int, char: str) -> bool:
    if char == " ":
        return False
    if is_word_char(char) or char in _PATH_MARKS:
        return True
    hex_digits = text[index + 1 : index + 3]
    return char == "%" and len(hex_digits) == 2 and all(c in "0123456789abcdefABCDEF" for c in hex_digits)


def _without_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def _cut(entries: list[str], cut: str) -> list[str]:
    """Hugo's `:sections[1:]`, `[last]`, `[:last]`, `[0]` slices of the section path."""
    cut = cut.strip().lower()
    if not cut:
        return entries
    if len(cut) < 3 or cut[0] != "[" or cut[-1] != "]" or not entries:
        return []
    low, colon, high = cut[1:-1].partition(":")
    start = _cut_index(low, entries, low=True)
    if not colon:
        return [entries[start]] if start >= 0 and entries[start] else []
    end = _cut_index(high, entries, low=False)
    return entries[start:end] if start >= 0 and end >= 0 else []


def _cut_index(text: str, entries: list[str], low: bool) -> int:
    if text == "":
        return 0 if low else len(entries)
    if text == "last":
        return len(entries) - 1
    number = max(int(text), 0) if text.lstrip("-").isdigit() else 0
    if number >= len(entries):
        return -1 if low else len(entries)
    return number


def _date_token(name: str, date: dt.datetime | None) -> str | None:
    """A date token (`:year`, `:monthname`) or a Go layout (`:06`, `:Jan`); None if not one or no date."""
    if date is None:
        return None
    named = {
        "year": str(date.year),
        "month": f"{date.month:02d}",
        "monthname": MONTHS[date.month - 1],
        "day": f"{date.day:02d}",
        "weekday": str(date.isoweekday() % 7),
        "weekdayname": WEEKDAYS[date.weekday()],
        "yearday": str(date.timetuple().tm_yday),
    }
    if name in named:
        return named[name]
    formatted = _GO_LAYOUT.sub(lambda match: _go_element(match.group(0), date), name)
    return formatted if formatted != name else None


def _go_element(element: str, date: dt.datetime) -> str:
    hour12 = date.hour % 12 or 12
    yday = date.timetuple().tm_yday
    return {
        "January": MONTHS[date.month - 1],
        "Jan": MONTHS[date.month - 1][:3],
        "Monday": WEEKDAYS[date.weekday()],
        "Mon": WEEKDAYS[date.weekday()][:3],
        "2006": f"{date.year:04d}",
        "06": f"{date.year % 100:02d}",
        "01": f"{date.month:02d}",
        "1": str(date.month),
        "02": f"{date.day:02d}",
        "2": str(date.day),
        "_2": f"{date.day:>2}",
        "002": f"{yday:03d}",
        "__2": f"{yday:>3}",
        "15": f"{date.hour:02d}",
        "03": f"{hour12:02d}",
        "3": str(hour12),
        "04": f"{date.minute:02d}",
        "4": str(date.minute),
        "05": f"{date.second:02d}",
        "5": str(date.second),
        "PM": "PM" if date.hour >= 12 else "AM",
        "pm": "pm" if date.hour >= 12 else "am",
    }[element]
