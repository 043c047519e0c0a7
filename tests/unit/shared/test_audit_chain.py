"""The audit chain's canonical form: stored trails must keep verifying across releases.

(Which event a check names, and why, is tests/unit/db/test_audit_check.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from shared.db.reports import Step, event_hash, hashed_fields
from shared.events import ReportStatus

REPORT = UUID("6f1c1e4e-2f55-4a53-9b4e-5d7f0c1d2a3b")


def test_the_canonical_form_is_stable() -> None:
    # A change to how events are serialised for hashing (key order, time format, which fields)
    # would make every stored trail look tampered with.
    step = Step("gateway", "accepted", "accepted", ReportStatus.PENDING, 0)
    at = datetime(2026, 3, 1, 9, 30, 1, tzinfo=UTC)
    digest = event_hash(None, hashed_fields(REPORT, 1, at, step))
    assert digest.hex() == "cabda94b0e384a2c9c8768115cb45e692cfed4ba6b8fa14b69cc3ff594b9ae58"


def test_the_hash_covers_the_previous_hash() -> None:
    step = Step("ingestor", "ingesting", "started", ReportStatus.PROCESSING, 10)
    at = datetime(2026, 3, 1, 9, 30, 2, tzinfo=UTC)
    fields = hashed_fields(REPORT, 2, at, step)
    assert event_hash(b"\x00" * 32, fields) != event_hash(b"\x01" * 32, fields)
