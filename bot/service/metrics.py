"""Prometheus metrics, one registry per app so tests and stacks never share counters."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.github.throttle import RateLimitSnapshot

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_logger = logging.getLogger("panicscan.service.metrics")


class _QueueDepth(Collector):
    """Jobs by status, read from the store at scrape time (so every replica agrees)."""

    def __init__(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "panicscan_jobs",
            "Jobs in the store by status (dead = dead-lettered)",
            labels=["status"],
        )
        try:
            counts = self._counts()
        except Exception as exc:  # noqa: BLE001 - a scrape survives a database blink
            _logger.warning("queue depth unavailable: %s", exc)
            counts = {}
        for status, n in counts.items():
            family.add_metric([status], n)
        yield family


class _RateLimits(Collector):
    """GitHub's last x-ratelimit-remaining per installation (-1 until a reply was seen)."""

    def __init__(self, snapshots: Callable[[], Mapping[int, RateLimitSnapshot]]) -> None:
        self._snapshots = snapshots

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "panicscan_github_rate_limit_remaining",
            "Requests left in the installation's primary rate limit",
            labels=["installation"],
        )
        for installation, snap in self._snapshots().items():
            family.add_metric([str(installation)], snap.remaining)
        yield family


class Metrics:
    def __init__(
        self,
        queue_counts: Callable[[], Mapping[str, int]] | None = None,
        rate_limits: Callable[[], Mapping[int, RateLimitSnapshot]] | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "panicscan_deliveries",
            "Webhook deliveries by event and outcome",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.jobs = Counter(
            "panicscan_job_outcomes",
            "Job attempts by outcome (done, retried, dead)",
            ["outcome"],
            registry=self.registry,
        )
        self.job_seconds = Histogram(
            "panicscan_job_seconds",
            "Time to run one job attempt",
            ["event"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=self.registry,
        )
        if queue_counts is not None:
            self.registry.register(_QueueDepth(queue_counts))
        if rate_limits is not None:
            self.registry.register(_RateLimits(rate_limits))

    def render(self) -> bytes:
        return generate_latest(self.registry)
