"""One shallow exception tree. Adapters translate third-party errors into these."""


class PanicscanError(Exception):
    """Base of every error panicscan raises on purpose."""


class InputError(PanicscanError):
    """A diff, source file or flag the user gave cannot be used."""


class ConfigError(PanicscanError):
    """A settings value or repository config is missing or malformed."""


class RuleLoadError(PanicscanError):
    """A rule file in rules/ is malformed."""


class GitHubError(PanicscanError):
    """A GitHub API call failed; `status` is the HTTP status or 0 for transport errors."""

    def __init__(self, message: str, *, status: int = 0, endpoint: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.endpoint = endpoint


class GitHubNotFound(GitHubError):
    """The PR, blob or installation is gone (404)."""


class GitHubValidationError(GitHubError):
    """GitHub rejected the request body (422)."""
