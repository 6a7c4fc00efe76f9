"""RSS 2.0 and Atom feeds: each item is one post, its HTML turned into paragraphs.

The text is the feed itself (fetching a feed's URL happens before the
importer runs). `entries()` parses the feed once and carries each item's fields
in the entry's context, so a broken item (no link, no date, no prose) is
rejected on its own while the others import. A text that is no feed at all
becomes one entry that `convert()` rejects with feedparser's reason.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import io
import re
from collections.abc import Iterable
from typing import Any

import feedparser
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.element import PreformattedString
from feedparser.exceptions import ThingsNobodyCaresAboutButMe

from lessons.importers.base import Entry, EntryError, ImportOptions
from lessons.importers.ids import is_absolute_http_url, post_id_for_url, x_status
from lessons.importers.pairing import paragraphs_or_reject
from lessons.post import Paragraph, Post
from lessons.text import normalize_space

_ITEM_START = re.compile(r"<(?:[A-Za-z][\w.-]*:)?(item|entry)[\s/>]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Elements with no prose for a learner: code, media, embeds, data tables, forms.
_DROPPED = frozenset(
    {
        *("script", "style", "noscript", "template", "head", "title"),
        *("figure", "img", "picture", "svg", "video", "audio", "iframe", "object", "embed"),
        *("pre", "table", "math", "form", "button", "input", "select", "textarea"),
    }
)
_BLOCKS = frozenset(
    {
        *("p", "div", "blockquote", "section", "article", "header", "footer", "main", "aside", "nav"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "address", "details", "summary", "dl", "dt", "dd", "hr"),
        "center",
    }
)
_LISTS = frozenset({"ul", "ol"})
# How kramdown, markdown-it, Pandoc and WordPress mark footnote references and the notes block.
_FOOTNOTE_CLASSES = frozenset(
    {"footnote", "footnotes", "footnote-ref", "footnote-backref", "reversefootnote"}
)
_FOOTNOTE_ROLES = frozenset({"doc-noteref", "doc-endnotes", "doc-backlink"})


class FeedImporter:
    name = "feed"
    summary = "RSS 2.0 / Atom feed: one post per item, HTML content turned into paragraphs"

    def entries(self, text: str, origin: str) -> list[Entry]:
        parsed = _parse(text)
        if not parsed.entries:
            problem = _not_a_feed(parsed)
            return [Entry(origin, _error_line(parsed), "", {"error": problem})] if problem else []
        lines = _item_lines(text, parsed)
        feed_author = _author(parsed.feed)
        return [
            Entry(origin, line, *_item_fields(item, feed_author))
            for item, line in zip(parsed.entries, lines, strict=True)
        ]

    def convert(self, entry: Entry, options: ImportOptions) -> Iterable[Post]:
        fields = entry.context
        if fields.get("error"):
            raise EntryError(entry.line, fields["error"])
        link = _link(fields.get("link", ""), entry.line)
        if not fields.get("date"):
            raise EntryError(entry.line, "item has no published or updated date")
        author = options.author or fields.get("author")
        if not author:
            raise EntryError(entry.line, "no author: neither the item nor the feed names one; give one")
        status = x_status(link)
        yield Post(
            id=post_id_for_url(link),
            kind="post" if status else "article",
            author=author,
            handle=options.handle or (status.handle if status else None),
            date=dt.date.fromisoformat(fields["date"]),
            source=link,
            title=fields.get("title") or None,
            added=options.added,
            paragraphs=tuple(_paragraphs(_blocks(entry.text, fields.get("type", "")), entry.line)),
        )


def html_blocks(html: str) -> list[str]:
    """The prose of an HTML fragment as blocks: one per paragraph/heading/quote, one per list."""
    writer = _BlockWriter()
    writer.walk(BeautifulSoup(html, "html.parser"))
    return writer.finish()


class _BlockWriter:
    """Gathers text into lines and lines into blocks while an HTML tree is walked.

    Inside a list, what would end a block ends a line instead, so a list is one
    block with one item per line, as the Markdown importer makes it.
    """

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.lines: list[str] = []
        self.words: list[str] = []
        self.list_depth = 0
        self.marker = ""

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, PreformattedString):
                continue  # comments, CDATA, doctypes: markup, not text
            if isinstance(child, NavigableString):
                self.text(str(child))
            elif isinstance(child, Tag):
                self.element(child)

    def element(self, tag: Tag) -> None:
        name = tag.name.lower()
        if name in _DROPPED or _is_footnote(tag):
            return
        if name == "br":
            self.end_line()
        elif name in _LISTS:
            self.write_list(tag, ordered=name == "ol")
        elif name in _BLOCKS:
            self.end_block()
            self.walk(tag)
            self.end_block()
        else:
            self.walk(tag)

    def write_list(self, tag: Tag, ordered: bool) -> None:
        self.end_block()
        self.list_depth += 1
        number = _start(tag) if ordered else 0
        for child in tag.children:
            if isinstance(child, Tag) and child.name.lower() == "li":
                self.end_line()
                self.marker = f"{number}. " if ordered else ""
                number += 1
                self.walk(child)
                self.end_line()
            elif isinstance(child, Tag):
                self.element(child)
        self.list_depth -= 1
        self.end_block()

    def text(self, text: str) -> None:
        text = re.sub(r"\s+", " ", text)
        if self.marker and text.strip():
            text, self.marker = self.marker + text.lstrip(), ""
        self.words.append(text)

    def end_line(self) -> None:
        line = normalize_space("".join(self.words))
        if line:
            self.lines.append(line)
        self.words = []

    def end_block(self) -> None:
        self.end_line()
        if self.list_depth:
            return
        if self.lines:
            self.blocks.append("\n".join(self.lines))
        self.lines = []

    def finish(self) -> list[str]:
        self.list_depth = 0
        self.end_block()
        return self.blocks


def _is_footnote(tag: Tag) -> bool:
    """Footnote markers ("1", "↩") and the notes at the end are asides, not the post's sentences."""
    classes = set(tag.get_attribute_list("class"))
    if classes & _FOOTNOTE_CLASSES or tag.get("role") in _FOOTNOTE_ROLES:
        return True
    if tag.name.lower() != "sup":
        return False
    link = tag.find("a")
    return isinstance(link, Tag) and str(link.get("href", "")).startswith("#")


