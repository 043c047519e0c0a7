"""``scripts/ensure-services`` (run by ``make run`` and CI) names what is missing and how to get
it when neither a local service nor a Docker engine can provide RabbitMQ or PostgreSQL."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "ensure-services"


def test_unreachable_remote_services_are_named_with_how_to_get_them() -> None:
    # 192.0.2.0/24 is TEST-NET-1: never routed, and not local, so nothing is started for it.
    env = {
        **os.environ,
        "CLINRELAY_AMQP_URL": "amqp://guest:guest@192.0.2.1:5672/",
        "CLINRELAY_DATABASE_URL": "postgresql://postgres@192.0.2.1:5432/clinrelay",
        "PATH": "/usr/bin:/bin",  # no docker client on this PATH: no engine to fall back on
    }
    result = subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1
    assert "PostgreSQL is not reachable at 192.0.2.1:5432" in result.stderr
    assert "RabbitMQ is not reachable at 192.0.2.1:5672" in result.stderr
    assert "apt-get install" in result.stderr
    assert "docker compose up -d" in result.stderr


@pytest.mark.integration  # it needs the real RabbitMQ and PostgreSQL to be reachable
def test_reachable_services_need_nothing() -> None:
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert result.stderr == ""
