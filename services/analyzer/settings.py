"""Analyzer configuration from ``CLINRELAY_*`` environment variables.

Coding knobs (all optional)::

    CLINRELAY_CODING_TIMEOUT_S=120                 # per report, in a worker; then retried
    CLINRELAY_CODING_HCC_MODEL=V28                 # or V24
    CLINRELAY_CODING_PAYMENT_YEAR=2026
    CLINRELAY_CODING_NORMALIZATION_FACTOR=         # empty: CMS's published factor for the year
    CLINRELAY_CODING_INTENSITY_ADJUSTMENT=0.059    # MA coding pattern adjustment
    CLINRELAY_CODING_MONTHLY_BASE_RATE=1000
    CLINRELAY_CODING_CURRENCY=USD
    CLINRELAY_CODING_MIN_SCORE=0.5
    CLINRELAY_SNOMED_RF2_PATH=                     # licensed SNOMED CT RF2 release folder
    CLINRELAY_SECOND_OPINION_ENABLED=false
    CLINRELAY_SECOND_OPINION_BASE_URL=             # e.g. http://127.0.0.1:8080/v1
    CLINRELAY_SECOND_OPINION_MODEL=
    CLINRELAY_SECOND_OPINION_API_KEY=
    CLINRELAY_SECOND_OPINION_TIMEOUT_S=120
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from services.analyzer.coding.config import (
    MA_CODING_PATTERN_ADJUSTMENT_MINIMUM,
    CodingConfig,
    HccModel,
    SecondOpinionConfig,
)
from shared.settings import Settings


class AnalyzerSettings(Settings):
    service_name: str = "clinrelay-analyzer"
    analyzer_prefetch: int = Field(default=2, ge=1, le=100)
    """Messages one replica holds; keep it near the worker count (the work is CPU-bound)."""
    analyzer_workers: int = Field(default=1, ge=1, le=64)
    """Processes coding notes in parallel (each loads the NLP pipeline and the code index)."""
    coding_timeout_s: float = Field(default=120.0, gt=0)
    """Time limit for coding one report in a worker: a report still being coded after it is
    abandoned (its worker killed and replaced) and the attempt retried after the back-off."""
    analyzer_startup_timeout_s: float = Field(default=300.0, gt=0)
    """How long a coding worker may take to load the NLP pipeline and the code index."""

    coding_hcc_model: HccModel = HccModel.V28
    coding_payment_year: int = 2026
    coding_normalization_factor: float | None = None
    coding_intensity_adjustment: float = Field(
        default=MA_CODING_PATTERN_ADJUSTMENT_MINIMUM, ge=0.0, lt=0.5
    )
    coding_monthly_base_rate: float = Field(default=1_000.0, ge=0.0)
    coding_currency: str = "USD"
    coding_min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    snomed_rf2_path: Path | None = None

    second_opinion_enabled: bool = False
    second_opinion_base_url: str = ""
    second_opinion_model: str = ""
    second_opinion_api_key: SecretStr | None = None
    second_opinion_timeout_s: float = Field(default=120.0, gt=0)

    def coding_config(self) -> CodingConfig:
        """The picklable configuration :func:`analyze_case` takes (validated here, at start-up)."""
        return CodingConfig(
            hcc_model=self.coding_hcc_model,
            payment_year=self.coding_payment_year,
            normalization_factor=self.coding_normalization_factor,
            coding_intensity_adjustment=self.coding_intensity_adjustment,
            monthly_base_rate=self.coding_monthly_base_rate,
            currency=self.coding_currency,
            min_score=self.coding_min_score,
            snomed_release_path=self.snomed_rf2_path,
            second_opinion=SecondOpinionConfig(
                enabled=self.second_opinion_enabled,
                base_url=self.second_opinion_base_url,
                model=self.second_opinion_model,
                api_key=self.second_opinion_api_key,
                timeout_s=self.second_opinion_timeout_s,
            ),
        )
