"""With PROMETHEUS_MULTIPROC_DIR set, /metrics adds up what every worker process recorded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.metrics_text import value

WORKER = """
from shared.metrics import registry as m
m.STAGE_CONSUMED.labels("renderer").inc(3)
m.STAGE_IN_FLIGHT.labels("renderer").inc()
import os; print(os.getpid())
"""
SCRAPE = """
import sys
from shared.metrics import exposition
for pid in sys.argv[1:]:
    exposition.process_exited(int(pid))
print(exposition.render().decode())
"""


def _run(code: str, directory: Path, *args: str) -> str:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(directory), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_workers_counts_are_summed_and_dead_workers_gauges_dropped(tmp_path: Path) -> None:
    first = _run(WORKER, tmp_path).strip()
    second = _run(WORKER, tmp_path).strip()
    page = _run(SCRAPE, tmp_path)
    assert value(page, "clinrelay_stage_messages_consumed_total", stage="renderer") == 6
    assert value(page, "clinrelay_stage_messages_in_flight", stage="renderer") == 2
    # A worker that exited holds nothing in flight: the parent marks it dead, counts stay.
    page = _run(SCRAPE, tmp_path, first, second)
    assert value(page, "clinrelay_stage_messages_consumed_total", stage="renderer") == 6
    assert value(page, "clinrelay_stage_messages_in_flight", stage="renderer") == 0
