"""The core's rich text as Discord markdown, within Discord's limits.

Discord renders a subset of markdown in messages and embeds: **bold**, *italic*, `code`,
||spoiler|| (hidden until clicked: predict the translation, then check) and [masked links]. Text
is escaped with discord.py's own `escape_markdown`, so an English sentence with an asterisk or
an underscore shows as typed. Limits are counted in characters, as Discord counts them.
"""

from __future__ import annotations

from discord.utils import escape_markdown

from bot.core.messages import Line, RichText, Span

MESSAGE_LIMIT = 2000  # a message's content
EMBED_DESCRIPTION_LIMIT = 4096
CUT_MARK = "\n…（篇幅所限，完整内容请点「全文」）"


def render_span(span: Span) -> str:
    if span.code:
        text = f"`{span.text.replace('`', 'ˋ')}`" if span.text else ""  # a backtick cannot be escaped inside
    else:
        text = escape_markdown(span.text)
    if not text.strip():
        return text  # markers around blanks would show as typed
    if span.bold:
        text = f"**{text}**"
    if span.italic:
        text = f"*{text}*"
    if span.spoiler:
        text = f"||{text}||"
    if span.url:
        text = f"[{text}](<{span.url}>)"  # <…>: no preview card under the message
    return text


def render_line(line: Line) -> str:
    return "".join(render_span(span) for span in line)


def render(text: RichText) -> list[str]:
    """One markdown string per line of the text (an empty line is a paragraph break)."""
    return [render_line(line) for line in text.lines]


def pieces(text: RichText, *, limit: int = MESSAGE_LIMIT, single: bool = False) -> list[str]:
    """Messages of at most `limit` characters, split between lines; with `single`, only the first,
    cut at a line and marked, for a message that must stay one (a card with its buttons)."""
    chunks = _pack(render(text), limit - len(CUT_MARK) if single else limit)
    if single and len(chunks) > 1:
        return [chunks[0] + CUT_MARK]
    return chunks or [""]


def _pack(lines: list[str], limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        for part in _hard_split(line, limit):
            joined = f"{current}\n{part}" if current else part
            if len(joined) <= limit:
                current = joined
                continue
            if current:
                chunks.append(current)
            current = part
    if current.strip():
        chunks.append(current)
    return chunks


def _hard_split(line: str, limit: int) -> list[str]:
    """A single line longer than a message (a very long paragraph), cut at spaces where possible."""
    parts: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        parts.append(line[:cut])
        line = line[cut:].lstrip()
    parts.append(line)
    return parts
