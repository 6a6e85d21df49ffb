"""Pushes, human comments and default-branch files for the GitHub double.

`ConversationModel.push` is a synchronize or force-push: the PR gets a new head sha
and recomputed patches, and each existing review comment either follows its line
(when the line survived unchanged and is still in the diff) or becomes outdated
(`line` null, `original_line` kept), as GitHub does. Default-branch files back
GET /repos/{o}/{r}/contents/{path}, which is where `.github/panicscan.yml` is read.
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from bot.github import double_render as render
from bot.github import double_render_checks as render_checks
from bot.github.double_diff import blob_sha, diff_hunk_until, find_hunk, position_of
from bot.github.double_http import DoubleContext, context, fail, not_found, reply
from bot.github.double_routes_pulls import INSTALLATION_KEY
from bot.github.double_state import (
    IssueCommentState,
    PullRequestState,
    ReviewCommentState,
    ReviewState,
    build_files,
    fake_commit_sha,
)
from bot.github.double_webhooks import envelope

if TYPE_CHECKING:
    from bot.github.double import GitHubDouble

MAX_CONTENT_BYTES = 1024 * 1024  # the contents API's JSON form stops at 1 MB

routes = web.RouteTableDef()


@dataclass
class ConversationModel:
    """What the base double does not model: bases, pushes, threads, default branches."""

    ctx: DoubleContext
    double: GitHubDouble
    bases: dict[tuple[str, str, int], dict[str, bytes]] = field(default_factory=dict)
    heads: dict[tuple[str, str, int], dict[str, bytes]] = field(default_factory=dict)
    resolved: set[int] = field(default_factory=set)  # root comment ids of resolved threads
    default_files: dict[tuple[str, str, str], bytes] = field(default_factory=dict)
    _pushes: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- seeding -------------------------------------------------------------------

    def open_pull_request(
        self,
        owner: str,
        repo: str,
        *,
        base: Mapping[str, bytes],
        head: Mapping[str, bytes],
        author: str = "octocat",
        title: str = "Change things",
    ) -> PullRequestState:
        """Open a PR and remember its trees, so that later pushes can be diffed."""
        pr = self.double.open_pull_request(
            owner, repo, base=base, head=head, author=author, title=title
        )
        self.bases[(owner, repo, pr.number)] = dict(base)
        self.heads[(owner, repo, pr.number)] = dict(head)
        return pr

    def file_at(self, owner: str, repo: str, path: str, ref: str) -> bytes | None:
        """`path` at a PR's base or head commit."""
        for (o, r, number), base in self.bases.items():
            pr = self.ctx.store.pull(o, r, number)
            if pr is None or (o.lower(), r.lower()) != (owner.lower(), repo.lower()):
                continue
            if ref == pr.base_sha:
                return base.get(path)
            if ref == pr.head_sha:
                return self.heads[(o, r, number)].get(path)
        return None

    def drop_patch(self, owner: str, repo: str, number: int, path: str) -> None:
        """Make GET .../files omit `patch` for one file, as GitHub does for big diffs."""
        key = (owner, repo, number)
        pr = self.ctx.store.pulls[key]
        files = tuple(
            dataclasses.replace(f, patch=None) if f.filename == path else f for f in pr.files
        )
        self.ctx.store.pulls[key] = dataclasses.replace(pr, files=files)

    def set_default_file(self, owner: str, repo: str, path: str, data: bytes | None) -> None:
        """A file on the repository's default branch (None deletes it)."""
        if data is None:
            self.default_files.pop((owner.lower(), repo.lower(), path), None)
        else:
            self.default_files[(owner.lower(), repo.lower(), path)] = data

    def push_default_branch(
        self,
        owner: str,
        repo: str,
        files: Mapping[str, bytes | None],
        installation_id: int,
        *,
        sender: str = "octocat",
    ) -> dict[str, Any]:
        """Commit `files` to the default branch (None deletes one); the `push` delivery."""
        before = fake_commit_sha(owner, repo, "main", str(next(self._pushes)))
        after = fake_commit_sha(owner, repo, "main", str(next(self._pushes)))
        known = {p for (o, r, p) in self.default_files if (o, r) == (owner.lower(), repo.lower())}
        for path, data in files.items():
            self.set_default_file(owner, repo, path, data)
        base = self.ctx.base_url
        commit = {
            "id": after,
            "message": "update files",
            "added": sorted(p for p, d in files.items() if d is not None and p not in known),
            "modified": sorted(p for p, d in files.items() if d is not None and p in known),
            "removed": sorted(p for p, d in files.items() if d is None),
        }
        return {
            "ref": "refs/heads/main",
            "before": before,
            "after": after,
            "created": False,
            "deleted": False,
            "forced": False,
            "commits": [commit],
            "head_commit": commit,
            "pusher": {"name": sender, "email": None},
        } | envelope(base, owner, repo, installation_id, sender)

    def push(
        self, owner: str, repo: str, number: int, head: Mapping[str, bytes]
    ) -> PullRequestState:
        """A new head for the PR (synchronize or force-push: the double treats both alike)."""
        key = (owner, repo, number)
        old = self.ctx.store.pull(owner, repo, number)
        if old is None or key not in self.bases:
            raise KeyError(f"no PR {owner}/{repo}#{number} opened through ConversationModel")
        files = build_files(self.bases[key], head)
        for data in head.values():
            self.ctx.store.blobs[(owner, repo, blob_sha(data))] = data
        sha = fake_commit_sha(owner, repo, str(number), "push", str(next(self._pushes)))
        pr = dataclasses.replace(old, head_sha=sha, files=files)
        self.ctx.store.pulls[key] = pr
        self.ctx.store.commits.add((owner, repo, sha))
        self._move_comments(pr, self.heads[key], head)
        self.heads[key] = dict(head)
        return pr

    def _move_comments(
        self, pr: PullRequestState, old_head: Mapping[str, bytes], new_head: Mapping[str, bytes]
    ) -> None:
        store = self.ctx.store
        for comment in list(store.review_comments.values()):
            if (comment.owner, comment.repo, comment.number) != (pr.owner, pr.repo, pr.number):
                continue
            if comment.line is None or comment.side != "RIGHT":
                continue  # already outdated; LEFT-side comments are not modelled
            new_line = _follow_line(
                old_head.get(comment.path), new_head.get(comment.path), comment.line
            )
            file = pr.file(comment.path)
            hunk = find_hunk(file.hunks(), new_line, "RIGHT") if file and new_line else None
            if file is None or new_line is None or hunk is None:
                store.review_comments[comment.id] = dataclasses.replace(
                    comment, line=None, start_line=None, original_line=comment.line
                )
                continue
            store.review_comments[comment.id] = dataclasses.replace(
                comment,
                line=new_line,
                start_line=None,
                commit_id=pr.head_sha,
                diff_hunk=diff_hunk_until(hunk, new_line, "RIGHT"),
                position=position_of(file.patch or "", new_line, "RIGHT") or 1,
            )

    # -- humans --------------------------------------------------------------------

    def human_reply(
        self, pr: PullRequestState, parent_id: int, user: str, body: str
    ) -> ReviewCommentState:
        """A person answers in a review thread (GitHub threads replies under the root)."""
        store = self.ctx.store
        parent = store.review_comments[parent_id]
        review = ReviewState(
            id=store.next_id(),
            owner=pr.owner,
            repo=pr.repo,
            number=pr.number,
            user=user,
            body="",
            state="COMMENTED",
            commit_id=parent.commit_id,
            submitted_at=self.ctx.now_iso(),
        )
        store.reviews[review.id] = review
        comment = dataclasses.replace(
            parent,
            id=store.next_id(),
            review_id=review.id,
            body=body,
            in_reply_to_id=parent.in_reply_to_id or parent.id,
            user=user,
            created_at=self.ctx.now_iso(),
        )
        store.review_comments[comment.id] = comment
        return comment

    def edit_review_comment(self, comment_id: int, body: str) -> ReviewCommentState:
        store = self.ctx.store
        comment = dataclasses.replace(store.review_comments[comment_id], body=body)
        store.review_comments[comment_id] = comment
        return comment

    def human_issue_comment(self, pr: PullRequestState, user: str, body: str) -> IssueCommentState:
        store = self.ctx.store
        comment = IssueCommentState(
            id=store.next_id(),
            owner=pr.owner,
            repo=pr.repo,
            number=pr.number,
            body=body,
            user=user,
            created_at=self.ctx.now_iso(),
        )
        store.issue_comments[comment.id] = comment
        return comment

    # -- webhook payloads ------------------------------------------------------------

    def review_comment_event(
        self, comment: ReviewCommentState, action: str, installation_id: int
    ) -> dict[str, Any]:
        pr = self._pull(comment.owner, comment.repo, comment.number)
        base = self.ctx.base_url
        payload = self._envelope(pr, action, installation_id, comment.user)
        payload["comment"] = render.review_comment(base, comment)
        payload["pull_request"] = render.pull_request(base, pr, 0, 0)
        return payload

    def issue_comment_event(
        self, comment: IssueCommentState, action: str, installation_id: int
    ) -> dict[str, Any]:
        pr = self._pull(comment.owner, comment.repo, comment.number)
        base = self.ctx.base_url
        payload = self._envelope(pr, action, installation_id, comment.user)
        payload["comment"] = render_checks.issue_comment(base, comment)
        pr_json = render.pull_request(base, pr, 0, 0)
        payload["issue"] = {
            "number": pr.number,
            "title": pr.title,
            "state": "open",
            "user": render.user(base, pr.author),
            "pull_request": {"url": pr_json["url"], "html_url": pr_json["html_url"]},
        }
        return payload

    def check_run_event(
        self, run_id: int, action: str, installation_id: int, *, fork: bool = False
    ) -> dict[str, Any]:
        """A check_run delivery; `fork=True` leaves `pull_requests` empty as GitHub does."""
        run = self.ctx.store.check_runs[run_id]
        pr = next(
            p for p in self.ctx.store.pulls.values() if (p.owner, p.repo) == (run.owner, run.repo)
        )
        payload = self._envelope(pr, action, installation_id, pr.author)
        run_json = render_checks.check_run(self.ctx.base_url, run, self.ctx.app_json())
        prs = [] if fork else _pr_refs(self.ctx, run.owner, run.repo, run.head_sha)
        payload["check_run"] = run_json | {"pull_requests": prs}
        if action == "requested_action":
            payload["requested_action"] = {"identifier": "rerun"}
        return payload

    def _envelope(
        self, pr: PullRequestState, action: str, installation_id: int, sender: str
    ) -> dict[str, Any]:
        base = self.ctx.base_url
        return {"action": action} | envelope(base, pr.owner, pr.repo, installation_id, sender)

    def _pull(self, owner: str, repo: str, number: int) -> PullRequestState:
        pr = self.ctx.store.pull(owner, repo, number)
        if pr is None:
            raise KeyError(f"no PR {owner}/{repo}#{number}")
        return pr


