"""The BuildSpeak reading page saved as text: one post, paragraph then translation.

    BuildSpeak每日 builder 文摘                                  <- site chrome
    今日归档生词本关于
    🐦 X · 动态Andrej Karpathy @karpathy· 2026 年 4 月 30 日· 444 词 · 约 2 分钟
    Andrej Karpathy · @karpathy
    SPACE 播放 / 暂停·←→ 上一句 / 下一句
    This is the the quote I've been citing a lot recently.        <- English
    这是我最近经常引用的那段话。                                   <- its Chinese
    ♥ 31.4K↻ 2.8K💬 488x.com ↗                                    <- engagement
    …                                                             <- a quoted post, same shape
    原文 ↗https://x.com/karpathy                                  <- source
    BuildSpeak — 关于本项目…                                       <- footer

The page carries no status id, so the post id comes from the author, the
date and the opening words: stable across re-imports of the same page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from lessons.importers.base import Entry, EntryError, ImportOptions
from lessons.importers.counts import parse_count
from lessons.importers.ids import post_id_for_url
from lessons.importers.pairing import pair_paragraphs
from lessons.post import Engagement, Post
from lessons.text import normalize_space, short_hash

_HEADER = re.compile(
    r"(?P<name>[^·@]+?)\s*@(?P<handle>[A-Za-z0-9_]+)\s*·\s*"
    r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
)
_PLATFORM_LABEL = re.compile(r"^(?:.*·\s*)?(?:动态|长帖|文章|演讲)\s*")
_COUNT = r"[\d.,]+[KkMm]?"
_ENGAGEMENT = re.compile(
    rf"^♥\s*(?P<likes>{_COUNT})\s*↻\s*(?P<reposts>{_COUNT})\s*💬\s*(?P<replies>{_COUNT})"
)
_SOURCE = re.compile(r"^原文\s*↗\s*(?P<url>https?://\S+)")
_CHROME = (
    re.compile(r"^BuildSpeak"),
    re.compile(r"^今日\s*归档\s*生词本\s*关于$"),
    re.compile(r"^SPACE\s*播放"),
    re.compile(r"^[^·]+·\s*@[A-Za-z0-9_]+$"),
)


class PageImporter:
    name = "page"
    summary = "BuildSpeak reading page: header, each paragraph followed by its translation"

    def entries(self, text: str, origin: str) -> list[Entry]:
        first = next((n for n, line in enumerate(text.splitlines(), 1) if line.strip()), 1)
        return [Entry(origin, first, text)]

    def convert(self, entry: Entry, options: ImportOptions) -> Iterable[Post]:
        lines = entry.text.splitlines()
        header_line, header = _find_header(lines, entry.line)
        blocks, engagement, source = _read_body(lines[header_line + 1 :])
        paragraphs = pair_paragraphs(blocks)
        if not paragraphs:
            raise EntryError(entry.line, "page has no English paragraphs")
        source = options.url or source
        if not source:
            raise EntryError(entry.line, "page has no '原文 ↗' source link; pass --url")
        handle = header.group("handle")
        date = dt.date(*(int(header.group(k)) for k in ("year", "month", "day")))
        yield Post(
            id=_post_id(source, handle, date, paragraphs[0].en),
            kind="post",
            author=options.author or _PLATFORM_LABEL.sub("", header.group("name").strip()).strip(),
            handle=handle,
            date=date,
            source=source,
            engagement=engagement,
            added=options.added,
            paragraphs=tuple(paragraphs),
        )


def _find_header(lines: list[str], first_line: int) -> tuple[int, re.Match[str]]:
    for index, line in enumerate(lines):
        match = _HEADER.search(line)
        if match:
            return index, match
    raise EntryError(first_line, "no post header ('Name @handle · YYYY 年 M 月 D 日') found")


def _read_body(lines: list[str]) -> tuple[list[str], Engagement, str | None]:
    """Content lines become blocks; the first engagement line belongs to the post itself."""
    blocks: list[str] = []
    engagement: Engagement | None = None
    source = None
    for raw in lines:
        line = normalize_space(raw)
        if not line or any(pattern.search(line) for pattern in _CHROME):
            continue
        counts = _ENGAGEMENT.match(line)
        if counts:
            engagement = engagement or Engagement(
                **{k: parse_count(v) for k, v in counts.groupdict().items()}
            )
            continue
        link = _SOURCE.match(line)
        if link:
            source = link.group("url")
            continue
        blocks.append(line)
    return blocks, engagement or Engagement(), source


def _post_id(source: str, handle: str, date: dt.date, opening: str) -> str:
    by_url = post_id_for_url(source)
    if by_url.startswith("x-") and by_url[2:].isdigit():
        return by_url
    return f"x-{handle.lower()}-{date:%Y%m%d}-{short_hash(opening, 6)}"
