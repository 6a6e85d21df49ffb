"""JSON shapes of the GitHub double's responses, following GitHub's OpenAPI schemas.

Every URL is built from the double's own base URL, because PyGithub refuses URLs
on any other host or port. Fields we do not model get fixed, plausible values.
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from bot.github.double_state import (
    FileState,
    PullRequestState,
    ReviewCommentState,
    ReviewState,
)

Json = dict[str, Any]

EPOCH = "2025-01-01T00:00:00Z"
DOCS = "https://docs.github.com/rest"


def node_id(kind: str, ident: int | str) -> str:
    return base64.b64encode(f"{kind}:{ident}".encode()).decode()


def user_id(login: str) -> int:
    # Stable small ids without a user table; GitHub ids are positive int64.
    return sum(ord(c) * pow(31, i, 10_000_019) for i, c in enumerate(login)) % 10_000_000 + 1


def user(base: str, login: str) -> Json:
    """A simple-user; logins ending in [bot] are apps' bot users."""
    url = f"{base}/users/{quote(login)}"
    return {
        "login": login,
        "id": user_id(login),
        "node_id": node_id("User", login),
        "avatar_url": f"{base}/avatars/{quote(login)}",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{base}/{quote(login)}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": "Bot" if login.endswith("[bot]") else "User",
        "site_admin": False,
    }


def repo_id(owner: str, repo: str) -> int:
    return user_id(f"{owner}/{repo}") + 500


def repository(base: str, owner: str, repo: str) -> Json:
    """A full-repository (also valid as the smaller `repository` schema)."""
    url = f"{base}/repos/{owner}/{repo}"
    names = {
        "archive_url": "/{archive_format}{/ref}",
        "assignees_url": "/assignees{/user}",
        "blobs_url": "/git/blobs{/sha}",
        "branches_url": "/branches{/branch}",
        "collaborators_url": "/collaborators{/collaborator}",
        "comments_url": "/comments{/number}",
        "commits_url": "/commits{/sha}",
        "compare_url": "/compare/{base}...{head}",
        "contents_url": "/contents/{+path}",
        "contributors_url": "/contributors",
        "deployments_url": "/deployments",
        "downloads_url": "/downloads",
        "events_url": "/events",
        "forks_url": "/forks",
        "git_commits_url": "/git/commits{/sha}",
        "git_refs_url": "/git/refs{/sha}",
        "git_tags_url": "/git/tags{/sha}",
        "hooks_url": "/hooks",
        "issue_comment_url": "/issues/comments{/number}",
        "issue_events_url": "/issues/events{/number}",
        "issues_url": "/issues{/number}",
        "keys_url": "/keys{/key_id}",
        "labels_url": "/labels{/name}",
        "languages_url": "/languages",
        "merges_url": "/merges",
        "milestones_url": "/milestones{/number}",
        "notifications_url": "/notifications{?since,all,participating}",
        "pulls_url": "/pulls{/number}",
        "releases_url": "/releases{/id}",
        "stargazers_url": "/stargazers",
        "statuses_url": "/statuses/{sha}",
        "subscribers_url": "/subscribers",
        "subscription_url": "/subscription",
        "tags_url": "/tags",
        "teams_url": "/teams",
        "trees_url": "/git/trees{/sha}",
    }
    html = f"{base}/{owner}/{repo}"
    body: Json = {name: url + suffix for name, suffix in names.items()}
    rid = repo_id(owner, repo)
    body.update(
        {
            "id": rid,
            "node_id": node_id("Repository", rid),
            "name": repo,
            "full_name": f"{owner}/{repo}",
            "owner": user(base, owner),
            "private": False,
            "html_url": html,
            "description": None,
            "fork": False,
            "url": url,
            "git_url": f"{html}.git",
            "ssh_url": f"git@127.0.0.1:{owner}/{repo}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "mirror_url": None,
            "homepage": None,
            "language": "Rust",
            "forks_count": 0,
            "stargazers_count": 0,
            "watchers_count": 0,
            "size": 1,
            "default_branch": "main",
            "open_issues_count": 0,
            "has_issues": True,
            "has_projects": False,
            "has_wiki": False,
            "has_pages": False,
            "has_downloads": False,
            "has_discussions": False,
            "archived": False,
            "disabled": False,
            "pushed_at": EPOCH,
            "created_at": EPOCH,
            "updated_at": EPOCH,
            "subscribers_count": 0,
            "network_count": 0,
            "license": None,
            "forks": 0,
            "open_issues": 0,
            "watchers": 0,
        }
    )
    return body


def _link(href: str) -> Json:
    return {"href": href}


