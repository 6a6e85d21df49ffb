"""The conversation calls: comments, replies, threads, reactions, permissions, config.

`ConversationPort` extends the PyGithub adapter (same token cache, throttle and
retry choke point `_call`), so every call here is paced, retried and translated into
bot.errors exactly like the review calls. Review threads are GraphQL-only on GitHub;
one GraphQL query also brings the PR's state and every thread's comments along.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from github.Requester import Requester

from bot.errors import GitHubError
from bot.github.client import PER_PAGE, PyGithubFactory, PyGithubPort
from bot.github.types import CheckRunOutput, RepoRef

log = logging.getLogger(__name__)

REACTIONS = frozenset({"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"})
MAX_CONFIG_BYTES = 64 * 1024  # a bigger config is refused before it is decoded
MAX_PAGES = 100  # 10,000 comments or threads: beyond that the PR is not one to converse on

CONVERSATION_QUERY = """
query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      number state merged isDraft headRefOid baseRefOid url author { login }
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id isResolved path line
          comments(first: 100) {
            totalCount
            nodes { databaseId body url author { login __typename } }
          }
        }
      }
    }
  }
}
"""
RESOLVE = "mutation($threadId: ID!) { resolveReviewThread(input: {threadId: $threadId}) { thread { id isResolved } } }"  # noqa: E501
UNRESOLVE = "mutation($threadId: ID!) { unresolveReviewThread(input: {threadId: $threadId}) { thread { id isResolved } } }"  # noqa: E501


@dataclass(frozen=True)
class PullInfo:
    number: int
    state: str  # open | closed
    merged: bool
    draft: bool
    head_sha: str
    author: str
    base_sha: str = ""


@dataclass(frozen=True)
class ReviewComment:
    id: int
    body: str
    user: str
    user_type: str  # User | Bot | Organization
    in_reply_to_id: int | None
    path: str
    line: int | None  # None when outdated
    html_url: str


@dataclass(frozen=True)
class ReviewThread:
    id: str  # GraphQL node id (PRRT_...)
    resolved: bool
    root_comment_id: int | None


@dataclass(frozen=True)
class PullConversation:
    pull: PullInfo
    html_url: str
    comments: tuple[ReviewComment, ...]  # every thread's comments, roots first
    threads: tuple[ReviewThread, ...]


@dataclass(frozen=True)
class CheckAction:
    label: str  # <= 20 characters
    description: str  # <= 40
    identifier: str  # <= 20


RERUN = CheckAction("Re-run panicscan", "Analyse this head commit again", "rerun")


def _str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return value if isinstance(value, str) else default


def _comment(data: Mapping[str, Any]) -> ReviewComment:
    user = data.get("user") if isinstance(data.get("user"), Mapping) else {}
    assert isinstance(user, Mapping)
    reply_to = data.get("in_reply_to_id")
    line = data.get("line")
    return ReviewComment(
        id=int(data["id"]),
        body=_str(data, "body"),
        user=_str(user, "login"),
        user_type=_str(user, "type", "User"),
        in_reply_to_id=reply_to if isinstance(reply_to, int) else None,
        path=_str(data, "path"),
        line=line if isinstance(line, int) else None,
        html_url=_str(data, "html_url"),
    )


def _login(author: object) -> str:
    """GraphQL names a bot `slug`; REST (and the bot's own login) say `slug[bot]`."""
    if not isinstance(author, Mapping):
        return ""  # a deleted account ("ghost") has no author
    login = _str(author, "login")
    return f"{login}[bot]" if author.get("__typename") == "Bot" else login


def _thread_comments(node: Mapping[str, Any]) -> list[ReviewComment]:
    """A thread's comments as REST-shaped records: the first is the root, the rest
    reply to it (GitHub threads are flat)."""
    listed = [c for c in (node.get("comments") or {}).get("nodes") or [] if isinstance(c, Mapping)]
    line = node.get("line")
    out: list[ReviewComment] = []
    for c in listed:
        ident = c.get("databaseId")
        if not isinstance(ident, int):
            continue
        author = c.get("author")
        out.append(
            ReviewComment(
                id=ident,
                body=_str(c, "body"),
                user=_login(author),
                user_type=_str(author, "__typename", "User") if isinstance(author, Mapping) else "",
                in_reply_to_id=out[0].id if out else None,
                path=_str(node, "path"),
                line=line if isinstance(line, int) else None,
                html_url=_str(c, "url"),
            )
        )
    return out


def _pull_info(pr: Mapping[str, Any], number: int) -> PullInfo:
    state = _str(pr, "state", "OPEN")
    return PullInfo(
        number=number,
        state="open" if state == "OPEN" else "closed",
        merged=bool(pr.get("merged")) or state == "MERGED",
        draft=bool(pr.get("isDraft")),
        head_sha=_str(pr, "headRefOid"),
        author=_login(pr.get("author")),
        base_sha=_str(pr, "baseRefOid"),
    )


class ConversationPort(PyGithubPort):
    """GitHubPort plus what a conversation with people needs, for one installation."""

    def _paged(self, req: Requester, url: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            _, data = req.requestJsonAndCheck(
                "GET", url, parameters={"per_page": PER_PAGE, "page": page}
            )
            if not isinstance(data, list):
                raise GitHubError(f"GET {url}: expected a list", endpoint=url)
            items += [d for d in data if isinstance(d, dict)]
            if len(data) < PER_PAGE:
                break
        return items

    async def get_pull(self, repo: RepoRef, number: int) -> PullInfo:
        url = f"/repos/{repo.full_name}/pulls/{number}"

        def fetch(req: Requester) -> PullInfo:
            _, data = req.requestJsonAndCheck("GET", url)
            head = data.get("head") or {}
            base = data.get("base") or {}
            user = data.get("user") or {}
            return PullInfo(
                number=number,
                state=_str(data, "state", "open"),
                merged=bool(data.get("merged")),
                draft=bool(data.get("draft")),
                head_sha=_str(head, "sha"),
                author=_str(user, "login"),
                base_sha=_str(base, "sha"),
            )

        return await self._call(f"GET {url}", fetch)

    async def list_review_comments(self, repo: RepoRef, number: int) -> list[ReviewComment]:
        url = f"/repos/{repo.full_name}/pulls/{number}/comments"
        rows = await self._call(f"GET {url}", lambda req: self._paged(req, url))
        return [_comment(r) for r in rows if isinstance(r.get("id"), int)]

    async def reply_to_review_comment(
        self, repo: RepoRef, number: int, comment_id: int, body: str
    ) -> int:
        url = f"/repos/{repo.full_name}/pulls/{number}/comments/{comment_id}/replies"

        def post(req: Requester) -> int:
            _, data = req.requestJsonAndCheck("POST", url, input={"body": body})
            return int(data["id"])

        return await self._call(f"POST {url}", post)

    async def create_issue_comment(self, repo: RepoRef, number: int, body: str) -> int:
        url = f"/repos/{repo.full_name}/issues/{number}/comments"

        def post(req: Requester) -> int:
            _, data = req.requestJsonAndCheck("POST", url, input={"body": body})
            return int(data["id"])

        return await self._call(f"POST {url}", post)

    async def add_reaction(
        self, repo: RepoRef, subject: str, comment_id: int, content: str
    ) -> None:
        """`subject` is "pulls" (a review comment) or "issues" (a conversation comment)."""
        if subject not in ("pulls", "issues") or content not in REACTIONS:
            raise ValueError(f"bad reaction {subject!r}/{content!r}")
        url = f"/repos/{repo.full_name}/{subject}/comments/{comment_id}/reactions"

        def post(req: Requester) -> None:
            req.requestJsonAndCheck("POST", url, input={"content": content})

        await self._call(f"POST {url}", post)

    async def permission_of(self, repo: RepoRef, user: str) -> str:
        """The user's role on the repo; "none" when GitHub does not know them (404)."""
        url = f"/repos/{repo.full_name}/collaborators/{user}/permission"

        def fetch(req: Requester) -> str:
            _, data = req.requestJsonAndCheck("GET", url)
            return _str(data, "permission", "none")

        try:
            return await self._call(f"GET {url}", fetch)
        except GitHubError as exc:
            if exc.status == 404:
                return "none"
            raise

    async def read_default_file(self, repo: RepoRef, path: str) -> str | None:
        """A text file from the default branch (no `ref`); None when it does not exist.

        Raises GitHubError for a file too big or not valid UTF-8: the caller reports it.
        """
        url = f"/repos/{repo.full_name}/contents/{path}"

        def fetch(req: Requester) -> str:
            _, data = req.requestJsonAndCheck("GET", url)
            size = data.get("size")
            if not isinstance(size, int) or size > MAX_CONFIG_BYTES:
                raise GitHubError(f"{path} is larger than {MAX_CONFIG_BYTES} bytes", endpoint=url)
            if data.get("encoding") != "base64" or not isinstance(data.get("content"), str):
                raise GitHubError(f"{path}: unexpected content encoding", endpoint=url)
            try:
                return base64.b64decode(data["content"]).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise GitHubError(f"{path} is not UTF-8 text: {exc}", endpoint=url) from exc

        try:
            return await self._call(f"GET {url}", fetch)
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise

    async def blob_sha_at(self, repo: RepoRef, path: str, ref: str) -> str | None:
        """The blob sha of `path` at commit `ref` (None if absent). The contents API's
        metadata carries the sha even for files too big for its JSON body; the bytes
        then come from the blobs API (up to 100 MB)."""
        url = f"/repos/{repo.full_name}/contents/{quote(path)}"

        def fetch(req: Requester) -> str | None:
            _, data = req.requestJsonAndCheck("GET", url, parameters={"ref": ref})
            sha = data.get("sha") if isinstance(data, dict) else None
            return sha if isinstance(sha, str) else None

        try:
            return await self._call(f"GET {url}?ref", fetch)
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise

    async def pulls_for_commit(self, repo: RepoRef, sha: str) -> list[PullInfo]:
        """Open PRs whose head is `sha` (check events of fork PRs carry no PR list)."""
        url = f"/repos/{repo.full_name}/commits/{sha}/pulls"

        def fetch(req: Requester) -> list[PullInfo]:
            _, data = req.requestJsonAndCheck("GET", url)
            found = []
            for item in data if isinstance(data, list) else []:
                head = item.get("head") or {}
                if _str(head, "sha") != sha or not isinstance(item.get("number"), int):
                    continue
                found.append(
                    PullInfo(
                        number=item["number"],
                        state=_str(item, "state", "open"),
                        merged=bool(item.get("merged")),
                        draft=bool(item.get("draft")),
                        head_sha=sha,
                        author=_str(item.get("user") or {}, "login"),
                    )
                )
            return found

        return await self._call(f"GET {url}", fetch)

    async def check_run_names(self, repo: RepoRef, sha: str) -> list[str]:
        url = f"/repos/{repo.full_name}/commits/{sha}/check-runs"

        def fetch(req: Requester) -> list[str]:
            _, data = req.requestJsonAndCheck("GET", url, parameters={"per_page": PER_PAGE})
            runs = data.get("check_runs") if isinstance(data, dict) else None
            return [_str(r, "name") for r in runs or [] if isinstance(r, dict)]

        return await self._call(f"GET {url}", fetch)

    async def check_run_ids(self, repo: RepoRef, sha: str, name: str) -> list[int]:
        """Ids of this head's runs named `name` (a retried job adopts the one it created)."""
        url = f"/repos/{repo.full_name}/commits/{sha}/check-runs"
        params = {"per_page": PER_PAGE, "check_name": name}

        def fetch(req: Requester) -> list[int]:
            _, data = req.requestJsonAndCheck("GET", url, parameters=params)
            runs = data.get("check_runs") if isinstance(data, dict) else None
            rows = [r for r in runs or [] if isinstance(r, dict) and r.get("name") == name]
            return [r["id"] for r in rows if isinstance(r.get("id"), int)]

        return await self._call(f"GET {url}", fetch)

    async def pull_conversation(self, repo: RepoRef, number: int) -> PullConversation:
        """The PR's state and every review thread with its comments, in one GraphQL
        query per 100 threads (REST needs the PR, the comments and the threads apart)."""

        def fetch(req: Requester) -> PullConversation:
            info: PullInfo | None = None
            url = ""
            comments: list[ReviewComment] = []
            threads: list[ReviewThread] = []
            after: str | None = None
            for _ in range(MAX_PAGES):
                variables = {"owner": repo.owner, "name": repo.name, "number": number}
                _, data = req.graphql_query(CONVERSATION_QUERY, variables | {"after": after})
                pr = data["data"]["repository"]["pullRequest"]
                if info is None:
                    info, url = _pull_info(pr, number), _str(pr, "url")
                page = pr["reviewThreads"]
                for node in page["nodes"]:
                    if not isinstance(node, Mapping):
                        continue
                    listed = _thread_comments(node)
                    if (node.get("comments") or {}).get("totalCount", 0) > len(listed):
                        log.info("thread %s has over 100 comments; later ones unread", node["id"])
                    comments += listed
                    threads.append(
                        ReviewThread(
                            id=str(node["id"]),
                            resolved=bool(node.get("isResolved")),
                            root_comment_id=listed[0].id if listed else None,
                        )
                    )
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
            assert info is not None  # the loop ran at least once
            return PullConversation(info, url, tuple(comments), tuple(threads))

        try:
            return await self._call("POST /graphql (pullRequest conversation)", fetch)
        except (KeyError, TypeError) as exc:
            raise GitHubError(f"pullRequest: unexpected GraphQL shape: {exc}") from exc

    async def set_thread_resolved(self, thread_id: str, resolved: bool) -> None:
        query = RESOLVE if resolved else UNRESOLVE

        def post(req: Requester) -> None:
            req.graphql_query(query, {"threadId": thread_id})

        name = "resolveReviewThread" if resolved else "unresolveReviewThread"
        await self._call(f"POST /graphql ({name})", post)

    async def complete_check_run_with_actions(
        self,
        repo: RepoRef,
        check_run_id: int,
        conclusion: str,
        output: CheckRunOutput,
        actions: Sequence[CheckAction] = (RERUN,),
    ) -> None:
        """Complete the run with its buttons (GitHub shows them on completed runs)."""
        buttons = [
            {
                "label": a.label[:20],
                "description": a.description[:40],
                "identifier": a.identifier[:20],
            }
            for a in actions[:3]
        ]
        await self.complete_check_run(repo, check_run_id, conclusion, output, actions=buttons)


class ConversationFactory(PyGithubFactory):
    """PyGithubFactory whose ports also speak the conversation calls."""

    port_type = ConversationPort

    async def for_installation(self, installation_id: int) -> ConversationPort:
        port = await super().for_installation(installation_id)
        assert isinstance(port, ConversationPort)  # built from port_type
        return port
