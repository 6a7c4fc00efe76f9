"""Lesson sizes: which posts teach, how long ones are cut, what the header says."""

from __future__ import annotations

import datetime as dt

import pytest

from lessons.lesson import lessons_of
from lessons.post import Engagement, Paragraph, Post, Series
from lessons.sizing import LessonSizing, part_ranges

SIZING = LessonSizing()


def sized(*sentences: int) -> list[int]:
    return [sum(sentences[i] for i in r) for r in part_ranges(list(sentences), SIZING)]


def test_a_post_within_the_maximum_stays_whole() -> None:
    assert sized(3, 4, 5) == [12]
    assert sized(6, 6) == [12]


def test_long_texts_are_cut_into_balanced_parts_near_the_target() -> None:
    assert sized(8, 8) == [8, 8]
    assert sized(*[5] * 8) == [10, 10, 10, 10]
    assert all(3 <= part <= 15 for part in sized(3, 4, 5, 2, 6, 1, 4, 3))


def test_a_paragraph_longer_than_the_maximum_is_never_cut_here() -> None:
    assert sized(20) == [20]
    assert sized(1, 20, 1) == [22]


def test_short_posts_do_not_teach() -> None:
    assert not SIZING.teaches(sentences=1, words=3)
    assert not SIZING.teaches(sentences=3, words=12)
    assert SIZING.teaches(sentences=3, words=40)


def test_sizes_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="min_sentences"):
        LessonSizing(min_sentences=5, target_sentences=4, max_sentences=10)


def post(paragraphs: list[str], **changes) -> Post:
    values = dict(
        id="x-7",
        kind="post",
        author="Andrej Karpathy",
        handle="karpathy",
        date=dt.date(2024, 4, 17),
        source="https://x.com/karpathy/status/7",
        engagement=Engagement(likes=10),
        added=dt.date(2026, 11, 1),
        paragraphs=tuple(Paragraph(en=text, zh="译文。") for text in paragraphs),
    )
    values.update(changes)
    return Post(**values)


def sentences(count: int, word: str = "word") -> str:
    return " ".join(f"This {word} is sentence number {n}." for n in range(count))


def test_a_short_post_is_one_lesson_with_the_post_id() -> None:
    [lesson] = lessons_of(post([sentences(4), sentences(3)]), SIZING, 200)
    assert lesson.id == "x-7"
    assert lesson.header.parts == 1
    assert lesson.header.part_label is None


def test_a_long_post_becomes_numbered_parts_that_keep_every_paragraph() -> None:
    source = post([sentences(6, f"w{n}") for n in range(5)])
    parts = lessons_of(source, SIZING, 200)
    assert [lesson.id for lesson in parts] == ["x-7-part1", "x-7-part2", "x-7-part3"]
    assert [lesson.header.part_label for lesson in parts] == ["第 1/3 部分", "第 2/3 部分", "第 3/3 部分"]
    assert [p for lesson in parts for p in lesson.paragraphs] == list(source.paragraphs)


def test_header_shows_words_and_reading_time_like_the_page() -> None:
    text = " ".join(["word"] * 444)
    [lesson] = lessons_of(post([text]), SIZING, 200)
    assert lesson.header.reading_label == "444 词 · 约 2 分钟"
    assert lesson.header.byline == "Andrej Karpathy @karpathy"
    assert lesson.header.date_label == "2024 年 4 月 17 日"


def test_a_talk_part_is_one_lesson_numbered_by_its_series() -> None:
    part = post(
        [sentences(5)],
        id="talk-demo-p02",
        kind="talk",
        title="Demo talk",
        series=Series(id="talk-demo", title="Demo talk", part=2, parts=4),
    )
    [lesson] = lessons_of(part, SIZING, 200)
    assert (lesson.id, lesson.unit, lesson.header.part_label) == ("talk-demo-p02", "talk-demo", "第 2/4 部分")


def post_of(paragraphs: tuple[Paragraph, ...]) -> Post:
    return post(["Replaced below."]).model_copy(update={"paragraphs": paragraphs})


def translated(count: int) -> Paragraph:
    en = " ".join(f"Builders ship feature number {n} today." for n in range(count))
    zh = "".join(f"构建者今天发布了第 {n} 个功能。" for n in range(count))
    return Paragraph(en=en, zh=zh, start=12.0)


def test_a_paragraph_longer_than_a_lesson_is_cut_between_aligned_sentences() -> None:
    long = translated(20)
    parts = lessons_of(post_of((long,)), SIZING, 200)

    assert [lesson.sentences for lesson in parts] == [10, 10]
    pieces = [p for lesson in parts for p in lesson.paragraphs]
    assert " ".join(p.en for p in pieces) == long.en
    assert "".join(p.zh or "" for p in pieces) == long.zh
    assert pieces[1].en.startswith("Builders ship feature number 10 ")
    assert pieces[1].zh.startswith("构建者今天发布了第 10 个")
    assert [p.start for p in pieces] == [12.0, None]


def test_a_post_just_over_the_maximum_is_cut_inside_its_long_paragraph() -> None:
    source = post_of((Paragraph(en="A short opening line here.", zh="开场白。"), translated(15)))
    parts = lessons_of(source, SIZING, 200)

    assert len(parts) == 2 and all(SIZING.min_sentences <= lesson.sentences <= 15 for lesson in parts)
    assert sum(lesson.sentences for lesson in parts) == 16


def test_an_untranslated_long_paragraph_is_cut_too() -> None:
    english_only = Paragraph(en=translated(24).en)
    parts = lessons_of(post_of((english_only,)), SIZING, 200)

    assert [lesson.sentences for lesson in parts] == [8, 8, 8]
    assert all(lesson.paragraphs[0].zh is None for lesson in parts)


def test_no_cut_where_the_translation_does_not_split() -> None:
    one_chinese_sentence = Paragraph(en=translated(20).en, zh="整段只有一句译文，没有句号可以切开")
    [lesson] = lessons_of(post_of((one_chinese_sentence,)), SIZING, 200)

    assert lesson.paragraphs == (one_chinese_sentence,)
