"""The talk transcript importer, on a real excerpt, the full talk and hand-made broken files."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from lessons.importers.base import Entry, EntryError, ImportOptions
from lessons.importers.transcript import TranscriptImporter
from lessons.post import Post
from lessons.sentences import sentence_count
from lessons.sizing import LessonSizing

ROOT = Path(__file__).resolve().parents[2]
EXCERPT = ROOT / "tests" / "fixtures" / "transcript_excerpt.txt"
FULL = ROOT / "lessons" / "sources" / "003_da9a6e0a0710eb0a.txt"
WATCH = "https://www.youtube.com/watch?v=LCEmiRjPEtQ"
CHROME = (
    "HomeVideos\n\nJane Doe: A Small Talk\n\nNow Playing\n\nJane Doe: A Small Talk\n\n"
    "Transcript\n\n3 segments\n\n"
)

_STAMP = re.compile(r"^(?:\d+:)?\d+:\d{2}$")
_CUES = re.compile(r"\[(?:Music|Applause|Laughter)\]")


def options(**overrides: object) -> ImportOptions:
    values: dict[str, object] = {"added": dt.date(2025, 7, 1), "date": dt.date(2025, 6, 17), "url": WATCH}
    values.update(overrides)
    return ImportOptions(**values)  # type: ignore[arg-type]


def convert(text: str, **overrides: object) -> list[Post]:
    importer = TranscriptImporter()
    (entry,) = importer.entries(text, "talk.txt")
    return list(importer.convert(entry, options(**overrides)))


def rejection(text: str, **overrides: object) -> EntryError:
    with pytest.raises(EntryError) as caught:
        convert(text, **overrides)
    return caught.value


def spoken_words(text: str) -> list[str]:
    """Every caption line between the chrome and the site's summary, cues removed, as words."""
    lines = [line.strip() for line in text.split("\n")]
    begin = next(i for i, line in enumerate(lines) if line.endswith("segments")) + 1
    end = lines.index("Interactive Summary")
    captions = [line for line in lines[begin:end] if line and not _STAMP.match(line)]
    return _CUES.sub(" ", " ".join(captions)).split()


def imported_words(posts: list[Post]) -> list[str]:
    return " ".join(p.en for post in posts for p in post.paragraphs).split()


def part_sentences(post: Post) -> int:
    return sum(sentence_count(p.en) for p in post.paragraphs)


def long_sentence(label: str, words: int = 95) -> str:
    """A sentence long enough (over the paragraph word limit) to be a paragraph on its own."""
    return f"{label} " + " ".join(f"word{n}" for n in range(words)) + "."


# ---------------------------------------------------------------- the real excerpt


@pytest.fixture(scope="module")
def excerpt() -> str:
    return EXCERPT.read_text(encoding="utf-8")


def test_the_whole_transcript_is_one_entry_at_its_first_caption(excerpt: str) -> None:
    entries = TranscriptImporter().entries(excerpt, "003.txt")

    assert entries == [Entry("003.txt", 15, excerpt)]


def test_excerpt_becomes_a_series_of_talk_parts(excerpt: str) -> None:
    posts = convert(excerpt, handle="@karpathy")

    assert len(posts) >= 2
    for number, post in enumerate(posts, start=1):
        assert post.id == f"talk-software-is-changing-again-p{number:02d}"
        assert post.kind == "talk"
        assert post.title == "Software Is Changing (Again)"
        assert post.author == "Andrej Karpathy"
        assert post.handle == "karpathy"
        assert post.date == dt.date(2025, 6, 17)
        assert post.added == dt.date(2025, 7, 1)
        assert post.series is not None
        assert post.series.id == "talk-software-is-changing-again"
        assert post.series.title == "Software Is Changing (Again)"
        assert (post.series.part, post.series.parts) == (number, len(posts))
        assert all(p.zh is None for p in post.paragraphs)


def test_excerpt_starts_with_the_first_words_at_their_time_and_without_cues(excerpt: str) -> None:
    posts = convert(excerpt)
    first = posts[0].paragraphs[0]

    assert first.start == 1.0
    assert first.en.startswith("Please welcome former director of AI Tesla Andre Carpathy. Hello. Wow,")
    assert not any("[Music]" in p.en for post in posts for p in post.paragraphs)


def test_excerpt_loses_no_speech_and_keeps_none_of_the_summary(excerpt: str) -> None:
    posts = convert(excerpt)
    text = " ".join(p.en for post in posts for p in post.paragraphs)

    assert imported_words(posts) == spoken_words(excerpt)
    assert text.endswith("and so I think it was kind of like um I")
    assert "Interactive Summary" not in text
    assert "Suggested questions" not in text


