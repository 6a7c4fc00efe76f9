"""The fetch against local RSS and Atom feeds: new posts once, 304s rewrite nothing, a failing source
is named and backed off while the others import, a post two sources carry is queued once."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import pytest
from sqlmodel import Session

from bot.clock import FixedClock
from bot.sources.fetching import FetchBusy, SourceFetcher, UnknownSource
from bot.storage.leases import take_lease
from bot.storage.source_fetches import fetch_states
from lessons.following.config import SourcesFileError
from tests.fakes.feed_server import (
    MALFORMED,
    Feed,
    FeedItem,
    FeedServer,
    Huge,
    Slow,
    Status,
    atom_feed,
    items_for,
    rss_feed,
)
from tests.sources.conftest import TODAY, Following, source

SITE = "https://notes.example"
MIRROR = "https://mirror.example"
Fetcher = Callable[[], SourceFetcher]


def ids(numbers: list[int], site: str = "notes-example") -> list[str]:
    return [f"blog-{site}-posts-note-{n}" for n in numbers]


def states(sessions: Callable[[], Session]) -> dict:
    with sessions() as session:
        return fetch_states(session)


async def test_new_posts_are_queued_once_and_an_unchanged_feed_rewrites_nothing(
    feeds: FeedServer, following: Following, fetcher: Fetcher, sessions: Callable[[], Session]
) -> None:
    items = items_for(SITE, [1, 2, 3])
    feeds.routes["/feed.xml"] = Feed(rss_feed("Notes", SITE, items, author="Ada"), etag='"a1"')
    following.write_sources(source("notes", feeds.url("/feed.xml")))

    first = await fetcher().fetch()

    (outcome,) = first.outcomes
    assert (outcome.name, outcome.status, sorted(outcome.new)) == ("notes", "new", ids([1, 2, 3]))
    assert sorted(post.id for post in following.queue().posts()) == ids([1, 2, 3])
    assert following.library().posts == {}, "nothing reaches the library before review"
    state = states(sessions)["notes"]
    assert (state.etag, state.last_modified, state.failures, state.last_new) == (
        '"a1"',
        "Mon, 05 Jan 2026 10:00:00 GMT",
        0,
        3,
    )
    assert state.next_try == TODAY + dt.timedelta(days=1)
    stamps = following.stamps()

    second = await fetcher().fetch()

    assert [(o.status, o.new) for o in second.outcomes] == [("unchanged", [])]
    assert feeds.seen[-1].if_none_match == '"a1"' and feeds.seen[-1].status == 304
    assert following.stamps() == stamps

    newer = items_for(SITE, [4], start=dt.datetime(2026, 1, 6, 9, tzinfo=dt.UTC))
    feeds.routes["/feed.xml"] = Feed(rss_feed("Notes", SITE, [*newer, *items], author="Ada"), etag='"a2"')
    third = await fetcher().fetch()

    assert [(o.status, o.new) for o in third.outcomes] == [("new", ids([4]))]
    assert sorted(third.outcomes[0].report.unchanged) == ids([1, 2, 3])  # type: ignore[union-attr]
    assert {path: stamp for path, stamp in following.stamps().items() if path in stamps} == stamps
    assert states(sessions)["notes"].etag == '"a2"'


async def test_last_modified_alone_makes_the_request_conditional(
    feeds: FeedServer, following: Following, fetcher: Fetcher
) -> None:
    feeds.routes["/atom.xml"] = Feed(atom_feed("N", SITE, items_for(SITE, [1]), author="A"), etag=None)
    following.write_sources(source("notes", feeds.url("/atom.xml")))
    await fetcher().fetch()
    second = await fetcher().fetch()
    assert second.outcomes[0].status == "unchanged"
    assert (feeds.seen[-1].if_none_match, feeds.seen[-1].if_modified_since, feeds.seen[-1].status) == (
        None,
        "Mon, 05 Jan 2026 10:00:00 GMT",
        304,
    )


async def test_failing_sources_are_named_and_backed_off_while_the_others_import(
    feeds: FeedServer,
    following: Following,
    fetcher: Fetcher,
    sessions: Callable[[], Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    feeds.routes.update(
        {
            "/rss.xml": Feed(rss_feed("N", SITE, items_for(SITE, [1, 2]), author="A")),
            "/slow.xml": Slow(seconds=30),
            "/huge.xml": Huge(size=20_000_000),
            "/broken.xml": Feed(MALFORMED),
            "/gone.xml": Status(404),
            "/atom.xml": Feed(atom_feed("M", MIRROR, items_for(MIRROR, [7]), author="B")),
        }
    )
    following.limits = following.limits.__class__(timeout=0.5, max_bytes=5_000_000)
    names = ["good", "slow", "huge", "broken", "gone", "also-good"]
    paths = ["/rss.xml", "/slow.xml", "/huge.xml", "/broken.xml", "/gone.xml", "/atom.xml"]
    following.write_sources(*(source(name, feeds.url(path)) for name, path in zip(names, paths, strict=True)))

    with caplog.at_level(logging.WARNING, logger="bot.sources.fetching"):
        run = await fetcher().fetch()

    by_name = {outcome.name: outcome for outcome in run.outcomes}
    assert [outcome.name for outcome in run.outcomes] == names
    assert sorted(by_name["good"].new) == ids([1, 2]) and by_name["also-good"].new == ids(
        [7], "mirror-example"
    )
    assert "timed out after 0.5 s" in (by_name["slow"].error or "")
    assert "more than 5000000 bytes (stopped reading)" in (by_name["huge"].error or "")
    assert "not well-formed XML" in (by_name["broken"].error or "")
    assert by_name["gone"].error == "HTTP 404 Not Found"
    assert {o.name for o in run.failed} == {"slow", "huge", "broken", "gone"}
    for name in ("slow", "huge", "broken", "gone"):
        assert any(
            f"source {name} failed (1 in a row, next try {TODAY + dt.timedelta(days=1)})" in r.message
            for r in caplog.records
        )
    assert len(following.queue().posts()) == 3
    huge = feeds.routes["/huge.xml"]
    assert isinstance(huge, Huge) and huge.sent < 20_000_000, "the 20 MB answer was not read whole"
    saved = states(sessions)
    assert (saved["huge"].failures, saved["huge"].next_try, saved["good"].failures) == (
        1,
        TODAY + dt.timedelta(days=1),
        0,
    )


async def test_a_failing_source_is_retried_after_1_2_4_days(
    feeds: FeedServer,
    following: Following,
    fetcher: Fetcher,
    sessions: Callable[[], Session],
    clock: FixedClock,
) -> None:
    feeds.routes.update({"/gone.xml": Status(503), "/rss.xml": Feed(rss_feed("N", SITE, [], author="A"))})
    following.write_sources(source("gone", feeds.url("/gone.xml")), source("fine", feeds.url("/rss.xml")))
    fetched: list[tuple[int, list[str]]] = []
    for day in range(8):
        run = await fetcher().fetch(due_only=True)
        fetched.append((day, [outcome.name for outcome in run.outcomes]))
        clock.advance(dt.timedelta(days=1))
    tried = [day for day, names in fetched if "gone" in names]
    assert tried == [0, 1, 3, 7], "1, then 2, then 4 days later"
    assert all("fine" in names for _, names in fetched), "the others go on every day"
    gone = states(sessions)["gone"]
    assert (gone.failures, gone.next_try, gone.last_error) == (
        4,
        TODAY + dt.timedelta(days=7 + 8),
        "HTTP 503 Service Unavailable",
    )

    feeds.routes["/gone.xml"] = Feed(rss_feed("N", SITE, items_for(SITE, [3]), author="A"))
    clock.advance(dt.timedelta(days=7))
    run = await fetcher().fetch(due_only=True)
    assert [(o.name, o.new) for o in run.outcomes] == [("gone", ids([3])), ("fine", [])]
    assert (states(sessions)["gone"].failures, states(sessions)["gone"].last_error) == (0, None)


async def test_a_declared_20_mb_answer_is_refused_before_its_body(
    feeds: FeedServer, following: Following, fetcher: Fetcher
) -> None:
    feeds.routes["/huge.xml"] = Huge(size=20_000_000, declare_length=True)
    following.write_sources(source("huge", feeds.url("/huge.xml")))
    run = await fetcher().fetch()
    assert run.outcomes[0].error == "太大 too large: 20000000 bytes declared, the cap is 5000000"


async def test_the_same_posts_from_two_sources_are_queued_once_credited_to_the_first(
    feeds: FeedServer, following: Following, fetcher: Fetcher
) -> None:
    mine = items_for(SITE, [1, 2])
    copies = [
        FeedItem(item.title, item.link.replace(SITE, MIRROR), item.published, item.paragraphs)
        for item in mine
    ]
    feeds.routes["/mine.xml"] = Feed(rss_feed("Mine", SITE, mine, author="A"))
    feeds.routes["/copies.xml"] = Feed(atom_feed("Aggregator", MIRROR, copies, author="B"))
    following.write_sources(
        source("aggregator", feeds.url("/copies.xml"), author="Newsletter", enabled=False),
        source("own-blog", feeds.url("/mine.xml"), author="Ada Builder"),
        source("aggregator-on", feeds.url("/copies.xml"), author="Newsletter"),
    )
    run = await fetcher().fetch()
    assert [(o.name, sorted(o.new)) for o in run.outcomes] == [
        ("own-blog", ids([1, 2])),
        ("aggregator-on", []),
    ]
    known = run.outcomes[1].report.known  # type: ignore[union-attr]
    assert sorted(str(k) for k in known) == [
        f"blog-mirror-example-posts-note-{n}: already in the queue as blog-notes-example-posts-note-{n}"
        for n in (1, 2)
    ]
    assert {post.author for post in following.queue().posts()} == {"Ada Builder"}


async def test_a_post_already_in_the_library_is_not_queued(
    feeds: FeedServer, following: Following, fetcher: Fetcher
) -> None:
    feeds.routes["/rss.xml"] = Feed(rss_feed("N", SITE, items_for(SITE, [1, 2]), author="A"))
    following.write_sources(source("notes", feeds.url("/rss.xml")))
    await fetcher().fetch()
    queue, library = following.queue(), following.library()
    queue.approve(ids([1])[0], library, TODAY)
    feeds.routes["/rss.xml"] = Feed(rss_feed("N", SITE, items_for(SITE, [1, 2]), author="A"), etag='"v2"')
    run = await fetcher().fetch()
    assert [str(k) for k in run.outcomes[0].report.known] == [f"{ids([1])[0]}: already in the library"]  # type: ignore[union-attr]
    assert [post.id for post in following.queue().posts()] == ids([2])


async def test_names_pick_sources_enabled_or_not_and_unknown_names_fetch_nothing(
    feeds: FeedServer, following: Following, fetcher: Fetcher
) -> None:
    feeds.routes["/rss.xml"] = Feed(rss_feed("N", SITE, items_for(SITE, [1]), author="A"))
    following.write_sources(source("trial", feeds.url("/rss.xml"), enabled=False))
    assert (await fetcher().fetch()).outcomes == [], "disabled: not fetched by default"
    with pytest.raises(UnknownSource, match="nope"):
        await fetcher().fetch(["trial", "nope"])
    assert feeds.seen == []
    run = await fetcher().fetch(["trial"])
    assert [(o.name, o.new) for o in run.outcomes] == [("trial", ids([1]))]


async def test_one_fetch_at_a_time_and_a_broken_sources_file_fetches_nothing(
    feeds: FeedServer,
    following: Following,
    fetcher: Fetcher,
    sessions: Callable[[], Session],
    clock: FixedClock,
) -> None:
    feeds.routes["/rss.xml"] = Feed(rss_feed("N", SITE, items_for(SITE, [1]), author="A"))
    following.write_sources(source("notes", feeds.url("/rss.xml")))
    with sessions() as session:
        assert take_lease(
            session, key="sources:fetch", holder="other", now=clock.now(), ttl=dt.timedelta(minutes=5)
        )
    with pytest.raises(FetchBusy, match="another fetch is running"):
        await fetcher().fetch()
    clock.advance(dt.timedelta(minutes=6))
    assert len((await fetcher().fetch()).outcomes) == 1, "a lease left by a crash runs out"
    following.write_sources('[[source]]\nname = "x"\n')
    with pytest.raises(SourcesFileError, match="source #1 \\(x\\): kind"):
        await fetcher().fetch()


async def test_a_blog_checkout_is_read_like_buildspeak_import_markdown(
    following: Following, fetcher: Fetcher, sessions: Callable[[], Session]
) -> None:
    from tests.support import FIXTURES

    following.write_sources(
        f'[[source]]\nname = "blog"\nkind = "markdown"\npath = "{FIXTURES / "jekyll_site"}"\n'
        'author = "Jane Doe"\nenabled = true\n',
        f'[[source]]\nname = "moved"\nkind = "markdown"\npath = "{following.root / "nowhere"}"\n'
        'author = "X"\nenabled = true\n',
    )
    run = await fetcher().fetch()
    blog, moved = run.outcomes
    assert blog.status == "new" and len(blog.new) >= 5
    assert {post.author for post in following.queue().posts()} == {"Jane Doe"}
    assert moved.status == "failed" and "no such folder" in (moved.error or "")
    stamps = following.stamps()
    again = await fetcher().fetch()
    assert again.outcomes[0].status == "nothing new" and following.stamps() == stamps
