"""Which received updates are still being answered, so the inbox settles each once it truly is.

An update is answered when its handler has returned and every send it handed to an outbox has
gone out (or ended in the apology). Handlers return in milliseconds and the sends follow later,
paced, so neither moment alone says it; a ticket counts both. A ticket that never settles (a stop
came first, or a crash) leaves its update pending in the inbox, for the next start to answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable


class Tickets:
    """Open when handling starts, one more per posted send, settled when all have ended."""

    def __init__(self, on_settled: Callable[[Hashable], None]) -> None:
        self._on_settled = on_settled
        self._open: dict[Hashable, int] = {}

    def open(self, ticket: Hashable) -> None:
        """Handling of the update begins (it counts as the first thing to wait for)."""
        self.add(ticket)

    def add(self, ticket: Hashable) -> None:
        """One more send to wait for."""
        self._open[ticket] = self._open.get(ticket, 0) + 1

    def end(self, ticket: Hashable) -> None:
        """The handling, or one send, has ended; the last to end settles the ticket."""
        left = self._open.get(ticket, 0) - 1
        if left > 0:
            self._open[ticket] = left
            return
        self._open.pop(ticket, None)
        self._on_settled(ticket)

    @property
    def unsettled(self) -> int:
        return len(self._open)
