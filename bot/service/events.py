"""What a handler receives (`EventContext`) and how handlers are registered (`Router`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from bot.service.payload import get_list, get_mapping, get_path

__all__ = [
    "ContextLogger",
    "EventContext",
    "Handler",
    "PRKey",
    "Router",
    "find_pr_number",
    "get_list",
    "get_mapping",
    "get_path",
    "make_context",
]

Handler = Callable[["EventContext"], Awaitable[None]]
# A pure, cheap test of a verified payload, asked in the web process before storing it:
# False means the handler would do nothing with this delivery (a push to a feature branch).
Wants = Callable[[Mapping[str, Any]], bool]
PRKey = tuple[str, int]  # (repository full name, pull request number)

_logger = logging.getLogger("panicscan.service.events")


class ContextLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger adapter that merges its bound fields with per-call `extra`."""

    def process(
        self, msg: object, kwargs: MutableMapping[str, Any]
    ) -> tuple[object, MutableMapping[str, Any]]:
        kwargs["extra"] = {**(self.extra or {}), **kwargs.get("extra", {})}
        return msg, kwargs


@dataclass(frozen=True)
class EventContext:
    """One accepted webhook delivery, as a handler sees it."""

    delivery_id: str
    event: str
    action: str | None
    payload: Mapping[str, object]
    installation_id: int | None
    logger: logging.LoggerAdapter[logging.Logger]
    repo_full_name: str | None = None
    pr_number: int | None = None
    # The JSON text the payload was parsed from, when there was one: the queue stores
    # it as it came instead of serialising the payload again on the ack path.
    payload_json: str | None = None

    @property
    def key(self) -> str:
        """The router key, e.g. "pull_request.opened" (or just the event without action)."""
        return self.event if self.action is None else f"{self.event}.{self.action}"

    @property
    def pr_key(self) -> PRKey | None:
        """Jobs with the same key run one at a time; None means no ordering constraint."""
        if self.repo_full_name is None or self.pr_number is None:
            return None
        return (self.repo_full_name, self.pr_number)


def make_context(
    delivery_id: str,
    event: str,
    payload: Mapping[str, object],
    *,
    logger: logging.Logger | None = None,
    payload_json: str | None = None,
) -> EventContext:
    """Build the context of one delivery; never raises on a wrong-shaped payload."""
    repo = get_path(payload, "repository", "full_name", type=str)
    pr_number = find_pr_number(event, payload)
    bound = ContextLogger(
        logger or logging.getLogger("panicscan.handler"),
        {"delivery_id": delivery_id, "event": event, "repo": repo, "pr": pr_number},
    )
    return EventContext(
        delivery_id=delivery_id,
        event=event,
        action=get_path(payload, "action", type=str),
        # Read-only at the top level: handlers share this object with the logger and queue.
        payload=MappingProxyType(dict(payload)),
        installation_id=get_path(payload, "installation", "id", type=int),
        logger=bound,
        repo_full_name=repo,
        pr_number=pr_number,
        payload_json=payload_json,
    )


def find_pr_number(event: str, payload: Mapping[str, object]) -> int | None:
    """The pull request an event is about, wherever that event type keeps it."""
    if event in ("check_run", "check_suite"):
        # Fork PRs give an empty list; several PRs share one head: the first one orders.
        return get_path(payload, event, "pull_requests", 0, "number", type=int)
    if event == "issue_comment":
        if get_mapping(payload, "issue", "pull_request") is None:
            return None  # a comment on a plain issue
        return get_path(payload, "issue", "number", type=int)
    number = get_path(payload, "pull_request", "number", type=int)
    if number is None and event == "pull_request":
        number = get_path(payload, "number", type=int)
    return number


class Router:
    """Handlers keyed by "event.action" or by "event" (every action of that event)."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._wants: dict[Handler, Wants] = {}

    def on(self, key: str, handler: Handler, *, wants: Wants | None = None) -> None:
        """Route `key` to `handler`; with `wants`, only deliveries it accepts are stored
        for it (the others are answered 204 at once)."""
        event, _, action = key.partition(".")
        if not event or "." in action or key.endswith("."):
            raise ValueError(f"handler key must be 'event' or 'event.action', got {key!r}")
        self._handlers.setdefault(key, []).append(handler)
        if wants is not None:
            self._wants[handler] = wants
        _logger.debug("registered handler %s for %s", getattr(handler, "__name__", handler), key)

    def registered(self) -> frozenset[str]:
        """Every registered `event` / `event.action` key."""
        return frozenset(self._handlers)

    def route(self, event: str, action: str | None) -> list[Handler]:
        """Event-wide handlers first, then those for the action; each handler at most once."""
        found = list(self._handlers.get(event, ()))
        if action is not None:
            found.extend(self._handlers.get(f"{event}.{action}", ()))
        unique: list[Handler] = []
        for handler in found:
            if handler not in unique:
                unique.append(handler)
        return unique

    def handles(
        self, event: str, action: str | None, payload: Mapping[str, Any] | None = None
    ) -> bool:
        """Whether some handler takes this delivery (given `payload`, one that wants it)."""
        handlers = self.route(event, action)
        if payload is None:
            return bool(handlers)
        return any(self._wanted(handler, payload) for handler in handlers)

    def _wanted(self, handler: Handler, payload: Mapping[str, Any]) -> bool:
        wants = self._wants.get(handler)
        if wants is None:
            return True
        try:
            return wants(payload)
        except Exception:  # a prefilter bug must not lose the delivery: store it
            _logger.exception("prefilter of %s failed; the delivery is kept", handler)
            return True