def test_excerpt_paragraph_starts_are_caption_times_in_order(excerpt: str) -> None:
    times = {
        sum(int(n) * 60**i for i, n in enumerate(reversed(line.split(":"))))
        for line in excerpt.split("\n")
        if _STAMP.match(line.strip())
    }
    starts = [p.start for post in convert(excerpt) for p in post.paragraphs]

    assert all(start in times for start in starts)
    assert starts == sorted(starts)


def test_each_part_links_to_its_moment_in_the_video(excerpt: str) -> None:
    for post in convert(excerpt):
        start = post.paragraphs[0].start
        assert start is not None
        assert str(post.source) == f"{WATCH}&t={int(start)}s"


# ---------------------------------------------------------------- metadata


def test_title_and_author_can_be_overridden(excerpt: str) -> None:
    posts = convert(excerpt, title="Software 3.0", author="Andrej K.")

    assert posts[0].id == "talk-software-3-0-p01"
    assert posts[0].title == "Software 3.0"
    assert posts[0].series is not None and posts[0].series.title == "Software 3.0"
    assert posts[0].author == "Andrej K."


def test_a_title_without_a_speaker_needs_author() -> None:
    text = CHROME.replace("Jane Doe: A Small Talk", "A Small Talk") + "0:01\n\nHello there. We talk.\n"

    error = rejection(text)
    assert "--author" in error.reason
    assert convert(text, author="Jane Doe")[0].author == "Jane Doe"


def test_a_transcript_without_a_title_needs_title() -> None:
    text = "Transcript\n\n0:01\n\nHello there. We talk.\n"

    assert "--title" in rejection(text, author="Jane Doe").reason
    assert convert(text, author="Jane Doe", title="Talk")[0].id == "talk-talk-p01"


def test_missing_url_is_rejected_asking_for_url(excerpt: str) -> None:
    error = rejection(excerpt, url=None)

    assert error.line == 15
    assert "--url" in error.reason


def test_missing_date_is_rejected_asking_for_date(excerpt: str) -> None:
    error = rejection(excerpt, date=None)

    assert error.line == 15
    assert "--date" in error.reason


def test_a_url_that_is_not_http_is_rejected(excerpt: str) -> None:
    assert "--url" in rejection(excerpt, url="youtube.com/watch?v=x").reason


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://youtu.be/LCEmiRjPEtQ", "https://youtu.be/LCEmiRjPEtQ?t=1s"),
        ("https://www.youtube.com/watch?v=abc&t=90s", "https://www.youtube.com/watch?v=abc&t=1s"),
        ("https://m.youtube.com/watch?v=abc", "https://m.youtube.com/watch?v=abc&t=1s"),
        ("https://example.com/talks/software?id=3", "https://example.com/talks/software?id=3"),
        ("https://notyoutube.com/watch?v=abc", "https://notyoutube.com/watch?v=abc"),
    ],
)
def test_only_youtube_links_get_a_start_time(url: str, expected: str) -> None:
    (post,) = convert(CHROME + "0:01\n\nHello there. We talk.\n", url=url)

    assert str(post.source) == expected


# ---------------------------------------------------------------- captions and times


def test_sentence_start_is_the_caption_it_begins_in() -> None:
    first, second = long_sentence("Alpha").split(), long_sentence("Beta").split()
    head, tail, rest = " ".join(first[:40]), " ".join(first[40:]), " ".join(second[1:])
    text = CHROME + f"0:01\n\n{head}\n\n0:09\n\n{tail} Beta\n\n0:15\n\n{rest}\n"

    paragraphs = [p for post in convert(text) for p in post.paragraphs]

    assert [(p.en.split()[0], p.start) for p in paragraphs] == [("Alpha", 1.0), ("Beta", 9.0)]


def test_hour_timestamps_are_read() -> None:
    text = CHROME + "59:58\n\nAlmost an hour in. " + long_sentence("Filler") + "\n\n1:02:03\n\n"
    text += long_sentence("Later") + "\n"

    starts = [p.start for post in convert(text) for p in post.paragraphs]

    assert starts == [3598.0, 3723.0]


def test_cues_inside_a_caption_are_dropped_and_speech_kept() -> None:
    text = CHROME + "0:01\n\n[Applause] Thank you. [Laughter]\n\n0:03\n\n[Music]\n\n0:05\n\nWe begin. Now.\n"

    (post,) = convert(text)

    assert post.english == "Thank you. We begin. Now."
    assert post.paragraphs[0].start == 1.0


