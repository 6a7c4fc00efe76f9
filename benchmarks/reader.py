"""The reader under load: 50 people reading at once, against the bot's web app in a process of its own.

The app is built as the bot builds it (`build_app` with `ReaderDeps` over the bundled library, a
SQLite database in a temp folder, the system clock, the calendar started three weeks ago so today
has a lesson) and served on a loopback port by `benchmarks/reader.py --serve`, a child process, so
the load generator (this process) does not share its interpreter. Each of `--readers` readers
asks for the page again as soon as the last answer came (closed loop, keep-alive connections over
one aiohttp client) for `--seconds`, after a short warm-up: the most the server answers, and the
wait when every reader asks back to back. Then the same readers at a person's pace (a page every
`--think` seconds each, at random around it): the wait 50 people reading at once actually see.

Prints, for each page: its size, what one reader alone waits (p50: the page's cost to the server,
with no queue), then with all the readers at once the answers a second, latency p50 / p99 / max
(target p99 < 50 ms) and non-200 answers (target 0):

* 今日 `/`, anonymous;
* 生词本 `/words`, the first page of a learner with 2,000 entries (each with a sentence from a
  library card, so each has its ▶), signed in as inside Telegram: the Mini App's
  `Authorization: tma <init data>` header, checked on every request.

And the page weight of 今日 without audio: its HTML plus every stylesheet, script and icon it
links, uncompressed and gzipped file by file as a server would send them (target < 100 KB).

    .venv/bin/python benchmarks/reader.py
    .venv/bin/python benchmarks/reader.py --readers 100 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.clock import SystemClock, local_date  # noqa: E402
from bot.core.conversation import Conversation  # noqa: E402
from bot.core.shelf import LessonShelf  # noqa: E402
from bot.core.turn import Defaults, Services  # noqa: E402
from bot.settings import WebSettings  # noqa: E402
from bot.storage.engine import create_database_engine, migrate, session_factory  # noqa: E402
from bot.storage.learners import learner_of  # noqa: E402
from bot.storage.review_cards import start_card  # noqa: E402
from bot.storage.tables import SavedWord, WordContext  # noqa: E402
from bot.web.app import build_app  # noqa: E402
from bot.web.health import Health  # noqa: E402
from bot.web.reader.deps import ReaderDeps  # noqa: E402
from lessons.catalog import Catalog, CatalogConfig  # noqa: E402
from lessons.deck import Card, DeckBuilder  # noqa: E402
from lessons.lesson import Lesson  # noqa: E402
from tests.browser.mini_app import init_data  # noqa: E402
from tests.chat_support import deck_builder  # noqa: E402

TOKEN = "123456:READER-BENCHMARK"
TELEGRAM_ID = 424242
BOOK_SIZE = 2_000
DAYS_SO_FAR = 21  # the calendar began three weeks ago: today is day 22, the archive has a page and a bit
WARM_UP = 2.0  # seconds of load before the measured run: templates compiled, decks built, connections open
ALONE = 2.0  # seconds of one reader alone, after the warm-up: a page's cost without a queue
MAX_SECONDS = 60.0
TARGET_P99_MS = 50.0
TARGET_PAGE_KB = 100.0


# ---------------------------------------------------------------- the app, in a process of its own


def catalog(workdir: Path, dictionary_builder: DeckBuilder) -> Catalog:
    """The bundled library, its pins kept in `workdir`, the calendar started `DAYS_SO_FAR` days ago."""
    today = local_date(SystemClock(), Defaults().timezone)
    config = CatalogConfig(
        library_dir=ROOT / "lessons" / "library",
        pins_file=workdir / "pins.toml",
        start=today - dt.timedelta(days=DAYS_SO_FAR),
    )
    return Catalog.open(config, dictionary_builder.dictionary)


async def serve(port: int, database: str, workdir: Path) -> None:
    """Serve the reader until SIGTERM: what `--serve` runs in the child process."""
    builder = deck_builder()
    sessions = session_factory(create_database_engine(database))
    services = Services(
        shelf=LessonShelf(catalog(workdir, builder), builder), sessions=sessions, clock=SystemClock()
    )
    deps = ReaderDeps(Conversation(services), WebSettings(public_url=f"http://127.0.0.1:{port}"), TOKEN)
    runner = web.AppRunner(build_app(Health([]), reader=deps), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.cleanup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def reader_process(database: str, workdir: Path) -> Iterator[str]:
    """This script with `--serve` in a child process; yields its base URL once /healthz answers."""
    port = free_port()
    log = (workdir / "reader.log").open("wb")
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--serve",
        str(port),
        "--database",
        database,
        "--workdir",
        str(workdir),
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, workdir / "reader.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the reader exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the reader was not up within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


# ---------------------------------------------------------------- the book of 2,000 words


def library_cards(shelf_catalog: Catalog, builder: DeckBuilder, wanted: int) -> list[tuple[Lesson, Card]]:
    """Cards of the library's lessons, in catalog order, for the entries' sentences."""
    cards: list[tuple[Lesson, Card]] = []
    for lesson in shelf_catalog.lessons.values():
        cards.extend((lesson, card) for card in builder.build(lesson).cards)
        if len(cards) >= wanted:
            break
    return cards[:wanted]


def fill_book(sessions: Callable[[], Session], workdir: Path) -> float:
    """`BOOK_SIZE` dictionary words in the book of the Telegram account `TELEGRAM_ID`, each with a
    library sentence and a review card, written in one transaction; returns the seconds it took."""
    began = time.perf_counter()
    builder = deck_builder()
    words = [
        entry for entry in builder.dictionary.entries() if entry.lemma == entry.word and entry.word.isalpha()
    ]
    cards = library_cards(catalog(workdir, builder), builder, 400)
    now = dt.datetime.now(dt.UTC)
    with sessions() as session:
        learner_id = learner_of(session, platform="telegram", user_id=str(TELEGRAM_ID), now=now).id
        assert learner_id is not None
        for index, entry in enumerate(words[:BOOK_SIZE]):
            lesson, card = cards[index % len(cards)]
            saved_at = now - dt.timedelta(minutes=BOOK_SIZE - index)
            row = SavedWord(
                learner_id=learner_id,
                lemma=entry.word,
                phonetic=entry.phonetic or None,
                gloss=entry.gloss,
                created_at=saved_at,
                updated_at=saved_at,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            session.add(
                WordContext(
                    saved_word_id=row.id,
                    form=entry.word,
                    sentence_en=card.en,
                    sentence_zh=card.zh,
                    lesson_id=lesson.id,
                    card_number=card.number,
                    author=lesson.header.author,
                    source_url=lesson.header.source,
                    saved_at=saved_at,
                )
            )
            start_card(session, saved_word_id=row.id, learner_id=learner_id, now=saved_at)
        session.commit()
    return time.perf_counter() - began


# ---------------------------------------------------------------- the load


@dataclass
class Run:
    """One page's measured load: each answer's status and latency, and the last answer's size."""

    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    size: int = 0


