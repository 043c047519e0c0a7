"""PHI in forms the first rounds' notes never showed: a weekday and a day of the month, "the
13th" in any position, short labelled codes and number plates, hospital extensions, ZIPs of an
address without its state, hospital acronyms before a unit, ages over 89 said in passing — and
the look-alikes that must stay."""

from __future__ import annotations

import pytest

from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.spans import PhiType


def covered(text: str, value: str) -> PhiType | None:
    start = text.index(value)
    end = start + len(value)
    for span in detect_phi(text):
        if span.start <= start and span.end >= end:
            return span.type
    return None


def touched(text: str, value: str) -> bool:
    start = text.index(value)
    end = start + len(value)
    return any(s.start < end and start < s.end for s in detect_phi(text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Admitted to outside hospital Sunday 15th after CP.", "Sunday 15th"),
        ("REQUIRED REINTUBATION FRIDAY 22ND DUE TO HEMOPTYSIS.", "FRIDAY 22ND"),
        ("transferred sunday 2/2 w/ syncope", "sunday 2/2"),
        ("SEEN IN CLINIC ON MON 29/4 FOR REVIEW.", "MON 29/4"),
        ("Echo the 13th showing EF 20-25%.", "13th"),
        ("AWAITING CABG ON THE 24TH 8AM.", "24TH"),
        ("Collected: THE 24TH   Received: 13th of November", "24TH"),
        ("F/c changed 20/7, draining well.", "20/7"),
        ("Wedge resection done 2000-03-12- post op extubated.", "2000-03-12"),
    ],
)
def test_dates_by_weekday_and_day_of_month(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.DATE


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("This is the 3rd time she has fallen.", "3rd"),
        ("Chest tube in the 4th ICS.", "4th"),
        ("Hung the 2nd of 3 units PRBC.", "2nd"),
        ("Vision 20/10 OU.", "20/10"),
        ("Symptoms began in the 5th decade of life.", "5th"),
    ],
)
def test_counted_ordinals_and_acuities_stay(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Re: your pt, UNOS ID JF09. Please fax labs.", "JF09"),
        ("MY EMPLOYEE ID IS LP33. PLEASE FAX.", "LP33"),
        ("Package of care arranged (ref TN13).", "TN13"),
        ("VEHICLE TAG ZSP 445 NOTED BY STATE POLICE.", "ZSP 445"),
        ("VEHICLE TAG JU02 UDX NOTED BY STATE POLICE.", "JU02"),
        ("Aadhaar 4821 7730 9916 given for registration.", "4821 7730 9916"),
        ("Patient: MACKENZIE, Colette   PHIN 118 447 902", "118 447 902"),
    ],
)
def test_short_labelled_codes_and_plates(text: str, value: str) -> None:
    assert covered(text, value) is not None


@pytest.mark.parametrize(
    "text",
    ["ID: H1N1 negative, afebrile.", "ID: WBC 12, Tmax 99.1.", "ID: VANC 1G Q12."],
)
def test_infectious_disease_lines_are_not_ids(text: str) -> None:
    assert not any(s.type in (PhiType.ID, PhiType.MRN) for s in detect_phi(text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Cardiac rehab referral faxed to 9-0036.", "9-0036"),
        ("Case manager Mick Lainwell (3-0807). Depot due.", "3-0807"),
        ("Best to reach me at work (Alta Sierra Pharmacy) 7-2843 ext 2-5901.", "7-2843"),
        ("SHE CAN BE REACHED AT 03818. PT TO GO HOME.", "03818"),
    ],
)
def test_extensions_where_only_a_number_to_reach_someone_stands(text: str, value: str) -> None:
    assert covered(text, value) in (PhiType.PHONE, PhiType.FAX)


def test_volumes_in_brackets_are_not_extensions() -> None:
    assert not touched("Fluid goal (0-1000) negative today.", "0-1000")


def test_zip_of_an_address_without_its_state() -> None:
    text = "my old address was 2208 w. cold spring ln, greenfield 53221, insurance has that."
    assert covered(text, "53221") is PhiType.ZIP
    assert not touched(text, "insurance")