def test_a_caption_reading_like_the_summary_marker_is_speech() -> None:
    text = CHROME + "0:01\n\nInteractive Summary\n\n0:04\n\nis what they call it. It is short.\n\n0:06\n\n"
    text += "Interactive Summary\n\nInteractive Summary\n\nThe site's own words.\n"

    (post,) = convert(text)

    assert post.english == "Interactive Summary is what they call it. It is short. Interactive Summary"


def test_part_numbers_get_three_digits_past_ninety_nine() -> None:
    captions = "".join(f"{n // 60}:{n % 60:02d}\n\nSentence {n} is said.\n\n" for n in range(600))
    posts = convert(CHROME + captions, sizing=LessonSizing(1, 1, 1, 1))

    assert len(posts) == 100
    assert [post.id[-5:] for post in posts[:2]] == ["-p001", "-p002"]
    assert posts[-1].id.endswith("-p100")


# ---------------------------------------------------------------- malformed transcripts


def test_no_timestamps_is_rejected_at_the_first_line() -> None:
    error = rejection("\n\nJust some words.\nAnd more.\n")

    assert error.line == 3
    assert "no timestamp lines" in error.reason


def test_empty_file_is_rejected() -> None:
    assert "no timestamp lines" in rejection("").reason


def test_caption_before_the_first_timestamp_is_rejected_with_its_line() -> None:
    text = CHROME + "Please welcome our speaker\n\n0:01\n\nHello there.\n"

    error = rejection(text)

    assert error.line == 13
    assert "before the first timestamp" in error.reason
    assert "Please welcome" in error.reason


def test_text_before_timestamps_without_page_chrome_is_a_caption() -> None:
    error = rejection("Jane Doe: A Small Talk\n\n0:01\n\nHello there.\n")

    assert error.line == 1
    assert "before the first timestamp" in error.reason


def test_a_timestamp_going_backwards_is_rejected_with_its_line() -> None:
    text = CHROME + "0:01\n\nHello there.\n\n0:09\n\nWe talk.\n\n0:05\n\nBack in time.\n"

    error = rejection(text)

    assert error.line == 21
    assert "0:05 goes back in time" in error.reason
    assert "line 17" in error.reason


def test_an_impossible_time_is_rejected() -> None:
    error = rejection(CHROME + "0:01\n\nHello there.\n\n0:75\n\nWe talk.\n")

    assert error.line == 17
    assert "not a valid time" in error.reason


def test_timestamps_without_captions_are_rejected() -> None:
    error = rejection(CHROME + "0:01\n\n0:04\n\n[Music]\n\n0:07\n\n")

    assert error.line == 13
    assert "no caption text" in error.reason


# ---------------------------------------------------------------- the full talk


@pytest.fixture(scope="module")
def full() -> tuple[str, list[Post], float]:
    """Speed is measured by benchmarks/import_library.py, not asserted here."""
    text = FULL.read_text(encoding="utf-8")
    return text, convert(text), 0.0


def test_full_talk_parts_are_numbered_in_order(full: tuple[str, list[Post], float]) -> None:
    _, posts, _ = full

    assert len(posts) > 20
    assert [post.series.part for post in posts if post.series] == list(range(1, len(posts) + 1))
    assert {post.series.parts for post in posts if post.series} == {len(posts)}
    assert [post.id for post in posts] == [
        f"talk-software-is-changing-again-p{n:02d}" for n in range(1, len(posts) + 1)
    ]


def test_full_talk_parts_are_lesson_sized(full: tuple[str, list[Post], float]) -> None:
    sizing = LessonSizing()
    for post in full[1]:
        sentences = part_sentences(post)
        single_long_paragraph = len(post.paragraphs) == 1 and sentences > sizing.max_sentences
        assert sizing.min_sentences <= sentences <= sizing.max_sentences or single_long_paragraph


def test_full_talk_starts_increase(full: tuple[str, list[Post], float]) -> None:
    starts = [p.start for post in full[1] for p in post.paragraphs]

    assert None not in starts
    assert starts == sorted(starts)
    assert len(set(starts)) > len(starts) * 0.9
    assert starts[-1] is not None and starts[-1] > 38 * 60


def test_full_talk_loses_no_speech(full: tuple[str, list[Post], float]) -> None:
    text, posts, _ = full

    assert imported_words(posts) == spoken_words(text)
    assert imported_words(posts)[-2:] == ["Thank", "you."]
