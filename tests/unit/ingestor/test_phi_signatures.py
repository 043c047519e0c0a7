"""A line that holds only a name and a credential is a signature, whatever the name's words
are: one to three words and initials before RN, MD, RRT."""

from __future__ import annotations

import pytest

from services.ingestor.phi.detect import detect_phi

NOTE = "Plan: monitor lab results, pt may be transferred today.\n\n{line}\n"


def masked(line: str) -> list[str]:
    text = NOTE.format(line=line)
    return [text[s.start : s.end] for s in detect_phi(text)]


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("fremont deutchman, RN", "fremont deutchman"),
        ("d. bond RN", "d. bond"),
        ("m rice, RRT", "m rice"),
        ("S. Poelli RN", "S. Poelli"),
        ("KALVEN TROSK RN", "KALVEN TROSK"),
        ("strong RN", "strong"),
    ],
)
def test_a_name_alone_on_a_line_before_a_credential_is_masked(line: str, name: str) -> None:
    assert name in masked(line)


@pytest.mark.parametrize(
    "line",
    [
        "Charge RN",
        "primary RN",
        "seen by night RN",
        "Will continue to monitor per RN",
        "Report given to oncoming RN",
        "float RN",
    ],
)
def test_a_role_or_a_sentence_before_a_credential_stays(line: str) -> None:
    assert masked(line) == []
