"""Where the fake Bot API itself stalls as a broadcast reaches more chats: the source of the odd
429 in `broadcast.py` that our pacing did not cause.

Sends one message to each of N new chats straight through the fake's handler (no HTTP, no bot)
with the collector off, as `tests/fakes/serve_telegram.py` runs it, and prints every send that
took longer than a threshold, with the number of chats it was. The slow ones fall where the fake's
per-chat dicts all grow their tables at once (at 2/3 of a power of two: 43,691, 87,382).

    .venv/bin/python benchmarks/fake_stalls.py [--chats 100000] [--over-ms 4]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.telegram_api import FakeTelegramServer, _Params

TEXT = "Consider being a labeler for an LLM. <b>The prompt</b> is given to you. " * 4


async def slow_sends(chats: int, over: float) -> list[tuple[int, float]]:
    fake = FakeTelegramServer()
    fake.rate_limit(per_second_overall=None, per_second_per_chat=1)  # its per-chat windows, as in the bench
    slow: list[tuple[int, float]] = []
    for chat in range(1, chats + 1):
        params = _Params({"chat_id": chat, "text": TEXT, "parse_mode": "HTML"}, {})
        started = time.perf_counter()
        await fake._answer(fake.token, "sendMessage", params)
        if (took := time.perf_counter() - started) > over:
            slow.append((chat, took))
    return slow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--over-ms", type=float, default=4.0)
    arguments = parser.parse_args()
    gc.disable()
    slow = asyncio.run(slow_sends(arguments.chats, arguments.over_ms / 1000))
    print(f"{arguments.chats:,} sends to new chats; slower than {arguments.over_ms:g} ms: {len(slow)}")
    for chat, took in slow:
        print(f"  chat {chat:>7,}: {took * 1000:5.1f} ms")


if __name__ == "__main__":
    main()
