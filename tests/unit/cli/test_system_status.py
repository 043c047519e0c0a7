"""``clinrelay status --system`` shows each stage's figures, and says what is missing."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner
from rich.console import Console

from clinrelay.cli.reports import status
from clinrelay.cli.system_status import system_status_notes, system_status_table


def _stage(**overrides: Any) -> dict[str, Any]:
    return {
        "queue_depth": 140,
        "ready": 120,
        "in_flight": 20,
        "consumers": 2,
        "retrying": 3,
        "completed": 90,
        "failed": 1,
        "retried": 4,
        "throughput_per_minute": 6.0,
        "failure_rate": 0.0526,
        "processing_time": {"p50_ms": 850.0, "p95_ms": 61_500.0, "p99_ms": 190_000.0},
        "oldest_waiting_s": 42.5,
        "dead_letters": 1,
        **overrides,
    }


STATUS = {
    "generated_at": "2026-12-06T06:00:00Z",
    "window_s": 900,
    "stages": {
        "ingestor": _stage(),
        "analyzer": _stage(consumers=0, queue_depth=None, in_flight=None),
    },
    "outbox": {"rows": 7, "oldest_age_s": 1.5},
    "dead_letters": {"ingestor": 1},
    "broker": {"source": "amqp", "age_s": 2.0, "error": None},
}


def test_the_table_shows_each_stage_with_readable_units() -> None:
    console = Console(width=200, record=True)
    console.print(system_status_table(STATUS))
    text = console.export_text()
    ingestor = next(line for line in text.splitlines() if "ingestor" in line)
    for figure in ("140", "20", "6.0", "5.3", "850 ms", "61.5 s", "3.2 min", "42.5 s"):
        assert figure in ingestor, figure
    assert "last 15 min" in text


def test_the_notes_name_the_outbox_a_missing_consumer_and_a_partial_source() -> None:
    notes = "\n".join(system_status_notes(STATUS))
    assert "outbox: 7 row(s) waiting" in notes
    assert "no consumer on the analyzer queue" in notes
    assert "ready messages only" in notes


def test_system_and_a_report_id_are_one_or_the_other() -> None:
    runner = CliRunner()
    both = runner.invoke(status, ["--system", "some-id", "--key", "k"])
    neither = runner.invoke(status, ["--key", "k"])
    assert both.exit_code == neither.exit_code == 2
    assert "REPORT_ID or --system" in both.output
