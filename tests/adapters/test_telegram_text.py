"""Telegram HTML: escaping, styles, and splitting within Telegram's UTF-16 limits."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from bot.adapters.telegram_text import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    render_html,
    split_html,
    visible_length,
)
from bot.core.messages import RichText, Span


class _Telegram(HTMLParser):
    """Reads a piece as Telegram would: its visible text, and whether every tag is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(piece: str) -> _Telegram:
    parser = _Telegram()
    parser.feed(piece)
    parser.close()
    assert not parser.open, f"unclosed {parser.open}"
    return parser


def visible(piece: str) -> str:
    return "".join(parse(piece).text)


def check_pieces(pieces: list[str], limit: int) -> list[str]:
    """Every piece balanced, within the limit, and not blank; returns their visible texts."""
    texts = [visible(piece) for piece in pieces]
    for text in texts:
        assert visible_length(text) <= limit
        assert text.strip()
        assert text == text.strip("\n")
    return texts


def test_text_is_escaped_and_shows_as_written() -> None:
    html = render_html(RichText.of("if a<b && c>d: *x* _y_ <b>not bold</b>"))
    assert html == "if a&lt;b &amp;&amp; c&gt;d: *x* _y_ &lt;b&gt;not bold&lt;/b&gt;"
    assert visible(html) == "if a<b && c>d: *x* _y_ <b>not bold</b>"
    assert parse(html).tags == []


def test_quotes_in_urls_are_escaped() -> None:
    html = render_html(RichText.of(Span("link", url='https://x.dev/?q="a"&b=<c>')))
    assert html == '<a href="https://x.dev/?q=&quot;a&quot;&amp;b=&lt;c&gt;">link</a>'
    assert parse(html).tags == [("a", {"href": 'https://x.dev/?q="a"&b=<c>'})]


@pytest.mark.parametrize(
    ("span", "html"),
    [
        (Span("plain"), "plain"),
        (Span("bold", bold=True), "<b>bold</b>"),
        (Span("italic", italic=True), "<i>italic</i>"),
        (Span("a < b", code=True), "<code>a &lt; b</code>"),
        (Span("answer", spoiler=True), "<tg-spoiler>answer</tg-spoiler>"),
        (Span("site", url="https://x.dev"), '<a href="https://x.dev">site</a>'),
        (Span("x", bold=True, italic=True, code=True), "<b><i><code>x</code></i></b>"),
        (Span("x", spoiler=True, bold=True), "<tg-spoiler><b>x</b></tg-spoiler>"),
        (Span("x", url="u", bold=True, spoiler=True), '<a href="u"><tg-spoiler><b>x</b></tg-spoiler></a>'),
        (Span("x", url="u", code=True), '<a href="u">x</a>'),
        (Span("", bold=True), ""),
    ],
)
def test_styles(span: Span, html: str) -> None:
    assert render_html(RichText.of(span)) == html


def test_lines_are_joined_with_newlines() -> None:
    text = RichText.of((Span("Hi "), Span("there", bold=True)), "", "bye")
    assert render_html(text) == "Hi <b>there</b>\n\nbye"
    assert split_html(text) == ["Hi <b>there</b>\n\nbye"]


def test_short_text_is_one_message_and_empty_text_none() -> None:
    assert split_html(RichText.of("hello")) == ["hello"]
    assert split_html(RichText.of()) == []
    assert split_html(RichText.of("", "   ", "")) == []


def test_limits() -> None:
    assert (MESSAGE_LIMIT, CAPTION_LIMIT) == (4096, 1024)


def test_visible_length_counts_utf16_units() -> None:
    assert visible_length("abc") == 3
    assert visible_length("你好") == 2
    assert visible_length("🚀") == 2
    assert visible_length("é") == 1
    assert visible_length("a\nb") == 3


def _long_text(lines: int) -> RichText:
    return RichText.of(
        *(
            (Span(f"Line {n}: "), Span("a<b & c ", bold=True), Span("x" * (n % 97), italic=True))
            for n in range(lines)
        )
    )


def test_a_long_multi_line_text_splits_between_lines() -> None:
    text = _long_text(180)
    assert visible_length(text.plain) > 10_000
    pieces = split_html(text)
    texts = check_pieces(pieces, MESSAGE_LIMIT)
    assert len(pieces) == 3
    assert "\n".join(texts) == text.plain


