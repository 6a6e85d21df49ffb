"""deploy/: what can be checked without a Docker engine or a cluster.

The image, compose file, manifests and unit are parsed and held to what the store and
queue need (non-root, probes on /healthz and /readyz, a grace period longer than the
shutdown deadline, PostgreSQL for several replicas). The entrypoint they all run,
`panicscan serve`, is exercised for real by tests/e2e/test_crash_recovery.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.service.worker_pool import STOP_GRACE_SECONDS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _yaml(name: str) -> Any:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def test_the_image_runs_serve_as_a_non_root_user_with_a_healthcheck() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert 'ENTRYPOINT ["panicscan"]' in text and 'CMD ["serve"]' in text
    assert "PANICSCAN_HOST=0.0.0.0" in text  # reachable from outside the container


def test_the_deployment_runs_several_probed_replicas_with_secrets_and_requests() -> None:
    deployment = _yaml("kubernetes/deployment.yaml")
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    env = {e["name"]: e for e in container["env"]}
    for secret in ("PANICSCAN_WEBHOOK_SECRET", "PANICSCAN_DATABASE_URL"):
        assert env[secret]["valueFrom"]["secretKeyRef"]["name"] == "panicscan"
    shutdown = float(env["PANICSCAN_SHUTDOWN_TIMEOUT"]["value"])
    # The web process waits the timeout for its worker processes, plus a grace to exit.
    assert pod["terminationGracePeriodSeconds"] > shutdown + STOP_GRACE_SECONDS
    # Worker processes write their metrics under TMPDIR: writable beside a read-only root.
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]


def test_the_service_and_secret_match_the_deployment() -> None:
    service = _yaml("kubernetes/service.yaml")
    secret = _yaml("kubernetes/secret.example.yaml")
    assert service["spec"]["selector"] == {"app": "panicscan"}
    assert {"webhook-secret", "database-url", "private-key.pem"} <= set(secret["stringData"])


def test_compose_runs_the_bot_on_postgresql() -> None:
    compose = _yaml("compose.yml")
    bot = compose["services"]["bot"]
    assert compose["services"]["db"]["image"].startswith("postgres:")
    assert bot["environment"]["PANICSCAN_DATABASE_URL"].startswith("postgresql://")
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_systemd_unit_runs_serve_on_sqlite_and_waits_for_shutdown() -> None:
    unit = (DEPLOY / "systemd/panicscan.service").read_text(encoding="utf-8")
    assert re.search(r"^ExecStart=\S*panicscan serve$", unit, flags=re.MULTILINE)
    assert "PANICSCAN_DATABASE_URL=sqlite:////" in unit
    assert "User=panicscan" in unit
    stop = re.search(r"^TimeoutStopSec=(\d+)", unit, flags=re.MULTILINE)
    assert stop is not None and int(stop.group(1)) > 25 + STOP_GRACE_SECONDS
