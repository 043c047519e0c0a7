from __future__ import annotations

from pathlib import Path

import pytest

from services.analyzer.coding.analysis import _infer_snomed
from services.analyzer.coding.coder import NoteText
from services.analyzer.coding.snomed import SnomedReleaseError, load_rf2_release, snomed_release
from shared.events.coding import Assertion

RELEASE = Path(__file__).parents[2] / "fixtures" / "snomed-synthetic"


def test_loader_indexes_active_disorders_and_findings_only() -> None:
    release = load_rf2_release(RELEASE)
    assert release.concepts_loaded == 2  # inactive concept and physical object left out
    assert release.terms == {
        "9000001": "Synthetic gouty arthritis",
        "9000002": "Synthetic wheezing",
    }


def test_inference_finds_synonyms_with_their_assertion() -> None:
    release = snomed_release(RELEASE)
    found = _infer_snomed([NoteText("N1", "Gout flare in the left toe. No wheeze today.")], release)
    by_concept = {(s.concept_id, s.assertion) for s in found}
    assert ("9000001", Assertion.PRESENT) in by_concept
    assert ("9000002", Assertion.NEGATED) in by_concept
    assert not any(s.concept_id == "9000003" for s in found)  # inactive: "asthma" is not indexed


def test_a_path_without_rf2_files_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SnomedReleaseError, match="sct2_Concept"):
        load_rf2_release(tmp_path)
    with pytest.raises(SnomedReleaseError, match="not a folder"):
        load_rf2_release(tmp_path / "missing")
