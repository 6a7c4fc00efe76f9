"""The daily fetch of 50 followed feeds of 50 posts each, from a local server, into a review queue.

Half the feeds are RSS 2.0, half Atom, each with an ETag and a Last-Modified; the bundled library
(read, never written) is what a fetched post is checked against. Three runs on one SQLite database:

1. the first fetch: every feed read and parsed, 2,500 posts checked and queued as files;
2. the next day: every feed answers 304 to its validators (what real feeds do), nothing new;
3. the next day again, with servers that ignore validators: every feed read and parsed again,
   every post recognised as already waiting, nothing written (the worst case of "nothing new").

Prints the wall time of each, the files written, and the process's peak RSS after each (it only
grows, so each figure includes the runs before it). Targets: first fetch < 30 s and < 200 MB,
the 304 run < 5 s. No assertion on time: the figures are printed.

    .venv/bin/python benchmarks/sources.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.clock import FixedClock  # noqa: E402
from bot.sources.fetching import FetchConfig, SourceFetcher  # noqa: E402
from bot.sources.outcomes import FetchRun  # noqa: E402
from bot.sources.reading import Limits  # noqa: E402
from bot.storage.engine import create_database_engine, migrate, session_factory  # noqa: E402
from lessons.sizing import LessonSizing  # noqa: E402
from tests.fakes.feed_server import Feed, FeedServer, atom_feed, items_for, rss_feed  # noqa: E402

FEEDS = 50
POSTS = 50
MORNING = dt.datetime(2026, 11, 19, 23, 0, tzinfo=dt.UTC)  # 07:00 in Shanghai


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve_feeds(server: FeedServer) -> str:
    """The feeds on the server, and the sources file naming them."""
    tables = []
    for feed in range(FEEDS):
        site = f"https://builder{feed}.example"
        items = items_for(site, range(feed * POSTS, (feed + 1) * POSTS))
        write = rss_feed if feed % 2 == 0 else atom_feed
        server.routes[f"/{feed}.xml"] = Feed(write(f"Builder {feed}", site, items, author=f"Builder {feed}"))
        tables.append(
            f'[[source]]\nname = "builder-{feed}"\nkind = "feed"\nurl = "{server.url(f"/{feed}.xml")}"\n'
            f'author = "Builder {feed}"\nenabled = true\n'
        )
    return "\n".join(tables)


async def timed_fetch(
    config: FetchConfig, sessions: Callable[[], Session], clock: FixedClock
) -> tuple[float, FetchRun]:
    began = time.perf_counter()
    async with httpx.AsyncClient() as client:
        fetcher = SourceFetcher(config, sessions=sessions, clock=clock, client=client, holder="bench")
        run = await fetcher.fetch(due_only=True)
    return time.perf_counter() - began, run


def report(label: str, elapsed: float, run: FetchRun, review: Path, target: str) -> None:
    statuses: dict[str, int] = {}
    for outcome in run.outcomes:
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    files = sum(1 for _ in review.rglob("*.md"))
    print(
        f"{label}: {elapsed:.2f} s, {len(run.new)} posts queued, sources {statuses}, "
        f"{files} queue files, peak RSS {peak_mb():.0f} MB  (target {target})"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder, FeedServer() as server:
        root = Path(folder)
        (root / "sources.toml").write_text(serve_feeds(server), encoding="utf-8")
        engine = create_database_engine(f"sqlite:///{root}/bench.db")
        migrate(engine)
        sessions, clock = session_factory(engine), FixedClock(MORNING)
        config = FetchConfig(
            sources_file=root / "sources.toml",
            review_dir=root / "review",
            library_dir=ROOT / "lessons" / "library",
            limits=Limits(timeout=20.0, max_bytes=5_000_000),
            concurrency=8,
            sizing=LessonSizing(),
            timezone="Asia/Shanghai",
        )
        feed_bytes = sum(len(route.body) for route in server.routes.values() if isinstance(route, Feed))
        print(
            f"{FEEDS} feeds x {POSTS} posts, {feed_bytes / 1e6:.1f} MB of feeds; before: {peak_mb():.0f} MB"
        )

        elapsed, run = await timed_fetch(config, sessions, clock)
        report("first fetch", elapsed, run, config.review_dir, "< 30 s, < 200 MB")

        clock.advance(dt.timedelta(days=1))
        elapsed, run = await timed_fetch(config, sessions, clock)
        report("next day, 304s", elapsed, run, config.review_dir, "< 5 s")

        for route in server.routes.values():
            assert isinstance(route, Feed)
            route.etag = route.last_modified = None
        clock.advance(dt.timedelta(days=1))
        elapsed, run = await timed_fetch(config, sessions, clock)
        report("next day, no 304s, all re-read", elapsed, run, config.review_dir, "no target")
        engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
