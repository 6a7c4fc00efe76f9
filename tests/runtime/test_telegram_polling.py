"""How updates are processed: a ticket per update, held while its handler runs, and quick slots that
a slow handler gives up, so quick handlers never wait behind slow ones."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

from telegram import Update

from bot.delivery.tickets import Tickets
from bot.runtime.telegram_polling import TicketedUpdates


def update(update_id: int) -> Update:
    return Update(update_id)


async def test_a_slow_handler_gives_its_quick_slot_to_the_next_update() -> None:
    processor = TicketedUpdates(16, Tickets(lambda ticket: None), quick=1, quick_for=0.05)
    finished: list[str] = []
    slow_may_end = asyncio.Event()

    async def slow() -> None:  # a model's answer
        await slow_may_end.wait()
        finished.append("slow")

    async def quick() -> None:
        finished.append("quick")

    slow_one = asyncio.create_task(processor.process_update(update(1), slow()))
    await asyncio.sleep(0)
    await asyncio.wait_for(processor.process_update(update(2), quick()), 1.0)
    assert finished == ["quick"], "the slow handler let its slot go after quick_for"
    slow_may_end.set()
    await slow_one
    assert finished == ["quick", "slow"]


async def test_quick_handlers_beyond_the_quick_slots_wait_their_turn() -> None:
    processor = TicketedUpdates(16, Tickets(lambda ticket: None), quick=2, quick_for=10.0)
    running = 0
    most = 0

    async def handler() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1

    await asyncio.gather(*(processor.process_update(update(n), handler()) for n in range(8)))
    assert most == 2


async def test_the_ticket_settles_when_the_handler_returns_and_not_when_it_is_cut_short() -> None:
    settled: list[Hashable] = []
    processor = TicketedUpdates(16, Tickets(settled.append), quick=2)

    async def handler() -> None:
        pass

    async def endless() -> None:
        await asyncio.Event().wait()

    await processor.process_update(update(7), handler())
    assert settled == [7]
    cut = asyncio.create_task(processor.process_update(update(8), endless()))
    await asyncio.sleep(0.01)
    cut.cancel()  # a stop that did not wait for it
    await asyncio.gather(cut, return_exceptions=True)
    assert settled == [7], "update 8 stays pending in the inbox, for the next start"
