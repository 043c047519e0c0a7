"""What a deployment does with the PHI it finds."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from services.ingestor.phi.site_terms import SiteTerm
from services.ingestor.phi.spans import TrainedDetector


class ReplacementMode(StrEnum):
    TAG = "tag"
    """Every finding becomes its type in brackets: ``[NAME]``, ``[DATE]``."""
    SURROGATE = "surrogate"
    """Realistic fake values, consistent within a report; dates shifted (see SHIFT)."""
    SHIFT = "shift"
    """Dates shifted by the patient's offset (intervals preserved); everything else tagged."""


class DeidPolicy(BaseModel):
    """How notes are de-identified in one deployment."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    mode: ReplacementMode = ReplacementMode.TAG
    keep_years: bool = True
    """Safe Harbor lets a year on its own stay (ages over 89 are still removed)."""
    min_score: float = Field(default=0.5, ge=0.0, le=1.0)
    """Findings with a lower confidence are left in the text (lower it for more recall)."""
    date_shift_secret: SecretStr | None = None
    """Deployment secret that keys each patient's date-shift offset (HMAC). Without it every
    report gets a fresh random offset: intervals stay right, but reports of one patient differ."""
    max_shift_days: int = Field(default=365, ge=1, le=3650)
    """Offsets are drawn from 1..max_shift_days days into the past."""
    note_time_budget_s: float = Field(default=2.0, gt=0)
    """CPU seconds a note may use per 10 KB of text (:mod:`~.budget`); a note past it is not
    passed on (fail closed) and the attempt is retried, instead of blocking the stage."""
    note_wall_ceiling_s: float = Field(default=120.0, gt=0)
    """Wall-clock ceiling per note, whatever the CPU budget says (a thread starved for minutes)."""
    site_terms: tuple[SiteTerm, ...] = ()
    """The deployment's own hospitals, wards and staff names (:mod:`~.site_terms`)."""
    model: TrainedDetector | None = None
    """A detector trained on the deployment's own annotated notes (``clinrelay deid train``);
    its findings join the rules' findings."""
