"""The verdict convention's code relations (``upgrades.py``), pinned by ICD-10-CM structure with
codes other than the examples the rules were found on: a billed code that a documented one states
more specifically is an upgrade; one the documented code contradicts is not."""

from __future__ import annotations

import pytest

from services.analyzer.coding import codeset
from services.analyzer.coding.code_detail import affirmed_words, denied, denies, detail
from services.analyzer.coding.upgrades import conflicting, is_upgrade


@pytest.mark.parametrize(
    ("billed", "better"),
    [
        # An unspecified 7th character (side, stage, fetus) is refined by a stated one.
        ("E10.3559", "E10.3552"),
        ("H40.1110", "H40.1112"),
        ("O36.5930", "O36.5931"),
        # An unspecified code whose family holds the documented code's family: a sleep apnea
        # is a sleep disorder, even when its own type is unspecified.
        ("G47.9", "G47.30"),
        ("G47.9", "G47.33"),
        # "without complications" is the category's default, not a denial of one complication.
        ("E10.9", "E10.22"),
        # A "without" clause the better code keeps is no contradiction.
        ("K57.90", "K57.30"),
    ],
)
def test_more_specific_documentation_is_an_upgrade(billed: str, better: str) -> None:
    assert is_upgrade(billed, better)


@pytest.mark.parametrize(
    ("billed", "documented"),
    [
        # Another stated 7th character: another side, another encounter stage.
        ("E10.3551", "E10.3552"),
        ("S72.001A", "S72.001D"),
        ("H40.1112", "H40.1113"),
        # A "without" clause naming what the documented code has.
        ("I13.10", "I13.0"),  # without heart failure / with heart failure
        ("K25.9", "K25.4"),  # without hemorrhage / with hemorrhage
        ("K21.9", "K21.00"),  # without esophagitis / with esophagitis
        ("R65.20", "R65.21"),  # without septic shock / with septic shock
        # A "without" clause ends at a "with" that starts a detail of its own.
        ("K57.92", "K57.93"),  # ... without perforation or abscess without / with bleeding
        ("K80.20", "K80.21"),  # ... without cholecystitis without / with obstruction
        # Same family, no more said: unspecified depression is no major depressive episode.
        ("F32.A", "F32.9"),
        ("F32.9", "F32.A"),
    ],
)
def test_contradicting_documentation_is_no_upgrade(billed: str, documented: str) -> None:
    assert not is_upgrade(billed, documented)


def test_seventh_characters_are_read_from_the_ancestor_that_defines_them() -> None:
    assert codeset.seventh_character("M84.361A") == ("A", "initial encounter for fracture")
    assert codeset.seventh_character("O36.5931") == ("1", "fetus 1")
    assert codeset.seventh_character("E10.3552") == ("2", "left eye")
    assert codeset.seventh_character("I13.0") is None
    assert codeset.seventh_character("M84.361") is None


def test_conflicting_codes_state_different_sides_or_7th_characters() -> None:
    assert conflicting("S72.001A", "S72.001D")
    assert conflicting("E10.3551", "E10.3552")
    assert not conflicting("E10.3559", "E10.3552")  # unspecified eye states no side
    assert not conflicting("W01.0XXA", "S72.001A")
    assert not conflicting("I13.0", "I50.22")


def test_a_without_clause_denies_named_conditions_only() -> None:
    assert denied("I13.10") >= {"failure"}
    assert {"hemorrhage", "perforation"} <= denied("K25.9")
    assert denied("E10.9") == frozenset()  # "without complications"
    assert "aura" not in denied("G43.009")  # "migraine without aura" is a kind of migraine
    assert "hemorrhage" in detail("K57.93")  # "... without perforation or abscess with bleeding"
    assert "hemorrhage" not in denied("K57.93")
    assert denies("I13.10", "I13.0")
    assert not denies("E10.9", "E10.65")


def test_negated_words_are_not_affirmed_within_their_clause() -> None:
    words = affirmed_words("Asthma, mild persistent - no acute exacerbation this visit. Wheezing.")
    assert "exacerbation" not in words
    assert {"asthma", "wheezing"} <= words
    assert "exacerbation" in affirmed_words("No fever. Asthma with acute exacerbation today.")
    assert "exacerbation" not in affirmed_words("Exacerbation in the past month: [ ] Yes [x] No")


def test_excludes1_notes_are_read_with_their_ancestors_and_ranges() -> None:
    assert codeset.excludes1("N20.0") == ("E83.59", "N13.2")  # from N20
    assert {"O13", "O14", "O15", "O16"} <= set(codeset.excludes1("I10"))  # "O13-O16"
    assert "N30" in codeset.excludes1("N39.0")  # "cystitis (N30.-)"


def test_use_additional_code_notes_name_categories() -> None:
    assert {"N18", "Z79"} <= codeset.additional_categories("E11.22")
    assert {"I50", "N18"} <= codeset.additional_categories("I13.0")
    assert codeset.additional_categories("Z68.41") == frozenset()  # Z68 is its own parent


@pytest.mark.parametrize(
    ("billed", "documented", "upgrade"),
    [
        # Hypertension with heart or kidney disease: the combination is the only correct code.
        ("I10", "I13.10", True),
        ("I10", "I12.0", True),
        ("I11.9", "I13.0", False),  # another category, and "without heart failure"
        # CKD stages: unspecified refined, a stated stage never another.
        ("N18.9", "N18.5", True),
        ("N18.30", "N18.32", True),
        ("N18.4", "N18.5", False),
        ("N18.31", "N18.32", False),
        # COPD: unspecified refined to exacerbation or infection, never one for the other.
        ("J44.9", "J44.0", True),
        ("J44.0", "J44.1", False),
        ("J44.1", "J44.9", False),
        # Sepsis: an unspecified organism refined; severe sepsis with / without shock apart.
        ("A41.9", "A41.52", True),
        ("A41.50", "A41.52", True),
        ("A41.52", "A41.9", False),
        ("R65.21", "R65.20", False),
        # Diabetes: the default refined within the type, never across types.
        ("E10.9", "E10.641", True),
        ("E10.9", "E11.9", False),
        ("E10.649", "E10.641", False),  # "without coma" / with coma
        # History against current, in both directions.
        ("Z87.891", "F17.211", False),
        ("F17.211", "Z87.891", False),
        ("C61", "Z85.46", False),
    ],
)
def test_relations_of_the_families_a_claim_review_meets(
    billed: str, documented: str, upgrade: bool
) -> None:
    assert is_upgrade(billed, documented) is upgrade
