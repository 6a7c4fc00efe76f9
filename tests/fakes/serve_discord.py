"""The fake Discord API as a process of its own, for benchmarks: a load test must not share a core
(or its memory figures) with the bot it measures.

    python -m tests.fakes.serve_discord --guilds 1 --channels 100 --per-channel 5/5 --global 50

prints `<base url> <control url>` on one line, then serves until killed. Point discord.py at it with
`Route.BASE = f"{base}/api/v10"` and `DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"{ws base}/gateway")`
(the base url with ws:// for http://). The control server answers JSON:

* GET <control url>/stats: messages accepted, 429s answered, channels with a message, and `duplicates`:
  messages whose content, embeds and components repeat an earlier one in the same channel.
* GET <control url>/world: the guilds, their text channels and members, to aim a broadcast at.
* GET <control url>/messages: every message held, so a benchmark can define duplicates its own way.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import socket
from collections import Counter
from typing import Any

from aiohttp import web

from tests.fakes.discord_api import FakeDiscordServer, StoredMessage


def _fingerprint(message: StoredMessage) -> str:
    return json.dumps([message.content, message.embeds, message.components], sort_keys=True)


def stats(fake: FakeDiscordServer) -> dict[str, int]:
    counts = fake.message_counts()
    repeats = 0
    for channel_id in counts:
        seen = Counter(_fingerprint(message) for message in fake.messages(channel_id))
        repeats += sum(count - 1 for count in seen.values())
    return {
        "accepted": sum(counts.values()),
        "rate_limited": fake.rate_limited_count,
        "channels": len(counts),
        "duplicates": repeats,
    }


def world(fake: FakeDiscordServer, guild_ids: list[int]) -> dict[str, Any]:
    guilds = []
    for guild_id in guild_ids:
        guild = fake.guild(guild_id)
        guilds.append(
            {
                "id": str(guild.id),
                "channels": [str(channel_id) for channel_id in guild.channel_ids],
                "members": [str(user_id) for user_id in guild.members],
            }
        )
    return {"application_id": str(fake.application_id), "guilds": guilds}


def messages(fake: FakeDiscordServer) -> list[dict[str, Any]]:
    return [
        {"channel_id": str(channel_id), **message.to_api(fake.url)}
        for channel_id in fake.message_counts()
        for message in fake.messages(channel_id)
    ]


def _limit(text: str) -> tuple[int, float]:
    """ "5/5" -> 5 requests per 5 seconds."""
    count, _, seconds = text.partition("/")
    return int(count), float(seconds or 1)


async def serve(arguments: argparse.Namespace) -> None:
    fake = FakeDiscordServer(
        heartbeat_interval=arguments.heartbeat,
        message_limit=_limit(arguments.per_channel),
        global_limit=arguments.global_limit or None,
    )
    await fake.start()
    guild_ids = []
    for number in range(arguments.guilds):
        guild = fake.add_guild(f"guild-{number}")
        for channel in range(arguments.channels):
            fake.add_text_channel(guild.id, f"channel-{channel}")
        for member in range(arguments.members):
            fake.add_member(guild.id, f"member-{number}-{member}")
        guild_ids.append(guild.id)
    control = web.Application()
    control.router.add_get("/stats", lambda request: web.json_response(stats(fake)))
    control.router.add_get("/world", lambda request: web.json_response(world(fake, guild_ids)))
    control.router.add_get("/messages", lambda request: web.json_response(messages(fake)))
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    print(fake.url, f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    # As in serve_telegram: a full collection over many stored messages stalls the loop, and requests
    # queued meanwhile are then counted at once, tripping a limit for a burst the bot never sent.
    gc.disable()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guilds", type=int, default=1, help="guilds the bot is in")
    parser.add_argument("--channels", type=int, default=10, help="text channels in each guild")
    parser.add_argument("--members", type=int, default=0, help="members in each guild besides owner and bot")
    parser.add_argument(
        "--per-channel", default="5/5", help="messages per seconds to one channel (429 above)"
    )
    parser.add_argument(
        "--global", dest="global_limit", type=int, default=50, help="requests a second; 0: none"
    )
    parser.add_argument("--heartbeat", type=float, default=41.25, help="gateway heartbeat interval, seconds")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
