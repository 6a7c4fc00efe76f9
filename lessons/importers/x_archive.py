"""The X post archive: `### N` entries with 作者 / 时间 / 链接 / 互动 headers.

    ### 183

    作者: @karpathy
    时间: 2024-04-17
    链接: https://x.com/karpathy/status/1780730292837507092
    互动: Likes: 1,248; Retweets: 72; Replies: 132; Quotes: 12

    Consider being a labeler for an LLM. …

    设想一下，你是一名大语言模型（LLM）的标注员。…

The archive's title ("# Andrej Karpathy Twitter 2024") names its owner, which
gives the owner's posts a display name; other authors keep their handle.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable

from lessons.importers.base import Entry, EntryError, ImportOptions
from lessons.importers.counts import parse_labelled_counts
from lessons.importers.ids import x_status
from lessons.importers.pairing import pair_paragraphs
from lessons.post import Post
from lessons.text import normalize_space

_ENTRY = re.compile(r"^###\s+(\S+)\s*$", re.MULTILINE)
_TITLE = re.compile(r"^#\s+(.+?)\s+(?:Twitter|X)\b", re.MULTILINE)
_HEADER = re.compile(r"^(作者|时间|链接|互动)\s*[:：]\s*(.*)$")
_HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,30})$")
_REQUIRED = ("作者", "时间", "链接")


class XArchiveImporter:
    name = "x-archive"
    summary = "X post archive: '### N' entries with 作者/时间/链接/互动 headers, English then Chinese"

    def entries(self, text: str, origin: str) -> list[Entry]:
        owner = _owner_context(text)
        matches = list(_ENTRY.finditer(text))
        entries = []
        for index, match in enumerate(matches):
            end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
            line = text.count("\n", 0, match.start()) + 1
            entries.append(Entry(origin, line, text[match.end() : end], owner))
        return entries

    def convert(self, entry: Entry, options: ImportOptions) -> Iterable[Post]:
        headers, blocks = _split_entry(entry)
        handle = _handle(headers, entry.line)
        status_id = _status_id(headers["链接"], entry.line)
        if not blocks:
            raise EntryError(entry.line, "entry has no text")
        paragraphs = pair_paragraphs(blocks)
        if not paragraphs:
            raise EntryError(entry.line, "entry has Chinese text but no English")
        owner = entry.context.get("owner_handle", "").lower() == handle.lower()
        yield Post(
            id=f"x-{status_id}",
            kind="post",
            author=entry.context["owner_name"] if owner else f"@{handle}",
            handle=handle,
            date=_date(headers["时间"], entry.line),
            source=headers["链接"],
            engagement=_engagement(headers.get("互动", ""), entry.line),
            added=options.added,
            paragraphs=tuple(paragraphs),
        )


def _owner_context(text: str) -> dict[str, str]:
    title = _TITLE.search(text)
    handles = Counter(h.lower() for h in re.findall(r"^作者\s*[:：]\s*@?(\S+)", text, re.MULTILINE))
    if not title or not handles:
        return {}
    return {"owner_name": title.group(1).strip(), "owner_handle": handles.most_common(1)[0][0]}


def _split_entry(entry: Entry) -> tuple[dict[str, str], list[str]]:
    headers: dict[str, str] = {}
    body: list[str] = []
    for line in entry.text.splitlines():
        header = _HEADER.match(line.strip())
        if not body and not line.strip():
            continue
        if header and not body:
            headers[header.group(1)] = header.group(2).strip()
        else:
            body.append(line)
    missing = [name for name in _REQUIRED if not headers.get(name)]
    if missing:
        raise EntryError(entry.line, f"missing header {', '.join(missing)}")
    blocks = [normalize_space(b) for b in re.split(r"\n\s*\n", "\n".join(body))]
    return headers, [b for b in blocks if b]


def _handle(headers: dict[str, str], line: int) -> str:
    match = _HANDLE.match(headers["作者"])
    if not match:
        raise EntryError(line, f"作者 is not an X handle: {headers['作者']!r}")
    return match.group(1)


def _status_id(link: str, line: int) -> str:
    status = x_status(link)
    if status is None:
        raise EntryError(line, f"链接 is not an X post link with a status id: {link!r}")
    return status.status_id


def _date(text: str, line: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError as error:
        raise EntryError(line, f"时间 is not a date (YYYY-MM-DD): {text!r}") from error


def _engagement(text: str, line: int):
    try:
        return parse_labelled_counts(text)
    except ValueError as error:
        raise EntryError(line, f"互动 has a count that is not a number: {text!r}") from error
