"""A push run: find who is due, claim, send concurrently within the limits, settle in the ledger.

The pipeline has three parts joined by a bounded queue:

* the producer pages through due subscribers (keyset, `batch_size` rows at a time) and claims
  them in small transactions, only while the in-flight window has room;
* `max_in_flight` workers send, each retrying its own message, so a slow chat stalls nobody;
* the settler writes outcomes in batches and frees their window slots.

The crash policy: a claim is marked `sending` just before its first request goes out
(`send_start`). Once a killed worker's heartbeat has expired (`take_over_dead_claims`), its
claims still waiting for their turn are sent again by whoever takes over, and only those marked
(the requests under way at the kill, at most `max_in_flight` and in practice a handful) are
uncertain. Those are **not re-sent**: a push is a reminder the subscriber can always get again
with /today, while a second copy of a lesson would look broken; the count shows in
`buildspeak push status`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlmodel import Session

from bot.clock import Clock
from bot.core.messages import Reply
from bot.core.timezones import zone_of
from bot.delivery.database_thread import DatabaseThread
from bot.delivery.errors import DeliveryError, RecipientGone, RecipientMoved, SlowDown, TemporaryFailure
from bot.delivery.retry import RetryPolicy
from bot.delivery.send_start import ClaimTakenOver, FirstSend, SendMarks, ledger_marks, sending_for
from bot.observability.metrics import Metrics
from bot.storage import push_ledger
from bot.storage.push_ledger import Claim, DueSubscriber, Settlement
from bot.storage.tables import PushKind, PushState

log = logging.getLogger(__name__)
T = TypeVar("T")
Database = Callable[..., Awaitable[Any]]  # runs a ledger function with a session, off the event loop


class PushSender(Protocol):
    """A platform adapter's side of the push: send to a chat, paced, or raise a `DeliveryError`."""

    platform: str
    # Whether a group's members can each be answered alone (Discord's ephemeral replies): then a
    # group's quiz is one post that starts each member's own, rather than polls for everyone.
    answers_members_alone: bool

    async def push(self, chat_id: str, chat_kind: str, replies: Sequence[Reply]) -> str | None:
        """Send the replies; return the platform's id of the message sent. On a 429 the adapter
        pauses its own pacer before raising `SlowDown`, so every send waits, not just this one."""
        ...


class PushContent(Protocol):
    """What one kind of push sends (the day's lesson, a learner's quiz), asked per claimed subscriber.

    A content may also have `ledger_date(local_date) -> date`: the date its ledger rows carry in
    place of the subscriber's local date (an admin's broadcast is dated by itself, so each goes to
    each subscriber once however many go out in a day)."""

    kind: PushKind

    def content_id(self, local_date: dt.date) -> str | None:
        """What this kind pushes on a local date (recorded in the ledger), or None: nothing that day."""
        ...

    async def prepare(self, platform: str, local_date: dt.date, page: Sequence[DueSubscriber]) -> None:
        """A page of due subscribers is about to be claimed: work out their messages together, in a
        few queries rather than a few per subscriber (a quiz's are each learner's own)."""
        ...

    async def replies(self, claim: Claim) -> Sequence[Reply]:
        """The messages for one claimed subscriber; none means nothing for them today (skipped)."""
        ...


@dataclass(frozen=True)
class PushConfig:
    max_in_flight: int = 64  # claimed and not yet settled: the most a crash can leave uncertain
    batch_size: int = 500  # due subscribers read per query
    flush_every: float = 0.2  # seconds between ledger writes
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    worker_timeout: float = 30.0  # seconds without a heartbeat before a worker's claims are taken over

    def __post_init__(self) -> None:
        if self.max_in_flight < 1 or self.batch_size < 1 or self.flush_every <= 0:
            raise ValueError("max_in_flight and batch_size must be positive, flush_every > 0")


@dataclass
class RunReport:
    """What one run did; printed by `push now` and logged by the scheduler."""

    dry_run: bool = False
    due: dict[str, int] = field(default_factory=dict)  # "Asia/Shanghai 2026-11-22" -> due now
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    skipped: int = 0  # nothing to send them today
    released: int = 0  # claimed, then handed back unsent at shutdown
    rate_limited: int = 0  # 429 answers honoured
    retried: int = 0  # network errors and 5xx retried

    @property
    def settled(self) -> int:
        return self.sent + self.failed + self.blocked + self.skipped

    def count(self, settlement: Settlement) -> None:
        if settlement.state is PushState.SENT:
            self.sent += 1
        elif settlement.state is PushState.BLOCKED:
            self.blocked += 1
        elif settlement.state is PushState.SKIPPED:
            self.skipped += 1
        else:
            self.failed += 1


