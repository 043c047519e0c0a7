"""The ingestor's PHI settings, read from ``CLINRELAY_PHI_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from services.ingestor.phi.policy import DeidPolicy, ReplacementMode
from services.ingestor.phi.site_terms import load_site_terms
from services.ingestor.phi.trained import load_model
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
    """CPU seconds per 10 KB of note text (services/ingestor/phi/budget.py)."""
    phi_note_wall_ceiling_s: float = Field(default=120.0, gt=0)
    phi_site_terms_file: Path | None = None
    """The deployment's own hospitals, wards and staff names, one a line (docs/phi.md)."""
    phi_model: Path | None = None
    """A PHI detector trained with ``clinrelay deid train`` (docs/phi.md); its findings join the
    rules'. Read once, when the stage starts: a file that is missing or damaged stops it."""
    phi_model_threshold: float | None = Field(default=None, gt=0.0, le=1.0)
    """Overrides the model's stored threshold: a token is PHI when the model's probability that
    it is PHI reaches it (lower: more recall, less precision)."""

    @field_validator("phi_site_terms_file")
    @classmethod
    def _site_terms_readable(cls, path: Path | None) -> Path | None:
        if path is not None:
            load_site_terms(path)  # a bad file stops the service at start, naming the line
        return path

    def deid_policy(self) -> DeidPolicy:
        """The policy of this deployment; loads the trained model (call it once per worker)."""
        return DeidPolicy(
            mode=self.phi_policy,
            keep_years=self.phi_keep_years,
            min_score=self.phi_min_score,
            date_shift_secret=self.phi_date_shift_secret,
            max_shift_days=self.phi_max_shift_days,
            note_time_budget_s=self.phi_note_time_budget_s,
            note_wall_ceiling_s=self.phi_note_wall_ceiling_s,
            site_terms=load_site_terms(self.phi_site_terms_file)
            if self.phi_site_terms_file
            else (),
            model=load_model(self.phi_model, self.phi_model_threshold) if self.phi_model else None,
        )
