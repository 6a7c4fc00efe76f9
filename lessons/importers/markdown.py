"""Markdown blog posts (Jekyll, Hugo and the like) with YAML or TOML front matter.

    ---
    title: Shipping small models
    author: {name: Jane Doe, twitter: janedoe}
    canonical_url: https://janedoe.dev/2024/03/05/shipping-small-models/
    ---
    Most of what I know about ... [^1]

One file is one post. We keep what a learner reads: paragraphs, headings (each
its own paragraph), list items (one line each, a list being one paragraph) and
quotes. Code, images, raw HTML, footnotes, Liquid tags and Hugo shortcodes are
not prose and go.
The date comes from the front matter or from a Jekyll file name
(`2024-03-05-slug.md`); the id comes from the post's URL, so the same post
imported from its blog's feed lands on the same id. A post that does not write
its URL (or author) gets it from its site's config, as Jekyll and Hugo do
(site_urls.py); a folder imports as the posts its site publishes.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from typing import Any

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler
from markdown_it import MarkdownIt
from markdown_it.token import Token

from lessons.importers.base import Entry, EntryError, ImportOptions
from lessons.importers.ids import is_absolute_http_url, post_id_for_url, x_status
from lessons.importers.pairing import paragraphs_or_reject
from lessons.importers.site_base import SiteError, author_name
from lessons.importers.site_urls import PostSite, Sites
from lessons.post import Paragraph, Post
from lessons.text import normalize_space

_JEKYLL_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-")
# Liquid renders before Markdown in Jekyll: a highlight block is code and a
# comment block is hidden, so both go whole (as does Hugo's highlight
# shortcode); `raw` shows its content verbatim.
_LIQUID_HIDDEN = re.compile(r"\{%-?\s*(highlight|comment)\b.*?%\}.*?\{%-?\s*end\1\s*-?%\}", re.DOTALL)
_HUGO_HIGHLIGHT = re.compile(
    r"\{\{[<%]\s*highlight\b.*?[>%]\}\}.*?\{\{[<%]\s*/\s*highlight\s*[>%]\}\}", re.DOTALL
)
_LIQUID_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_LIQUID_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
# kramdown's `* TOC` + `{:toc}` is a placeholder for a generated table of contents.
_KRAMDOWN_TOC = re.compile(r"^ {0,3}(?:[*+-]|\d+\.)[ \t]+.*\n {0,3}\{:\s*toc\s*\}[ \t]*$", re.MULTILINE)
# kramdown attribute lists such as `{: .note}` or `{:toc}` style the block above them.
_KRAMDOWN_IAL = re.compile(r"\{:[^}\n]*\}")
# A footnote definition and its lazy continuation lines (indented ones become
# code blocks, which are dropped anyway).
_FOOTNOTE_DEFINITION = re.compile(r"^ {0,3}\[\^[^\]\n]+\]:.*(?:\n(?![ \t]*\n).*)*", re.MULTILINE)
_FOOTNOTE_REFERENCE = re.compile(r"\[\^[^\]\s]+\]")
_BR = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_URL_KEYS = ("canonical_url", "url", "permalink")
_HANDLE_KEYS = ("handle", "twitter")


class _TomlHandler(BaseHandler):
    """Hugo's `+++` front matter, read with the standard library (python-frontmatter needs `toml`)."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> dict[str, Any]:
        return tomllib.loads(fm)

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:
        raise NotImplementedError("BuildSpeak only reads front matter")


class MarkdownImporter:
    name = "markdown"
    summary = "Markdown / Jekyll / Hugo blog posts with front matter, or a blog's checkout folder"

    def __init__(self) -> None:
        self._sites = Sites()

    def entries(self, text: str, origin: str) -> list[Entry]:
        return [Entry(origin, 1, text)]

    def files_in(self, folder: Path) -> list[Path]:
        """A folder's posts: those its Jekyll or Hugo site publishes as posts, else every Markdown file."""
        return self._sites.markdown_files(folder)

    def convert(self, entry: Entry, options: ImportOptions) -> Iterable[Post]:
        metadata, body = _front_matter(entry.text, entry.line)
        site = self._sites.post(entry.origin)
        source = _source(metadata, options, site, entry.line)
        date = options.date or _metadata_date(metadata, entry.line) or _filename_date(entry.origin)
        if date is None:
            raise EntryError(
                entry.line,
                "no date: no `date` in the front matter and no YYYY-MM-DD- file name",
            )
        author = options.author or _credit(metadata, site, entry.line)
        status = x_status(source)
        yield Post(
            id=post_id_for_url(source),
            kind="article",
            author=author,
            handle=options.handle or _handle(metadata) or (status.handle if status else None),
            date=date,
            source=source,
            title=options.title or _string(metadata.get("title")),
            added=options.added,
            paragraphs=tuple(_paragraphs(prose_blocks(body), entry.line)),
        )


def prose_blocks(markdown: str) -> list[str]:
    """The prose of a Markdown body as blocks in reading order (no front matter expected)."""
    source = _strip_liquid(markdown)
    source = _FOOTNOTE_DEFINITION.sub("", _KRAMDOWN_IAL.sub("", _KRAMDOWN_TOC.sub("", source)))
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return [block for block in (normalize_space(b) for b in _token_blocks(parser.parse(source))) if block]