def pull_request(base: str, pr: PullRequestState, review_comments: int, comments: int) -> Json:
    repo_url = f"{base}/repos/{pr.owner}/{pr.repo}"
    url = f"{repo_url}/pulls/{pr.number}"
    html = f"{base}/{pr.owner}/{pr.repo}/pull/{pr.number}"
    issue = f"{repo_url}/issues/{pr.number}"
    repo_json = repository(base, pr.owner, pr.repo)

    def side(ref: str, sha: str) -> Json:
        return {
            "label": f"{pr.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "repo": repo_json,
            "user": user(base, pr.owner),
        }

    return {
        "url": url,
        "id": pr.id,
        "node_id": node_id("PullRequest", pr.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{repo_url}/pulls/comments{{/number}}",
        "comments_url": f"{issue}/comments",
        "statuses_url": f"{repo_url}/statuses/{pr.head_sha}",
        "number": pr.number,
        "state": "open",
        "locked": False,
        "title": pr.title,
        "user": user(base, pr.author),
        "body": None,
        "labels": [],
        "milestone": None,
        "created_at": pr.created_at,
        "updated_at": pr.created_at,
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "draft": False,
        "head": side(pr.head_ref, pr.head_sha),
        "base": side(pr.base_ref, pr.base_sha),
        "_links": {
            "self": _link(url),
            "html": _link(html),
            "issue": _link(issue),
            "comments": _link(f"{issue}/comments"),
            "review_comments": _link(f"{url}/comments"),
            "review_comment": _link(f"{repo_url}/pulls/comments{{/number}}"),
            "commits": _link(f"{url}/commits"),
            "statuses": _link(f"{repo_url}/statuses/{pr.head_sha}"),
        },
        "author_association": "CONTRIBUTOR",
        "auto_merge": None,
        "merged": False,
        "mergeable": True,
        "mergeable_state": "clean",
        "merged_by": None,
        "comments": comments,
        "review_comments": review_comments,
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": sum(f.additions for f in pr.files),
        "deletions": sum(f.deletions for f in pr.files),
        "changed_files": len(pr.files),
    }


def diff_entry(base: str, pr: PullRequestState, f: FileState) -> Json:
    ref = pr.base_sha if f.status == "removed" else pr.head_sha
    body: Json = {
        "sha": f.sha,
        "filename": f.filename,
        "status": f.status,
        "additions": f.additions,
        "deletions": f.deletions,
        "changes": f.additions + f.deletions,
        "blob_url": f"{base}/{pr.owner}/{pr.repo}/blob/{ref}/{quote(f.filename)}",
        "raw_url": f"{base}/{pr.owner}/{pr.repo}/raw/{ref}/{quote(f.filename)}",
        "contents_url": (
            f"{base}/repos/{pr.owner}/{pr.repo}/contents/{quote(f.filename)}?ref={ref}"
        ),
    }
    if f.patch is not None:  # GitHub leaves `patch` out for binary/huge diffs
        body["patch"] = f.patch
    if f.previous_filename is not None:
        body["previous_filename"] = f.previous_filename
    return body


def blob(base: str, owner: str, repo: str, sha: str, data: bytes) -> Json:
    return {
        "sha": sha,
        "node_id": node_id("Blob", sha),
        "size": len(data),
        "url": f"{base}/repos/{owner}/{repo}/git/blobs/{sha}",
        "content": base64.encodebytes(data).decode(),
        "encoding": "base64",
    }


def review(base: str, r: ReviewState) -> Json:
    html = f"{base}/{r.owner}/{r.repo}/pull/{r.number}#pullrequestreview-{r.id}"
    pr_url = f"{base}/repos/{r.owner}/{r.repo}/pulls/{r.number}"
    return {
        "id": r.id,
        "node_id": node_id("PullRequestReview", r.id),
        "user": user(base, r.user),
        "body": r.body,
        "state": r.state,
        "html_url": html,
        "pull_request_url": pr_url,
        "_links": {"html": _link(html), "pull_request": _link(pr_url)},
        "submitted_at": r.submitted_at,
        "commit_id": r.commit_id,
        "author_association": "NONE",
    }


def review_comment(base: str, c: ReviewCommentState) -> Json:
    url = f"{base}/repos/{c.owner}/{c.repo}/pulls/comments/{c.id}"
    html = f"{base}/{c.owner}/{c.repo}/pull/{c.number}#discussion_r{c.id}"
    pr_url = f"{base}/repos/{c.owner}/{c.repo}/pulls/{c.number}"
    body: Json = {
        "url": url,
        "pull_request_review_id": c.review_id,
        "id": c.id,
        "node_id": node_id("PullRequestReviewComment", c.id),
        "diff_hunk": c.diff_hunk,
        "path": c.path,
        "position": c.position,
        "original_position": c.position,
        "commit_id": c.commit_id,
        "original_commit_id": c.commit_id,
        "user": user(base, c.user),
        "body": c.body,
        "created_at": c.created_at,
        "updated_at": c.created_at,
        "html_url": html,
        "pull_request_url": pr_url,
        "author_association": "NONE",
        "_links": {"self": _link(url), "html": _link(html), "pull_request": _link(pr_url)},
        "line": c.line,
        "original_line": c.line if c.original_line is None else c.original_line,
        "side": c.side,
        "start_line": c.start_line,
        "original_start_line": c.start_line,
        "start_side": c.start_side,
        "subject_type": "line",
    }
    if c.in_reply_to_id is not None:
        body["in_reply_to_id"] = c.in_reply_to_id
    return body


def error(message: str, **extra: Any) -> Json:
    return {"message": message, "documentation_url": DOCS, **extra}
