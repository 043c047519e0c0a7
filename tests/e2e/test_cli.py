"""The CLI against a running pipeline: keys, submit --wait with live progress, status, errors."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.e2e.road import FIXTURES, start_road
from tests.integration.harness import Pipeline

BUNDLE = FIXTURES / "fhir" / "inferno-uscore" / "uscore_bundle_patient_client_test.json"


async def clinrelay(pipe: Pipeline, *args: str, timeout: float = 180) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "CLINRELAY_DATABASE_URL": pipe.database_url,
        "CLINRELAY_URL": pipe.gateway_url or "http://127.0.0.1:9",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "clinrelay",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_keys_submit_wait_and_status(pipeline: Pipeline, tmp_path: Path) -> None:
    await start_road(pipeline)

    code, key, _ = await clinrelay(pipeline, "keys", "create", "--tenant", "cli")
    assert code == 0
    assert key.strip().startswith("cr_")
    assert len(key.strip().splitlines()) == 1  # only the key on stdout

    code, out, err = await clinrelay(
        pipeline, "submit", str(BUNDLE), "--wait", "--out", str(tmp_path), "--key", key.strip()
    )
    assert code == 0, err
    saved = Path(out.strip())
    assert saved.parent == tmp_path
    assert saved.read_bytes().startswith(b"%PDF")
    assert "COMPLETE" in err  # the progress display ends on the final status

    report_id = saved.stem.removeprefix("clinrelay-coding-")
    code, out, _ = await clinrelay(pipeline, "status", report_id, "--key", key.strip())

    assert code == 0
    assert "COMPLETE" in out


async def test_errors_are_one_clear_line_and_non_zero(pipeline: Pipeline, tmp_path: Path) -> None:
    await pipeline.start_gateway()
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceType": "Bundle", "type": "collection", "entry": []}')

    no_key = await clinrelay(pipeline, "submit", str(bad), "--key", "cr_unknown")
    not_json = tmp_path / "x.json"
    not_json.write_text("{nope")
    broken = await clinrelay(pipeline, "submit", str(not_json), "--key", "cr_unknown")
    key = await pipeline.api_key("cli")
    refused = await clinrelay(pipeline, "submit", str(bad), "--key", key)

    for code, _out, err in (no_key, broken, refused):
        assert code != 0
        assert len(err.strip().splitlines()) >= 1
        assert "Traceback" not in err
    assert "unknown or revoked" in no_key[2]
    assert "not JSON" in broken[2]
    assert "Encounter" in refused[2]
