"""Ingestor configuration (``CLINRELAY_*`` environment variables)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from services.ingestor.openfda.settings import OpenFdaSettings
from services.ingestor.phi.settings import PhiSettings


class IngestorSettings(PhiSettings, OpenFdaSettings):
    """The ingestor's knobs, with de-identification's and openFDA's (and the CER scheduler's)."""

    ingestor_prefetch: int = Field(default=8, ge=1, le=500)
    raw_input_retention: timedelta = timedelta(days=30)
    """How long a report's raw input (with PHI) is kept after the report ended. ISO 8601 (P7D)
    or seconds."""
    raw_input_purge_interval_s: float = Field(default=3600.0, gt=0)
