"""schemathesis against the running gateway: generated requests (valid and invalid) for every
operation of the OpenAPI document, with an API key; no 5xx, nothing undocumented."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path

import pytest

from bench.api_fuzz import schemathesis_command
from tests.integration.harness import Pipeline
from tests.integration.live_gateway import live_gateway

pytestmark = pytest.mark.slow


async def test_generated_requests_get_only_documented_answers(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    key = await pipeline.api_key("fuzz", admin=True)
    async with live_gateway(
        pipeline.database_url,
        pipeline.amqp_url,
        pipeline.namespace,
        rate_limit_per_minute="0",  # explore the API, not the rate limiter
        outbox_relay="false",
    ) as gateway:
        command = schemathesis_command(gateway.url, key, max_examples=10, seed=20261206)
        run = await asyncio.to_thread(
            subprocess.run,
            command,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=tmp_path,  # schemathesis keeps a cache where it runs
        )
    summary = run.stdout[-4000:]
    assert run.returncode == 0, summary
    counted = re.search(r"(\d+) generated", summary)
    assert counted is not None, summary
    assert int(counted.group(1)) >= 300, summary
