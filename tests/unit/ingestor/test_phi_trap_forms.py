"""Traps by form (round 8): what names a clinical thing stays — drugs and brands (FDA UNII
names), eponyms of scores, tests, signs and devices by the shape of what follows them, compound
eponyms, scores written with a slash, a month used as a verb — and the person, organisation or
place standing next to each is still masked."""

from __future__ import annotations

import pytest

from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.lexicon import load_lexicon
from services.ingestor.phi.unexplained import UnexplainedWords, load_vocabulary


def masked(text: str) -> list[str]:
    return [text[s.start : s.end] for s in detect_phi(text)]


def overlaps(text: str, word: str) -> bool:
    start = text.index(word)
    end = start + len(word)
    return any(s.start < end and start < s.end for s in detect_phi(text))


# (note, the trap that must stay, the PHI beside it that must be masked)
TRAP_AND_PHI = [
    # a score or grade after an eponym the lexicon knows
    ("Karnofsky 60 on review; niece Wilhelmina Quarrie drove her in.", "Karnofsky", "Quarrie"),
    ("Fracture classed Gustilo IIIB. Brother Ambrose Tulloch at bedside.", "Gustilo", "Tulloch"),
    ("Hinchey III on CT, seen with Dr. Oyenuga.", "Hinchey", "Oyenuga"),
    ("Schatzker VI plateau fx; wife Clementine Arbuthnot aware.", "Schatzker", "Arbuthnot"),
    ("BEIGHTON 7 - SON FERGAL MCANDREW UPDATED.", "BEIGHTON", "MCANDREW"),
    # the other half of a compound eponym, joined by a hyphen or by "and"
    ("Burns mapped on a Lund-Browder chart; husband Tobiah Farrant present.", "Lund", "Farrant"),
    ("Staged Hoehn and Yahr 3 by Dr. Marchetti-Vale.", "Hoehn", "Marchetti-Vale"),
    # a head noun after one word between
    (
        "Philadelphia cervical collar on; daughter Perdita Hollingworth called.",
        "Philadelphia",
        "Hollingworth",
    ),
    ("Kayser-Fleischer rings on slit lamp. Partner Ottoline Brisco.", "Kayser", "Brisco"),
    ("Argyll Robertson pupils noted; referred by Dr. Nwachukwu.", "Robertson", "Nwachukwu"),
    # an accented compound eponym is one word
    ("Known Guillain-Barré syndrome; wife Rosamund Keverne is HCP.", "Barré", "Keverne"),
    # a dose after a drug or brand name
    ("Started Vyvanse 30 mg qam. Mother Honoria Pengelly agrees.", "Vyvanse", "Pengelly"),
    ("Alora 0.05 patch twice weekly; pharmacist Ysolde Trethewey.", "Alora", "Trethewey"),
    # drugs, stains, organisms and languages no name list holds are explained words
    ("Tzanck smear negative; Kinyoun stain negative. Called Dr. Abiodun.", "Tzanck", "Abiodun"),
    ("Speaks Ilocano only; grandson Teodoro Malabanan interprets.", "Ilocano", "Malabanan"),
    ("Qulipta 60 daily for migraine, per Dr. Szczepanik.", "Qulipta", "Szczepanik"),
    # a score written with a slash after an eponym is no date
    ("Beighton 6/9 at clinic; mother Jessamy Roskilly.", "6/9", "Roskilly"),
    # a month used as a verb
    ("Able to march in place x 30 s; PT Oriel Damerell, DPT.", "march", "Damerell"),
    ("PT WILL MARCH IN PLACE TODAY. SISTER MORWENNA KITTO VISITING.", "MARCH", "MORWENNA"),
    # "mRS" is the modified Rankin scale, not a title
    ("mRS (Rankin) 3 pre-stroke; son Leofric Pascoe gave history.", "Rankin", "Pascoe"),
]


@pytest.mark.parametrize(("text", "trap", "phi"), TRAP_AND_PHI)
def test_the_trap_stays_and_the_phi_beside_it_is_masked(text: str, trap: str, phi: str) -> None:
    assert not overlaps(text, trap)
    assert overlaps(text, phi)


def test_a_common_surname_before_a_month_and_day_is_still_a_person() -> None:
    # "Morgan" is an eponym too (Dennie-Morgan folds), but a date may follow a person's name
    text = "Seen by Morgan 3/12 in clinic."
    assert overlaps(text, "Morgan")
    assert overlaps(text, "3/12")


