"""A burst: N people who have not subscribed send /today within one second, through the real Telegram
adapter (the `telegram` role as `buildspeak run` assembles it: polling into the inbox, PTB's
handlers, the outboxes and the pacer) against the fake Bot API in a process of its own, enforcing
Telegram's 30 messages a second overall and 1 a second per chat.

Prints, for N = 200 and 2,000 (or `--people`):

* first reply per person (from their /today to the bot's first message accepted): p50, p99, max;
* the floor, N / 30 s: the least time the last of N first replies can take at 30 a second, and
  p99 as a ratio of it (target <= 1.2);
* messages a second while the burst was answered, as a ratio of the allowed 30 (target >= 0.95;
  the pacer keeps 3% headroom, so 0.97 is all it will take);
* the conversation core's own handling time per update, p99 (target < 50 ms): the handler's work,
  which is all an update slot waits for. The day's lesson is built before the burst, as the daily
  push has built it by then (the first /today of a day otherwise builds its cards: ~130 ms, paid
  by the few handlers that ask at that moment);
* 429s the fake answered (target 0), duplicates and people left unanswered (targets 0).

    .venv/bin/python benchmarks/burst.py                 # 200, then 2,000
    .venv/bin/python benchmarks/burst.py --people 500
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

from benchmarks.broadcast import fake_server  # noqa: E402
from bot.adapters.telegram import TelegramConfig  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.core.conversation import Conversation  # noqa: E402
from bot.core.messages import Incoming  # noqa: E402
from bot.core.shelf import LessonShelf  # noqa: E402
from bot.core.turn import Services  # noqa: E402
from bot.runtime.assembly import assemble  # noqa: E402
from bot.runtime.heap import freeze_startup_heap  # noqa: E402
from bot.runtime.units import started  # noqa: E402
from bot.settings import PushSettings, RuntimeSettings  # noqa: E402
from bot.storage.engine import create_database_engine, migrate, session_factory  # noqa: E402
from tests.chat_support import bundled_catalog, deck_builder, offline_speaker  # noqa: E402
from tests.fakes.telegram_api import TOKEN  # noqa: E402

MOMENT = dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC)
LIMIT = 30.0  # Telegram's messages a second, overall
FIRST_CHAT = 1_000_000


def telegram_config(api: str, quick: int | None) -> TelegramConfig:
    config = TelegramConfig(token=TOKEN, api_base_url=api)
    return config if quick is None else dataclasses.replace(config, quick_updates=quick)


def control_call(url: str, body: object | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


class HandlingTimes:
    """The core's own time per update: `Conversation.handle`, wrapped."""

    def __init__(self, conversation: Conversation) -> None:
        self.seconds: list[float] = []
        handle = conversation.handle

        async def timed(incoming):  # type: ignore[no-untyped-def]
            began = time.perf_counter()
            try:
                return await handle(incoming)
            finally:
                self.seconds.append(time.perf_counter() - began)

        conversation.handle = timed  # type: ignore[method-assign]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def burst(people: int, workdir: Path, quick: int | None = None) -> dict[str, float]:
    engine = create_database_engine(f"sqlite:///{workdir}/burst.db")
    migrate(engine)
    sessions = session_factory(engine)
    shelf = LessonShelf(bundled_catalog(workdir), deck_builder(), offline_speaker(workdir / "audio"))
    services = Services(shelf=shelf, sessions=sessions, clock=FixedClock(MOMENT))
    conversation = Conversation(services)
    await conversation.handle(Incoming(platform="telegram", chat_id="1", user_id="1", text="/today"))
    handling = HandlingTimes(conversation)
    chats = list(range(FIRST_CHAT, FIRST_CHAT + people))
    with fake_server(LIMIT) as (api, control):
        runtime = assemble(
            conversation,
            roles=("telegram",),
            sessions=sessions,
            clock=services.clock,
            push=PushSettings(per_second=LIMIT, per_chat_per_second=1),
            runtime=RuntimeSettings(),
            telegram=telegram_config(api, quick),
        )
        async with started(runtime.units):
            freeze_startup_heap()
            control_call(f"{control}/burst", {"chats": chats, "text": "/today", "over": 1.0})
            while control_call(f"{control}/stats")["chats"] < people:
                await asyncio.sleep(0.2)
        report = control_call(f"{control}/burst")
        served = control_call(f"{control}/stats")
    engine.dispose()
    return figures(report, served, handling.seconds, people)


def figures(report: dict, served: dict, handling: list[float], people: int) -> dict[str, float]:
    asked = {int(chat): at for chat, at in report["asked"].items()}
    first: dict[int, float] = {}
    sends = sorted(at for _, at in report["accepted"])
    for chat, at in report["accepted"]:
        first.setdefault(int(chat), at)
    latencies = [first[chat] - asked[chat] for chat in asked if chat in first]
    p99 = percentile(latencies, 0.99)
    floor = people / LIMIT
    rate = (len(sends) - 1) / (sends[-1] - sends[0]) if len(sends) > 1 else 0.0
    return {
        "people": people,
        "p50": statistics.median(latencies),
        "p99": p99,
        "max": max(latencies),
        "floor": floor,
        "ratio": p99 / floor,
        "messages": len(sends),
        "rate": rate,
        "rate_ratio": rate / LIMIT,
        "handling_p50_ms": statistics.median(handling) * 1000,
        "handling_p99_ms": percentile(handling, 0.99) * 1000,
        "handling_max_ms": max(handling) * 1000,
        "handled": len(handling),
        "rate_limited": served["rate_limited"],
        "duplicates": served["duplicates"],
        "unanswered": people - served["chats"],
    }


def show(found: dict[str, float]) -> None:
    print(f"\n{found['people']:,} people send /today within 1 s; the fake allows {LIMIT:.0f}/s, 1/s per chat")
    latency = f"p50 {found['p50']:.2f} s, p99 {found['p99']:.2f} s, max {found['max']:.2f} s"
    print(f"  first reply       {latency}")
    floor = f"{found['floor']:.2f} s   p99 / floor = {found['ratio']:.3f}"
    print(f"  floor (N / rate)  {floor}   (target <= 1.2)")
    rate = f"{found['messages']:,} messages at {found['rate']:.2f}/s"
    rate += f" = {found['rate_ratio']:.3f} of {LIMIT:.0f}/s"
    print(f"  sending rate      {rate}   (target >= 0.95)")
    handling = f"p50 {found['handling_p50_ms']:.1f} ms, p99 {found['handling_p99_ms']:.1f} ms"
    handling += f", max {found['handling_max_ms']:.1f} ms"
    print(f"  core handling     {handling} over {found['handled']:,} updates   (target p99 < 50 ms)")
    print(f"  429s received     {found['rate_limited']}   (target 0)")
    print(f"  duplicates        {found['duplicates']}   unanswered {found['unanswered']}   (targets 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, action="append", help="people in the burst (repeatable)")
    parser.add_argument("--quick", type=int, help="quick handler slots (default: the bot's)")
    arguments = parser.parse_args()
    for people in arguments.people or [200, 2000]:
        with tempfile.TemporaryDirectory() as folder:
            show(asyncio.run(burst(people, Path(folder), arguments.quick)))


if __name__ == "__main__":
    main()
