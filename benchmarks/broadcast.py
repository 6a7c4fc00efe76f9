"""The daily push to 100,000 subscribers through the real Telegram adapter, against the fake Bot API
enforcing a rate limit, in a process of its own.

Prints, per database: messages per second achieved as a ratio of the enforced limit, 429s
received, duplicates, losses, and this process's peak RSS. Targets: ratio >= 0.95, 0 duplicates,
0 losses, 0 429s from our own pacing, peak RSS < 300 MB.

    .venv/bin/python benchmarks/broadcast.py                      # SQLite
    .venv/bin/python benchmarks/broadcast.py --postgres URL       # and PostgreSQL (a server URL)
    bash scripts/with-postgres.sh .venv/bin/python benchmarks/broadcast.py   # PostgreSQL started for it

The limit is scaled up from Telegram's 30/s so 100,000 messages take minutes, not an hour; the bot
paces itself at the limit minus its headroom (3%), as in production. On a 2-core machine shared
with the fake (and PostgreSQL), 500/s leaves the bot CPU to spare; about 1,200/s is all it can
send there, so at 1,500/s the ratio measures the machine, not the pacing.

A 429 can come without our pacing ever going over the limit: the fake counts sends as it handles
them, and when it stalls (its per-chat tables all grow at once at 43,691 and 87,382 chats:
`fake_stalls.py`, 6-14 ms alone, 20-40 ms in the loaded fake) the requests that queued up
meanwhile are counted together. "busiest second" is the most our
pacer released in any second; while it is under the limit, a 429 is the bench's, not the bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from sqlalchemy import func, insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bot.adapters.telegram import TelegramConfig  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.core.conversation import Conversation  # noqa: E402
from bot.core.shelf import LessonShelf  # noqa: E402
from bot.core.turn import Services  # noqa: E402
from bot.delivery.content import DailyLessons  # noqa: E402
from bot.delivery.pacing import Pacer  # noqa: E402
from bot.runtime.assembly import assemble  # noqa: E402
from bot.runtime.heap import freeze_startup_heap  # noqa: E402
from bot.runtime.units import started  # noqa: E402
from bot.settings import PushSettings, RuntimeSettings  # noqa: E402
from bot.storage.engine import create_database_engine, migrate, session_factory  # noqa: E402
from bot.storage.tables import PushDelivery, Subscriber  # noqa: E402
from tests.chat_support import bundled_catalog, deck_builder, offline_speaker  # noqa: E402
from tests.conftest import scratch_postgres_database  # noqa: E402
from tests.fakes.telegram_api import TOKEN  # noqa: E402

MOMENT = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai: everyone due
JOINED = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def fake_server(limit: float) -> Iterator[tuple[str, str]]:
    """The fake Bot API in its own process, enforcing `limit` overall and 1 a second per chat."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.serve_telegram", "--overall", str(limit), "--per-chat", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        api, control = process.stdout.readline().split()
        yield api, control
    finally:
        process.kill()
        process.wait()


class ReleaseLog:
    """The busiest second of the sends our pacer released: the proof that a 429 is not its doing.

    The fake counts sends as it processes them; anything that bunches them up on the way (a stall
    in either process, the scheduler) can trip its limit even when our own releases never do.
    """

    def __init__(self) -> None:
        self._last_second: deque[float] = deque()
        self.busiest = 0

    def note(self) -> None:
        now = time.monotonic()
        self._last_second.append(now)
        while self._last_second[0] <= now - 1.0:
            self._last_second.popleft()
        self.busiest = max(self.busiest, len(self._last_second))

    def record(self, pacer: Pacer) -> None:
        wait_turn = pacer.wait_turn

        async def recorded(chat: str, *, group: bool = False, announce: bool = True) -> None:
            await wait_turn(chat, group=group, announce=announce)
            self.note()

        pacer.wait_turn = recorded  # type: ignore[method-assign]


class CollectorPauses:
    """How long the cyclic garbage collector stopped this process, while installed."""

    def __init__(self) -> None:
        self.longest_ms = 0.0
        self.full_runs = 0
        self._started = 0.0

    def __enter__(self) -> CollectorPauses:
        gc.callbacks.append(self._observe)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._observe)

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.longest_ms = max(self.longest_ms, (time.perf_counter() - self._started) * 1000)
        self.full_runs += info["generation"] == 2


def fake_stats(control: str) -> dict[str, int]:
    with urllib.request.urlopen(f"{control}/stats", timeout=60) as answer:
        return json.load(answer)


def add_subscribers(sessions: Callable[[], Session], count: int, chunk: int = 10_000) -> None:
    """Private chats 1..count in Shanghai at 08:00, written in chunks so memory stays flat."""
    for first in range(1, count + 1, chunk):
        rows = [
            {
                "platform": "telegram", "chat_id": str(chat), "user_id": str(chat), "chat_kind": "private",
                "language": "zh", "timezone": "Asia/Shanghai", "lesson_time": dt.time(8, 0),
                "quiz_time": dt.time(20, 0), "status": "active", "joined_at": JOINED, "updated_at": JOINED,
            }
            for chat in range(first, min(first + chunk, count + 1))
        ]  # fmt: skip
        with sessions() as session:
            session.execute(insert(Subscriber), rows)
            session.commit()


