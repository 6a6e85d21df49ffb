"""The GitHub double's own behaviour, over real HTTP on loopback."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from double_support import (
    APP_ID,
    INSTALLATION,
    OWNER,
    REPO,
    FakeClock,
    run,
    running_double,
    rust_file,
)

from bot.github.auth import make_app_jwt
from bot.github.double import GitHubDouble
from bot.github.double_diff import blob_sha, compute_patch


def test_blob_sha_matches_git() -> None:
    assert blob_sha(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    out = subprocess.run(
        ["git", "hash-object", "--stdin"], input=b"hello\n", capture_output=True, check=True
    )
    assert blob_sha(b"hello\n") == out.stdout.decode().strip()


def test_patch_is_hunks_only_with_three_lines_of_context() -> None:
    old = b"".join(b"line %d\n" % i for i in range(1, 21))
    new = old.replace(b"line 10\n", b"line ten\n")
    patch = compute_patch(old, new)
    assert patch.text == "\n".join(
        [
            *("@@ -7,7 +7,7 @@", " line 7", " line 8", " line 9", "-line 10", "+line ten"),
            *(" line 11", " line 12", " line 13"),
        ]
    )
    assert (patch.additions, patch.deletions) == (1, 1)


def test_patch_marks_missing_final_newline_and_skips_binary() -> None:
    assert (
        compute_patch(None, b"a\nb").text == "@@ -0,0 +1,2 @@\n+a\n+b\n\\ No newline at end of file"
    )
    assert compute_patch(b"\0\1", b"\0\2").text is None


async def _call(
    double: GitHubDouble, method: str, path: str, token: str, body: Any = None
) -> tuple[int, Any, Any]:
    headers = {"Authorization": f"token {token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as session,
        session.request(method, double.base_url + path, json=body) as response,
    ):
        data = await response.json(content_type=None)
        return response.status, data, response.headers


async def _token(double: GitHubDouble, key: RSAPrivateKey, now: float | None = None) -> Any:
    jwt_token = make_app_jwt(APP_ID, key, time.time() if now is None else now)
    path = f"/app/installations/{INSTALLATION}/access_tokens"
    headers = {"Authorization": f"Bearer {jwt_token}"}
    async with (
        aiohttp.ClientSession(headers=headers) as s,
        s.post(double.base_url + path, json={}) as response,
    ):
        return response.status, await response.json()


def test_expired_jwt_and_expired_token_get_401(app_key: RSAPrivateKey) -> None:
    clock = FakeClock()

    async def scenario() -> None:
        async with running_double(app_key, clock=clock) as double:
            double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"x\n"})
            status, data = await _token(double, app_key, now=clock.now - 700)
            assert status == 401 and "exp" in data["message"] and data["documentation_url"]
            status, data = await _token(double, app_key, now=clock.now)
            assert status == 201
            path = f"/repos/{OWNER}/{REPO}/pulls/1"
            assert (await _call(double, "GET", path, data["token"]))[0] == 200
            clock.now += 3601
            status, body, _ = await _call(double, "GET", path, data["token"])
            assert (status, body["message"]) == (401, "Bad credentials")

    run(scenario())


def test_links_stay_on_the_doubles_host_and_port(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            head = {f"f{i}.rs": b"x\n" for i in range(65)}
            double.open_pull_request(OWNER, REPO, base={}, head=head)
            _, grant = await _token(double, app_key)
            path = f"/repos/{OWNER}/{REPO}/pulls/1/files?page=2"
            status, files, headers = await _call(double, "GET", path, grant["token"])
            assert status == 200 and len(files) == 30
            links = headers["Link"]
            for rel in ("prev", "next", "last", "first"):
                assert f'rel="{rel}"' in links
            assert links.count(double.base_url + "/repos/") == 4
            assert "page=3" in links

    run(scenario())


def test_review_rejects_start_line_equal_to_line_and_huge_bodies(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": rust_file(5)})
            _, grant = await _token(double, app_key)
            path = f"/repos/{OWNER}/{REPO}/pulls/{pr.number}/reviews"
            bad_comments = [
                {"path": "a.rs", "line": 2, "start_line": 2, "body": "x"},
                {"path": "a.rs", "line": 2, "body": "x" * 65_537},
                {"path": "b.rs", "line": 2, "body": "x"},
                {"path": "a.rs", "position": 2, "body": "x"},
            ]
            for comment in bad_comments:
                body = {"event": "COMMENT", "body": "b", "comments": [comment]}
                status, data, _ = await _call(double, "POST", path, grant["token"], body)
                assert status == 422 and data["errors"], comment
            assert double.reviews == []

    run(scenario())


def test_check_run_limits(app_key: RSAPrivateKey) -> None:
    def note(**extra: Any) -> dict[str, Any]:
        base = {"path": "a.rs", "start_line": 1, "end_line": 1}
        return base | {"annotation_level": "warning", "message": "m"} | extra

    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"x\n"})
            _, grant = await _token(double, app_key)
            path = f"/repos/{OWNER}/{REPO}/check-runs"
            rejected = [
                [note()] * 51,
                [note(annotation_level="error")],
                [note(end_line=2, start_column=1, end_column=2)],
                [note(title="t" * 256)],
            ]
            for annotations in rejected:
                output = {"title": "t", "summary": "s", "annotations": annotations}
                body = {"name": "c", "head_sha": pr.head_sha, "output": output}
                assert (await _call(double, "POST", path, grant["token"], body))[0] == 422
            body = {"name": "c", "head_sha": "f" * 40}
            assert (await _call(double, "POST", path, grant["token"], body))[0] == 422
            assert double.check_runs == []

    run(scenario())


def test_reactions_are_201_when_new_and_200_when_repeated(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"x\n"})
            _, grant = await _token(double, app_key)
            comments = f"/repos/{OWNER}/{REPO}/issues/{pr.number}/comments"
            _, comment, _ = await _call(double, "POST", comments, grant["token"], {"body": "hi"})
            path = f"/repos/{OWNER}/{REPO}/issues/comments/{comment['id']}/reactions"
            statuses = [
                (await _call(double, "POST", path, grant["token"], {"content": c}))[0]
                for c in ("+1", "+1", "rocket", "thumbs")
            ]
            assert statuses == [201, 200, 201, 422]
            assert len(double.reactions) == 2

    run(scenario())


def test_collaborator_permission_reports_legacy_and_role_names(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"x\n"})
            double.set_permission(OWNER, REPO, "maria", "maintain")
            _, grant = await _token(double, app_key)
            base = f"/repos/{OWNER}/{REPO}/collaborators"
            _, data, _ = await _call(double, "GET", f"{base}/maria/permission", grant["token"])
            assert (data["permission"], data["role_name"]) == ("write", "maintain")
            assert (await _call(double, "GET", f"{base}/ghost/permission", grant["token"]))[
                0
            ] == 404

    run(scenario())


def test_repos_of_other_accounts_and_unknown_paths_are_github_404s(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            double.open_pull_request("someone-else", REPO, base={}, head={"a.rs": b"x\n"})
            _, grant = await _token(double, app_key)
            for path in (f"/repos/someone-else/{REPO}", "/no/such/endpoint"):
                status, data, _ = await _call(double, "GET", path, grant["token"])
                assert status == 404 and data["message"] == "Not Found"

    run(scenario())


def test_injected_fault_fires_the_given_times_with_headers_and_delay(
    app_key: RSAPrivateKey,
) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"x\n"})
            _, grant = await _token(double, app_key)
            double.inject(
                "GET",
                r"^/repos/.*/pulls/1$",
                503,
                times=2,
                headers={"Retry-After": "1"},
                delay=0.05,
            )
            path = f"/repos/{OWNER}/{REPO}/pulls/1"
            started = time.monotonic()
            results = [await _call(double, "GET", path, grant["token"]) for _ in range(3)]
            assert [r[0] for r in results] == [503, 503, 200]
            assert results[0][2]["Retry-After"] == "1"
            assert time.monotonic() - started >= 0.1

    run(scenario())


def test_raw_blob_media_type_returns_bytes(app_key: RSAPrivateKey) -> None:
    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request(OWNER, REPO, base={}, head={"a.rs": b"\xffraw"})
            _, grant = await _token(double, app_key)
            headers = {
                "Authorization": f"token {grant['token']}",
                "Accept": "application/vnd.github.raw+json",
            }
            url = f"{double.base_url}/repos/{OWNER}/{REPO}/git/blobs/{pr.files[0].sha}"
            async with (
                aiohttp.ClientSession(headers=headers) as session,
                session.get(url) as response,
            ):
                assert await response.read() == b"\xffraw"

    run(scenario())


def test_pull_request_from_diff_uses_the_diff_hunks_and_head_tree(
    app_key: RSAPrivateKey, tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "lib.rs").write_bytes(b"fn a() {}\nfn b() {}\n")
    diff = (
        "diff --git a/src/lib.rs b/src/lib.rs\n"
        "--- a/src/lib.rs\n+++ b/src/lib.rs\n"
        "@@ -1 +1,2 @@\n fn a() {}\n+fn b() {}\n"
    )

    async def scenario() -> None:
        async with running_double(app_key) as double:
            pr = double.open_pull_request_from_diff(OWNER, REPO, diff=diff, head_root=tmp_path)
            (file,) = pr.files
            assert file.status == "modified" and file.additions == 1
            assert file.patch is not None
            # unidiff re-renders the header as `-1,1`, which means the same as `-1`.
            assert file.patch.split("\n")[1:] == [" fn a() {}", "+fn b() {}"]
            assert file.hunks()[0].right_lines == {1, 2}
            assert file.sha == blob_sha(b"fn a() {}\nfn b() {}\n")

    run(scenario())
