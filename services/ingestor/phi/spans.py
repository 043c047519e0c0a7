"""What a PHI finding is: a typed, scored span of the input text."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class PhiType(StrEnum):
    """HIPAA Safe Harbor identifier kinds that occur in clinical notes."""

    NAME = "NAME"
    DATE = "DATE"
    YEAR = "YEAR"  # a year on its own: Safe Harbor allows keeping it, the policy decides
    AGE = "AGE"  # ages over 89 only
    ADDRESS = "ADDRESS"  # street address, PO box
    LOCATION = "LOCATION"  # city, hospital, ward, other place smaller than a state
    ZIP = "ZIP"
    PHONE = "PHONE"
    FAX = "FAX"
    EMAIL = "EMAIL"
    URL = "URL"
    IP = "IP"
    SSN = "SSN"
    MRN = "MRN"
    ID = "ID"  # account, licence, device, plan and other record numbers


class PhiSpan(BaseModel):
    """One PHI finding: ``text[start:end]`` is an identifier of kind ``type``.

    ``score`` is the detector's confidence in [0, 1]; ``source`` names the rule that found it
    (for evaluation, never shown downstream).
    """

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int
    type: PhiType
    score: float = Field(ge=0.0, le=1.0)
    source: str = ""


@runtime_checkable
class TrainedDetector(Protocol):
    """A detector learned from annotated notes (``services.ingestor.phi.trained``) whose
    findings join the rules' findings in :func:`~services.ingestor.phi.detect.detect_phi`."""

    def find(self, text: str) -> list[PhiSpan]:
        """PHI spans of ``text`` (offsets into it), each scored by the model's confidence."""
        ...


# When two findings overlap, the more specific kind wins the merged span.
_PRIORITY: dict[PhiType, int] = {
    PhiType.SSN: 14,
    PhiType.EMAIL: 13,
    PhiType.URL: 12,
    PhiType.IP: 11,
    PhiType.FAX: 10,
    PhiType.PHONE: 9,
    PhiType.MRN: 8,
    PhiType.ID: 7,
    PhiType.ADDRESS: 6,
    PhiType.ZIP: 5,
    PhiType.DATE: 4,
    PhiType.AGE: 4,
    PhiType.NAME: 2,
    PhiType.LOCATION: 3,
    PhiType.YEAR: 1,
}


def merge_spans(spans: Iterable[PhiSpan], text: str) -> list[PhiSpan]:
    """Resolve overlaps: overlapping findings become one span covering both.

    The merged span keeps the highest-priority type and the highest score. Findings of the
    same type separated only by spaces or a hyphen are joined too (``Karen Ann Yanulis``).
    """
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    merged: list[PhiSpan] = []
    for span in ordered:
        if span.end <= span.start:
            continue
        if merged:
            last = merged[-1]
            gap = text[last.end : span.start]
            touching = span.start < last.end or (
                span.type == last.type
                and span.type in (PhiType.NAME, PhiType.LOCATION, PhiType.ADDRESS)
                and len(gap) <= 2
                and gap.strip(" -." if last.end - last.start == 1 else " -") == ""
                and "\n" not in gap
            )
            if touching:
                winner = last if _PRIORITY[last.type] >= _PRIORITY[span.type] else span
                merged[-1] = PhiSpan(
                    start=last.start,
                    end=max(last.end, span.end),
                    type=winner.type,
                    score=max(last.score, span.score),
                    source=winner.source,
                )
                continue
        merged.append(span)
    return merged
