"""The one place where PyGithub and requests exceptions become bot.errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from github import BadAttributeException, GithubException

from bot.errors import GitHubError, GitHubNotFound, GitHubValidationError

log = logging.getLogger(__name__)


def _describe(data: Any) -> str:
    """GitHub's `message` plus its `errors`, which name the actual problem on a 422."""
    if not isinstance(data, dict):
        return str(data or "")
    message = str(data.get("message", ""))
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        details = [e.get("message", e) if isinstance(e, dict) else e for e in errors]
        message += ": " + "; ".join(str(d) for d in details)
    return message


@contextmanager
def github_errors(endpoint: str) -> Iterator[None]:
    """Translate third-party exceptions raised inside the block for `endpoint`."""
    try:
        yield
    except GithubException as exc:
        status = exc.status
        message = f"{endpoint}: HTTP {status}: {_describe(exc.data)}"
        # A 404 is often the expected answer (no config file, a deleted branch); the
        # caller decides whether it matters.
        log.log(
            logging.INFO if status == 404 else logging.WARNING, "github call failed: %s", message
        )
        if status == 404:
            raise GitHubNotFound(message, status=status, endpoint=endpoint) from exc
        if status == 422:
            raise GitHubValidationError(message, status=status, endpoint=endpoint) from exc
        raise GitHubError(message, status=status, endpoint=endpoint) from exc
    except BadAttributeException as exc:
        log.warning("github response had an unexpected shape on %s: %s", endpoint, exc)
        raise GitHubError(f"{endpoint}: unexpected response: {exc}", endpoint=endpoint) from exc
    except requests.RequestException as exc:
        log.warning("github transport error on %s: %s", endpoint, exc)
        raise GitHubError(f"{endpoint}: transport error: {exc}", endpoint=endpoint) from exc
