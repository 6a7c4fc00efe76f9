"""RichText as Telegram HTML, split into messages Telegram accepts.

Telegram limits a message to 4096 characters and a caption to 1024, counted
after it parses the entities and in UTF-16 code units: tags and `&amp;` cost
nothing, an emoji outside the BMP costs two. So we measure the spans' text,
never the HTML, and split on the span model before rendering, which keeps
every piece's tags balanced (Telegram rejects a message with an unclosed tag).
"""

from __future__ import annotations

import html
from dataclasses import replace

from bot.core.messages import Line, RichText, Span

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

# A long line starts in the current message only if this share of it is still free,
# so no message ends with a stray word or two of the next paragraph.
_MIN_SHARED_ROOM = 1 / 8


def visible_length(text: str) -> int:
    """Length of plain (not HTML) text as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def render_html(text: RichText) -> str:
    """Telegram HTML for `text`; everything a post says, `<`, `&`, `*`, `_` included, shows as written."""
    return "\n".join("".join(_render_span(span) for span in line) for line in text.lines)


def split_html(text: RichText, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` as few Telegram HTML messages as possible, each at most `limit` visible units.

    Breaks between lines when it can; a line longer than `limit` is cut at
    whitespace (anywhere as a last resort), its styles continuing in the next piece.
    """
    if limit < 2:
        raise ValueError("limit must leave room for at least one character (2 UTF-16 units)")
    packer = _Packer(limit)
    for line in text.lines:
        packer.add(line if _plain(line).strip() else ())
    packer.flush()
    return [render_html(RichText(tuple(piece))) for piece in packer.pieces]


def _render_span(span: Span) -> str:
    """Tags nest in one fixed order; code inside a link is dropped, as Telegram can't nest those two."""
    if not span.text:
        return ""
    out = html.escape(span.text, quote=False)
    if span.code and span.url is None:
        out = f"<code>{out}</code>"
    if span.italic:
        out = f"<i>{out}</i>"
    if span.bold:
        out = f"<b>{out}</b>"
    if span.spoiler:
        out = f"<tg-spoiler>{out}</tg-spoiler>"
    if span.url is not None:
        out = f'<a href="{html.escape(span.url, quote=True)}">{out}</a>'
    return out


class _Packer:
    """Fills messages line by line; `used` counts the current piece's text and newlines."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pieces: list[list[Line]] = []
        self.current: list[Line] = []
        self.used = 0

    @property
    def room(self) -> int:
        """Units left for one more line (after its newline) in the current piece."""
        return self.limit - self.used - 1 if self.current else self.limit

    def add(self, line: Line) -> None:
        if not line:
            if self.room >= 0 and self.current:
                self._append(line)
            elif self.current:
                self.flush()
            return
        rest = line
        while rest:
            rest = self._add_part(rest)

    def _add_part(self, line: Line) -> Line:
        """Place as much of `line` as belongs in the current piece; return what is left."""
        if _length(line) <= self.room:
            self._append(line)
            return ()
        shared = bool(self.current) and self.room >= self.limit * _MIN_SHARED_ROOM
        if _length(line) <= self.limit or (self.current and not shared):
            self.flush()
            return line
        end = _cut_point(_plain(line), self.room, hard=not self.current)
        if end is None:
            self.flush()
            return line
        self._append(_slice(line, 0, end))
        self.flush()
        rest = _slice(line, end, None)
        return rest if _plain(rest).strip() else ()

    def _append(self, line: Line) -> None:
        self.used += _length(line) + (1 if self.current else 0)
        self.current.append(line)

    def flush(self) -> None:
        """Close the current piece, without its trailing empty lines."""
        while self.current and not self.current[-1]:
            self.current.pop()
        if self.current:
            self.pieces.append(self.current)
        self.current, self.used = [], 0


def _cut_point(text: str, room: int, hard: bool) -> int | None:
    """Where the first part of `text` should end to fit `room`: after the last whitespace that fits.

    Without such whitespace: as much as fits if `hard`, else None. Indexes are
    code points, so a cut never splits a surrogate pair.
    """
    end = _fit(text, room)
    start = len(text) - len(text.lstrip())
    for index in range(end - 1, start, -1):
        if text[index].isspace():
            return index + 1
    return end if hard and end > 0 else None


def _fit(text: str, room: int) -> int:
    """The longest prefix of `text` (in code points) that takes at most `room` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > room:
            return index
    return len(text)


def _slice(line: Line, start: int, end: int | None) -> Line:
    """The spans covering code points start…end of the line's text, each keeping its style."""
    stop = _plain_length(line) if end is None else end
    out: list[Span] = []
    position = 0
    for span in line:
        low, high = max(position, start), min(position + len(span.text), stop)
        if low < high:
            out.append(replace(span, text=span.text[low - position : high - position]))
        position += len(span.text)
    return tuple(out)


def _plain(line: Line) -> str:
    return "".join(span.text for span in line)


def _plain_length(line: Line) -> int:
    return sum(len(span.text) for span in line)


def _length(line: Line) -> int:
    return visible_length(_plain(line))
