"""The bundled library against its sources: every teachable seed post is there, the talk in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons.catalog import Catalog, CatalogConfig
from lessons.library import Library
from lessons.seeds import BUNDLED_ADDED, import_seeds
from lessons.sizing import LessonSizing

BUNDLED = Path(__file__).parent.parent / "lessons" / "library"


@pytest.fixture(scope="module")
def bundled() -> Library:
    return Library.load(BUNDLED)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Library, dict]:
    library = Library.load(tmp_path_factory.mktemp("library"))
    return library, import_seeds(library, LessonSizing())


def test_bundled_files_all_read(bundled: Library) -> None:
    assert bundled.errors == []


def test_every_teachable_seed_post_is_bundled_and_nothing_else(bundled: Library, fresh) -> None:
    library, reports = fresh
    assert set(bundled.posts) == set(library.posts)
    archive = reports["002_ca3e6f81a1313ff9.txt"]
    assert len(archive.imported) + len(archive.too_short) + len(archive.rejected) == 602
    assert len(archive.imported) == sum(1 for post_id in bundled.posts if post_id.startswith("x-1"))
    assert [r.reason for r in archive.rejected] == ["entry has no text"] * 3


def test_each_post_credits_its_author_and_source(bundled: Library) -> None:
    for post in bundled.posts.values():
        assert post.author and post.source
        assert post.added == BUNDLED_ADDED
        if post.id.startswith("x-1"):
            assert str(post.source).endswith(post.id.removeprefix("x-"))


def test_the_talk_is_an_ordered_series_of_lesson_sized_parts(bundled: Library, fresh) -> None:
    _, reports = fresh
    parts = sorted((p for p in bundled.posts.values() if p.series), key=lambda p: p.series.part)
    assert len(parts) == len(reports["003_da9a6e0a0710eb0a.txt"].imported) > 20
    assert [p.series.part for p in parts] == list(range(1, len(parts) + 1))
    assert {p.series.parts for p in parts} == {len(parts)}
    starts = [p.paragraphs[0].start for p in parts]
    assert starts == sorted(starts)
    assert parts[-1].paragraphs[-1].en.endswith("Thank you.")


def test_every_bundled_post_makes_lessons_of_the_configured_size(bundled: Library, tmp_path: Path) -> None:
    sizing = LessonSizing()
    catalog = Catalog(CatalogConfig(BUNDLED, tmp_path / "pins.toml", BUNDLED_ADDED, sizing), bundled)
    assert len(catalog.lessons) >= len(bundled.posts)
    for lesson in catalog.lessons.values():
        assert sizing.min_sentences <= lesson.sentences <= sizing.max_sentences, lesson.id
