"""Webhook throughput: the real `buildspeak run` process taking Telegram's updates by webhook, driven
at a steady rate over loopback, against the fake Bot API in a process of its own.

A load generator (this process) posts updates at `--rate` a second for `--seconds` (open loop:
each request leaves at its time whether or not earlier ones were answered), each from another
person, with the right secret token, over at most `--connections` connections at once (Telegram's
default max_connections is 40). Each is a message (`/today` unless `--text` says otherwise).

Prints:

* updates a second sustained: requests answered 200 over the time from the first request to the
  last answer (the target rate, if the bot keeps up);
* request → HTTP 200: p50, p99, max (the update stored in the inbox; what Telegram waits for);
* request → reply: p50, p99, max, from the request leaving here to the bot's answering
  sendMessage accepted by the fake (both on this host's monotonic clock); target p99 < 50 ms at
  200 updates a second;
* non-200 answers, people left unanswered, people answered twice (targets 0).

The bot's overall sending limit is lifted (`PUSH__PER_SECOND`): Telegram's 30 messages a second
would make the replies wait for the limit, and what is measured here is the bot. The day's lesson
is built before the measurement by a few warm-up updates, as the daily push has built it by then.

    .venv/bin/python benchmarks/webhook.py                          # 200/s for 15 s, SQLite
    .venv/bin/python benchmarks/webhook.py --rate 400 --seconds 10
    .venv/bin/python benchmarks/webhook.py --returning              # people who have been here before
    .venv/bin/python benchmarks/webhook.py --postgres URL           # PostgreSQL (a server URL)
    bash scripts/with-postgres.sh .venv/bin/python benchmarks/webhook.py   # PostgreSQL started for it
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.broadcast import fake_server  # noqa: E402
from bot.runtime.telegram_webhook import derive_secret  # noqa: E402
from tests.conftest import scratch_postgres_database  # noqa: E402
from tests.fakes.telegram_api import TOKEN  # noqa: E402

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
FIRST_CHAT = 2_000_000
RETURNING_RATE = 100.0  # updates a second while everyone pays their first visit (--returning)
WARM_UP = 20  # updates before the measurement: the day's lesson is built, connections are open
MAX_SECONDS = 120.0  # the longest load this script will generate
REPLY_WAIT = 30.0  # seconds to wait for the last replies after the load


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def bot_process(api: str, database_url: str, port: int, workdir: Path) -> Iterator[str]:
    """`python -m bot run --roles telegram` in webhook mode; yields its base URL once /healthz is 200."""
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
        "BUILDSPEAK_WEB__PORT": str(port),
        "BUILDSPEAK_DATABASE__URL": database_url,
        "BUILDSPEAK_AUDIO__CACHE_DIR": str(workdir / "audio"),
        "BUILDSPEAK_PUSH__PER_SECOND": "100000",
        "BUILDSPEAK_LOG_LEVEL": "WARNING",
    }
    log = (workdir / "bot.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--roles", "telegram"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, workdir / "bot.log")
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
            raise SystemExit(f"the bot exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the bot was not healthy within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def update(update_id: int, chat_id: int, text: str) -> bytes:
    user = {"id": chat_id, "is_bot": False, "first_name": "Reader", "language_code": "zh-hans"}
    message: dict[str, Any] = {
        "message_id": 1,
        "from": user,
        "chat": {"id": chat_id, "type": "private", "first_name": "Reader"},
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return json.dumps({"update_id": update_id, "message": message}).encode()


class Load:
    """The requests: when each left, when and how it was answered."""

    def __init__(self, url: str, secret: str, text: str, connections: int, *, first_update: int = 0) -> None:
        self.url = url
        self.first_update = first_update  # update ids must be new to each run: the inbox keys on them
        self.headers = {"Content-Type": "application/json", SECRET_HEADER: secret}
        self.text = text
        self.connections = connections
        self.sent: dict[int, float] = {}  # chat -> when its request left
        self.answered: dict[int, tuple[int, float]] = {}  # chat -> (status, when)

    async def run(self, chats: list[int], rate: float) -> None:
        connector = aiohttp.TCPConnector(limit=self.connections)
        async with aiohttp.ClientSession(connector=connector) as session:
            began = time.monotonic()
            tasks = []
            for index, chat in enumerate(chats):
                if (wait := began + index / rate - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                tasks.append(asyncio.create_task(self._post(session, chat)))
            await asyncio.gather(*tasks)

    async def _post(self, session: aiohttp.ClientSession, chat: int) -> None:
        body = update(self.first_update + chat, chat, self.text)
        self.sent[chat] = time.monotonic()
        try:
            async with session.post(self.url, data=body, headers=self.headers) as response:
                await response.read()
                self.answered[chat] = (response.status, time.monotonic())
        except aiohttp.ClientError:
            self.answered[chat] = (0, time.monotonic())


def control_get(control: str, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{control}{path}", timeout=60) as answer:
        return json.load(answer)


async def wait_replies(control: str, chats: set[int], timeout: float, *, since: float = 0.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        accepted = control_get(control, "/burst")["accepted"]
        replied = {int(chat) for chat, at in accepted if at >= since}
        if chats <= replied:
            return
        await asyncio.sleep(0.25)


def handling(url: str) -> tuple[float, float]:
    """The core's handling time so far, from the bot's own /metrics: (seconds in all, updates)."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    found = {"sum": 0.0, "count": 0.0}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in ("buildspeak_handler_seconds_sum", "buildspeak_handler_seconds_count"):
                found[sample.name.rsplit("_", 1)[1]] += sample.value
    return found["sum"], found["count"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def spread(values: list[float]) -> str:
    if not values:
        return "no values"
    ms = [value * 1000 for value in values]
    return f"p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms"


async def measure(url: str, control: str, arguments: argparse.Namespace) -> None:
    hook = f"{url}/telegram"
    secret = derive_secret(TOKEN)
    warm = Load(hook, secret, arguments.text, arguments.connections)
    warm_chats = list(range(FIRST_CHAT - WARM_UP, FIRST_CHAT))
    await warm.run(warm_chats, rate=WARM_UP)
    await wait_replies(control, set(warm_chats), REPLY_WAIT)
    count = int(arguments.rate * arguments.seconds)
    chats = list(range(FIRST_CHAT, FIRST_CHAT + count))
    if arguments.returning:  # everyone has been here before: a day's ordinary traffic
        await Load(hook, secret, arguments.text, arguments.connections).run(chats, rate=RETURNING_RATE)
        await wait_replies(control, set(chats), REPLY_WAIT)
    load = Load(hook, secret, arguments.text, arguments.connections, first_update=len(chats))
    before = handling(url)
    since = time.monotonic()
    await load.run(chats, arguments.rate)
    await wait_replies(control, set(chats), REPLY_WAIT, since=since)
    accepted = [(chat, at) for chat, at in control_get(control, "/burst")["accepted"] if at >= since]
    report(load, chats, accepted, arguments)
    seconds, count = (after - earlier for after, earlier in zip(handling(url), before, strict=True))
    if count:
        print(f"  core handling     mean {seconds / count * 1000:.1f} ms over {count:.0f} updates"
              " (buildspeak_handler_seconds, from /metrics)")  # fmt: skip


def report(load: Load, chats: list[int], accepted: list[list[Any]], arguments: argparse.Namespace) -> None:
    first_reply: dict[int, float] = {}
    replies: dict[int, int] = {}
    for chat, at in accepted:
        chat = int(chat)
        first_reply.setdefault(chat, at)
        replies[chat] = replies.get(chat, 0) + 1
    ok = [chat for chat in chats if load.answered.get(chat, (0, 0.0))[0] == 200]
    to_200 = [load.answered[chat][1] - load.sent[chat] for chat in ok]
    to_reply = [first_reply[chat] - load.sent[chat] for chat in chats if chat in first_reply]
    span = max(load.answered[chat][1] for chat in ok) - min(load.sent.values()) if ok else float("nan")
    rate, seconds = f"{arguments.rate:g}/s", f"{arguments.seconds:g} s"
    who = " who have been here before" if arguments.returning else ", each on a first visit"
    print(f"\n{len(chats):,} updates ({arguments.text!r}) at {rate} for {seconds}, "
          f"{arguments.connections} connections, from {len(chats):,} people{who}")  # fmt: skip
    print(f"  sustained         {len(ok) / span:.1f} updates/s answered 200")
    print(f"  request → 200     {spread(to_200)}")
    print(f"  request → reply   {spread(to_reply)}   (target p99 < 50 ms)")
    twice = sum(1 for chat in chats if replies.get(chat, 0) > 1)
    print(f"  non-200 {len(chats) - len(ok)}   unanswered {len(chats) - len(to_reply)}   twice {twice}"
          "   (targets 0)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="updates a second (default 200)")
    parser.add_argument("--seconds", type=float, default=15.0, help="how long (default 15, at most 120)")
    parser.add_argument("--connections", type=int, default=40, help="connections at once (default 40)")
    parser.add_argument("--text", default="/today", help="what each person sends (default /today)")
    parser.add_argument(
        "--returning",
        action="store_true",
        help="everyone sends the same once before the measurement (not measured): the load is people "
        "who have been here before, not each one's first visit",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default=os.environ.get("BUILDSPEAK_TEST_DATABASE_URL"),
        help="a PostgreSQL server (a scratch database on it); default: SQLite",
    )
    arguments = parser.parse_args()
    arguments.seconds = min(arguments.seconds, MAX_SECONDS)
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        workdir = Path(folder)
        database = f"sqlite:///{workdir}/webhook.db"
        if arguments.postgres:
            database = stack.enter_context(scratch_postgres_database(arguments.postgres))
        api, control = stack.enter_context(fake_server(100_000.0))  # no overall limit to speak of
        url = stack.enter_context(bot_process(api, database, free_port(), workdir))
        asyncio.run(measure(url, control, arguments))


if __name__ == "__main__":
    main()
