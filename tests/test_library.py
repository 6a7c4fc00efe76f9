"""Library files: the Markdown format round-trips, hand edits survive, bad files are named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lessons.library import Library, LibraryFileError, parse_post, render_post
from lessons.post import Engagement, Paragraph, Post, Series


def make_post(**changes) -> Post:
    values = dict(
        id="x-100",
        kind="post",
        author="Andrej Karpathy",
        handle="karpathy",
        date=dt.date(2024, 4, 17),
        source="https://x.com/karpathy/status/100",
        engagement=Engagement(likes=1248, replies=3),
        added=dt.date(2026, 11, 1),
        paragraphs=(
            Paragraph(en="Consider being a labeler for an LLM.", zh="设想一下，你是一名 LLM 的标注员。"),
            Paragraph(en="> this line starts like a quote\n[1:02] and this like a time", zh=None),
            Paragraph(en="\\ a backslash first", zh="反斜杠\n第二行"),
        ),
    )
    values.update(changes)
    return Post(**values)


def test_render_then_parse_gives_back_the_same_post(tmp_path: Path) -> None:
    post = make_post()
    parsed, imported_hash = parse_post(render_post(post, "abc"), tmp_path / "x.md")
    assert parsed == post
    assert imported_hash == "abc"


def test_talk_paragraph_start_times_round_trip(tmp_path: Path) -> None:
    talk = make_post(
        id="talk-demo-p02",
        kind="talk",
        series=Series(id="talk-demo", title="Demo", part=2, parts=3),
        paragraphs=(Paragraph(en="So in summary.", start=3675.0), Paragraph(en="Thank you.", start=62.0)),
    )
    text = render_post(talk)
    assert "[1:01:15] So in summary." in text
    assert "[1:02] Thank you." in text
    assert parse_post(text, tmp_path / "t.md")[0] == talk


def test_file_is_readable_markdown(tmp_path: Path) -> None:
    text = render_post(make_post())
    assert text.startswith("---\nid: x-100\nkind: post\n")
    assert "\n\nConsider being a labeler for an LLM.\n\n> 设想一下，你是一名 LLM 的标注员。\n" in text
    assert "\n> 反斜杠\n> 第二行\n" in text


def test_a_hand_fixed_typo_survives_reimport_of_the_same_source(tmp_path: Path) -> None:
    library = Library.load(tmp_path)
    post = make_post()
    assert library.save(post) == "imported"
    path = library.paths[post.id]
    path.write_text(path.read_text(encoding="utf-8").replace("标注员", "标注人员"), encoding="utf-8")

    reloaded = Library.load(tmp_path)
    assert reloaded.posts[post.id].paragraphs[0].zh == "设想一下，你是一名 LLM 的标注人员。"
    assert reloaded.save(post) == "unchanged"
    assert "标注人员" in path.read_text(encoding="utf-8")


def test_a_changed_source_updates_the_file_and_keeps_its_queue_date(tmp_path: Path) -> None:
    library = Library.load(tmp_path)
    library.save(make_post())
    changed = make_post(engagement=Engagement(likes=2000), added=dt.date(2027, 1, 1))
    assert Library.load(tmp_path).save(changed) == "updated"
    stored = Library.load(tmp_path).posts["x-100"]
    assert stored.engagement.likes == 2000
    assert stored.added == dt.date(2026, 11, 1)


def test_a_moved_file_keeps_its_id_and_place(tmp_path: Path) -> None:
    library = Library.load(tmp_path)
    library.save(make_post())
    moved = tmp_path / "favourites" / "labeler.md"
    moved.parent.mkdir()
    library.paths["x-100"].rename(moved)
    relocated = Library.load(tmp_path)
    assert relocated.paths["x-100"] == moved
    assert relocated.save(make_post(engagement=Engagement(likes=1))) == "updated"
    assert list(tmp_path.rglob("*.md")) == [moved]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("no front matter here\n", 1, "missing front matter"),
        ("---\nid: [unclosed\n---\n\nHello.\n", 2, "not valid YAML"),
        ("---\nid: x-1\n---\n\n> 只有译文\n", 5, "no English paragraph before it"),
        (
            "---\nid: x-1\nkind: poem\nauthor: A\ndate: 2024-01-01\nsource: https://x.com/a/status/1\n"
            "added: 2026-11-01\n---\n\nHello.\n",
            2,
            "kind",
        ),
    ],
)
def test_bad_files_are_reported_with_place_and_reason(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    (tmp_path / "bad.md").write_text(text, encoding="utf-8")
    library = Library.load(tmp_path)
    assert library.posts == {}
    [error] = library.errors
    assert isinstance(error, LibraryFileError)
    assert (error.path.name, error.line) == ("bad.md", line)
    assert reason in error.reason


def test_two_files_with_one_id_are_reported(tmp_path: Path) -> None:
    text = render_post(make_post())
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    (tmp_path / "b.md").write_text(text, encoding="utf-8")
    library = Library.load(tmp_path)
    assert list(library.posts) == ["x-100"]
    assert "also used by" in library.errors[0].reason
