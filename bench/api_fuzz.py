"""The API under generated requests: schemathesis against a running clinrelay, many examples.

    .venv/bin/python -m bench.api_fuzz [--max-examples 100] [--seed 1]

The test suite runs the same command with 10 examples per operation
(tests/integration/test_schemathesis.py); this runs it at a depth CI cannot afford, against the
five services on a scratch database and bus namespace (so accepted reports really flow), with an
admin key. Checks: no 5xx, every status, header and body as the OpenAPI document says, invalid
input rejected, authentication enforced where declared.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stack import running_stack
from shared.auth import Role, create_key
from shared.db.pool import connect


def schemathesis_command(url: str, key: str, *, max_examples: int, seed: int) -> list[str]:
    """``st run`` against the gateway's own OpenAPI document with an API key: every operation,
    positive and negative examples, no 5xx, every status/header/body as documented, and
    authentication enforced where it is declared."""
    return [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{url}/openapi.json",
        "--header",
        f"Authorization: Bearer {key}",
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_headers_conformance,response_schema_conformance,negative_data_rejection,"
        "ignored_auth,unsupported_method",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--phases",
        "examples,coverage,fuzzing",
        # readiness answers 503 by design while no stage consumes (none runs here)
        "--exclude-path",
        "/readyz",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--no-color",
        "--suppress-health-check",
        "all",
    ]


async def _admin_key(dsn: str) -> str:
    conn = await connect(dsn)
    try:
        return await create_key(conn, "fuzz", role=Role.ADMIN)
    finally:
        await conn.close()


async def run(max_examples: int, seed: int) -> int:
    async with running_stack({}) as stack:
        key = await _admin_key(stack.dsn)
        command = schemathesis_command(stack.base_url, key, max_examples=max_examples, seed=seed)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as scratch:  # schemathesis keeps a cache where it runs
            done = await asyncio.to_thread(
                subprocess.run, command, capture_output=True, text=True, check=False, cwd=scratch
            )
        elapsed = time.perf_counter() - started
    summary = done.stdout[-3000:]
    counted = re.search(r"(\d+) generated", summary)
    print(summary)
    print(
        f"max examples {max_examples}, seed {seed}: "
        f"{counted.group(1) if counted else '?'} requests generated in {elapsed:.0f} s, "
        f"schemathesis exit status {done.returncode} (0: every check passed)"
    )
    return done.returncode


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    sys.exit(asyncio.run(run(options.max_examples, options.seed)))
