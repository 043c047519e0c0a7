"""Ingestor configuration (``CLINRELAY_*`` environment variables)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from services.ingestor.openfda.settings import OpenFdaSettings


class IngestorSettings(OpenFdaSettings):
    """The ingestor's knobs, with openFDA's and the CER scheduler's (``OpenFdaSettings``)."""

    ingestor_prefetch: int = Field(default=8, ge=1, le=500)
    raw_input_retention: timedelta = timedelta(days=7)
    """How long a report's raw input (with PHI) is kept after the report ended. ISO 8601 (P7D)
    or seconds."""
    raw_input_purge_interval_s: float = Field(default=3600.0, gt=0)
