"""What the runtime starts and stops: units with a name, and a lifespan that runs them in order."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

log = logging.getLogger(__name__)


class Unit(Protocol):
    """Something a process runs: started in order, stopped in reverse.

    `ended` is set by a unit that finishes by itself (the console chat when the person quits),
    which ends the whole process as a signal would. A unit may also have `halt()`, called on every
    unit at once when the stop begins: take in no new work.
    """

    name: str
    ended: asyncio.Event

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@asynccontextmanager
async def started(units: Sequence[Unit]) -> AsyncIterator[None]:
    """Start every unit in order; on leaving, stop the started ones in reverse.

    A unit that fails to start stops those before it and the error propagates: a process that
    cannot do what it was asked exits instead of running half of it.
    """
    running: list[Unit] = []
    try:
        for unit in units:
            await unit.start()
            running.append(unit)
            log.debug("started %s", unit.name)
        yield
    finally:
        for unit in reversed(running):
            try:
                await unit.stop()
            except Exception:
                log.exception("stopping %s failed", unit.name)


async def serve(
    units: Sequence[Unit], *, stop: asyncio.Event, on_started: Callable[[], None] | None = None
) -> None:
    """Run the units until `stop` is set or one of them ends by itself."""
    async with started(units):
        if on_started is not None:
            on_started()
        await _first_of(stop, *(unit.ended for unit in units))
        halt(units)


def halt(units: Sequence[Unit]) -> None:
    """The stop begins: every unit that takes in work (polling, the push's claims) stops taking it
    at once, before the units stop one by one; a backlog then costs no unit its share of the
    time a stop may take (`docker stop` kills after 10 s)."""
    for unit in units:
        halting = getattr(unit, "halt", None)
        if callable(halting):
            halting()


async def _first_of(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def stop_on_signals(stop: asyncio.Event, *, force: Callable[[int], object] = os._exit) -> None:
    """SIGTERM (docker stop, systemd) and SIGINT (Ctrl-C) end the lifespan in order; a second one
    quits at once, for when an orderly stop takes too long (what was in flight is then uncertain,
    as after a crash, and the next start handles it so)."""
    loop = asyncio.get_running_loop()

    def on_signal(number: int) -> None:
        if not stop.is_set():
            log.info("stopping (signal %d); send it again to quit at once", number)
            stop.set()
            return
        log.warning("second signal %d: quitting without waiting", number)
        force(128 + number)

    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, on_signal, number)
