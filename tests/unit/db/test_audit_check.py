"""The audit check on trails built in memory: which event it names, and why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from shared.db.audit import first_problem
from shared.db.reports import Step, event_hash, hashed_fields
from shared.events import ReportStatus

REPORT = uuid4()
AT = datetime(2026, 12, 6, tzinfo=UTC)


def trail(n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    prev: bytes | None = None
    for seq in range(1, n + 1):
        step = Step(
            actor="a",
            step=f"s{seq}",
            outcome="ok",
            status=ReportStatus.PROCESSING,
            progress_percent=seq,
            message=None,
            details={},
        )
        digest = event_hash(prev, hashed_fields(REPORT, seq, AT, step))
        rows.append(
            {
                "seq": seq,
                "at": AT,
                "actor": "a",
                "step": f"s{seq}",
                "outcome": "ok",
                "status": "PROCESSING",
                "progress_percent": seq,
                "message": None,
                "details": {},
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return rows


def test_an_untouched_trail_has_no_problem() -> None:
    rows = trail(4)
    assert first_problem(REPORT, rows, 4, rows[-1]["hash"]) is None


def test_an_edited_event_is_named_altered() -> None:
    rows = trail(4)
    rows[1]["message"] = "edited"
    assert first_problem(REPORT, rows, 4, rows[-1]["hash"]) == (2, "altered")


def test_removed_last_events_are_named_by_the_first_gone() -> None:
    rows = trail(5)
    last = rows[-1]["hash"]
    assert first_problem(REPORT, rows[:3], 5, last) == (4, "missing")


def test_a_gap_names_the_event_missing() -> None:
    rows = trail(4)
    assert first_problem(REPORT, [rows[0], *rows[2:]], 4, rows[-1]["hash"]) == (2, "missing")


def test_an_event_beyond_the_reports_count_is_unexpected() -> None:
    rows = trail(4)
    assert first_problem(REPORT, rows, 3, rows[2]["hash"]) == (4, "unexpected")


def test_a_replaced_last_event_shows_against_the_reports_last_hash() -> None:
    rows = trail(3)
    assert first_problem(REPORT, rows, 3, b"\x00" * 32) == (3, "altered")
