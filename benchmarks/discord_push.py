"""The daily post to 5,000 Discord servers through the real discord.py client, against the fake
Discord enforcing Discord's limits, in a process of its own.

Each server's post is two requests: the message (an embed with the lesson, its button) and the
thread under it. The fake enforces Discord's global limit for a bot (50 requests a second) and a
channel's 5 messages per 5 s. Prints requests per second as a ratio of the global limit (target
>= 0.9), 429s received, duplicates, losses (target 0) and this process's peak RSS.

    .venv/bin/python benchmarks/discord_push.py                    # 5,000 servers, SQLite
    .venv/bin/python benchmarks/discord_push.py --servers 500      # a quick look

It goes through the same path as `buildspeak run --roles push` with a Discord token: the runtime
assembled with the push role (the client logged in, no gateway: posting needs none), the Pusher,
the ledger, our pacer at the limit minus its headroom, and discord.py's own bucket handling.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from benchmarks.broadcast import CollectorPauses, ReleaseLog, peak_rss_mb  # noqa: E402
from bot.adapters.discord import DiscordConfig  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.core.conversation import Conversation  # noqa: E402
from bot.core.references import CHANNEL  # noqa: E402
from bot.core.shelf import LessonShelf  # noqa: E402
from bot.core.turn import Services  # noqa: E402
from bot.delivery.content import DailyLessons  # noqa: E402
from bot.runtime.assembly import assemble  # noqa: E402
from bot.runtime.heap import freeze_startup_heap  # noqa: E402
from bot.runtime.units import started  # noqa: E402
from bot.settings import PushSettings, RuntimeSettings  # noqa: E402
from bot.storage.engine import create_database_engine, migrate, session_factory  # noqa: E402
from bot.storage.tables import PlatformReference, PushDelivery, Subscriber  # noqa: E402
from tests.chat_support import bundled_catalog, deck_builder, offline_speaker  # noqa: E402
from tests.fakes.discord_api import TOKEN  # noqa: E402

MOMENT = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai: every server due
JOINED = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
GLOBAL_LIMIT = 50  # Discord's requests a second for a bot
REQUESTS_PER_POST = 2  # the message and its thread


@contextmanager
def fake_discord(servers: int) -> Iterator[tuple[str, str]]:
    """The fake Discord in its own process: `servers` guilds with one text channel each."""
    process = subprocess.Popen(
        [
            sys.executable, "-m", "tests.fakes.serve_discord", "--guilds", str(servers), "--channels", "1",
            "--global", str(GLOBAL_LIMIT), "--per-channel", "5/5",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        base, control = process.stdout.readline().split()
        yield base, control
    finally:
        process.kill()
        process.wait()


def control_json(control: str, path: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{control}/{path}", timeout=120) as answer:
        return json.load(answer)


def add_servers(sessions: Callable[[], Session], world: dict[str, object]) -> int:
    """Each guild subscribed at 08:00 Shanghai, its one channel chosen for the post."""
    guilds = world["guilds"]
    assert isinstance(guilds, list)
    subscribers = [
        {
            "platform": "discord", "chat_id": guild["id"], "user_id": "1", "chat_kind": "group",
            "language": "zh", "timezone": "Asia/Shanghai", "lesson_time": dt.time(8, 0),
            "quiz_time": None, "status": "active", "joined_at": JOINED, "updated_at": JOINED,
        }
        for guild in guilds
    ]  # fmt: skip
    channels = [
        {"platform": "discord", "kind": CHANNEL, "key": guild["id"], "value": guild["channels"][0],
         "created_at": JOINED}
        for guild in guilds
    ]  # fmt: skip
    with sessions() as session:
        session.execute(insert(Subscriber), subscribers)
        session.execute(insert(PlatformReference), channels)
        session.commit()
    return len(subscribers)


async def post_everywhere(url: str, *, servers: int, workdir: Path, in_flight: int) -> dict[str, float]:
    engine = create_database_engine(url)
    migrate(engine)
    sessions = session_factory(engine)
    shelf = LessonShelf(bundled_catalog(workdir), deck_builder(), offline_speaker(workdir / "audio"))
    services = Services(shelf=shelf, sessions=sessions, clock=FixedClock(MOMENT))
    rss_before = peak_rss_mb()
    with fake_discord(servers) as (base, control):
        count = add_servers(sessions, control_json(control, "world"))
        gateway = base.replace("http://", "ws://") + "/gateway"
        config = DiscordConfig(token=TOKEN, api_base_url=f"{base}/api/v10", gateway_url=gateway)
        runtime = assemble(
            Conversation(services),
            roles=("push",),
            sessions=sessions,
            clock=services.clock,
            push=PushSettings(max_in_flight=in_flight, batch_size=1000),
            runtime=RuntimeSettings(),
            discord=config,
            scheduled=False,
            contents=[DailyLessons(services.shelf)],
        )
        (pusher,) = runtime.pushers
        assert runtime.discord is not None
        releases = ReleaseLog()
        releases.record(runtime.discord.pacer)
        async with started(runtime.units):
            freeze_startup_heap()
            with CollectorPauses() as pauses:
                began = time.perf_counter()
                report = await pusher.run_once()
                elapsed = time.perf_counter() - began
        served = control_json(control, "stats")
    with sessions() as session:
        settled = session.scalar(select(func.count()).where(PushDelivery.state == "sent"))
    engine.dispose()
    requests = report.sent * REQUESTS_PER_POST
    return {
        "servers": count,
        "sent": report.sent,
        "seconds": elapsed,
        "requests_per_second": requests / elapsed,
        "ratio": requests / elapsed / GLOBAL_LIMIT,
        "rate_limited": float(served["rate_limited"]),  # type: ignore[arg-type]
        "busiest_second": releases.busiest,
        "duplicates": float(served["duplicates"]),  # type: ignore[arg-type]
        "losses": count - float(served["channels"]),  # type: ignore[arg-type]
        "ledger_sent": settled or 0,
        "failed": report.failed,
        "collector_ms": pauses.longest_ms,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def show(figures: dict[str, float]) -> None:
    servers = f"{figures['servers']:,.0f} servers"
    print(f"\nDiscord daily post: {servers}, {GLOBAL_LIMIT} requests/s enforced by the fake")
    rate = f"{figures['requests_per_second']:.1f} requests/s ({REQUESTS_PER_POST} a post: message, thread)"
    print(f"  posted          {figures['sent']:,.0f} in {figures['seconds']:.1f} s = {rate}")
    print(f"  ratio to limit  {figures['ratio']:.3f}   (target >= 0.9)")
    print(f"  429s received   {figures['rate_limited']:.0f}   (waited out by discord.py; 0 expected)")
    print(f"  busiest second  {figures['busiest_second']:.0f} requests released by our pacer")
    print(f"  duplicates      {figures['duplicates']:.0f}   (target 0)")
    ledger = f"ledger says sent: {figures['ledger_sent']:,.0f}"
    print(f"  losses          {figures['losses']:.0f}   (target 0; {ledger})")
    print(f"  failed          {figures['failed']:.0f}")
    print(f"  collector       longest pause {figures['collector_ms']:.0f} ms")
    print(f"  peak RSS        {figures['peak_rss_mb']:.0f} MB (before: {figures['rss_before_mb']:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=5_000)
    parser.add_argument("--in-flight", type=int, default=64)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{workdir}/bench.db"
        figures = asyncio.run(
            post_everywhere(
                url, servers=arguments.servers, workdir=Path(workdir), in_flight=arguments.in_flight
            )
        )
    show(figures)


if __name__ == "__main__":
    main()
