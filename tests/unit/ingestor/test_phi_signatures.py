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


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("h hassim, RN may. 24th 10:42", "h hassim"),
        ("roger o'preton, MD, FACC", "roger o'preton"),
        ("Tamsin Orrell, MD CCFP", "Tamsin Orrell"),
    ],
)
def test_a_signature_keeps_its_credentials_date_and_time_after_it(line: str, name: str) -> None:
    found = masked(line)
    assert any(name in m or m in name for m in found)
    assert not any(m in ("CCFP", "FACC") for m in found)
