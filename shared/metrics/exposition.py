"""``/metrics``: the text every Prometheus server scrapes, in one or many processes.

With ``PROMETHEUS_MULTIPROC_DIR`` set (a service running several worker processes, e.g. uvicorn
``--workers``), each process writes its samples to files there and a scrape merges them; without
it, the process's own registry is rendered. The directory must be empty when the service starts
(the container's entrypoint or ``clinrelay up`` clears it).
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def render() -> bytes:
    """The current samples of every clinrelay metric in the text exposition format."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def process_exited(pid: int) -> None:
    """Let a dead worker's live gauges go (multiprocess mode only; call from the parent)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
