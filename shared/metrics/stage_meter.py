"""The runner's view of the stage metrics: one object per stage, label children bound once.

Binding the ``stage`` label up front keeps the per-message cost to a few lock-free increments
(measured in bench/transport.py: the hop with and without metrics).
"""

from __future__ import annotations

from collections.abc import Mapping

from shared.metrics import registry as m


class StageMeter:
    def __init__(self, stage: str) -> None:
        self.stage = stage
        self._consumed = m.STAGE_CONSUMED.labels(stage)
        self._retried = m.STAGE_RETRIED.labels(stage)
        self._duplicates = m.STAGE_DUPLICATES.labels(stage)
        self.in_flight = m.STAGE_IN_FLIGHT.labels(stage)

    def consumed(self) -> None:
        self._consumed.inc()

    def duplicate(self) -> None:
        self._duplicates.inc()

    def completed(self, kind: str, seconds: float, parts: Mapping[str, float]) -> None:
        m.STAGE_COMPLETED.labels(self.stage, kind).inc()
        m.STAGE_PROCESSING.labels(self.stage, kind).observe(seconds)
        for part, part_seconds in parts.items():
            m.STAGE_PART.labels(self.stage, part).observe(part_seconds)

    def failed(self, kind: str, *, permanent: bool) -> None:
        m.STAGE_FAILED.labels(self.stage, kind, "true" if permanent else "false").inc()

    def retried(self) -> None:
        self._retried.inc()

    def parked(self, reason: str) -> None:
        m.STAGE_PARKED.labels(self.stage, reason).inc()


def report_finished(kind: str, status: str, duration_s: float | None) -> None:
    """A report reached COMPLETE or FAILED (counted once, by the transaction that ended it)."""
    m.REPORTS_FINISHED.labels(kind, status).inc()
    if duration_s is not None:
        m.REPORT_DURATION.labels(kind, status).observe(duration_s)
