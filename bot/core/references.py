"""The core's store of platform references, the one way adapters remember things between messages.

An adapter that must remember what the platform handed back (Telegram's file id for an uploaded
audio; next, a quiz poll's id, a Discord message id) asks this store, never the storage modules:
the core decides where such things live. Its reads and writes run in a worker thread, so the
event loop that paces sends never waits on the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlmodel import Session

from bot.clock import Clock
from bot.storage import references

AUDIO_FILE = "audio-file"  # key: the audio's content hash; value: the platform's file id
POLL = "poll"  # key: the platform's poll id; value: what the poll asks (for its answers)
MESSAGE = "message"  # key: ours (a push, a lesson post); value: the platform's message id
CHANNEL = "channel"  # key: a subscribed chat (a Discord server); value: the channel its posts go to
THREAD = "thread"  # key: a subscribed chat (a Discord server); value: the thread under its latest post
SET_UP_BY = "set-up-by"  # key: a subscribed chat (a Discord server); value: the admin who last set it up
DM = "dm"  # key: a person's platform id (a Discord user); value: the bot's direct-message channel with them


class References:
    def __init__(self, sessions: Callable[[], Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def recall(self, platform: str, kind: str, key: str) -> str | None:
        return await asyncio.to_thread(self._recall, platform, kind, key)

    async def remember(self, platform: str, kind: str, key: str, value: str) -> None:
        await asyncio.to_thread(self._remember, platform, kind, key, value)

    async def replace(self, platform: str, kind: str, key: str, value: str) -> None:
        """Keep `value` whatever was there: for what changes (the thread under a server's latest post)."""
        await asyncio.to_thread(self._replace, platform, kind, key, value)

    def _replace(self, platform: str, kind: str, key: str, value: str) -> None:
        with self._sessions() as session:
            now = self._clock.now()
            references.replace(session, platform=platform, kind=kind, key=key, value=value, now=now)

    def _recall(self, platform: str, kind: str, key: str) -> str | None:
        with self._sessions() as session:
            return references.recall(session, platform=platform, kind=kind, key=key)

    def _remember(self, platform: str, kind: str, key: str, value: str) -> None:
        with self._sessions() as session:
            now = self._clock.now()
            references.remember(session, platform=platform, kind=kind, key=key, value=value, now=now)
