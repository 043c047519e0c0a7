"""Detection of every Safe Harbor identifier kind, on hand-written synthetic notes."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.spans import PhiType
from shared.intake.known_phi import KnownPhi, PersonName, PostalAddress


def found(text: str, known: KnownPhi | None = None) -> dict[str, PhiType]:
    """Detected surface strings -> type."""
    return {text[s.start : s.end]: s.type for s in detect_phi(text, known)}


def assert_masked(text: str, *values: str, known: KnownPhi | None = None) -> None:
    spans = detect_phi(text, known)
    for value in values:
        start = text.index(value)
        end = start + len(value)
        assert any(s.start <= start and s.end >= end for s in spans), (value, found(text, known))


def assert_kept(text: str, *values: str) -> None:
    spans = detect_phi(text)
    for value in values:
        start = text.index(value)
        end = start + len(value)
        assert not any(s.start < end and start < s.end for s in spans), (value, found(text))


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("Seen by Dr. Okonkwo this morning.", "Okonkwo", PhiType.NAME),
        ("SPOKE WITH DR PENNYWORTH ABOUT PLAN.", "PENNYWORTH", PhiType.NAME),
        ("Pt's wife Margaret at bedside.", "Margaret", PhiType.NAME),
        ("Mrs. Abernathy ate breakfast.", "Abernathy", PhiType.NAME),
        ("Note written by Rosalind Whitcombe, RN", "Rosalind Whitcombe", PhiType.NAME),
        ("Reported to K. Abernethy at 0300.", "K. Abernethy", PhiType.NAME),
        ("Admitted 7/22 from home.", "7/22", PhiType.DATE),
        ("Admitted on 2019-03-04.", "2019-03-04", PhiType.DATE),
        ("Seen 03/04/2019 in clinic.", "03/04/2019", PhiType.DATE),
        ("Surgery on July 1st, 2019 went well.", "July 1st, 2019", PhiType.DATE),
        ("Planned for 21 Apr.", "21 Apr", PhiType.DATE),
        ("She is a 93 yo woman.", "93", PhiType.AGE),
        ("Lives at 42 Wallaby Way, Apt 3 with son.", "42 Wallaby Way, Apt 3", PhiType.ADDRESS),
        ("Home in Springfield, IL 62704 since May.", "62704", PhiType.ZIP),
        ("Call daughter at (617) 555-0199 tonight.", "(617) 555-0199", PhiType.PHONE),
        ("Fax: 617-555-0123 for records.", "617-555-0123", PhiType.FAX),
        ("Email jdoe@example.com with results.", "jdoe@example.com", PhiType.EMAIL),
        (
            "Portal https://portal.example.org/u/123 used.",
            "https://portal.example.org/u/123",
            PhiType.URL,
        ),
        ("Device at 10.12.0.7 alarmed.", "10.12.0.7", PhiType.IP),
        ("SSN 536-22-8741 on file.", "536-22-8741", PhiType.SSN),
        ("MRN: 00482913 verified.", "00482913", PhiType.MRN),
        ("Policy number: XK-99231 active.", "XK-99231", PhiType.ID),
        (
            "Transferred from Brookfield Hospital overnight.",
            "Brookfield Hospital",
            PhiType.LOCATION,
        ),
        ("Moved to Fairweather 3 this afternoon.", "Fairweather", PhiType.LOCATION),
        ("Husband lives in Gaithersburg now.", "Gaithersburg", PhiType.LOCATION),
    ],
)
def test_each_identifier_kind_is_found_with_its_type(text: str, value: str, kind: PhiType) -> None:
    spans = detect_phi(text)
    start = text.index(value)
    covering = [s for s in spans if s.start <= start and s.end >= start + len(value)]
    assert covering, (value, found(text))
    assert covering[0].type is kind
    assert 0.0 < covering[0].score <= 1.0


def test_all_caps_shorthand_and_initials() -> None:
    text = "KEN B. HALLORAN-MEYERS, RRT\nDR'S BALDWIN AND ESPOSITO AT BEDSIDE."
    assert_masked(text, "KEN", "B", "HALLORAN-MEYERS", "BALDWIN", "ESPOSITO")


def test_relatives_in_a_list() -> None:
    assert_masked("Sons Declan, Morris and Roger visited today.", "Declan", "Morris", "Roger")


def test_years_are_found_as_their_own_kind() -> None:
    kinds = found("PMH: MI 1992, CABG '95.")
    assert kinds["1992"] is PhiType.YEAR
    assert kinds["'95"] is PhiType.YEAR


def test_clock_times_are_not_years() -> None:
    assert_kept("Arrived at 1930, vitals stable; next check @ 2000.", "1930", "2000")


@pytest.mark.parametrize(
    "text",
    [
        "Hx CHF, COPD, MS. DOB unknown to pt; will ask family.",
        "GI: Foley draining clear urine. ABG 7.38/42/88. O2 2L NC. Ambulated x1.",
        "Received Lasix 40 mg IV, heparin gtt, Coumadin held. Hoyer lift to chair.",
        "Motor strength 5/5 bilaterally, 2/6 murmur, PS 10/5 on CPAP, pain 3/10.",
        "Afib with RVR, s/p CABG, on Levophed; LLL pneumonia, ESRD on HD.",
        "Patient is alert and oriented; plan to wean sedation as tolerated.",
    ],
)
def test_clinical_meaning_is_not_masked(text: str) -> None:
    assert detect_phi(text) == [], found(text)


def test_known_phi_variants_are_found() -> None:
    known = KnownPhi(
        names=(PersonName(given=("Sumiko254",), family="Quigley897"),),
        identifiers=("MRN-7781234",),
        phones=("+1 (555) 010-4477",),
        addresses=(
            PostalAddress(lines=("17 Larkspur Close",), city="Pemberton", postal_code="08068"),
        ),
        birth_date="1950-02-03",
    )
    text = (
        "Sumiko254 Quigley897 seen. QUIGLEY's daughter phoned from 555-010-4477. "
        "Quigley, Sumiko reviewed. S. Quigley signed. ID MRN-7781234. "
        "Lives at 17 Larkspur Close, Pemberton 08068. Born 1950-02-03."
    )
    assert_masked(
        text,
        "Sumiko254",
        "Quigley897",
        "QUIGLEY's",
        "555-010-4477",
        "Quigley, Sumiko",
        "S. Quigley",
        "MRN-7781234",
        "17 Larkspur Close",
        "Pemberton",
        "08068",
        "1950-02-03",
        known=known,
    )


def test_spans_are_sorted_and_do_not_overlap() -> None:
    text = "Dr. Vasquez called 617-555-0100 on 3/4/2020 re: Vasquez's daughter Ana Vasquez."
    spans = detect_phi(text)
    # enough spans for the order to mean something: the phone, the date and the names
    assert {PhiType.PHONE, PhiType.DATE, PhiType.NAME} <= {s.type for s in spans}
    assert len(spans) >= 4
    for a, b in itertools.pairwise(spans):
        assert a.end <= b.start


def test_a_sentence_final_period_stays_outside_the_span() -> None:
    text = "Came from Union Hosp. Then stable."
    span = next(s for s in detect_phi(text) if s.type is PhiType.LOCATION)
    assert text[span.start : span.end] == "Union Hosp"


def test_local_and_pager_numbers_are_phones_but_round_ranges_are_not() -> None:
    assert found("Wife's cell 555-0143, pager #4-5567.") == {
        "555-0143": PhiType.PHONE,
        "4-5567": PhiType.PHONE,
    }
    assert_kept("Tidal volumes 900-1000 on PS.", "900-1000")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Pt went to Brightwater for the weekend.", "Brightwater"),
        ("Wants to go to Lighthouse and wait there.", "Lighthouse"),  # ordinary word, capitalised
        ("Had a valve replaced at Silver Thicket in 2001.", "Silver Thicket"),
        ("Transferred to Pellworth MICU overnight.", "Pellworth"),
        ("pt transferred from dunmorrow for cath.", "dunmorrow"),  # lower-case note
        ("family arrived from the eastern shore at 2 am.", "eastern shore"),
        ("Radiation planning on North Campus this am.", "North Campus"),
        ("Pt is followed at gh by her cardiologist.", "gh"),
        ("Came in by ambulance from the VA in Wexbury\nthis am.", "Wexbury"),
        ("Previously admitted to Presbyterian for CHF.", "Presbyterian"),
    ],
)
def test_places_named_without_a_facility_word_are_found_by_context(text: str, value: str) -> None:
    spans = detect_phi(text)
    start = text.index(value)
    covering = [s for s in spans if s.start <= start and s.end >= start + len(value)]
    assert covering, (value, found(text))
    assert covering[0].type is PhiType.LOCATION


def test_a_place_found_once_is_masked_where_it_recurs() -> None:
    text = "Surgeon went to Brightwater today. Brightwater team to call back."
    assert [text[s.start : s.end] for s in detect_phi(text)] == ["Brightwater", "Brightwater"]


@pytest.mark.parametrize(
    "text",
    [
        "Tube feed changed to Promote with fiber at 30cc/hr.",
        "Minimal response to Barbiturates overnight.",
        "Increase in MAPs to 60s after fluids, report to MDs.",
        "OGT to LIWS, NGT to LCS, Foley to BSD; returned from angio at 1400.",
        "Transferred from TSICU on first step bed. Hemodynamics unchanged from TSICU.",
        "continue to diurese with lasix gtt. con't to wean. pt transferred to micu.",
        "Pt came to visit her sister in Massachusetts and developed chest pain.",
        "Pt in Respiratory distress on arrival, placed on BiPAP.",
        "She wants to go back to the small hospital near home.",
        "Hyponatremia, likely due to SIADH from pneumonia.",
        "Urinary retention from BPH; hx of SAH in the past, now with LVH on echo.",
        "Admitted with HFrEF exacerbation in the setting of ETOH use.",
    ],
)
def test_clinical_words_after_place_prepositions_are_not_places(text: str) -> None:
    assert [s for s in detect_phi(text) if s.type is PhiType.LOCATION] == [], found(text)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Sons Dusty, Morris and Roger in to visit. Son Dusty took valuables.", ["Dusty", "Roger"]),
        ("cash counted by nsg (k. tarrow and j. o'malley), locked up.", ["k. tarrow", "o'malley"]),
        ("Wren-Painter MD performed the pleurodesis.", ["Wren-Painter"]),
        ("Dr. O Rourke and Dr. Van Buskirk at bedside.", ["O Rourke", "Van Buskirk"]),
        ("Pt seen by PA Hollings this am.", ["Hollings"]),
        ("Plan discussed with Tomasina, pt's daughter, at bedside.", ["Tomasina"]),
        ("Call Ruthanne (wife) with any changes.", ["Ruthanne"]),
        ("spoke with kasprzak from the blood bank about the crossmatch.", ["kasprzak"]),
        ("Mr. B. was seen today. Mrs. K's son called.", ["B", "K's"]),
        ("Report given to Marguerite at 0700.", ["Marguerite"]),
        ("Drs. Lanz/Okafor aware.", ["Lanz", "Okafor"]),
        ("Son in law Deshawn visited.", ["Deshawn"]),
        ("Pt's husband, John Doe, at bedside.", ["John Doe"]),
        ("Dr. De La Cruz aware.", ["De La Cruz"]),
        ("Meds given as ordered. JMK RN", ["JMK"]),
    ],
)
def test_names_found_by_their_surroundings(text: str, values: list[str]) -> None:
    assert_masked(text, *values)


@pytest.mark.parametrize(
    "text",
    [
        "Hemodynamics PA 54/18, CVP 12. PA line to be pulled.",
        "wife said he has tried several beta blockers.",
        "returned to bed with hoyer. p.t. reconsulted for reconditioning.",
        "pt remains asymptomatic with ectopy, treated with bicarb and with bactroban.",
    ],
)
def test_clinical_text_near_name_cues_is_not_a_name(text: str) -> None:
    assert [s for s in detect_phi(text) if s.type is PhiType.NAME] == [], found(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Call daughter 4-5521 with questions.", "4-5521"),
        ("Wife's cell 555 0143 after 5pm.", "555 0143"),
        ("Reached at 6175550143 this am.", "6175550143"),
        ("Paged Dr. Quill at x41327.", "41327"),
        ("Beeper 3-4459 per team.", "3-4459"),
        ("pg 44871 for the covering NP", "44871"),
        ("Daughter's number 617/555-0199.", "617/555-0199"),
        # other countries' groupings, with a + prefix or a label saying what they are
        ("Son in Stockholm: +46 (0)8 928 571 38 after 6pm.", "+46 (0)8 928 571 38"),
        ("Niece abroad 001-253-366-9781.", "001-253-366-9781"),
        ("Contact sheet. Phone: 0496 46 46 70, e-mail on file.", "0496 46 46 70"),
        ("Mobile: 723 813 266 (daughter).", "723 813 266"),
        ("Please call me on (64) 3591-3246 tomorrow.", "(64) 3591-3246"),
        ("Agency line 082 490 1693-Office hours only.", "082 490 1693"),
    ],
)
def test_phone_pager_and_extension_forms(text: str, value: str) -> None:
    assert found(text).get(value) is PhiType.PHONE, found(text)


@pytest.mark.parametrize(
    "text",
    [
        "HR 88 BP 120/80 RR 18, home O2 2 L, work of breathing unchanged.",
        "Vent: 500 x 14, PEEP 5, FiO2 40 %.",
        "Labs: 7.38 42 88 on 2 L.",
    ],
)
def test_vital_signs_and_settings_are_not_phone_numbers(text: str) -> None:
    kinds = set(found(text).values())
    assert PhiType.PHONE not in kinds, found(text)
    assert PhiType.FAX not in kinds, found(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Mailing address on file, zip code is 02139.", "02139"),
        ("Moved abroad, postal code 7412 SL.", "7412 SL"),
        ("ZIP: 610", "610"),
    ],
)
def test_a_labelled_zip_code_of_any_national_length(text: str, value: str) -> None:
    assert found(text).get(value) is PhiType.ZIP, found(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Lives alone at the age of 93 per family.", "93"),
        ("She turned 91 last week.", "91"),
        ("A 94 female with CHF.", "94"),
        ("Celebrating her 95th birthday today.", "95"),
        ("Active for a woman in her 90s.", "90s"),
        ("Ninety-two yo man from home.", "Ninety-two"),
    ],
)
def test_ages_over_89_in_many_forms(text: str, value: str) -> None:
    assert found(text).get(value) is PhiType.AGE, found(text)


def test_ages_up_to_89_and_times_are_kept() -> None:
    assert_kept("A 78 female, age of 64 spouse; turned 2 in bed at 0900.", "78", "64", "2")


def test_a_range_of_days_before_a_month_is_a_date() -> None:
    assert_masked("nursing note 1->2 nov, 96. Also 12-13 March.", "1", "2 nov", "12", "13 March")


def test_a_year_said_in_conversation_is_a_year() -> None:
    assert found("Oriented: knows it is 2020 but not the month.").get("2020") is PhiType.YEAR


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Discharged to Pellworth Rehab on Friday.", "Pellworth Rehab"),
        ("Lives at Oakhurst Manor, a nursing home.", "Oakhurst Manor"),
    ],
)
def test_care_homes_named_by_their_facility_word(text: str, value: str) -> None:
    assert found(text).get(value) is PhiType.LOCATION, found(text)


def test_a_service_is_not_a_care_home() -> None:
    text = "Needs cardiac rehab and home hospice; con't rehab/PT."
    assert_kept(text, "cardiac rehab", "rehab/PT")


def test_washington_dc_is_a_place_but_dc_for_discontinue_is_kept() -> None:
    text = "Sister lives in DC. Will dc foley; plan to DC home; foley to be dc'd in am."
    assert [text[s.start : s.end] for s in detect_phi(text)] == ["DC"]


def test_a_ward_named_by_its_floor_number_without_a_preposition() -> None:
    assert found("plan: PELLWORTH 2 this am if stable.").get("PELLWORTH") is PhiType.LOCATION
    assert_kept("RATE OF 10..OVERBREATHING 2-3 OVER RATE", "OVERBREATHING")


def test_kin_and_unit_words_next_to_names_are_kept() -> None:
    assert found("Dtr Hope at bedside. Report by ICU RN.") == {"Hope": PhiType.NAME}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Son stationed overseas: PSC 0413, Box 8144, APO AE 85103.", "PSC 0413, Box 8144"),
        ("Son stationed overseas: PSC 0413, Box 8144, APO AE 85103.", "APO AE 85103"),
        ("Lives with daughter, Apt. 675, third floor.", "Apt. 675"),
        ("Family home at Rua Igreja 25 in Porto.", "Rua Igreja 25"),
        ("Sister lives on Villacher Strasse 89.", "Villacher Strasse 89"),
        ("Address: Søndergade 52, Brønderslev.", "Søndergade 52"),
    ],
)
def test_military_unit_and_non_us_street_addresses(text: str, value: str) -> None:
    assert found(text).get(value) is PhiType.ADDRESS, found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Draining via foley 50 cc/hr, transferred to unit 4 overnight.",
        "Suite of tests ordered; rue the day.",
    ],
)
def test_clinical_phrases_are_not_addresses(text: str) -> None:
    assert PhiType.ADDRESS not in set(found(text).values()), found(text)


_CODER_ABBREVIATIONS = (
    Path(__file__).parents[3] / "services" / "analyzer" / "coding" / "data" / "abbreviations.tsv"
)


@pytest.mark.parametrize(
    "frame",
    [
        "likely due to {} from pneumonia",
        "hx of {}.",
        "secondary to {}.",
        "admitted with {} in the setting of infection",
        "Assessment: {}, stable.",
    ],
)
def test_every_abbreviation_the_coder_reads_survives_de_identification(frame: str) -> None:
    # The ingestor de-identifies before the analyzer codes: an abbreviation masked as a place or
    # a name is a diagnosis the coder never sees (SIADH after "due to" was [LOCATION]).
    abbreviations = [
        line.split("\t")[0]
        for line in _CODER_ABBREVIATIONS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    masked = [a for a in abbreviations if detect_phi(frame.format(a))]
    assert masked == []