CONVERSATION_KEY = web.AppKey("panicscan_double_conversation", ConversationModel)


def _follow_line(old: bytes | None, new: bytes | None, line: int) -> int | None:
    """Where line `line` of `old` is in `new`, if it survived unchanged."""
    if old is None or new is None:
        return None
    a = old.decode("utf-8", errors="replace").splitlines()
    b = new.decode("utf-8", errors="replace").splitlines()
    for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        if block.a <= line - 1 < block.a + block.size:
            return block.b + (line - 1 - block.a) + 1
    return None


def _pr_refs(ctx: DoubleContext, owner: str, repo: str, sha: str) -> list[dict[str, Any]]:
    base = ctx.base_url
    refs = []
    for pr in ctx.store.pulls.values():
        if (pr.owner, pr.repo, pr.head_sha) != (owner, repo, sha):
            continue
        url = f"{base}/repos/{owner}/{repo}/pulls/{pr.number}"
        repo_json = {"id": render.repo_id(owner, repo), "url": f"{base}/repos/{owner}/{repo}"}
        refs.append(
            {
                "id": pr.id,
                "number": pr.number,
                "url": url,
                "head": {"ref": pr.head_ref, "sha": pr.head_sha, "repo": repo_json},
                "base": {"ref": pr.base_ref, "sha": pr.base_sha, "repo": repo_json},
            }
        )
    return refs


