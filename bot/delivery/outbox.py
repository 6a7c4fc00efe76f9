"""Per-chat outboxes: a handler hands its sends over and returns; the pacer decides when they go.

A platform answers an update (a message, a button press) in a slot of its own, and has a few
(PTB: 16). Were a handler to wait for the rate limiter itself, a chat's one-second gap would hold
a slot for a second, and 16 such chats would cap the whole bot at about 16 updates a second
however many tokens were free. Here each chat (any key: a chat id, a callback's answer) has a queue
of jobs that one task runs in order, so a chat's messages keep their order, other chats are not
held up, and the wait for a token happens in that task, never in a handler's slot.

A job is a coroutine function that makes the platform calls for one update (its sends, each paced
and retried by a `Resender`). A stop gives the queues a grace period, then tells the senders to
start nothing new: jobs still queued are left unrun, and their updates pending in the inbox.
A job runs under the request id of the update that posted it, so its log lines name that update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

from bot.delivery.send_start import ClaimTakenOver, FirstSend, sending_for
from bot.delivery.tickets import Tickets
from bot.observability.requests import current_request_id, request_scope

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[None]]
FINISH_IN_FLIGHT = 3.0  # seconds a stop waits for calls already on the wire, after the grace


__all__ = ["ClaimTakenOver", "Outboxes", "Stopped"]


class Stopped(Exception):
    """The outboxes are closing: the send was not made, and its update stays for the next start."""


class Outboxes:
    """`post(chat, job)` queues; one task per busy chat runs its jobs in order.

    `stopping` is set when a stop's grace is over; senders (`Resender`) watch it so that nothing
    new goes out after it, while a call already on the wire is allowed to finish.
    """

    def __init__(
        self, tickets: Tickets | None = None, *, first_send: Callable[[int], FirstSend] | None = None
    ) -> None:
        self.tickets = tickets
        # An update's mark before its first reply goes out (the inbox's), so that a worker taking
        # over a dead one's updates answers none twice.
        self.first_send = first_send
        self.stopping = asyncio.Event()
        self._queues: dict[Hashable, deque[tuple[Job, Hashable | None, str]]] = {}
        self._drainers: dict[Hashable, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False

    def post(self, chat: Hashable, job: Job, *, ticket: Hashable | None = None) -> None:
        """Queue `job` behind the chat's earlier ones; `ticket` (an update) waits for it. Once
        closed, the job is dropped and its ticket never settles: the next start answers it."""
        if ticket is not None and self.tickets is not None:
            self.tickets.add(ticket)
        if self._closed:
            log.info("outbox closed: a send to %s is left to the next start", chat)
            return
        self._queues.setdefault(chat, deque()).append((job, ticket, current_request_id()))
        self._idle.clear()
        if chat not in self._drainers:
            self._drainers[chat] = asyncio.create_task(self._drain(chat), name="outbox")

    @property
    def busy(self) -> int:
        """Chats with jobs queued or running."""
        return len(self._drainers)

    async def drained(self) -> None:
        """Until no job is queued or running."""
        await self._idle.wait()

    async def close(self, grace: float) -> int:
        """Stop taking jobs; let the queues run for `grace` seconds, then start nothing new, let calls
        on the wire finish (briefly) and cancel what is left. Returns the jobs left unrun."""
        self._closed = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, grace)):
                await self.drained()
        self.stopping.set()
        drainers = list(self._drainers.values())
        if drainers:
            _, late = await asyncio.wait(drainers, timeout=FINISH_IN_FLIGHT)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        return sum(len(queue) for queue in self._queues.values())

    async def _drain(self, chat: Hashable) -> None:
        queue = self._queues[chat]
        try:
            while queue and not self.stopping.is_set():
                job, ticket, request = queue[0]
                with request_scope(request), self._marking(ticket):
                    ran = await self._run(chat, job)
                if not ran:
                    break  # stopped: the job stays queued, unfinished
                queue.popleft()
                if ticket is not None and self.tickets is not None:
                    self.tickets.end(ticket)
        finally:
            if not queue:
                self._queues.pop(chat, None)
            del self._drainers[chat]
            if not self._drainers:
                self._idle.set()

    def _marking(self, ticket: Hashable | None) -> contextlib.AbstractContextManager[None]:
        """The job's sends are its update's replies: the first marks the update as being answered."""
        if self.first_send is None or not isinstance(ticket, int):
            return contextlib.nullcontext()
        return sending_for(self.first_send(ticket))

    @staticmethod
    async def _run(chat: Hashable, job: Job) -> bool:
        """Run one job; False when a stop kept it from finishing (its update is not answered)."""
        try:
            await job()
        except Stopped:
            return False
        except ClaimTakenOver as error:  # another worker answers this update; nothing is sent
            log.warning("%s; not answering it here", error)
        except Exception:  # the job handles its own failures; this is a bug's last net
            log.exception("a send to %s failed unexpectedly", chat)
        return True
