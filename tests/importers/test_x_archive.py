"""The X archive importer on a real excerpt of the 2024 archive and on broken entries."""

from __future__ import annotations

import pytest

from lessons.importers.base import EntryError, ImportOptions
from lessons.importers.x_archive import XArchiveImporter
from lessons.post import Post
from tests.support import fixture_text

IMPORTER = XArchiveImporter()


def convert_all(text: str, options: ImportOptions) -> tuple[dict[str, Post], list[tuple[int, str]]]:
    posts: dict[str, Post] = {}
    errors: list[tuple[int, str]] = []
    for entry in IMPORTER.entries(text, "archive.txt"):
        try:
            for post in IMPORTER.convert(entry, options):
                posts[post.id] = post
        except EntryError as error:
            errors.append((error.line, error.reason))
    return posts, errors


@pytest.fixture
def excerpt(options: ImportOptions) -> tuple[dict[str, Post], list[tuple[int, str]]]:
    return convert_all(fixture_text("x_archive_excerpt.txt"), options)


def test_headers_become_metadata(excerpt) -> None:
    posts, _ = excerpt
    post = posts["x-1780730292837507092"]
    assert post.author == "Andrej Karpathy"
    assert post.handle == "karpathy"
    assert str(post.date) == "2024-04-17"
    assert str(post.source) == "https://x.com/karpathy/status/1780730292837507092"
    assert post.engagement.likes == 1248
    assert post.engagement.reposts == 72
    assert post.engagement.replies == 132
    assert post.engagement.quotes == 12


def test_other_authors_keep_their_handle(excerpt) -> None:
    posts, _ = excerpt
    post = posts["x-1792244347225641338"]
    assert (post.author, post.handle) == ("@naklecha", "naklecha")


def test_english_paragraphs_pair_with_their_translation(excerpt) -> None:
    post = excerpt[0]["x-1780730292837507092"]
    assert [p.en[:30] for p in post.paragraphs] == [
        "Consider being a labeler for a",
        "In subtle way this problem is ",
    ]
    assert post.paragraphs[0].zh.startswith("设想一下")
    assert post.paragraphs[1].zh.startswith("这个问题以一种不易察觉的方式")


def test_formulas_and_urls_pair_with_their_verbatim_copy(excerpt) -> None:
    post = excerpt[0]["x-1781047292486914189"]
    by_en = {p.en: p.zh for p in post.paragraphs}
    assert by_en["6 * 8e9 * 15e12 = 7.2e23"] == "6 * 8e9 * 15e12 = 7.2e23"
    first = post.paragraphs[0]
    assert first.en.endswith("github.com/meta-llama/llama3…")
    assert first.zh.endswith("github.com/meta-llama/llama3…")


def test_differing_paragraph_counts_merge_instead_of_mispairing(excerpt) -> None:
    post = excerpt[0]["x-1782798789797101876"]
    assert len(post.paragraphs) == 2
    assert post.paragraphs[0].zh == "一个好的数据集有三个关键要素："
    assert post.paragraphs[1].en.startswith("1. quality\n2. diversity\n3. quantity")
    assert "3. 数量虽然你只能轻易地衡量最后一个要素" in post.paragraphs[1].zh


def test_translations_full_of_english_titles_are_still_chinese(excerpt) -> None:
    posts = excerpt[0]
    titles = next(p for p in posts.values() if p.english.startswith('"Links in the reply followup"'))
    assert len(titles.paragraphs) == 6
    assert all(p.zh for p in titles.paragraphs)
    assert titles.paragraphs[-1].zh.startswith("Google 团队中 Ilya、Oriol 和 Quoc")
    asimov = next(p for p in posts.values() if p.english.startswith("The Last Question by Asimov"))
    assert asimov.paragraphs[-1].en.startswith("o1-mini, Sep 2024:")
    assert asimov.paragraphs[-1].zh.startswith("o1-mini，Sep 2024:")


def test_no_text_is_dropped(excerpt) -> None:
    """Every paragraph of every entry ends up in exactly one post, on its side."""
    posts, _ = excerpt
    text = fixture_text("x_archive_excerpt.txt")
    for post in posts.values():
        for paragraph in post.paragraphs:
            for line in [*paragraph.en.splitlines(), *(paragraph.zh or "").splitlines()]:
                assert line in text
    post = posts["x-1840552890097909904"]
    assert len(post.paragraphs) == 7
    assert post.paragraphs[2].en.startswith("Gold") and post.paragraphs[2].zh.startswith("黄金")


def test_empty_entry_is_rejected_with_its_line(excerpt) -> None:
    _, errors = excerpt
    text = fixture_text("x_archive_excerpt.txt")
    empty_line = text.splitlines().index("### 272") + 1
    assert errors == [(empty_line, "entry has no text")]


BROKEN = """# Someone Twitter 2024

### 1

作者: @someone
时间: 2024-01-01
互动: Likes: 3

Missing the link header entirely.

### 2

作者: @someone
时间: 2024-01-02
链接: https://example.com/not-a-status
互动: Likes: 3

A link that is not an X post.

### 3

作者: @someone
时间: yesterday
链接: https://x.com/someone/status/3
互动: Likes: 3

A date that is not a date.

### 4

作者: @someone
时间: 2024-01-04
链接: https://x.com/someone/status/4
互动: Likes: lots

Counts that are not numbers.

### 5

作者: not a handle!
时间: 2024-01-05
链接: https://x.com/someone/status/5

An author that is not a handle.

### 6

作者: @someone
时间: 2024-01-06
链接: https://x.com/someone/status/6

Interleaved: this paragraph comes first.

交错排列：这一段在前。

And this paragraph comes second.

而这一段在后。
"""


def test_broken_entries_are_reported_and_the_rest_import(options: ImportOptions) -> None:
    posts, errors = convert_all(BROKEN, options)
    reasons = dict(errors)
    assert reasons[3] == "missing header 链接"
    assert "not an X post link" in reasons[11]
    assert "时间 is not a date" in reasons[20]
    assert "互动 has a count that is not a number" in reasons[29]
    assert "作者 is not an X handle" in reasons[38]
    assert list(posts) == ["x-6"]
    assert [(p.en, p.zh) for p in posts["x-6"].paragraphs] == [
        ("Interleaved: this paragraph comes first.", "交错排列：这一段在前。"),
        ("And this paragraph comes second.", "而这一段在后。"),
    ]


LETTER = """# Someone Twitter 2024

### 7

作者: @someone
时间: 2024-12-03
链接: https://x.com/someone/status/7

Ty to a reply, text version for those on mobile:

Hi Andrej,

Happy to tell you the story as it happened 8 years ago!

Ty to a reply，text version for those on mobile:

Hi Andrej,

很高兴能告诉你 8 年前发生的故事！
"""


def test_english_quoted_verbatim_in_the_translation_stays_in_the_chinese(options: ImportOptions) -> None:
    posts, errors = convert_all(LETTER, options)
    assert errors == []
    assert [(p.en, p.zh) for p in posts["x-7"].paragraphs] == [
        (
            "Ty to a reply, text version for those on mobile:",
            "Ty to a reply，text version for those on mobile:",
        ),
        ("Hi Andrej,", "Hi Andrej,"),
        ("Happy to tell you the story as it happened 8 years ago!", "很高兴能告诉你 8 年前发生的故事！"),
    ]