async def _next_or_failure(ready: asyncio.Queue[T], reader: asyncio.Task[None]) -> T:
    """The next item the reader queued; if the reader failed instead, its exception."""
    getting = asyncio.ensure_future(ready.get())
    await asyncio.wait({getting, reader}, return_when=asyncio.FIRST_COMPLETED)
    if not getting.done() and reader.done() and reader.exception() is not None:
        getting.cancel()
        raise reader.exception()  # type: ignore[misc]
    return await getting  # the reader's last item (None) is queued before it ends


class _Window:
    """Slots for claims not yet settled in the database."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.used = 0
        self._changed = asyncio.Condition()

    async def take(self, wanted: int) -> int:
        """Wait for room for a reasonable chunk (not one slot at a time), then take up to `wanted`."""
        enough = min(wanted, max(1, self.size // 4))
        async with self._changed:
            await self._changed.wait_for(lambda: self.size - self.used >= enough)
            taken = min(wanted, self.size - self.used)
            self.used += taken
            return taken

    async def give_back(self, count: int) -> None:
        if count:
            async with self._changed:
                self.used -= count
                self._changed.notify_all()


class Pusher:
    """Runs one kind of push on one platform: `run_once()` on every tick.

    `worker_id` is the process's row in the workers table (its heartbeat keeps its claims its
    own); claims are stamped with it.
    """

    def __init__(
        self,
        *,
        sender: PushSender,
        content: PushContent,
        sessions: Callable[[], Session],
        clock: Clock,
        config: PushConfig | None = None,
        worker_id: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        metrics: Metrics | None = None,
    ) -> None:
        self.sender = sender
        self.metrics = metrics
        self.content = content
        self.sessions = sessions
        self.clock = clock
        self.config = config or PushConfig()
        self.run_id = worker_id or uuid.uuid4().hex
        self._sleep = sleep
        self._rand = rand
        self._one_run = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._database = DatabaseThread(sessions, name="push-ledger")

    async def recover(self) -> push_ledger.TakenOver:
        """Take over what dead workers left on this platform: their claims that never left are sent
        again by this run, those under way become uncertain (not re-sent).

        Run before every broadcast: a worker may die while others run on. A live worker's claims,
        however long its sends take, are left alone.
        """
        now = self.clock.now()
        live_since = now - dt.timedelta(seconds=self.config.worker_timeout)
        taken: push_ledger.TakenOver = await self._db(
            push_ledger.take_over_dead_claims, platform=self.sender.platform, live_since=live_since, now=now
        )
        if taken.resent:
            log.info("%d push(es) a dead worker had claimed but not sent: sending them now", taken.resent)
        if taken.uncertain:
            log.warning(
                "%d push(es) were in flight when a worker died: marked uncertain, not re-sent",
                taken.uncertain,
            )
        return taken

    async def run_once(self, *, dry_run: bool = False) -> RunReport:
        """Push to everyone due now; with `dry_run`, only count them."""
        async with self._one_run:
            report = RunReport(dry_run=dry_run)
            if self._stopping.is_set():
                return report
            if dry_run:
                await self._count_due(report)
            else:
                await self.recover()
                await self._broadcast(report)
            if report.settled or report.released:
                log.info(
                    "%s push run: %d sent, %d failed, %d blocked, %d skipped, %d released, "
                    "%d rate-limited, %d retried",
                    self.content.kind.value, report.sent, report.failed, report.blocked, report.skipped,
                    report.released, report.rate_limited, report.retried,
                )  # fmt: skip
            return report

    def halt(self) -> None:
        """Claim nothing more; sends under way go on (`stop` waits for them)."""
        self._stopping.set()

    async def stop(self) -> None:
        """Stop claiming; sends under way finish, queued ones are handed back for the next start."""
        self.halt()
        async with self._one_run:
            self._database.close()

    async def _broadcast(self, report: RunReport) -> None:
        window = _Window(self.config.max_in_flight)
        queue: asyncio.Queue[Claim | None] = asyncio.Queue()
        settler = _Settler(self._db, self.clock, window, report)
        flushing = asyncio.create_task(settler.run(self.config.flush_every))
        marks = ledger_marks(self._db, self.run_id)
        workers = [
            asyncio.create_task(self._work(queue, settler, marks, report))
            for _ in range(self.config.max_in_flight)
        ]
        try:
            await self._produce(window, queue, report)
        finally:
            for _ in workers:
                queue.put_nowait(None)
            await asyncio.gather(*workers, return_exceptions=True)
            settler.closing = True
            await flushing

    async def _due_pages(self, report: RunReport) -> AsyncIterator[tuple[dt.date, str, list[DueSubscriber]]]:
        """(local date, content id, page of due subscribers) for every timezone, a page at a time."""
        zones = await self._db(push_ledger.active_timezones, platform=self.sender.platform)
        for zone in zones:
            try:
                local = self.clock.now().astimezone(zone_of(zone))
            except ValueError:
                log.error("subscribers have an unknown timezone %r; skipping them", zone)
                continue
            content_id = self.content.content_id(local.date())
            if content_id is None:
                continue
            day = self._ledger_date(local.date())
            after = 0
            while not self._stopping.is_set():
                page: list[DueSubscriber] = await self._db(
                    push_ledger.due_batch,
                    platform=self.sender.platform,
                    timezone=zone,
                    local_date=day,
                    local_time=local.time().replace(tzinfo=None),
                    after_id=after,
                    limit=self.config.batch_size,
                    kind=self.content.kind,
                )
                if not page:
                    break
                key = f"{zone} {local.date()}"
                report.due[key] = report.due.get(key, 0) + len(page)
                yield day, content_id, page
                after = page[-1].id

    def _ledger_date(self, local_date: dt.date) -> dt.date:
        """The date this push's ledger rows carry: the subscriber's local date, unless the content
        dates them itself (`ledger_date`: an admin's broadcast, once per broadcast, not per day)."""
        dated = getattr(self.content, "ledger_date", None)
        return dated(local_date) if callable(dated) else local_date

    async def _count_due(self, report: RunReport) -> None:
        async for _ in self._due_pages(report):
            pass

    async def _produce(self, window: _Window, queue: asyncio.Queue[Claim | None], report: RunReport) -> None:
        """Claim page after page. The next page is read, and its messages worked out by the content
        (a quiz's take a fraction of a second a page), while this one's are claimed and sent: the
        sends never wait for the database between pages."""
        ready: asyncio.Queue[tuple[dt.date, str, list[DueSubscriber]] | None] = asyncio.Queue(maxsize=1)

        async def read_ahead() -> None:
            async for local_date, content_id, page in self._due_pages(report):
                await self.content.prepare(self.sender.platform, local_date, page)
                await ready.put((local_date, content_id, page))
            await ready.put(None)

        reader = asyncio.create_task(read_ahead())
        try:
            while (item := await _next_or_failure(ready, reader)) is not None:
                await self._claim_page(window, queue, *item)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _claim_page(
        self,
        window: _Window,
        queue: asyncio.Queue[Claim | None],
        local_date: dt.date,
        content_id: str,
        page: list[DueSubscriber],
    ) -> None:
        while page and not self._stopping.is_set():
            taken = await window.take(len(page))
            chunk, page = page[:taken], page[taken:]
            claims = await self._db(
                push_ledger.claim,
                chunk,
                local_date=local_date,
                content_id=content_id,
                run_id=self.run_id,
                now=self.clock.now(),
                kind=self.content.kind,
            )
            await window.give_back(taken - len(claims))  # someone else had those
            for item in claims:
                queue.put_nowait(item)

    async def _work(
        self, queue: asyncio.Queue[Claim | None], settler: _Settler, marks: SendMarks, report: RunReport
    ) -> None:
        while (item := await queue.get()) is not None:
            first = FirstSend(marks, item.delivery_id)
            outcome = None if self._stopping.is_set() else await self._deliver(item, first, report)
            if outcome is None:
                settler.release(item)
            else:
                settler.add(outcome)
                self._count(item, outcome)

    async def _deliver(self, item: Claim, first: FirstSend, report: RunReport) -> Settlement | None:
        """Send one claimed push, retrying what is worth retrying; returns how it ended, or None when
        a shutdown came while it waited to retry (handed back: the next start sends it) or another
        worker took the claim over before it went (theirs now)."""
        tries = _Tries(item)
        chat_id = item.subscriber.chat_id
        while True:
            tries.attempts += 1
            try:
                replies = await self.content.replies(item)
                if not replies:
                    return tries.ended(PushState.SKIPPED)
                with sending_for(first):
                    message_id = await self.sender.push(chat_id, item.subscriber.chat_kind, replies)
                return tries.ended(PushState.SENT, message_id=message_id)
            except ClaimTakenOver as error:
                log.warning("%s; not sending it", error)
                return None
            except RecipientGone as error:
                return tries.ended(PushState.BLOCKED, error.reason)
            except RecipientMoved as error:
                if chat_id != item.subscriber.chat_id:  # moved twice in one send: something is off
                    return tries.ended(PushState.FAILED, error.reason)
                chat_id = error.new_chat_id
                await self._follow(item.subscriber, chat_id)
            except (SlowDown, TemporaryFailure) as error:
                if given_up := self._give_up(tries, error, report):
                    return given_up
                if self._stopping.is_set():  # not sent: handed back, the next start sends it
                    return None
                if isinstance(error, TemporaryFailure):
                    delay = self.config.retry.backoff(tries.failures, self._rand)
                    if await self._stopped_during(delay):
                        return None
            except DeliveryError as error:
                return tries.ended(PushState.FAILED, error.reason)
            except Exception as error:  # a bug must not leave the claim hanging: record it
                log.exception("push to subscriber %s failed unexpectedly", item.subscriber.id)
                return tries.ended(PushState.FAILED, f"unexpected error: {error!r}"[:500])

    def _count(self, item: Claim, outcome: Settlement) -> None:
        """Messages by outcome, and how late a sent one went out after its subscriber's time."""
        if self.metrics is None:
            return
        platform, kind = self.sender.platform, item.kind.value
        self.metrics.messages.labels(platform, kind, outcome.state.value).inc()
        due = due_moment(item)
        if outcome.state is PushState.SENT and due is not None:
            lag = (self.clock.now() - due).total_seconds()
            self.metrics.push_lag.labels(platform, kind).observe(max(0.0, lag))

    async def _follow(self, subscriber: DueSubscriber, chat_id: str) -> None:
        """Store a group's new chat id (it became a supergroup), so today's retry and every later
        push go there."""
        now = self.clock.now()
        await self._db(push_ledger.move_chat, subscriber_id=subscriber.id, chat_id=chat_id, now=now)

    def _give_up(
        self, tries: _Tries, error: SlowDown | TemporaryFailure, report: RunReport
    ) -> Settlement | None:
        """A 429 waits in the pacer (the adapter paused it); a network error or 5xx backs off before
        the retry. Either has a budget, after which the push is recorded as failed, never retried forever."""
        policy = self.config.retry
        if isinstance(error, SlowDown):
            tries.slowdowns += 1
            report.rate_limited += 1
            if tries.slowdowns >= policy.rate_limited_attempts:
                return tries.ended(PushState.FAILED, f"rate limited {tries.slowdowns} times: {error.reason}")
            return None
        tries.failures += 1
        if tries.failures >= policy.attempts:
            return tries.ended(PushState.FAILED, f"gave up after {tries.failures} tries: {error.reason}")
        report.retried += 1
        return None

    async def _stopped_during(self, seconds: float) -> bool:
        """Sleep `seconds`, or less if a shutdown comes first (a backoff may be a minute long)."""
        sleeping = asyncio.ensure_future(self._sleep(seconds))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({sleeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            stopping.cancel()
        return self._stopping.is_set()

    async def _db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Ledger work runs on one thread of its own: the event loop keeps sending meanwhile."""
        return await self._database.run(function, *args, **kwargs)


def due_moment(item: Claim) -> dt.datetime | None:
    """When a claimed push fell due: its date at the subscriber's time, in their timezone."""
    due_time, zone = item.subscriber.due_time, item.subscriber.timezone
    if due_time is None or not zone:
        return None
    try:
        return dt.datetime.combine(item.local_date, due_time, tzinfo=zone_of(zone))
    except ValueError:
        return None


@dataclass
class _Tries:
    """One push's attempts so far."""

    item: Claim
    attempts: int = 0  # sends tried, whatever became of them
    failures: int = 0  # network errors and 5xx
    slowdowns: int = 0  # 429s

    def ended(self, state: PushState, reason: str | None = None, message_id: str | None = None) -> Settlement:
        return Settlement(
            self.item.delivery_id, self.item.subscriber.id, state, self.attempts, reason, message_id
        )


class _Settler:
    """Collects outcomes and writes them in batches, freeing their window slots once stored."""

    def __init__(self, db: Database, clock: Clock, window: _Window, report: RunReport) -> None:
        self.db = db
        self.clock = clock
        self.window = window
        self.report = report
        self.closing = False
        self._settled: list[Settlement] = []
        self._released: list[int] = []

    def add(self, settlement: Settlement) -> None:
        if settlement.state is PushState.FAILED:
            log.warning("push %s failed: %s", settlement.delivery_id, settlement.reason)
        self._settled.append(settlement)

    def release(self, item: Claim) -> None:
        self._released.append(item.delivery_id)

    async def run(self, every: float) -> None:
        while not self.closing:
            await asyncio.sleep(every)
            await self.flush()
        await self.flush()

    async def flush(self) -> None:
        settled, self._settled = self._settled, []
        released, self._released = self._released, []
        if settled:
            await self.db(push_ledger.settle, settled, now=self.clock.now())
            for settlement in settled:
                self.report.count(settlement)
        if released:
            await self.db(push_ledger.release, released)
            self.report.released += len(released)
        await self.window.give_back(len(settled) + len(released))