def test_a_ward_named_by_an_unknown_word_keeps_its_floor_number() -> None:
    assert overlaps("Transferred to Quellwater 4 overnight.", "Quellwater")


def test_a_drug_that_is_a_given_name_needs_a_unit_or_a_frequency() -> None:
    assert not overlaps("Allegra 180 mg daily for hay fever.", "Allegra")
    assert overlaps("Allegra 12 came with her mother Sidonie Varga.", "Varga")


def test_a_title_keeps_an_eponym_a_person() -> None:
    assert overlaps("Dr. Karnofsky 60 minutes late to clinic.", "Karnofsky")


def test_drug_names_and_eponyms_explain_words_to_the_net_but_names_and_places_do_not() -> None:
    lex = load_lexicon()
    net = UnexplainedWords(lex)
    assert "westergren" in lex.proper_terms
    assert net.explained("westergren")
    assert "vyvanse" in lex.drugs
    assert net.explained("vyvanse")
    # a place or a common name in the clinical lists stays under the net's eye
    assert "philadelphia" in lex.proper_terms
    assert "philadelphia" not in load_vocabulary().exact
    assert "morgan" not in load_vocabulary().exact


def test_a_drug_name_explains_itself_but_no_typo_of_it() -> None:
    # two edits from a drug name is still an unknown word: a rare surname stays under the net
    net = UnexplainedWords(load_lexicon())
    assert net.explained("westergren")
    assert not net.explained("westergrem")
    assert net.explained("qulipta")
    assert not net.explained("qulipto")


@pytest.mark.parametrize("gcs", ["E3V4M5", "e2v1m4"])
def test_a_glasgow_coma_score_in_one_word_is_no_canadian_postcode(gcs: str) -> None:
    text = f"Neuro: GCS 12 ({gcs}); wife Evangeline Troake at bedside."
    assert not overlaps(text, gcs)
    assert overlaps(text, "Troake")


def test_a_canadian_postcode_is_still_masked() -> None:
    text = "Address: 12 Riverview Rd, Moncton NB E1A 3K9."
    assert overlaps(text, "E1A 3K9")


def test_a_number_in_brackets_after_a_name_is_an_age_not_a_score() -> None:
    text = "PT'S WIFE Obrien (82) IS PRIMARY CAREGIVER."
    assert overlaps(text, "Obrien")


def test_a_brand_with_its_product_suffix_stays() -> None:
    text = "Takes Kalcipos-D 500 daily; carer Winnifred Pendeverell visits."
    assert not overlaps(text, "Kalcipos")
    assert overlaps(text, "Pendeverell")


def test_an_ordinary_word_that_is_also_an_eponym_before_a_date_leaves_the_date() -> None:
    # "Down" names a syndrome, but "step down 6/30" is a unit and a date
    text = "PT WAS SENT TO CV STEP DOWN 6/30 AFTERNOON."
    assert overlaps(text, "6/30")


def test_after_a_place_preposition_an_eponym_and_a_number_are_a_ward_and_its_floor() -> None:
    # "Schatzker 8" a score; "to Schatzker 2" a ward named after someone, and its floor
    assert not overlaps("Schatzker 8 on review.", "Schatzker")
    assert overlaps("Transferred to Schatzker 2 overnight.", "Schatzker")


def test_the_second_name_of_a_scored_pair_stays_and_a_couple_stays_people() -> None:
    assert not overlaps("Hunt and Hess 3 on arrival.", "Hess")
    text = "Seen with Gordon and Hess 3 days ago."
    assert overlaps(text, "Hess")


def test_a_skin_care_brand_no_name_list_holds_stays() -> None:
    text = "Cetaphil to dry skin BID; daughter Rosalind Penwarden applies it."
    assert not overlaps(text, "Cetaphil")
    assert overlaps(text, "Penwarden")


@pytest.mark.parametrize(
    ("text", "trap", "phi"),
    [
        ("hunt & hess 4 on arrival. wife marisela spoke w/ team.", "hess", "marisela"),
        ("HUNT AND HESS 4 ON ARRIVAL. WIFE MARISELA AT BS.", "HESS", "MARISELA"),
        ("cirrhosis child-pugh b, meld 14. son tobias at bs.", "pugh", "tobias"),
        ("glasgow-blatchford 9 on admit; dr wetherell aware.", "glasgow", "wetherell"),
        ("osler-weber-rendu telangiectasia; sister philippa here.", "weber", "philippa"),
    ],
)
def test_compound_eponyms_in_single_case_notes(text: str, trap: str, phi: str) -> None:
    assert not overlaps(text, trap)
    assert overlaps(text, phi)
