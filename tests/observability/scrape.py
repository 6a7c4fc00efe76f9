"""What `/metrics` would show, parsed back the way Prometheus reads it."""

from __future__ import annotations

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.observability.metrics import Metrics


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of the exposition text, by name and labels."""
    text = generate_latest(metrics.registry).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(metrics: Metrics, name: str, **labels: str) -> float:
    """One sample's value; 0 when it is not shown (nothing counted under those labels yet)."""
    return samples(metrics).get((name, frozenset(labels.items())), 0.0)


def label_values(metrics: Metrics, name: str, label: str) -> set[str]:
    """The values a label has among the samples called `name`."""
    return {dict(labels)[label] for (sample, labels) in samples(metrics) if sample == name}
