import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
from service_harness import FAKE_PEM, REPO_ROOT, SECRET, WebhookExamples

from bot.service.signature import sign

SCRIPT = Path(__file__).with_name("serve_for_test.py")


async def _next_log(
    stream: asyncio.StreamReader, lines: list[dict[str, Any]], message: str
) -> dict[str, Any]:
    """Read JSON log lines until one has `message`; keep every line read in `lines`."""
    while True:
        raw = await asyncio.wait_for(stream.readline(), 10)
        assert raw, f"server exited before logging {message!r}: {lines}"
        entry = json.loads(raw)
        lines.append(entry)
        if entry["message"].startswith(message):
            return entry


async def test_sigterm_stops_the_server_after_in_flight_jobs_finish(
    examples: WebhookExamples, tmp_path: Path
) -> None:
    done = tmp_path / "done"
    env = {
        **os.environ,
        "PANICSCAN_APP_ID": "1",
        "PANICSCAN_PRIVATE_KEY": FAKE_PEM,
        "PANICSCAN_WEBHOOK_SECRET": SECRET,
        "PANICSCAN_PORT": "0",
        "PANICSCAN_LOG_FORMAT": "json",
        "PANICSCAN_SHUTDOWN_TIMEOUT": "10",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        str(done),
        env=env,
        cwd=REPO_ROOT,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    lines: list[dict[str, Any]] = []
    try:
        url = (await _next_log(proc.stderr, lines, "listening on"))["address"]
        body = json.dumps(examples.get("pull_request", "synchronize")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": "d-sigterm",
            "X-Hub-Signature-256": sign(SECRET.encode(), body),
        }
        async with (
            ClientSession() as session,
            session.post(f"{url}/webhook", data=body, headers=headers) as resp,
        ):
            assert resp.status == 202
        await _next_log(proc.stderr, lines, "job started")
        proc.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(proc.stderr.read(), 10)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    lines.extend(json.loads(line) for line in rest.decode().splitlines())
    assert done.read_text() == "d-sigterm"
    messages = [entry["message"] for entry in lines]
    assert messages.index("job finished") < messages.index("stopped")
    finished = next(e for e in lines if e["message"] == "job finished")
    assert finished["delivery_id"] == "d-sigterm"
    assert finished["repo"] == "Codertocat/Hello-World"
    everything = "\n".join(json.dumps(e) for e in lines)
    assert SECRET not in everything
    assert "PRIVATE KEY" not in everything
