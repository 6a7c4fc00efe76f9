"""Outboxes and tickets: a chat's sends in order, no chat held up by another, and a stop that leaves
what it could not send to the next start (its update unsettled)."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

from bot.delivery.outbox import Outboxes, Stopped
from bot.delivery.tickets import Tickets


def recorder(log: list[str], name: str, wait: asyncio.Event | None = None):
    async def job() -> None:
        if wait is not None:
            await wait.wait()
        log.append(name)

    return job


async def test_a_chats_jobs_run_in_order_and_a_slow_chat_holds_up_no_other() -> None:
    outboxes = Outboxes()
    sent: list[str] = []
    slow = asyncio.Event()
    outboxes.post("a", recorder(sent, "a1", slow))
    outboxes.post("a", recorder(sent, "a2"))
    outboxes.post("b", recorder(sent, "b1"))
    outboxes.post("b", recorder(sent, "b2"))
    for _ in range(5):
        await asyncio.sleep(0)
    assert sent == ["b1", "b2"], "chat a waits for its first send; chat b does not wait for a"
    slow.set()
    await outboxes.drained()
    assert sent == ["b1", "b2", "a1", "a2"]
    assert outboxes.busy == 0


async def test_an_update_settles_once_its_handling_and_every_send_have_ended() -> None:
    settled: list[Hashable] = []
    tickets = Tickets(settled.append)
    outboxes = Outboxes(tickets)
    release = asyncio.Event()
    tickets.open(7)  # the handler runs
    outboxes.post("chat", recorder([], "reply", release), ticket=7)
    outboxes.post(("answer", "q"), recorder([], "answer"), ticket=7)
    tickets.end(7)  # the handler returned at once
    await asyncio.sleep(0)
    assert settled == [], "the reply has not gone out yet"
    release.set()
    await outboxes.drained()
    assert settled == [7] and tickets.unsettled == 0

    tickets.open(8)
    tickets.end(8)
    assert settled == [7, 8], "an update that sends nothing is settled when its handler returns"


async def test_a_stop_gives_the_grace_then_sends_nothing_new_and_leaves_the_rest_unsettled() -> None:
    settled: list[Hashable] = []
    tickets = Tickets(settled.append)
    outboxes = Outboxes(tickets)
    sent: list[str] = []
    never = asyncio.Event()

    async def waits_for_a_token() -> None:  # a sender's wait, which a stop ends (see Resender)
        stop = asyncio.ensure_future(outboxes.stopping.wait())
        await asyncio.wait({stop, asyncio.ensure_future(never.wait())}, return_when=asyncio.FIRST_COMPLETED)
        raise Stopped("not sent")

    outboxes.post("a", recorder(sent, "a1"), ticket=1)
    outboxes.post("b", waits_for_a_token, ticket=2)
    outboxes.post("b", recorder(sent, "b2"), ticket=3)
    left = await outboxes.close(grace=0.05)
    assert sent == ["a1"] and settled == [1]
    assert left == 2, "b's job that was stopped and the one behind it"
    outboxes.post("c", recorder(sent, "c1"), ticket=4)
    await asyncio.sleep(0)
    assert sent == ["a1"] and settled == [1], "closed: a late job is not run and its update not settled"