def test_paragraph_breaks_at_a_cut_are_dropped() -> None:
    text = RichText.of(*(line for n in range(400) for line in (f"Paragraph {n} " + "w" * 40, "")))
    pieces = split_html(text, 1000)
    texts = check_pieces(pieces, 1000)
    assert "".join(texts).replace("\n", "") == text.plain.replace("\n", "")
    assert all(not piece.startswith("\n") and not piece.endswith("\n") for piece in pieces)


def test_pieces_are_as_few_as_possible() -> None:
    text = RichText.of(*(["y" * 99] * 100))
    pieces = split_html(text, 1000)
    assert len(pieces) == 10
    assert [visible_length(visible(piece)) for piece in pieces] == [999] * 10


def test_a_single_long_line_is_cut_at_whitespace_keeping_styles() -> None:
    line = (Span("word " * 500, bold=True), Span("more " * 500, italic=True))
    text = RichText.of(line)
    assert len(text.plain) == 5000
    pieces = split_html(text)
    texts = check_pieces(pieces, MESSAGE_LIMIT)
    assert len(pieces) == 2
    assert "".join(texts) == text.plain
    assert all(t.endswith(" ") for t in texts)
    assert pieces[0].startswith("<b>") and pieces[0].endswith("</i>")
    assert pieces[1].startswith("<i>") and pieces[1].endswith("</i>")


def test_a_style_continues_across_a_cut() -> None:
    text = RichText.of(Span("spoiler " * 700, spoiler=True, url="https://x.dev"))
    pieces = split_html(text)
    check_pieces(pieces, MESSAGE_LIMIT)
    for piece in pieces:
        assert piece.startswith('<a href="https://x.dev"><tg-spoiler>')
        assert piece.endswith("</tg-spoiler></a>")


def test_a_line_without_whitespace_is_cut_anywhere() -> None:
    text = RichText.of("z" * 5000)
    pieces = split_html(text)
    assert [len(piece) for piece in pieces] == [4096, 904]


def test_a_long_line_after_short_lines_shares_their_message() -> None:
    text = RichText.of("intro", "word " * 1000)
    pieces = split_html(text)
    texts = check_pieces(pieces, MESSAGE_LIMIT)
    assert len(pieces) == 2
    assert texts[0].startswith("intro\nword ")
    assert "".join(texts).replace("\n", "") == text.plain.replace("\n", "")


def test_a_nearly_full_message_is_not_topped_up_with_a_stray_word() -> None:
    text = RichText.of("a" * 4000, "word " * 1000)
    pieces = split_html(text)
    texts = check_pieces(pieces, MESSAGE_LIMIT)
    assert texts[0] == "a" * 4000
    assert texts[1].startswith("word ")


def test_emoji_count_two_units_and_are_never_split() -> None:
    text = RichText.of("🚀" * 3000)
    pieces = split_html(text)
    texts = check_pieces(pieces, MESSAGE_LIMIT)
    assert [len(t) for t in texts] == [2048, 952]
    assert "".join(texts) == text.plain


def test_an_odd_limit_never_splits_a_surrogate_pair() -> None:
    text = RichText.of("a" + "😀" * 10)
    texts = check_pieces(split_html(text, 5), 5)
    assert texts == ["a😀😀", "😀😀", "😀😀", "😀😀", "😀😀"]
    assert all(visible_length(t) <= 5 for t in texts)


def test_cjk_text_counts_one_unit_per_character() -> None:
    sentence = "我们今天学习英语表达，" * 10
    text = RichText.of(*([sentence] * 50))
    pieces = split_html(text)
    texts = check_pieces(pieces, MESSAGE_LIMIT)
    assert len(pieces) == 2
    assert "\n".join(texts) == text.plain


def test_cjk_line_without_spaces_is_cut_anywhere() -> None:
    text = RichText.of(Span("汉" * 1500, bold=True))
    pieces = split_html(text, CAPTION_LIMIT)
    texts = check_pieces(pieces, CAPTION_LIMIT)
    assert [len(t) for t in texts] == [1024, 476]
    assert all(piece.startswith("<b>") and piece.endswith("</b>") for piece in pieces)


def test_escaping_does_not_count_towards_the_limit() -> None:
    text = RichText.of("&" * 4096)
    pieces = split_html(text)
    assert len(pieces) == 1
    assert len(pieces[0]) == 4096 * 5


def test_a_whitespace_tail_is_not_a_piece() -> None:
    text = RichText.of("word" + " " * 5000)
    texts = check_pieces(split_html(text), MESSAGE_LIMIT)
    assert len(texts) == 1


def test_limit_must_fit_a_character() -> None:
    with pytest.raises(ValueError):
        split_html(RichText.of("x"), 1)
