"""A trained detector's findings join the rules' findings (services.ingestor.phi.trained)."""

from __future__ import annotations

from dataclasses import dataclass

from services.ingestor.phi.deidentify import deidentify_note
from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.policy import DeidPolicy
from services.ingestor.phi.spans import PhiSpan, PhiType


@dataclass
class WordDetector:
    """Stands in for a trained model: finds one word, with a fixed confidence."""

    word: str
    kind: PhiType
    score: float

    def find(self, text: str) -> list[PhiSpan]:
        start = text.find(self.word)
        if start < 0:
            return []
        end = start + len(self.word)
        return [PhiSpan(start=start, end=end, type=self.kind, score=self.score, source="model")]


NOTE = "Transferred from Quartermain 4 on 7/22 per Dr. Okonkwo."


def test_the_models_findings_join_the_rules() -> None:
    model = WordDetector("Quartermain", PhiType.LOCATION, 0.9)
    with_model = {NOTE[s.start : s.end] for s in detect_phi(NOTE, model=model)}
    assert "Quartermain" in with_model
    assert {"7/22", "Okonkwo"} <= with_model


def test_a_model_finding_below_the_minimum_score_is_dropped() -> None:
    model = WordDetector("Transferred", PhiType.NAME, 0.3)
    assert not any(s.start == 0 for s in detect_phi(NOTE, model=model, min_score=0.5))
    assert any(s.start == 0 for s in detect_phi(NOTE, model=model, min_score=0.2))


def test_the_policy_carries_the_model_to_every_note() -> None:
    policy = DeidPolicy(model=WordDetector("Transferred", PhiType.NAME, 0.9))
    assert deidentify_note(NOTE, policy=policy).text.startswith("[NAME] from")
