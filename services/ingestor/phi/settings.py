"""The ingestor's PHI settings, read from ``CLINRELAY_PHI_*`` environment variables."""

from __future__ import annotations

from pydantic import Field, SecretStr

from services.ingestor.phi.policy import DeidPolicy, ReplacementMode
from shared.settings import Settings


class PhiSettings(Settings):
    """De-identification knobs of one deployment (on top of the shared settings)."""

    phi_policy: ReplacementMode = ReplacementMode.TAG
    phi_keep_years: bool = True
    phi_min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    phi_date_shift_secret: SecretStr | None = None
    """Keys each patient's date-shift offset. Keep it stable for the life of the deployment;
    rotating it changes every patient's offset."""
    phi_max_shift_days: int = Field(default=365, ge=1, le=3650)
    phi_note_time_budget_s: float = Field(default=2.0, gt=0)

    def deid_policy(self) -> DeidPolicy:
        return DeidPolicy(
            mode=self.phi_policy,
            keep_years=self.phi_keep_years,
            min_score=self.phi_min_score,
            date_shift_secret=self.phi_date_shift_secret,
            max_shift_days=self.phi_max_shift_days,
            note_time_budget_s=self.phi_note_time_budget_s,
        )
