"""The review queue: fetched posts wait outside the library, join it at the calendar queue's end when
approved (no past day changes), and a post met before (library, queue, skipped, another URL) is
never queued again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lessons.catalog import Catalog, CatalogConfig
from lessons.following.config import PostFilter
from lessons.following.intake import Gate, IntakeReport, UnreadableSource, take_in
from lessons.following.queue import NotInQueue, QueueInLibrary, ReviewQueue, check_apart
from lessons.following.seen import SeenPosts, keys_of
from lessons.importers.base import ImportOptions
from lessons.importers.feed import FeedImporter
from lessons.importing import Source
from lessons.library import Library, parse_post
from lessons.post import Paragraph, Post
from tests.fakes.feed_server import MALFORMED, FeedItem, atom_feed, builder_prose, items_for, rss_feed

START = dt.date(2026, 11, 1)
SITE = "https://notes.example"
FETCHED = dt.date(2026, 11, 20)
OPTIONS = ImportOptions(added=FETCHED, author="Ada Builder")


def library_post(number: int, added: dt.date = START) -> Post:
    return Post(
        id=f"x-{number}",
        kind="post",
        author="Andrej Karpathy",
        date=dt.date(2026, 1, 1),
        source=f"https://x.com/karpathy/status/{number}",
        added=added,
        paragraphs=tuple(Paragraph(en=text, zh="译文。") for text in builder_prose(1000 + number)),
    )


def gate(queue: ReviewQueue, library: Library, post_filter: PostFilter | None = None) -> Gate:
    seen = SeenPosts.of(
        [
            ("library", library.posts.values()),
            ("skipped", queue.skipped.posts.values()),
            ("queue", queue.queued.posts.values()),
        ]
    )
    return Gate(queue, seen, post_filter or PostFilter())


def take(
    text: str, queue: ReviewQueue, library: Library, post_filter: PostFilter | None = None
) -> IntakeReport:
    return take_in(
        FeedImporter(), [Source(f"{SITE}/feed.xml", text)], OPTIONS, gate(queue, library, post_filter)
    )


@pytest.fixture
def queue(tmp_path: Path) -> ReviewQueue:
    return ReviewQueue.open(tmp_path / "review")


@pytest.fixture
def library(tmp_path: Path) -> Library:
    library = Library.load(tmp_path / "library")
    for number in range(5):
        library.save(library_post(number))
    return library


def catalog(tmp_path: Path) -> Catalog:
    return Catalog.open(
        CatalogConfig(tmp_path / "library", tmp_path / "pins.toml", START, min_teaching_value=0)
    )


def test_new_posts_are_queued_as_library_files_credited_to_the_source(
    tmp_path: Path, queue: ReviewQueue, library: Library
) -> None:
    report = take(rss_feed("Notes", SITE, items_for(SITE, [1, 2, 3]), author="Feed Name"), queue, library)
    assert sorted(report.queued) == [f"blog-notes-example-posts-note-{n}" for n in (1, 2, 3)]
    path = tmp_path / "review" / "queued" / "ada-builder" / "blog-notes-example-posts-note-1.md"
    post, imported_hash = parse_post(path.read_text(encoding="utf-8"), path)
    assert (post.author, str(post.source), post.added, post.title) == (
        "Ada Builder",
        f"{SITE}/posts/note-1/",
        FETCHED,
        "Note 1: lessons from shipping",
    )
    assert post.paragraphs[0].en == builder_prose(1)[0] and imported_hash
    assert [p.id for p in ReviewQueue.open(tmp_path / "review").posts()] == sorted(
        report.queued, reverse=True
    )


def test_an_unchanged_feed_rewrites_nothing_and_a_new_post_is_queued_once(
    tmp_path: Path, queue: ReviewQueue, library: Library
) -> None:
    items = items_for(SITE, [1, 2])
    take(atom_feed("Notes", SITE, items, author="Ada"), queue, library)
    files = sorted((tmp_path / "review").rglob("*.md"))
    stamps = [path.stat().st_mtime_ns for path in files]
    queue = ReviewQueue.open(tmp_path / "review")
    newer = items_for(SITE, [3], start=dt.datetime(2026, 1, 6, tzinfo=dt.UTC))
    again = take(atom_feed("Notes", SITE, [*newer, *items], author="Ada"), queue, library)
    assert again.queued == ["blog-notes-example-posts-note-3"]
    assert sorted(again.unchanged) == ["blog-notes-example-posts-note-1", "blog-notes-example-posts-note-2"]
    assert [path.stat().st_mtime_ns for path in files] == stamps


def test_posts_met_before_are_not_queued_again(queue: ReviewQueue, library: Library) -> None:
    take(rss_feed("N", SITE, items_for(SITE, [7]), author="A"), queue, library)
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    in_library = FeedItem("Old", "https://x.com/karpathy/status/3", when, builder_prose(1003))
    same_text = FeedItem("Copy", f"{SITE}/copied/", when, builder_prose(1004))
    tracked = FeedItem("Edited", f"{SITE}/posts/note-7/?utm_source=rss", when, builder_prose(77))
    report = take(rss_feed("N", SITE, [in_library, same_text, tracked], author="A"), queue, library)
    assert report.queued == []
    assert [str(known) for known in report.known] == [
        "x-3: already in the library",
        "blog-notes-example-copied: already in the library as x-4",
    ]
    assert report.updated == ["blog-notes-example-posts-note-7"], (
        "its canonical URL: the waiting post, edited"
    )
    assert [post.paragraphs[0].en for post in queue.posts()] == [builder_prose(77)[0]]


def test_a_skipped_post_stays_skipped_and_out_of_the_library(
    tmp_path: Path, queue: ReviewQueue, library: Library
) -> None:
    feed = rss_feed("N", SITE, items_for(SITE, [1, 2]), author="A")
    take(feed, queue, library)
    skipped = queue.skip("blog-notes-example-posts-note-1")
    assert skipped.id == "blog-notes-example-posts-note-1"
    assert (tmp_path / "review" / "skipped" / "ada-builder" / f"{skipped.id}.md").is_file()
    assert [post.id for post in queue.posts()] == ["blog-notes-example-posts-note-2"]
    queue = ReviewQueue.open(tmp_path / "review")
    again = take(feed, queue, library)
    assert again.queued == [] and [str(k) for k in again.known] == [f"{skipped.id}: already in the skipped"]
    assert skipped.id not in Library.load(tmp_path / "library").posts
    with pytest.raises(NotInQueue):
        queue.skip(skipped.id)


def test_the_same_post_at_two_addresses_is_one_post(queue: ReviewQueue, library: Library) -> None:
    first = items_for(SITE, [5])
    mirror = [FeedItem("Mirror", "https://mirror.example/n5", first[0].published, first[0].paragraphs)]
    feed_one = take(rss_feed("N", SITE, first, author="A"), queue, library)
    feed_two = take(atom_feed("M", "https://mirror.example", mirror, author="A"), queue, library)
    assert feed_one.queued == ["blog-notes-example-posts-note-5"] and feed_two.queued == []
    assert [str(k) for k in feed_two.known] == [
        "blog-mirror-example-n5: already in the queue as blog-notes-example-posts-note-5"
    ]
    assert len(queue.posts()) == 1


def test_filters_too_short_posts_and_broken_items_are_reported(queue: ReviewQueue, library: Library) -> None:
    short = FeedItem(
        "Short", f"{SITE}/short/", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), ("Shipped it today.",)
    )
    no_link = FeedItem("No link", "", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), builder_prose(9))
    feed = rss_feed("N", SITE, [*items_for(SITE, [1, 2]), short, no_link], author="A")
    report = take(feed, queue, library, PostFilter(keywords=("retrieval",)))
    assert report.queued == []  # note 1 is about fine-tuning, note 2 about evaluation
    assert len(report.filtered) == 2 and "keywords (retrieval)" in str(report.filtered[0])
    assert [r.reason.split(": ", 1)[1] for r in report.too_short] == [
        "too short to teach (1 sentences, 3 words)"
    ]
    assert [r.reason for r in report.rejected] == ["item has no link"]
    assert take(feed, queue, library, PostFilter(keywords=("Fine-Tuning",))).queued == [
        "blog-notes-example-posts-note-1"
    ]


def test_a_text_that_is_no_feed_fails_the_source(queue: ReviewQueue, library: Library) -> None:
    with pytest.raises(UnreadableSource, match="not an RSS/Atom feed"):
        take(MALFORMED, queue, library)
    with pytest.raises(UnreadableSource):
        take("<html><body>Moved</body></html>", queue, library)
    assert queue.posts() == []


def test_keys_tell_a_text_regardless_of_punctuation_and_case() -> None:
    one = library_post(1)
    shouted = one.model_copy(
        update={"paragraphs": tuple(Paragraph(en=p.en.upper().replace(".", "!")) for p in one.paragraphs)}
    )
    assert keys_of(one)[-1] == keys_of(shouted)[-1]
    assert keys_of(one)[-1] != keys_of(library_post(2))[-1]


def test_an_unreviewed_post_is_never_in_the_catalog(
    tmp_path: Path, queue: ReviewQueue, library: Library
) -> None:
    take(rss_feed("N", SITE, items_for(SITE, [1, 2, 3]), author="A"), queue, library)
    found = catalog(tmp_path)
    assert len(queue.posts()) == 3
    assert set(found.lessons) == {f"x-{n}" for n in range(5)}
    days = found.calendar.days(START, START + dt.timedelta(days=60))
    assert {day.lesson.id for day in days} == {f"x-{n}" for n in range(5)}


def test_approving_joins_the_queue_at_its_end_and_no_past_day_changes(
    tmp_path: Path, queue: ReviewQueue, library: Library
) -> None:
    """Five posts from the start, three more on day 4: the fresh queue runs to day 8. A post
    approved on day 6 takes day 9, right after it; days 1 to 8 are as they were."""
    for number in (5, 6, 7):
        library.save(library_post(number, added=START + dt.timedelta(days=3)))
    take(rss_feed("N", SITE, items_for(SITE, [1]), author="A"), queue, library)
    today = START + dt.timedelta(days=5)
    last = START + dt.timedelta(days=40)
    before = catalog(tmp_path).calendar.days(START, last)

    approval = queue.approve("blog-notes-example-posts-note-1", library, today)

    assert approval.outcome == "approved" and approval.post.added == today
    assert approval.path == tmp_path / "library" / "ada-builder" / "blog-notes-example-posts-note-1.md"
    assert queue.posts() == [] and not list((tmp_path / "review" / "queued").rglob("*.md"))
    after = catalog(tmp_path).calendar.days(START, last)
    fresh_end = 8
    assert [d.lesson.id for d in after[:fresh_end]] == [d.lesson.id for d in before[:fresh_end]]
    assert after[fresh_end].lesson.id == "blog-notes-example-posts-note-1"
    assert after[fresh_end].date == START + dt.timedelta(days=fresh_end)
    assert before[fresh_end].lesson.id != "blog-notes-example-posts-note-1"
    assert [d.lesson.id for d in before[:fresh_end]].count("x-0") == 1, "days 1-8 were fresh lessons"


def test_approving_keeps_a_reviewers_edit_and_a_post_imported_meanwhile(
    tmp_path: Path, queue: ReviewQueue, library: Library
) -> None:
    take(rss_feed("N", SITE, items_for(SITE, [1, 2]), author="A"), queue, library)
    post_id = "blog-notes-example-posts-note-1"
    path = queue.queued.paths[post_id]
    first = builder_prose(1)[0]
    path.write_text(path.read_text(encoding="utf-8").replace(first, f"{first}\n\n> 译文"), encoding="utf-8")
    queue = ReviewQueue.open(tmp_path / "review")
    imported_hash = queue.queued.hashes[post_id]

    approval = queue.approve(post_id, library, FETCHED)

    reloaded = Library.load(tmp_path / "library")
    assert reloaded.posts[post_id].paragraphs[0].zh == "译文"
    assert reloaded.hashes[post_id] == imported_hash, "a re-import of the unchanged source keeps the edit"
    assert approval.post == reloaded.posts[post_id]
    meanwhile = queue.post("blog-notes-example-posts-note-2").model_copy(update={"added": START})
    library.save(meanwhile)
    already = queue.approve("blog-notes-example-posts-note-2", library, FETCHED)
    assert already.outcome == "already" and already.post.added == START
    assert queue.posts() == []
    with pytest.raises(NotInQueue):
        queue.approve("blog-notes-example-posts-note-2", library, FETCHED)


def test_a_review_folder_the_catalog_would_read_is_refused(tmp_path: Path) -> None:
    check_apart(tmp_path / "review", tmp_path / "library")
    check_apart(tmp_path / "library-review", tmp_path / "library")
    for inside in (
        tmp_path / "library",
        tmp_path / "library" / "review",
        tmp_path / "library" / "a" / ".." / "b",
    ):
        with pytest.raises(QueueInLibrary, match="审阅队列不能放在课程库里"):
            check_apart(inside, tmp_path / "library")