def _covered_repo(request: web.Request, model: ConversationModel) -> tuple[str, str]:
    """The repo in the path if it exists (a PR or a default-branch file) and is covered."""
    owner, repo = request.match_info["owner"], request.match_info["repo"]
    store = context(request).store
    account = store.installations.get(request.get(INSTALLATION_KEY, -1), "")
    known = store.repo_exists(owner, repo) or any(
        (o, r) == (owner.lower(), repo.lower()) for o, r, _ in model.default_files
    )
    if not known or account.lower() != owner.lower():
        raise not_found()
    return owner, repo


@routes.get("/repos/{owner}/{repo}/contents/{path:.+}")
async def get_content(request: web.Request) -> web.Response:
    model = request.app[CONVERSATION_KEY]
    owner, repo = _covered_repo(request, model)
    path = request.match_info["path"]
    ref = request.query.get("ref")
    if ref is not None:
        # Simplification: a ref is served only for the base and head of PRs opened
        # through this model; the default branch only without a ref.
        data = model.file_at(owner, repo, path, ref)
    else:
        data = model.default_files.get((owner.lower(), repo.lower(), path))
    if data is None:
        raise not_found()
    if len(data) > MAX_CONTENT_BYTES:
        raise fail(403, "This API returns blobs up to 1 MB in size", errors=[{"code": "too_large"}])
    base = context(request).base_url
    sha = blob_sha(data)
    url = f"{base}/repos/{owner}/{repo}/contents/{quote(path)}"
    html = f"{base}/{owner}/{repo}/blob/main/{quote(path)}"
    git = f"{base}/repos/{owner}/{repo}/git/blobs/{sha}"
    return reply(
        {
            "type": "file",
            "encoding": "base64",
            "size": len(data),
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "content": base64.encodebytes(data).decode(),
            "sha": sha,
            "url": url,
            "git_url": git,
            "html_url": html,
            "download_url": f"{base}/{owner}/{repo}/raw/main/{quote(path)}",
            "_links": {"self": url, "git": git, "html": html},
        }
    )


@routes.get("/repos/{owner}/{repo}/commits/{commit_sha}/pulls")
async def pulls_of_commit(request: web.Request) -> web.Response:
    """The PRs whose head is this commit (how a fork PR's check event finds its PR)."""
    model = request.app[CONVERSATION_KEY]
    owner, repo = _covered_repo(request, model)
    ctx = context(request)
    sha = request.match_info["commit_sha"]
    found = [
        render.pull_request(ctx.base_url, pr, 0, 0)
        for pr in ctx.store.pulls.values()
        if (pr.owner, pr.repo, pr.head_sha) == (owner, repo, sha)
    ]
    return reply(found)
