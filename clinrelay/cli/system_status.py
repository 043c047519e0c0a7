"""``clinrelay status --system``: the figures of ``GET /v1/admin/status`` as a table."""

from __future__ import annotations

from typing import Any

from rich.table import Table

_COLUMNS = (
    ("queue", "right"),
    ("in flight", "right"),
    ("consumers", "right"),
    ("retrying", "right"),
    ("done/min", "right"),
    ("fail %", "right"),
    ("p50", "right"),
    ("p95", "right"),
    ("p99", "right"),
    ("oldest wait", "right"),
    ("dead", "right"),
)


def _count(value: int | None) -> str:
    return "–" if value is None else str(value)


def _seconds(value: float | None, *, from_ms: bool = False) -> str:
    if value is None:
        return "–"
    seconds = value / 1000 if from_ms else value
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}"


def system_status_table(status: dict[str, Any]) -> Table:
    """One row per stage: queue, consumers, work over the window, waits, dead letters."""
    minutes = status["window_s"] // 60
    table = Table(title=f"clinrelay pipeline (work over the last {minutes} min)")
    table.add_column("stage")
    for name, justify in _COLUMNS:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for stage, s in status["stages"].items():
        times = s["processing_time"]
        table.add_row(
            stage,
            _count(s["queue_depth"]),
            _count(s["in_flight"]),
            _count(s["consumers"]),
            _count(s["retrying"]),
            f"{s['throughput_per_minute']:.1f}",
            _percent(s["failure_rate"]),
            _seconds(times["p50_ms"], from_ms=True),
            _seconds(times["p95_ms"], from_ms=True),
            _seconds(times["p99_ms"], from_ms=True),
            _seconds(s["oldest_waiting_s"]),
            _count(s["dead_letters"]),
        )
    return table


def system_status_notes(status: dict[str, Any]) -> list[str]:
    """The lines under the table: outbox backlog and where the queue figures came from."""
    outbox = status["outbox"]
    broker = status["broker"]
    lines = [f"outbox: {outbox['rows']} row(s) waiting, oldest {_seconds(outbox['oldest_age_s'])}"]
    age = broker["age_s"]
    source = broker["source"]
    if source == "none":
        lines.append(f"queue figures: unavailable ({broker['error'] or 'not read yet'})")
    else:
        note = " (ready messages only: enable rabbitmq_management)" if source == "amqp" else ""
        lines.append(f"queue figures: from {source}, {_seconds(age)} old{note}")
    for stage, s in status["stages"].items():
        if s["consumers"] == 0:
            lines.append(f"warning: no consumer on the {stage} queue")
    return lines
