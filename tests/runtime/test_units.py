"""The lifespan: units start in order and stop in reverse, whatever ends it."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from bot.runtime.units import serve, started, stop_on_signals


class Recorded:
    def __init__(self, name: str, journal: list[str], *, fail_start: bool = False) -> None:
        self.name = name
        self.journal = journal
        self.fail_start = fail_start
        self.ended = asyncio.Event()

    async def start(self) -> None:
        if self.fail_start:
            raise RuntimeError(f"{self.name} cannot start")
        self.journal.append(f"start {self.name}")

    async def stop(self) -> None:
        self.journal.append(f"stop {self.name}")


async def test_units_stop_in_reverse_when_asked() -> None:
    journal: list[str] = []
    stop = asyncio.Event()
    units = [Recorded(name, journal) for name in ("worker", "connection", "push")]
    serving = asyncio.create_task(serve(units, stop=stop, on_started=lambda: journal.append("serving")))
    await asyncio.sleep(0.01)
    stop.set()
    await serving
    starts = ["start worker", "start connection", "start push"]
    stops = ["stop push", "stop connection", "stop worker"]
    assert journal == [*starts, "serving", *stops]


class Intake(Recorded):
    """A unit that takes in work (polling, the push's claims): told to stop taking it at once."""

    def halt(self) -> None:
        self.journal.append(f"halt {self.name}")


async def test_at_the_stop_every_unit_that_takes_in_work_halts_at_once_before_any_stops() -> None:
    journal: list[str] = []
    stop = asyncio.Event()
    units = [Recorded("worker", journal), Intake("telegram", journal), Intake("push", journal)]
    serving = asyncio.create_task(serve(units, stop=stop))
    await asyncio.sleep(0.01)
    stop.set()
    await serving
    after = journal[3:]
    assert after == ["halt telegram", "halt push", "stop push", "stop telegram", "stop worker"]


async def test_a_unit_that_ends_by_itself_ends_the_lifespan() -> None:
    journal: list[str] = []
    chat = Recorded("console", journal)
    serving = asyncio.create_task(serve([Recorded("worker", journal), chat], stop=asyncio.Event()))
    await asyncio.sleep(0.01)
    chat.ended.set()  # the person typed /quit
    await asyncio.wait_for(serving, 1)
    assert journal[-2:] == ["stop console", "stop worker"]


async def test_a_unit_that_cannot_start_stops_those_before_it() -> None:
    journal: list[str] = []
    units = [
        Recorded("worker", journal),
        Recorded("connection", journal, fail_start=True),
        Recorded("push", journal),
    ]
    with pytest.raises(RuntimeError, match="cannot start"):
        async with started(units):
            journal.append("serving")
    assert journal == ["start worker", "stop worker"]


async def test_the_first_signal_stops_in_order_and_a_second_quits_at_once() -> None:
    stop = asyncio.Event()
    forced: list[int] = []
    stop_on_signals(stop, force=forced.append)
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(stop.wait(), 1)
        assert forced == []
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100):
            if forced:
                break
            await asyncio.sleep(0.01)
        assert forced == [128 + signal.SIGTERM]
    finally:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(number)
