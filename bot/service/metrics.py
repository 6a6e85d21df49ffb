"""Prometheus metrics, one registry per app so tests and stacks never share counters.

When reviews run in worker processes (`PANICSCAN_WORKER_PROCESSES`), those processes
count their work in prometheus_client's multiprocess mode, into files in a directory
the web process made for them; the web process's /metrics adds those files to its own
counters. Files of a worker that died stay, so totals never go backwards.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from bot.errors import GitHubError
from bot.github.throttle import RateLimitSnapshot
from bot.service.waiver_store import PRRef, WaiverStore
from bot.service.waivers import Waiver

if TYPE_CHECKING:
    from bot.github.client import PyGithubFactory
    from bot.service.handlers.review_cycle import ReviewCycle

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_logger = logging.getLogger("panicscan.service.metrics")

_SEG = r"[^/\s]+"
_REPO = rf"/repos/{_SEG}/{_SEG}"
# Every path the client calls, as GitHub's route template. Labels come only from this
# table: an unknown path is "other", so names and ids never become label values.
_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (rf"{_REPO}/pulls/\d+", "/repos/{owner}/{repo}/pulls/{pull_number}"),
        (rf"{_REPO}/pulls/\d+/files", "/repos/{owner}/{repo}/pulls/{pull_number}/files"),
        (rf"{_REPO}/pulls/\d+/comments", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"),
        (
            rf"{_REPO}/pulls/\d+/comments/\d+/replies",
            "/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies",
        ),
        (rf"{_REPO}/pulls/\d+/reviews", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
        (
            rf"{_REPO}/pulls/\d+/reviews/\d+",
            "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}",
        ),
        (
            rf"{_REPO}/pulls/\d+/reviews/\d+/comments",
            "/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}/comments",
        ),
        (
            rf"{_REPO}/pulls/comments/\d+/reactions",
            "/repos/{owner}/{repo}/pulls/comments/{comment_id}/reactions",
        ),
        (
            rf"{_REPO}/issues/comments/\d+/reactions",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
        ),
        (rf"{_REPO}/issues/\d+/comments", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
        (rf"{_REPO}/check-runs", "/repos/{owner}/{repo}/check-runs"),
        (rf"{_REPO}/check-runs/\d+", "/repos/{owner}/{repo}/check-runs/{check_run_id}"),
        (
            rf"{_REPO}/commits/{_SEG}/check-runs",
            "/repos/{owner}/{repo}/commits/{ref}/check-runs",
        ),
        (rf"{_REPO}/commits/{_SEG}/pulls", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls"),
        (
            rf"{_REPO}/collaborators/{_SEG}/permission",
            "/repos/{owner}/{repo}/collaborators/{username}/permission",
        ),
        (rf"{_REPO}/contents/.+", "/repos/{owner}/{repo}/contents/{path}"),
        (rf"{_REPO}/git/blobs/{_SEG}", "/repos/{owner}/{repo}/git/blobs/{file_sha}"),
        (
            r"/app/installations/\d+/access_tokens",
            "/app/installations/{installation_id}/access_tokens",
        ),
        (r"/graphql", "/graphql"),
    )
)
_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})
# Suffixes are literals in the client ("(pending probe)", "(reviewThreads)"): bounded.
_NOTE = re.compile(r"\(([A-Za-z][A-Za-z ]{0,39})\)")


def route_template(endpoint: str) -> str:
    """`GET /repos/acme/e/pulls/12` -> `GET /repos/{owner}/{repo}/pulls/{pull_number}`."""
    method, _, rest = endpoint.partition(" ")
    method = method if method in _METHODS else "OTHER"
    path, _, note = rest.partition(" ")
    path = path.split("?", 1)[0]
    for pattern, template in _ROUTES:
        if pattern.fullmatch(path) is not None:
            label = f"{method} {template}"
            return f"{label} {note}" if _NOTE.fullmatch(note) else label
    return f"{method} other"


def status_label(exc: GitHubError | None) -> str:
    if exc is None:
        return "2xx"  # PyGithub does not hand back a success status; one call may page
    return "transport" if exc.status == 0 else str(exc.status)


class CountingWaivers:
    """A WaiverStore that counts waivers given and taken back, whichever handler did it."""

    def __init__(self, inner: WaiverStore, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def waivers(self, pr: PRRef) -> Mapping[str, Waiver]:
        return await self._inner.waivers(pr)

    async def add(self, pr: PRRef, waiver: Waiver) -> None:
        await self._inner.add(pr, waiver)
        self._metrics.waivers.labels("given").inc()

    async def remove(self, pr: PRRef, fingerprint: str) -> bool:
        removed = await self._inner.remove(pr, fingerprint)
        if removed:
            self._metrics.waivers.labels("taken_back").inc()
        return removed

    async def first_time(self, comment_id: int, command: str) -> bool:
        return await self._inner.first_time(comment_id, command)


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


class RateLimitGauge:
    """The rate-limit budget as a gauge a worker process sets (a scrape-time collector
    cannot cross processes); the most recent value of any process wins."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._gauge = Gauge(
            "panicscan_github_rate_limit_remaining",
            "Requests left in the installation's primary rate limit",
            ["installation"],
            multiprocess_mode="mostrecent",
            registry=registry,
        )
        self._seen: dict[int, RateLimitSnapshot] = {}

    def refresh(self, snapshots: Mapping[int, RateLimitSnapshot]) -> None:
        for installation, snap in snapshots.items():
            if self._seen.get(installation) != snap:
                self._seen[installation] = snap
                self._gauge.labels(str(installation)).set(snap.remaining)


