"""The double and the client conform to GitHub's published OpenAPI description.

(a) every route the double serves exists there, (b) every response of a real
session validates against the documented schema for its status, and (c) every
request body the client sent validates against the documented requestBody.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from double_support import APP_ID, INSTALLATION, OWNER, REPO, run, running_double, rust_file

from bot.github.auth import make_app_jwt
from bot.github.client import PyGithubFactory
from bot.github.double import GitHubDouble
from bot.github.double_state import LoggedRequest
from bot.github.types import Annotation, CheckRunOutput, RepoRef, ReviewCommentDraft

Json = dict[str, Any]


@pytest.fixture(scope="module")
def spec(npm_fixtures: Path) -> Json:
    path = npm_fixtures / "@octokit" / "openapi" / "generated" / "api.github.com.json"
    return dict(json.loads(path.read_text()))


def _nullable_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` means "or null"; JSON Schema spells that out."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="module")
def components(spec: Json) -> Json:
    return dict(_nullable_to_json_schema(spec["components"]))


def _schema(components: Json, schema: Json) -> Json:
    """A standalone schema whose `#/components/...` refs resolve inside it."""
    return {**_nullable_to_json_schema(schema), "components": components}


def _operation(spec: Json, method: str, route: str) -> Json:
    op = spec["paths"].get(route, {}).get(method.lower())
    assert op is not None, f"{method} {route} is not in GitHub's OpenAPI description"
    return dict(op)


def _response_schema(spec: Json, op: Json, status: int) -> Json | None:
    response = op["responses"].get(str(status))
    if response is None and status >= 400:
        # Some endpoints (e.g. check runs) document no errors, yet GitHub sends its
        # generic error shapes; hold undocumented errors to those.
        generic = "validation-error" if status == 422 else "basic-error"
        return {"$ref": f"#/components/schemas/{generic}"}
    assert response is not None, f"{op['operationId']}: status {status} is not documented"
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].split("/")[-1]]
    content = response.get("content", {}).get("application/json")
    return None if content is None else dict(content["schema"])


def _validate(schema: Json, instance: Any, what: str) -> None:
    validator = jsonschema.Draft4Validator(schema)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{what}: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]
    )


async def _session(double: GitHubDouble, key: RSAPrivateKey) -> int:
    """Exercise every served endpoint: the client first, then direct calls.

    Returns how many logged requests the client made (they come first).
    """
    ref = RepoRef(OWNER, REPO)
    pr = double.open_pull_request(
        OWNER, REPO, base={"a.rs": rust_file(30)}, head={"a.rs": rust_file(30, "z")}
    )
    factory = PyGithubFactory(APP_ID, key, double.base_url)
    port = await factory.for_installation(INSTALLATION)
    await port.list_pr_files(ref, pr.number)
    await port.get_blob(ref, pr.files[0].sha or "")
    posted = await port.create_review(
        ref, pr.number, pr.head_sha, "body", [ReviewCommentDraft("a.rs", 5, "why unwrap?")]
    )
    await port.validate_review_comments(
        ref, pr.number, pr.head_sha, [ReviewCommentDraft("a.rs", 6, "probe")]
    )
    run_id = await port.create_check_run(ref, pr.head_sha, "panicscan")
    notes = tuple(Annotation("a.rs", i, i, "failure", "m", title="t") for i in range(1, 61))
    await port.complete_check_run(ref, run_id, "failure", CheckRunOutput("t", "s", "x", notes))
    double.set_permission(OWNER, REPO, "octocat", "maintain")
    client_requests = len(double.requests)

    comment_id = double.review_comments[0].id
    token = factory.tokens.token(INSTALLATION)
    repo = f"{double.base_url}/repos/{OWNER}/{REPO}"
    calls: list[tuple[str, str, Json | None]] = [
        ("GET", f"{repo}", None),
        ("GET", f"{repo}/pulls/{pr.number}", None),
        ("GET", f"{repo}/pulls/{pr.number}/reviews", None),
        ("GET", f"{repo}/pulls/{pr.number}/reviews/{posted.id}", None),
        ("GET", f"{repo}/pulls/{pr.number}/reviews/{posted.id}/comments", None),
        ("GET", f"{repo}/pulls/{pr.number}/comments", None),
        (
            "POST",
            f"{repo}/pulls/{pr.number}/comments/{comment_id}/replies",
            {"body": "ok"},
        ),
        (
            "POST",
            f"{repo}/pulls/{pr.number}/comments",
            {"body": "one", "commit_id": pr.head_sha, "path": "a.rs", "line": 6, "side": "RIGHT"},
        ),
        (
            "POST",
            f"{repo}/pulls/{pr.number}/reviews",
            {
                "body": "x",
                "event": "COMMENT",
                "comments": [{"path": "a.rs", "line": 29, "body": "out"}],
            },
        ),
        ("GET", f"{repo}/check-runs/{run_id}", None),
        ("GET", f"{repo}/check-runs/{run_id}/annotations", None),
        ("GET", f"{repo}/commits/{pr.head_sha}/check-runs", None),
        (
            "POST",
            f"{repo}/check-runs",
            {
                "name": "x",
                "head_sha": pr.head_sha,
                "output": {
                    "title": "t",
                    "summary": "s",
                    "annotations": [
                        dict(
                            path="a",
                            start_line=1,
                            end_line=1,
                            annotation_level="notice",
                            message="m",
                        )
                    ]
                    * 51,
                },
            },
        ),
        ("POST", f"{repo}/issues/{pr.number}/comments", {"body": "hello"}),
        ("GET", f"{repo}/issues/{pr.number}/comments", None),
        ("POST", f"{repo}/pulls/comments/{comment_id}/reactions", {"content": "eyes"}),
        ("POST", f"{repo}/pulls/comments/{comment_id}/reactions", {"content": "eyes"}),
        ("GET", f"{repo}/collaborators/octocat/permission", None),
        ("GET", f"{repo}/pulls/404", None),
    ]
    async with aiohttp.ClientSession(headers={"Authorization": f"token {token}"}) as session:
        for method, url, body in calls:
            async with session.request(method, url, json=body) as response:
                await response.read()
        issue_comment = double.issue_comments[0].id
        url = f"{repo}/issues/comments/{issue_comment}/reactions"
        async with session.post(url, json={"content": "+1"}) as response:
            await response.read()
    jwt_headers = {"Authorization": f"Bearer {make_app_jwt(APP_ID, key, time.time())}"}
    async with aiohttp.ClientSession(headers=jwt_headers) as session:
        for path in ("/app", f"/app/installations/{INSTALLATION}"):
            async with session.get(double.base_url + path) as response:
                await response.read()
    return client_requests


@pytest.fixture(scope="module")
def session(app_key: RSAPrivateKey) -> tuple[list[LoggedRequest], int]:
    """The request log of one session and how many of its requests the client made."""

    async def scenario() -> tuple[list[LoggedRequest], int]:
        async with running_double(app_key) as double:
            client_requests = await _session(double, app_key)
            served = {(m, r) for m, r in double.served_routes()}
            hit = {(r.method, r.route) for r in double.requests}
            assert served <= hit, f"session misses {sorted(served - hit)}"
            return list(double.requests), client_requests

    return run(scenario())


def test_every_served_route_is_in_the_openapi_description(
    app_key: RSAPrivateKey, spec: Json
) -> None:
    async def routes() -> list[tuple[str, str]]:
        async with running_double(app_key) as double:
            return double.served_routes()

    for method, route in run(routes()):
        _operation(spec, method, route)


def _logged(log: list[LoggedRequest]) -> Iterator[LoggedRequest]:
    yield from (r for r in log if r.response is not None)


def test_every_response_matches_its_documented_schema(
    session: tuple[list[LoggedRequest], int], spec: Json, components: Json
) -> None:
    session_log = session[0]
    statuses = {r.status for r in session_log}
    assert {200, 201, 404, 422} <= statuses  # the session hit the error shapes too
    for request in _logged(session_log):
        op = _operation(spec, request.method, request.route)
        schema = _response_schema(spec, op, request.status)
        assert schema is not None, f"{request.method} {request.route} documents no JSON body"
        what = f"{request.method} {request.path} -> {request.status}"
        _validate(_schema(components, schema), request.response, what)


def test_every_request_body_the_client_sent_matches_its_documented_schema(
    session: tuple[list[LoggedRequest], int], spec: Json, components: Json
) -> None:
    log, client_requests = session
    sent = [r for r in log[:client_requests] if r.body is not None]
    assert {r.method for r in sent} >= {"POST", "PATCH"}
    for request in sent:
        assert request.status < 400, f"client got {request.status} on {request.path}"
        op = _operation(spec, request.method, request.route)
        body = op["requestBody"]["content"]["application/json"]["schema"]
        _validate(_schema(components, body), request.body, f"{request.method} {request.path}")
