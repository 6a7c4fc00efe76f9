"""The fake Bot API as a process of its own, for benchmarks: a load test must not share a core
(or its memory figures) with the bot it measures.

    python -m tests.fakes.serve_telegram --overall 1000 --per-chat 1

prints `<api url> <control url>` on one line, then serves until killed. GET <control url>/stats
answers JSON: sendMessage calls accepted, 429s answered, chats with a message, extra copies.

For a burst of people writing at once (`benchmarks/burst.py`): POST <control url>/burst with
`{"chats": [...], "text": "/today", "over": 1.0}` has each chat send the text, spread evenly over
`over` seconds; GET <control url>/burst answers when each chat wrote and when each of the bot's
sendMessage calls was accepted (this host's monotonic clock, which every process shares).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import socket
import time

from aiohttp import web

from tests.fakes.telegram_api import FakeTelegramServer


def stats(fake: FakeTelegramServer) -> dict[str, int]:
    counts = fake.message_counts()
    return {
        "accepted": sum(counts.values()),
        "rate_limited": fake.rate_limited_count,
        "chats": len(counts),
        "duplicates": sum(count - 1 for count in counts.values() if count > 1),
    }


class Burst:
    """People writing at once, and when the bot's messages were accepted."""

    def __init__(self, fake: FakeTelegramServer) -> None:
        self.fake = fake
        self.asked: dict[int, float] = {}  # chat -> when it wrote
        self._writing: asyncio.Task[None] | None = None

    async def start(self, request: web.Request) -> web.Response:
        body = await request.json()
        chats = [int(chat) for chat in body["chats"]]
        self._writing = asyncio.create_task(self._write(chats, str(body["text"]), float(body["over"])))
        return web.json_response({"chats": len(chats)})

    async def _write(self, chats: list[int], text: str, over: float) -> None:
        began = time.monotonic()
        for index, chat in enumerate(chats):
            due = began + over * index / max(1, len(chats))
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            self.asked[chat] = time.monotonic()
            self.fake.send_text(chat, text)

    def report(self, request: web.Request) -> web.Response:
        accepted = [
            [call.params.get("chat_id"), call.at] for call in self.fake.calls_to("sendMessage") if call.ok
        ]
        return web.json_response({"asked": self.asked, "accepted": accepted})


async def serve(overall: float | None, per_chat: float | None) -> None:
    fake = await FakeTelegramServer().start()
    fake.rate_limit(per_second_overall=overall, per_second_per_chat=per_chat)
    burst = Burst(fake)
    control = web.Application()
    control.router.add_get("/stats", lambda request: web.json_response(stats(fake)))
    control.router.add_post("/burst", burst.start)
    control.router.add_get("/burst", burst.report)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    print(fake.url, f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    # Telegram's servers have no collector pauses. Here a full collection over 100,000 stored messages
    # stalls the loop for tens of milliseconds, and the requests that queue up meanwhile are then
    # counted at once, tripping the rate limit for a burst the bot never sent. Nothing the fake keeps
    # forms reference cycles, so reference counting alone frees what it drops.
    gc.disable()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overall", type=float, default=None, help="messages a second overall (429 above)")
    parser.add_argument("--per-chat", type=float, default=None, help="messages a second per chat")
    arguments = parser.parse_args()
    asyncio.run(serve(arguments.overall, arguments.per_chat))


if __name__ == "__main__":
    main()