def _front_matter(text: str, line: int) -> tuple[dict[str, Any], str]:
    text = text.removeprefix("\ufeff")
    handler = _TomlHandler() if text.startswith("+++") else None
    try:
        post = frontmatter.loads(text, handler=handler)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise EntryError(line, f"front matter is not valid YAML/TOML: {reason}") from error
    return post.metadata, post.content


def _strip_liquid(text: str) -> str:
    """Remove Liquid tags and hidden blocks, keeping `{% raw %}` content as written."""
    pieces: list[str] = []
    last = 0
    for match in _LIQUID_RAW.finditer(text):
        pieces.extend([_strip_liquid_tags(text[last : match.start()]), match.group(1)])
        last = match.end()
    pieces.append(_strip_liquid_tags(text[last:]))
    return "".join(pieces)


def _strip_liquid_tags(text: str) -> str:
    return _LIQUID_TAG.sub("", _HUGO_HIGHLIGHT.sub("", _LIQUID_HIDDEN.sub("", text)))


def _token_blocks(tokens: Sequence[Token]) -> list[str]:
    """Walk markdown-it's block tokens: each paragraph or heading is a block, each list one block.

    Only `inline` tokens carry text, so code blocks, HTML blocks and rules
    (which are not inline) fall away by themselves; tables are skipped because
    their cells are data, not sentences a learner reads aloud.
    """
    blocks: list[str] = []
    list_lines: list[str] = []
    list_depth = table_depth = 0
    marker = ""
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            if not list_depth:
                blocks.append("\n".join(list_lines))
                list_lines = []
        elif token.type == "list_item_open":
            marker = f"{token.info}{token.markup} " if token.info else ""
        elif token.type in ("table_open", "table_close"):
            table_depth += 1 if token.type == "table_open" else -1
        elif token.type == "inline" and not table_depth:
            text = _inline_text(token.children or [])
            if list_depth and text:
                list_lines.append(marker + text)
                marker = ""
            elif text:
                blocks.append(text)
    return blocks


def _inline_text(children: Sequence[Token]) -> str:
    """Plain text of a paragraph: link text and inline code kept, images and HTML tags dropped."""
    parts: list[str] = []
    for child in children:
        if child.type == "text":
            parts.append(_FOOTNOTE_REFERENCE.sub("", child.content))
        elif child.type == "code_inline":
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak" or (child.type == "html_inline" and _BR.match(child.content)):
            parts.append("\n")
    return normalize_space("".join(parts))


def _paragraphs(blocks: list[str], line: int) -> list[Paragraph]:
    return paragraphs_or_reject(blocks, line, "the post", "HTML")


def _source(metadata: dict[str, Any], options: ImportOptions, site: PostSite, line: int) -> str:
    """`--url`, else an absolute URL the front matter writes, else the one the post's site gives it."""
    if options.url:
        return _absolute(options.url.strip(), line)
    written = [url for url in (_string(metadata.get(key)) for key in _URL_KEYS) if url]
    absolute = next((url for url in written if is_absolute_http_url(url)), None)
    if absolute:
        return absolute
    try:
        return site.url(metadata)
    except SiteError as error:
        if written:
            raise EntryError(line, f"{_not_absolute(written[0])} ({error})") from error
        raise EntryError(
            line, f"no source URL: front matter has no canonical_url, url or permalink, and {error}"
        ) from error


def _absolute(url: str, line: int) -> str:
    if not is_absolute_http_url(url):
        raise EntryError(line, _not_absolute(url))
    return url


def _not_absolute(url: str) -> str:
    return f"source URL is not an absolute http(s) URL: {url!r}; give the full URL"


def _credit(metadata: dict[str, Any], site: PostSite, line: int) -> str:
    """The post's author, as its site resolves it, else the site's author from its config."""
    own = author_name(metadata.get("author")) or author_name(metadata.get("authors"))
    try:
        author, config = site.author(metadata) or own, site.config
    except SiteError as error:
        if own:
            return own
        raise EntryError(line, f"no author: front matter has no `author`, and {error}") from error
    if not author and config:
        raise EntryError(line, f"no author: front matter has no `author`, nor has {config}; give --author")
    if not author:
        raise EntryError(line, "no author: front matter has no `author` and none was given")
    return author


def _metadata_date(metadata: dict[str, Any], line: int) -> dt.date | None:
    value = metadata.get("date")
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError as error:
        raise EntryError(line, f"front matter date is not a date (YYYY-MM-DD): {value!r}") from error


def _filename_date(origin: str) -> dt.date | None:
    match = _JEKYLL_NAME.match(PurePath(origin).name)
    if not match:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _handle(metadata: dict[str, Any]) -> str | None:
    author = metadata.get("author")
    places = [metadata, author] if isinstance(author, dict) else [metadata]
    for place in places:
        handle = _first_string(place, _HANDLE_KEYS)
        if handle:
            return handle.lstrip("@")
    return None


def _first_string(metadata: dict[str, Any], keys: Sequence[str]) -> str | None:
    return next((text for text in (_string(metadata.get(key)) for key in keys) if text), None)


def _string(value: object) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return normalize_space(str(value)) or None
    return None