class Metrics:
    def __init__(
        self,
        queue_counts: Callable[[], Mapping[str, int]] | None = None,
        rate_limits: Callable[[], Mapping[int, RateLimitSnapshot]] | None = None,
        *,
        worker_files: str | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "panicscan_deliveries",
            "Webhook deliveries by event and outcome",
            ["event", "outcome"],
            registry=self.registry,
        )
        # Job and GitHub metrics: this process's own, or (`worker_files`) those the
        # worker processes write there; this process's copies are then never exported.
        work = self.registry if worker_files is None else CollectorRegistry()
        self.jobs = Counter(
            "panicscan_job_outcomes",
            "Job attempts by outcome (done, retried, dead)",
            ["outcome"],
            registry=work,
        )
        self.job_seconds = Histogram(
            "panicscan_job_seconds",
            "Time to run one job attempt",
            ["event"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
            registry=work,
        )
        self.github_calls = Counter(
            "panicscan_github_calls",
            "GitHub API call attempts by route template and status (2xx, 4xx/5xx, transport)",
            ["endpoint", "status"],
            registry=work,
        )
        self.github_seconds = Histogram(
            "panicscan_github_call_seconds",
            "Time of one GitHub API call attempt, by route template",
            ["endpoint"],
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15),
            registry=work,
        )
        self.comments_posted = Counter(
            "panicscan_inline_comments_posted",
            "Inline review comments (findings) GitHub accepted",
            registry=work,
        )
        self.annotations = Counter(
            "panicscan_check_annotations",
            "Annotations written on completed panicscan check runs",
            registry=work,
        )
        self.waivers = Counter(
            "panicscan_waivers",
            "Waivers given and taken back by /panicscan ignore/unignore",
            ["change"],
            registry=work,
        )
        for change in ("given", "taken_back"):
            self.waivers.labels(change)  # present at 0 before the first command
        if queue_counts is not None:
            self.registry.register(_QueueDepth(queue_counts))
        if rate_limits is not None:
            self.registry.register(_RateLimits(rate_limits))
        if worker_files is not None:
            MultiProcessCollector(self.registry, path=worker_files)  # type: ignore[no-untyped-call]

    def github_call(self, endpoint: str, exc: GitHubError | None, seconds: float) -> None:
        """The client's CallObserver."""
        route = route_template(endpoint)
        self.github_calls.labels(route, status_label(exc)).inc()
        self.github_seconds.labels(route).observe(seconds)

    def review_done(self, comments_posted: int, annotations: int) -> None:
        self.comments_posted.inc(comments_posted)
        self.annotations.inc(annotations)

    def watch(self, factory: PyGithubFactory | None, cycle: ReviewCycle | None) -> None:
        """Hook the counters into the GitHub client and the review flow."""
        if factory is not None:
            factory.observer = self.github_call
        if cycle is not None:
            cycle.on_review = self.review_done
            cycle.waivers = CountingWaivers(cycle.waivers, self)

    def render(self) -> bytes:
        return generate_latest(self.registry)
