"""Tokens and sentences of de-identified clinical text."""

from __future__ import annotations

import pytest

from services.analyzer.coding.segmentation import TokenKind, split_sentences, tokenize


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_tokens_keep_offsets_contractions_and_decimals() -> None:
    text = "Pt doesn't have Crohn's; temp 38.5 at 10:30, h/o MI b.i.d. [NAME]"
    tokens = tokenize(text)
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert [t.text for t in tokens] == [
        "Pt", "doesn't", "have", "Crohn's", ";", "temp", "38.5", "at", "10:30", ",",
        "h", "/", "o", "MI", "b.i.d.", "[", "NAME", "]",
    ]  # fmt: skip
    assert tokens[6].kind is TokenKind.NUMBER


def test_curly_apostrophes_match_like_straight_ones() -> None:
    assert tokenize("doesn’t")[0].lower == "doesn't"


def test_line_breaks_are_tokens() -> None:
    kinds = [t.kind for t in tokenize("Fever\n\nCough")]
    assert kinds == [TokenKind.WORD, TokenKind.NEWLINE, TokenKind.WORD]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # PHI tags and surrogate names after titles
        (
            "Seen by [NAME] on [DATE]. Denies fever. [NAME] reports gout.",
            ["Seen by [NAME] on [DATE].", "Denies fever.", "[NAME] reports gout."],
        ),
        (
            "No cough. Dr. Maria Lopez notes asthma. Mr. Grant denies wheezing.",
            ["No cough.", "Dr. Maria Lopez notes asthma.", "Mr. Grant denies wheezing."],
        ),
        # abbreviations, genus names, decimals, dotted abbreviations
        (
            "Culture grew E. coli. Started ceftriaxone.",
            ["Culture grew E. coli.", "Started ceftriaxone."],
        ),
        (
            "Temp 38.5 today. Metoprolol 25 mg b.i.d. for rate.",
            ["Temp 38.5 today.", "Metoprolol 25 mg b.i.d. for rate."],
        ),
        ("Thrombus (AML vs. Lipoma) seen.", ["Thrombus (AML vs. Lipoma) seen."]),
        ("Seen on Jan. 5 for pain. Better.", ["Seen on Jan. 5 for pain.", "Better."]),
        (
            "Pain improved, no new complaints etc. Gout stable.",
            ["Pain improved, no new complaints etc.", "Gout stable."],
        ),
        # punctuation runs and closing brackets stay with their sentence
        (
            "Is it gout?! (Likely.) Start colchicine.",
            ["Is it gout?!", "(Likely.)", "Start colchicine."],
        ),
        # a missing space after the full stop still ends the sentence before a capital
        ("Denies fever.Cough present", ["Denies fever.", "Cough present"]),
        # line breaks: list items and headings start sentences, wrapped prose does not
        ("Denies fever\nAsthma\nGout", ["Denies fever", "Asthma", "Gout"]),
        ("Denies fever and\nchills today", ["Denies fever and\nchills today"]),
        ("Problems:\n- asthma\n- gout", ["Problems:", "- asthma", "- gout"]),
        ("Seen today\n[NAME] reports gout", ["Seen today", "[NAME] reports gout"]),
        ("no fever\n\ncough", ["no fever", "cough"]),
        ("", []),
        ("   \n  ", []),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_sentences_carry_token_ranges() -> None:
    text = "No fever. Gout."
    tokens = tokenize(text)
    first, second = split_sentences(text, tokens)
    assert [t.text for t in tokens[first.first : first.stop]] == ["No", "fever", "."]
    assert [t.text for t in tokens[second.first : second.stop]] == ["Gout", "."]