async def broadcast(
    url: str, *, subscribers: int, limit: float, in_flight: int, workdir: Path, freeze: bool
) -> dict[str, float]:
    engine = create_database_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    add_subscribers(sessions, subscribers)
    shelf = LessonShelf(bundled_catalog(workdir), deck_builder(), offline_speaker(workdir / "audio"))
    services = Services(shelf=shelf, sessions=sessions, clock=FixedClock(MOMENT))
    push = PushSettings(per_second=limit, max_in_flight=in_flight, batch_size=1000)
    rss_before = peak_rss_mb()
    with fake_server(limit) as (api, control):
        config = TelegramConfig(token=TOKEN, api_base_url=api, connections=in_flight + 16)
        runtime = assemble(
            Conversation(services),
            roles=("push",),
            sessions=sessions,
            clock=services.clock,
            push=push,
            runtime=RuntimeSettings(),
            telegram=config,
            scheduled=False,
            contents=[DailyLessons(services.shelf)],  # the lesson alone: benchmarks/quiz.py pushes quizzes
        )
        (pusher,) = runtime.pushers
        assert runtime.telegram is not None
        releases = ReleaseLog()
        releases.record(runtime.telegram.pacer)
        async with started(runtime.units):  # the worker registered, the connection open: as `run` does
            if freeze:
                freeze_startup_heap()  # as `buildspeak run` does before it serves
            with CollectorPauses() as pauses:
                began = time.perf_counter()
                report = await pusher.run_once()
                elapsed = time.perf_counter() - began
        served = fake_stats(control)
    with sessions() as session:
        settled = session.scalar(select(func.count()).where(PushDelivery.state == "sent"))
    engine.dispose()
    return {
        "subscribers": subscribers,
        "sent": report.sent,
        "seconds": elapsed,
        "per_second": report.sent / elapsed,
        "ratio": report.sent / elapsed / limit,
        "rate_limited": served["rate_limited"],
        "busiest_second": releases.busiest,
        "collector_ms": pauses.longest_ms,
        "full_collections": pauses.full_runs,
        "duplicates": served["duplicates"],
        "losses": subscribers - served["chats"],
        "ledger_sent": settled or 0,
        "failed": report.failed,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def show(name: str, figures: dict[str, float], limit: float) -> None:
    print(f"\n{name}: {figures['subscribers']:,} subscribers, limit {limit:,.0f} msg/s enforced by the fake")
    rate = f"{figures['per_second']:,.0f} msg/s"
    print(f"  sent            {figures['sent']:,} in {figures['seconds']:.1f} s = {rate}")
    print(f"  ratio to limit  {figures['ratio']:.3f}   (target >= 0.95)")
    print(f"  429s received   {figures['rate_limited']}   (target 0 from our pacing)")
    busiest = f"{figures['busiest_second']:,} (limit {limit:,.0f}: 429s above it would be our pacing's)"
    print(f"  busiest second  {busiest}")
    print(f"  duplicates      {figures['duplicates']}   (target 0)")
    print(f"  losses          {figures['losses']}   (target 0; ledger says sent: {figures['ledger_sent']:,})")
    print(f"  failed          {figures['failed']}")
    before = f"before the broadcast: {figures['rss_before_mb']:.0f} MB"
    pauses = f"{figures['full_collections']} full, longest pause {figures['collector_ms']:.0f} ms"
    print(f"  collector       {pauses}")
    print(f"  peak RSS        {figures['peak_rss_mb']:.0f} MB ({before})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--limit", type=float, default=500.0, help="messages/s the fake enforces")
    parser.add_argument("--in-flight", type=int, default=256)
    parser.add_argument("--no-freeze", action="store_true", help="leave start-up objects to the collector")
    parser.add_argument("--postgres", default=os.environ.get("BUILDSPEAK_TEST_DATABASE_URL"))
    arguments = parser.parse_args()
    run = functools.partial(
        broadcast,
        subscribers=arguments.subscribers,
        limit=arguments.limit,
        in_flight=arguments.in_flight,
        freeze=not arguments.no_freeze,
    )
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        figures = asyncio.run(run(f"sqlite:///{workdir}/broadcast.db", workdir=workdir))
        show("SQLite", figures, arguments.limit)
    if arguments.postgres:
        with tempfile.TemporaryDirectory() as folder, scratch_postgres_database(arguments.postgres) as url:
            figures = asyncio.run(run(url, workdir=Path(folder)))
            show("PostgreSQL", figures, arguments.limit)
    else:
        print("\nPostgreSQL: skipped (pass --postgres URL or run under scripts/with-postgres.sh)")


if __name__ == "__main__":
    main()
