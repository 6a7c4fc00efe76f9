"""The BuildSpeak page importer on the real page of 2026-04-30 and on broken pages."""

from __future__ import annotations

import datetime as dt

import pytest

from lessons.importers.base import EntryError, ImportOptions
from lessons.importers.page import PageImporter
from lessons.post import Post
from tests.support import fixture_text

IMPORTER = PageImporter()


def convert(text: str, options: ImportOptions) -> Post:
    [entry] = IMPORTER.entries(text, "page.txt")
    [post] = IMPORTER.convert(entry, options)
    return post


@pytest.fixture
def page(options: ImportOptions) -> Post:
    return convert(fixture_text("page_karpathy_2026-04-30.txt"), options)


def test_header_gives_author_date_and_counts(page: Post) -> None:
    assert (page.author, page.handle, page.date) == ("Andrej Karpathy", "karpathy", dt.date(2026, 4, 30))
    assert (page.engagement.likes, page.engagement.reposts, page.engagement.replies) == (31400, 2800, 488)
    assert str(page.source) == "https://x.com/karpathy"


def test_word_count_matches_the_page(page: Post) -> None:
    assert page.words == 444


def test_each_paragraph_keeps_its_translation_and_chrome_is_gone(page: Post) -> None:
    assert [p.en[:40] for p in page.paragraphs] == [
        "This is the the quote I've been citing a",
        "Fireside chat at Sequoia Ascent 2026 fro",
    ]
    assert page.paragraphs[0].zh == "这是我最近经常引用的那段话。"
    assert page.paragraphs[1].zh.startswith("大约一周前在 Sequoia Ascent 2026 的一场炉边谈话")
    everything = "\n".join(f"{p.en}\n{p.zh}" for p in page.paragraphs)
    for chrome in ("BuildSpeak", "今日归档", "SPACE", "♥", "原文", "x.com ↗"):
        assert chrome not in everything


def test_id_is_stable_without_a_status_link(page: Post, options: ImportOptions) -> None:
    again = convert(fixture_text("page_karpathy_2026-04-30.txt"), options)
    assert page.id == again.id
    assert page.id.startswith("x-karpathy-20260430-")


def test_a_status_link_given_by_hand_becomes_the_id(options: ImportOptions) -> None:
    url = "https://x.com/karpathy/status/1917000000000000000"
    post = convert(fixture_text("page_karpathy_2026-04-30.txt"), ImportOptions(added=options.added, url=url))
    assert post.id == "x-1917000000000000000"


def test_page_without_header_is_rejected(options: ImportOptions) -> None:
    with pytest.raises(EntryError, match="no post header"):
        convert("BuildSpeak每日 builder 文摘\nJust some text.\n中文。\n", options)


def test_page_without_source_link_asks_for_one(options: ImportOptions) -> None:
    text = "🐦 X · 动态Jane Doe @jane· 2026 年 1 月 2 日· 10 词\nHello there, builders.\n你好，建设者们。\n"
    with pytest.raises(EntryError, match="--url"):
        convert(text, options)
    post = convert(text, ImportOptions(added=options.added, url="https://x.com/jane/status/42"))
    assert (post.id, post.author, post.paragraphs[0].zh) == ("x-42", "Jane Doe", "你好，建设者们。")
