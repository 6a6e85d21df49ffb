"""JSON shapes of the GitHub double's check runs, issue comments, reactions and app."""

from __future__ import annotations

from urllib.parse import quote

from bot.github.double_render import EPOCH, Json, node_id, user, user_id
from bot.github.double_state import (
    AnnotationState,
    CheckRunState,
    IssueCommentState,
    ReactionState,
)


def check_run(base: str, run: CheckRunState, app: Json) -> Json:
    url = f"{base}/repos/{run.owner}/{run.repo}/check-runs/{run.id}"
    return {
        "id": run.id,
        "head_sha": run.head_sha,
        "node_id": node_id("CheckRun", run.id),
        "external_id": run.external_id,
        "url": url,
        "html_url": f"{base}/{run.owner}/{run.repo}/runs/{run.id}",
        "details_url": run.details_url,
        "status": run.status,
        "conclusion": run.conclusion,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "output": {
            "title": run.title,
            "summary": run.summary,
            "text": run.text,
            "annotations_count": len(run.annotations),
            "annotations_url": f"{url}/annotations",
        },
        "name": run.name,
        "check_suite": {"id": run.id + 7_000_000},
        "app": app,
        "pull_requests": [],
    }


def annotation(base: str, run: CheckRunState, a: AnnotationState) -> Json:
    return {
        "path": a.path,
        "start_line": a.start_line,
        "end_line": a.end_line,
        "start_column": a.start_column,
        "end_column": a.end_column,
        "annotation_level": a.annotation_level,
        "title": a.title,
        "message": a.message,
        "raw_details": a.raw_details,
        "blob_href": f"{base}/{run.owner}/{run.repo}/blob/{run.head_sha}/{quote(a.path)}",
    }


def issue_comment(base: str, c: IssueCommentState) -> Json:
    url = f"{base}/repos/{c.owner}/{c.repo}/issues/comments/{c.id}"
    return {
        "id": c.id,
        "node_id": node_id("IssueComment", c.id),
        "url": url,
        "html_url": f"{base}/{c.owner}/{c.repo}/pull/{c.number}#issuecomment-{c.id}",
        "body": c.body,
        "user": user(base, c.user),
        "created_at": c.created_at,
        "updated_at": c.created_at,
        "issue_url": f"{base}/repos/{c.owner}/{c.repo}/issues/{c.number}",
        "author_association": "NONE",
    }


def reaction(base: str, r: ReactionState) -> Json:
    return {
        "id": r.id,
        "node_id": node_id("Reaction", r.id),
        "user": user(base, r.user),
        "content": r.content,
        "created_at": r.created_at,
    }


def app(base: str, app_id: int, slug: str, owner: str) -> Json:
    return {
        "id": app_id,
        "slug": slug,
        "node_id": node_id("Integration", app_id),
        "owner": user(base, owner),
        "name": slug,
        "description": None,
        "external_url": f"{base}/apps/{slug}",
        "html_url": f"{base}/apps/{slug}",
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "permissions": {
            "checks": "write",
            "contents": "read",
            "issues": "write",
            "metadata": "read",
            "pull_requests": "write",
        },
        "events": ["check_run", "check_suite", "issue_comment", "pull_request"],
    }


def installation(base: str, installation_id: int, account: str, app_id: int, slug: str) -> Json:
    return {
        "id": installation_id,
        "account": user(base, account),
        "repository_selection": "all",
        "access_tokens_url": f"{base}/app/installations/{installation_id}/access_tokens",
        "repositories_url": f"{base}/installation/repositories",
        "html_url": f"{base}/settings/installations/{installation_id}",
        "app_id": app_id,
        "target_id": user_id(account),
        "target_type": "Organization",
        "permissions": {"checks": "write", "contents": "read", "pull_requests": "write"},
        "events": ["pull_request"],
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "single_file_name": None,
        "app_slug": slug,
        "suspended_by": None,
        "suspended_at": None,
    }


def collaborator_permission(base: str, login: str, role: str) -> Json:
    """`role` is admin|maintain|write|triage|read|none; `permission` is its legacy name."""
    legacy = {"maintain": "write", "triage": "read"}.get(role, role)
    collaborator = user(base, login) | {"role_name": role}
    return {"permission": legacy, "role_name": role, "user": collaborator}
