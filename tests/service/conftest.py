"""Service-test plumbing: the real webhook payloads fixture."""

from __future__ import annotations

import json
import subprocess

import pytest
from service_harness import EXAMPLES_INDEX, REPO_ROOT, WebhookExamples


@pytest.fixture(scope="session")
def examples() -> WebhookExamples:
    if not EXAMPLES_INDEX.exists():
        subprocess.run([str(REPO_ROOT / "scripts/fetch-fixtures")], check=True, timeout=300)
    return WebhookExamples(json.loads(EXAMPLES_INDEX.read_text(encoding="utf-8")))
