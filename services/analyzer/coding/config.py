"""What a coding analysis can be told to do differently, as one picklable value.

:class:`CodingConfig` is plain data (no clients, no open files) so a worker process can receive it
with each job. The analyzer's settings (``services.analyzer.settings``) build it from
``CLINRELAY_CODING_*`` environment variables.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class HccModel(StrEnum):
    V28 = "V28"
    V24 = "V24"

    @property
    def engine_name(self) -> str:
        """The model name hccinfhir expects."""
        return f"CMS-HCC Model {self.value}"


# FFS normalization factors CMS published in the Rate Announcement of each payment year, for the
# non-PACE CMS-HCC models. Only values checked against the announcements are listed; any other
# year/model needs ``normalization_factor`` set explicitly.
PUBLISHED_NORMALIZATION_FACTORS: dict[tuple[int, HccModel], float] = {
    (2024, HccModel.V28): 1.015,
    (2024, HccModel.V24): 1.146,
    (2026, HccModel.V28): 1.067,
}

MA_CODING_PATTERN_ADJUSTMENT_MINIMUM = 0.059
"""The statutory minimum MA coding-intensity adjustment, applied by CMS every year since 2019."""


class SecondOpinionConfig(BaseModel):
    """An OpenAI-compatible chat endpoint that may review the suggestions; off unless enabled."""

    model_config = ConfigDict(frozen=True)

    enabled: bool = False
    base_url: str = ""
    """Up to and including the API version, e.g. ``http://127.0.0.1:8080/v1``."""
    model: str = ""
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=120.0, gt=0)
    retries: int = Field(default=1, ge=0, le=3)
    max_note_chars: int = Field(default=12_000, ge=500)

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> SecondOpinionConfig:
        if self.enabled and (not self.base_url or not self.model):
            raise ValueError("second opinion is enabled but its base URL or model is not set")
        return self


class CodingConfig(BaseModel):
    """Knobs of :func:`services.analyzer.coding.analyze_case`."""

    model_config = ConfigDict(frozen=True)

    hcc_model: HccModel = HccModel.V28
    payment_year: int = Field(default=2026, ge=2020, le=2035)
    normalization_factor: float | None = Field(default=None, gt=0.5, lt=2.0)
    """CMS FFS normalization factor; None takes the published one for the payment year."""
    coding_intensity_adjustment: float = Field(
        default=MA_CODING_PATTERN_ADJUSTMENT_MINIMUM, ge=0.0, lt=0.5
    )
    monthly_base_rate: float = Field(default=1_000.0, ge=0.0)
    """Plan's monthly base rate (county benchmark × bid factors) in ``currency``; ΔRAF × it × 12."""
    currency: str = "USD"
    original_entitlement_code: str = Field(default="0", pattern="^[0-3]$")
    """OREC assumed for every patient: 0 = old age (the Bundle does not say)."""
    min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    """Candidates scoring below this are not suggested."""
    snomed_release_path: Path | None = None
    """Folder of a licensed SNOMED CT RF2 release (Snapshot); None turns text inference off."""
    second_opinion: SecondOpinionConfig = SecondOpinionConfig()

    @model_validator(mode="after")
    def _normalization_known(self) -> CodingConfig:
        if self.normalization_factor is None and (
            (self.payment_year, self.hcc_model) not in PUBLISHED_NORMALIZATION_FACTORS
        ):
            known = ", ".join(f"{y} {m.value}" for y, m in PUBLISHED_NORMALIZATION_FACTORS)
            raise ValueError(
                f"no published normalization factor for payment year {self.payment_year} "
                f"{self.hcc_model.value} (known: {known}); set normalization_factor explicitly"
            )
        return self

    @property
    def effective_normalization_factor(self) -> float:
        if self.normalization_factor is not None:
            return self.normalization_factor
        return PUBLISHED_NORMALIZATION_FACTORS[(self.payment_year, self.hcc_model)]

    @property
    def normalization_source(self) -> str:
        if self.normalization_factor is not None:
            return "configured"
        return f"CMS Rate Announcement for payment year {self.payment_year}"