def test_hospital_acronym_before_a_unit() -> None:
    assert covered("LOCATION: SMH ED\nHISTORY: fall", "SMH") is PhiType.LOCATION
    assert not touched("Seen in the ED, then ICU.", "ED")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I am 93 next month so I need the lift.", "93"),
        ("Pt (Arne Magnusson, 94) fell in the bathroom.", "94"),
    ],
)
def test_ages_over_89_said_in_passing(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.AGE


def test_vitals_after_a_comma_are_not_ages() -> None:
    assert not touched("Sats 94, BP 120/70. I am 99% sure.", "94")


def test_a_signature_after_an_excited_closing() -> None:
    assert covered("Can he go back Monday?\nThanks!!\nGrace\n", "Grace") is PhiType.NAME


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("MILRINONE OFF AS PER M. Dean. GU: GOOD U/O.", "M. Dean"),
        ("GIVEN CARAFATE-P. Herzik AWARE-WILL START PROTONIX.", "P. Herzik"),
        ("KEEP G. CEREN FAMILY AWARE OF PLAN OF CARE.", "G. CEREN"),
        ("Family at bedside. D. SHORT is family contact/interpreter.", "D. SHORT"),
        ("DR'S POPE AND MCKAGUE REMAINED AT BEDSIDE.", "POPE"),
        ("TUBE MANIPULATED SLIGHTLY PER NP SWIFT.", "SWIFT"),
        ("Hi Dr Whitfield, it's Grace (Deji's mom). Can he go back?", "Deji"),
        ("Plan home with home care; Jo (case mgr) aware.", "Jo"),
    ],
)
def test_names_by_their_form(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.NAME


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("E. COLI IN URINE. C. DIFF NEG. S. AUREUS IN SPUTUM.", "COLI"),
        ("Plan A. Continue abx. Vitamin K. Given x1.", "Continue"),
        ("Vitamin K. Given x1 for INR 3.", "Given"),
        ("Diminished on the R. Spo2 > 95%.", "Spo"),
        ("READMITTED TO CCU S/P CATH WITH PA LINE ON MILRINONE.", "LINE"),
        ("EVAL BY MD WARM SOAK TO SITE.", "WARM"),
        ("ED PROVIDER NOTE\nCC: chest pain\nHPI: 52 yo M", "chest pain"),
        ("CC: SOB\nHPI: 71 yo", "SOB"),
    ],
)
def test_organisms_plan_items_lines_and_chief_complaints_stay(text: str, value: str) -> None:
    assert not touched(text, value)


def test_carbon_copy_to_a_person() -> None:
    assert covered("Sincerely,\nGregory Tse, MD\ncc: Jane Austen\n", "Jane Austen") is PhiType.NAME


def test_the_organisation_under_the_addressee_of_a_letter() -> None:
    text = "To,\nDr. K. Balasubramanian, MCh (CTVS)\nMIOT International\n\nRespected Sir,\n"
    assert covered(text, "MIOT International") is PhiType.LOCATION
    post = "Dr Tamsin Coorey\nEndocrinologist\nSuite 12, Level 3\n"
    assert not touched(post, "Endocrinologist")
    assert not touched(post, "Level")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("HUSBAND CEO OF IBM. SMOKER 30PK/YR.", "IBM"),
        ("She is a professor at Tufts and volunteers weekly.", "Tufts"),
        ("PT BROUGHT IN BY REVERE FIRE DEPT AFTER FALL.", "REVERE"),
        ("DEDHAM POLICE CALLED RE: PTS CAR.", "DEDHAM"),
    ],
)
def test_employers_after_a_post_and_towns_before_their_services(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.LOCATION


def test_posts_of_a_field_and_rehab_services_stay() -> None:
    text = "HE IS A PROFESSOR OF MEDICINE AT THE MEDICAL SCHOOL. Cardiac rehab referral placed."
    assert not touched(text, "MEDICINE")
    assert not touched(text, "Cardiac rehab")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("FREQUENT PVC'S AND BIGEMINY. panelo AWARE. PT GIVEN MG.", "panelo"),
        ("COPING-- SISTER,bonsey HAS PHONED AND HAS BEEN UPDATED BY RN.", "bonsey"),
        ("EXPIRATORY WHEEZES. flam405 bestein642 RRT", "flam"),
        ("CASE MANAGEMENT ON MONDAY (jb960 chandler191 IS ON VACA)", "chandler"),
    ],
)
def test_lower_case_names_in_capitals_and_synthea_pairs(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.NAME


def test_settings_with_numbers_and_lower_case_words_in_capitals_stay() -> None:
    text = "PS10 PEEP5 FIO240. peep10 ps15. K 3.4 REPLETED PER prn. LASIX GIVEN per protocol."
    assert not any(s.type is PhiType.NAME for s in detect_phi(text))


def test_the_hospital_that_names_a_unit_after_to_or_from() -> None:
    text = "Varices banded, pt transferred to faith MICU for possible TIPS."
    assert covered(text, "faith") is PhiType.LOCATION
    units = "Transferred to cardiac ICU, then sent to the MICU; from outside ICU to our CCU."
    assert not any(s.type is PhiType.LOCATION for s in detect_phi(units))
