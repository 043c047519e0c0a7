"""An accepted request: what to store, and what may travel on the bus."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.events import ReportKind


@dataclass(frozen=True)
class Submission:
    kind: ReportKind
    fingerprint: bytes
    """SHA-256 of the canonical request, to recognise a repeated Idempotency-Key."""
    parameters: dict[str, Any] = field(default_factory=dict)
    """PHI-free request parameters: stored on the report and sent with report.requested."""
    raw_input: bytes | None = None
    """Input that may hold PHI (a FHIR Bundle): stored for the ingestor alone."""
    input_media_type: str = "application/fhir+json"
