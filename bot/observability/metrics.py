"""The bot's Prometheus metrics, in a registry of their own that the composition root creates.

Why a registry per `Metrics` rather than prometheus-client's global one: nothing is created at
import, two bots in one test process don't share counters, and `/metrics` shows exactly ours.
Every component that counts takes a `Metrics` (or None, and then counts nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from functools import partial
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)
S = TypeVar("S")

# Outcomes of a message the bot sent or tried to send.
SENT, FAILED, BLOCKED, SKIPPED = "sent", "failed", "blocked", "skipped"
REPLY = "reply"  # the kind of a message answering someone (the push's are lesson, quiz, broadcast)

# Seconds: a handler takes milliseconds, a model's answer seconds.
HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Seconds from a push being due to its being sent: a broadcast to many takes minutes.
LAG_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0)
LLM_BUCKETS = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)


class Metrics:
    """What `/metrics` shows. Labels are small fixed sets (platform, kind, command, outcome),
    never a chat or a user: a label per person would grow without end."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.messages = Counter(
            "buildspeak_messages",
            "Messages the bot sent or tried to send, by platform, kind (lesson, quiz, broadcast, "
            "reply) and outcome (sent, failed, blocked, skipped)",
            ["platform", "kind", "outcome"],
            registry=self.registry,
        )
        self.push_lag = Histogram(
            "buildspeak_push_lag_seconds",
            "From a push being due (the subscriber's local time) to its being sent",
            ["platform", "kind"],
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "buildspeak_handler_seconds",
            "Time the conversation core took to handle one update, by command: a command's name, "
            "or text, button, poll_answer, removed, returned, unknown_command",
            ["command"],
            buckets=HANDLER_BUCKETS,
            registry=self.registry,
        )
        self.updates = Counter(
            "buildspeak_updates", "Updates received from a platform", ["platform"], registry=self.registry
        )
        self.llm_calls = Counter(
            "buildspeak_llm_calls",
            "Questions put to the language model, by outcome: ok (it answered), error or timeout "
            "(the explainer's deadline passed); after either, the offline explainer answered instead",
            ["outcome"],
            registry=self.registry,
        )
        self.llm_seconds = Histogram(
            "buildspeak_llm_seconds",
            "Time to the model's answer or failure, its client's retries included",
            buckets=LLM_BUCKETS,
            registry=self.registry,
        )
        self.audio = Counter(
            "buildspeak_audio",
            "Audio files asked for, by source (gtts, offline: synthesized; cached: found on disk; none)",
            ["source"],
            registry=self.registry,
        )

    def watch(self, collector: Collector) -> None:
        """Add a collector read at every scrape (counts that live in the database)."""
        self.registry.register(collector)

    def count_message(self, platform: str, kind: str, outcome: str) -> None:
        self.messages.labels(platform, kind, outcome).inc()

    def count_audio(self, source: str) -> None:
        """An `on_audio` observer for the synthesizer (gtts, offline, cached, none)."""
        self.audio.labels(source).inc()


def reply_counter(metrics: Metrics | None, platform: str) -> Callable[[str], None] | None:
    """What a platform's reply sends are told each message's end with (sent, blocked, failed),
    counted as kind "reply": adapters get this callable, not the metrics (they only translate)."""
    return None if metrics is None else partial(metrics.count_message, platform, REPLY)


class SubscriberGauge(Collector):
    """Active subscribers per platform, counted in the database at scrape time: right whichever
    worker is scraped, and nothing to keep in step.

    `sessions` opens a session, `count` reads the counts with it (one query). A database that
    does not answer leaves the gauge out of that scrape, logged, instead of failing `/metrics`.
    """

    def __init__(
        self, sessions: Callable[[], AbstractContextManager[S]], count: Callable[[S], Mapping[str, int]]
    ) -> None:
        self._sessions = sessions
        self._count = count

    def describe(self) -> Iterable[GaugeMetricFamily]:
        """The gauge's name, for the registry's clash check, without a query at registration."""
        yield _subscriber_family()

    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            with self._sessions() as session:
                counts = self._count(session)
        except Exception:
            log.exception("counting active subscribers for /metrics failed")
            return
        family = _subscriber_family()
        for platform, number in sorted(counts.items()):
            family.add_metric([platform], number)
        yield family


def _subscriber_family() -> GaugeMetricFamily:
    return GaugeMetricFamily(
        "buildspeak_active_subscribers", "Active subscriptions per platform", labels=["platform"]
    )