def _start(tag: Tag) -> int:
    try:
        return int(str(tag.get("start", "1")))
    except ValueError:
        return 1


def _parse(text: str) -> Any:
    """Parse the text itself: a bare string would make feedparser open it as a path or URL.

    Given as bytes with a UTF-8 content type, the text is decoded as we have
    it, whatever encoding its XML declaration names.
    """
    return feedparser.parse(
        io.BytesIO(text.encode("utf-8")), response_headers={"content-type": "application/xml; charset=utf-8"}
    )


def _not_a_feed(parsed: Any) -> str | None:
    """Why a text with no items is not a feed, or None for a real feed that is merely empty."""
    if parsed.get("bozo") and not isinstance(parsed.get("bozo_exception"), ThingsNobodyCaresAboutButMe):
        return f"not an RSS/Atom feed: {parsed.get('bozo_exception') or 'feedparser could not read it'}"
    if not parsed.get("version"):
        return "not an RSS/Atom feed: no <rss>, <feed> or <rdf:RDF> root element"
    return None


def _error_line(parsed: Any) -> int:
    exception = parsed.get("bozo_exception")
    line = getattr(exception, "getLineNumber", lambda: 1)()
    return line if isinstance(line, int) and line > 0 else 1


def _item_lines(text: str, parsed: Any) -> list[int]:
    """Where each item starts, when the count of item tags matches feedparser's; else line 1."""
    tag = "entry" if str(parsed.get("version", "")).startswith("atom") else "item"
    starts = [match.start() for match in _ITEM_START.finditer(text) if match.group(1) == tag]
    if len(starts) != len(parsed.entries):
        return [1] * len(parsed.entries)
    return [text.count("\n", 0, start) + 1 for start in starts]


def _item_fields(item: Any, feed_author: str | None) -> tuple[str, dict[str, str]]:
    """The item's HTML and the fields `convert()` needs, as the strings an Entry holds."""
    content = item.get("content") or []
    detail = content[0] if content else item.get("summary_detail") or {}
    body = content[0].get("value", "") if content else item.get("summary", "")
    date = _item_date(item)
    fields = {
        "link": item.get("link", ""),
        "title": normalize_space(item.get("title", "")),
        "author": _author(item) or feed_author or "",
        "date": date.isoformat() if date else "",
        "type": detail.get("type", ""),
    }
    return body, fields


def _author(node: Any) -> str | None:
    """The name of an item's or feed's author; a bare e-mail address is no name."""
    for name in (node.get("author_detail", {}).get("name"), node.get("author")):
        name = normalize_space(name or "")
        if name and not _EMAIL.match(name):
            return name
    return None


def _item_date(item: Any) -> dt.date | None:
    """The day the author published, in the author's own time zone when the feed gives one.

    feedparser's parsed times are in UTC, which moves a morning post in
    Beijing to the day before; the raw timestamp keeps the author's offset.
    """
    for key in ("published", "updated"):
        local = _local_date(item.get(key))
        if local:
            return local
        parsed = item.get(f"{key}_parsed")
        if parsed:
            return dt.date(*parsed[:3])
    return None


def _local_date(raw: str | None) -> dt.date | None:
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dt.datetime.fromisoformat(raw.strip()).date()
    except ValueError:
        return None


def _link(link: str, line: int) -> str:
    if not link:
        raise EntryError(line, "item has no link")
    if not is_absolute_http_url(link):
        raise EntryError(line, f"item link is not an absolute http(s) URL: {link!r}")
    return link


def _blocks(body: str, content_type: str) -> list[str]:
    if content_type == "text/plain":
        return [block for block in (normalize_space(b) for b in re.split(r"\n\s*\n", body)) if block]
    return html_blocks(body)


def _paragraphs(blocks: list[str], line: int) -> list[Paragraph]:
    return paragraphs_or_reject(blocks, line, "item", "markup")
