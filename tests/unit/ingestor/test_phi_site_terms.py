"""A deployment's own place and staff names: parsing the file, matching whole words."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.settings import PhiSettings
from services.ingestor.phi.site_terms import (
    SiteTerm,
    SiteTermsError,
    find_site_terms,
    parse_site_terms,
)
from services.ingestor.phi.spans import PhiType

site_terms = parse_site_terms(
    [
        "# units, hospitals and staff of one deployment",
        "",
        "St. Agnes",
        "Union Memorial Hospital",
        "Union",
        "LOCATION\tQuartermain 2",
        "NAME\tOkonkwo",
        "Søndergade 52",
    ]
)


def surfaces(text: str) -> dict[str, PhiType]:
    return {text[s.start : s.end]: s.type for s in find_site_terms(text, site_terms)}


def test_the_file_format() -> None:
    assert site_terms == (
        SiteTerm(text="St. Agnes"),
        SiteTerm(text="Union Memorial Hospital"),
        SiteTerm(text="Union"),
        SiteTerm(text="Quartermain 2"),
        SiteTerm(text="Okonkwo", type=PhiType.NAME),
        SiteTerm(text="Søndergade 52"),
    )


def test_whole_words_whatever_the_case_punctuation_and_spacing() -> None:
    assert surfaces("came from ST AGNES, then st.agnes's ER") == {
        "ST AGNES": PhiType.LOCATION,
        "st.agnes's": PhiType.LOCATION,
    }
    assert surfaces("back to QUARTERMAIN  2 tonight") == {"QUARTERMAIN  2": PhiType.LOCATION}
    assert surfaces("discussed with okonkwo") == {"okonkwo": PhiType.NAME}
    assert surfaces("reunion planned; unionized staff; Quartermain 20") == {}
    assert surfaces("moved to SØNDERGADE 52") == {"SØNDERGADE 52": PhiType.LOCATION}


def test_the_longest_term_wins() -> None:
    assert surfaces("seen at Union Memorial Hospital and Union") == {
        "Union Memorial Hospital": PhiType.LOCATION,
        "Union": PhiType.LOCATION,
    }


def test_detection_uses_them_above_the_rules() -> None:
    text = "Pt to Quartermain 2 from union memorial hospital."
    assert not any(s.source == "site" for s in detect_phi(text))
    found = {text[s.start : s.end]: s.type for s in detect_phi(text, site_terms=site_terms)}
    assert found == {"Quartermain 2": PhiType.LOCATION, "union memorial hospital": PhiType.LOCATION}


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("WARD\tQuartermain", "LOCATION or NAME"),
        ("NAME\t  ", "at least 3"),
        ("..", "at least 3"),
        ("a b c d e f g h i", "at most 8 words"),
    ],
)
def test_a_bad_line_is_named(line: str, problem: str) -> None:
    with pytest.raises(SiteTermsError, match=rf"line 2: .*{problem}") as raised:
        parse_site_terms(["Harbor", line])
    assert "Quartermain" not in str(raised.value)  # a staff or ward name is never echoed


def test_settings_refuse_a_file_that_cannot_be_used(tmp_path: Path) -> None:
    bad = tmp_path / "site.txt"
    bad.write_text("NAME\tOkonkwo\nWARD\tQuartermain\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="line 2"):
        PhiSettings(phi_site_terms_file=bad)
    with pytest.raises(ValidationError, match="cannot read"):
        PhiSettings(phi_site_terms_file=tmp_path / "missing.txt")
    good = tmp_path / "good.txt"
    good.write_text("NAME\tOkonkwo\n", encoding="utf-8")
    policy = PhiSettings(phi_site_terms_file=good).deid_policy()
    assert policy.site_terms == (SiteTerm(text="Okonkwo", type=PhiType.NAME),)