async def read(
    client: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    until: float,
    run: Run,
    think: float = 0.0,
) -> None:
    """One reader: ask, read the whole answer, ask again, until `until`; with `think`, a person's
    pace: a pause of 0.5 to 1.5 × `think` seconds (at random) between pages, and a random start."""
    if think:
        await asyncio.sleep(random.uniform(0, think))
    while time.monotonic() < until:
        if think and run.latencies:
            await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))
        began = time.monotonic()
        try:
            async with client.get(url, headers=headers) as response:
                run.size = len(await response.read())
                status = response.status
        except aiohttp.ClientError:
            status = 0
        run.latencies.append(time.monotonic() - began)
        run.statuses.append(status)


async def readers_at_once(
    client: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    readers: int,
    seconds: float,
    think: float = 0.0,
) -> Run:
    run = Run()
    began = time.monotonic()
    await asyncio.gather(*(read(client, url, headers, began + seconds, run, think) for _ in range(readers)))
    run.seconds = time.monotonic() - began
    return run


async def load(
    url: str, headers: dict[str, str], readers: int, seconds: float, think: float
) -> tuple[Run, Run, Run]:
    """After the warm-up: one reader alone (what a page costs the server), `readers` asking back
    to back (the most the server answers), then `readers` reading at a person's pace."""
    connector = aiohttp.TCPConnector(limit=readers)
    async with aiohttp.ClientSession(connector=connector) as client:
        await readers_at_once(client, url, headers, readers, WARM_UP)
        alone = await readers_at_once(client, url, headers, 1, ALONE)
        flat_out = await readers_at_once(client, url, headers, readers, seconds)
        paced = await readers_at_once(client, url, headers, readers, seconds, think)
        return alone, flat_out, paced


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def show(name: str, readers: int, think: float, alone: Run, flat_out: Run, paced: Run) -> None:
    bad = sum(1 for run in (alone, flat_out, paced) for status in run.statuses if status != 200)
    print(f"  {name}: {flat_out.size / 1024:.1f} KB of HTML")
    print(f"    one reader alone  p50 {statistics.median(alone.latencies) * 1000:.1f} ms"
          f"   ({len(alone.latencies) / alone.seconds:.0f} answers/s)")  # fmt: skip
    show_run(f"{readers} back to back", flat_out)
    show_run(f"{readers} reading, a page every ~{think:g} s each", paced)
    print(f"{' ' * 4}non-200 {bad}   (target 0)")


