"""Jobs a person has running now, so pressing a slow command twice does not run it twice."""

from __future__ import annotations

from collections.abc import Hashable


class InProgress:
    """Keys of the jobs under way. In memory: the bot is one process, and a restart ends every
    job anyway, so nothing here needs to outlive it."""

    def __init__(self) -> None:
        self._running: set[Hashable] = set()

    def start(self, key: Hashable) -> bool:
        """Mark `key` as running; False when it already is (the caller should not start it again)."""
        if key in self._running:
            return False
        self._running.add(key)
        return True

    def finish(self, key: Hashable) -> None:
        self._running.discard(key)
