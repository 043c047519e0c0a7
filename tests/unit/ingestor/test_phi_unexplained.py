"""The recall net: a word nothing explains is masked; typos, clippings and terms are not."""

from __future__ import annotations

import pytest

from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.spans import PhiType
from services.ingestor.phi.tokens import tokenize
from services.ingestor.phi.unexplained import UNEXPLAINED_SCORE, default_unexplained_words


def net_finds(text: str) -> list[str]:
    return [text[s.start : s.end] for s in default_unexplained_words().find(tokenize(text))]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        # rare surnames and local places with no cue word and in no list of ours
        ("hrdlovska called re: plan, will visit", "hrdlovska"),
        ("plan discussed with team, ngozika aware", "ngozika"),
        ("FAMILY MEETING WITH PRZYBYLO AND TEAM", "PRZYBYLO"),
        ("Plan discussed, Kavaliunas aware.", "Kavaliunas"),
    ],
)
def test_a_word_nothing_explains_is_masked(text: str, word: str) -> None:
    start = text.index(word)
    # the rules alone (min_score above the net's) miss it; the net does not
    assert detect_phi(text, min_score=UNEXPLAINED_SCORE + 0.01) == []
    spans = detect_phi(text)
    assert any(s.start <= start and s.end >= start + len(word) for s in spans), spans


@pytest.mark.parametrize(
    "text",
    [
        "pt extub this am, hemodyn stable",  # clipped words
        "breathsounds diminished, tubefeeds held, siderails up",  # two words run together
        "bigemeny on monitor, rythym regular, tachypnic at times",  # typos, one or two edits
        "started lisinopril and metoprolol, levofloxacin continued",  # drug shapes
        "con't to monitor, sx'd for thick secretions",  # apostrophes and short shorthand
        "CHF, COPD, DM2; Lasix 40 IV given; Percocet prn",  # abbreviations and brand names
    ],
)
def test_explained_words_are_kept(text: str) -> None:
    assert net_finds(text) == []


def test_a_known_place_is_typed_as_a_place() -> None:
    (span,) = default_unexplained_words().find(tokenize("lives in catonsville with daughter"))
    assert span.type is PhiType.LOCATION
    assert span.score == UNEXPLAINED_SCORE