def show_run(label: str, run: Run) -> None:
    ms = [latency * 1000 for latency in run.latencies]
    p99 = percentile(ms, 0.99)
    verdict = "ok" if p99 < TARGET_P99_MS else "OVER"
    print(f"    {label}: {len(ms) / run.seconds:.1f} answers/s ({len(ms):,} in {run.seconds:.1f} s)")
    print(f"{' ' * 6}p50 {statistics.median(ms):.1f} ms   p99 {p99:.1f} ms   max {max(ms):.1f} ms"
          f"   (target p99 < {TARGET_P99_MS:.0f} ms: {verdict})")  # fmt: skip


# ---------------------------------------------------------------- page weight


class Linked(HTMLParser):
    """The stylesheets, scripts and icons a page loads (audio is left out: it loads on ▶ only)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        rel = (found.get("rel") or "").split()
        if tag == "link" and {"stylesheet", "icon"} & set(rel) and found.get("href"):
            self.urls.append(found["href"] or "")
        elif tag == "script" and found.get("src"):
            self.urls.append(found["src"] or "")


async def page_weight(url: str) -> None:
    async with aiohttp.ClientSession(auto_decompress=True) as client:
        files = {"/ (HTML)": await fetch(client, f"{url}/")}
        parser = Linked()
        parser.feed(files["/ (HTML)"].decode())
        for link in parser.urls:
            files[link.split("?")[0]] = await fetch(client, link if "://" in link else f"{url}{link}")
    raw = sum(len(body) for body in files.values())
    packed = sum(len(gzip.compress(body)) for body in files.values())
    verdict = "ok" if raw / 1024 < TARGET_PAGE_KB else "OVER"
    print("  今日 page weight, without audio")
    for name, body in files.items():
        print(f"    {name:<24} {len(body) / 1024:7.1f} KB   gzip {len(gzip.compress(body)) / 1024:6.1f} KB")
    print(f"    {'total':<24} {raw / 1024:7.1f} KB   gzip {packed / 1024:6.1f} KB"
          f"   (target < {TARGET_PAGE_KB:.0f} KB: {verdict})")  # fmt: skip


async def fetch(client: aiohttp.ClientSession, url: str) -> bytes:
    async with client.get(url) as response:
        if response.status != 200:
            raise SystemExit(f"GET {url} answered {response.status}")
        return await response.read()


# ---------------------------------------------------------------- main


async def measure(url: str, arguments: argparse.Namespace) -> None:
    raw = init_data(
        bot_token=TOKEN, telegram_id=TELEGRAM_ID, first_name="读者", auth_date=dt.datetime.now(dt.UTC)
    )
    pages = [
        ("今日 /  (anonymous)", f"{url}/", {}),
        (
            f"生词本 /words  ({BOOK_SIZE:,} entries, Mini App sign-in)",
            f"{url}/words",
            {"Authorization": f"tma {raw}"},
        ),
    ]
    readers, seconds = arguments.readers, arguments.seconds
    print(f"\n{readers} readers at once, {seconds:g} s a page, keep-alive, after {WARM_UP:g} s of warm-up")
    for name, address, headers in pages:
        show(name, readers, arguments.think, *await load(address, headers, readers, seconds, arguments.think))
    await page_weight(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=50, help="readers at once (default 50)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of load a page (default 10)")
    parser.add_argument(
        "--think", type=float, default=1.0, help="a reading reader's seconds between pages (default 1)"
    )
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve:
        asyncio.run(serve(arguments.serve, arguments.database, arguments.workdir))
        return
    arguments.seconds = min(arguments.seconds, MAX_SECONDS)
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        database = f"sqlite:///{workdir}/reader.db"
        engine = create_database_engine(database)
        migrate(engine)
        filled = fill_book(session_factory(engine), workdir)
        engine.dispose()
        print(f"book of {BOOK_SIZE:,} entries written in {filled:.1f} s (one transaction; not measured)")
        with reader_process(database, workdir) as url:
            asyncio.run(measure(url, arguments))


if __name__ == "__main__":
    os.environ.setdefault("BUILDSPEAK_LOG_LEVEL", "WARNING")
    main()
