"""The base of every stage payload model of the safety reports (drug, device, their shared openFDA
pieces): immutable once built, no field it does not declare, and no NaN or infinity — a payload is
JSON on the wire, and JSON has neither."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PayloadModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
