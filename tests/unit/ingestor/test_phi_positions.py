"""Names by the position they stand in, organisations by their forms, rooms and streets."""

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
        (
            "## History of Present Illness\nKristofer455 Halvorsen812 is a 44 year-old male.",
            "Kristofer455 Halvorsen812",
        ),
        ("HPI: Quorbeld Ndlovu is a 71 year-old man with HFrEF.", "Quorbeld Ndlovu"),
        ("Eilidh Frastley, 34, brought in by partner.", "Eilidh Frastley"),
        ("Patient: Harlan Q. Beddingfield   DOB: 02/17/1949", "Harlan Q. Beddingfield"),
        ("PATIENT NAME: WYNDHAM, CORDELIA\nDATE OF BIRTH: 1/1/1931", "WYNDHAM, CORDELIA"),
        ("Caller: Rosalind Okereke (self)   Callback: 555", "Rosalind Okereke"),
        ("Dear Lachlan,\nThank you for seeing her.", "Lachlan"),
        ("Dear Hope,\nThanks for the referral.", "Hope"),
        ("Hi Dr Seligman, I'm almost out of pills.", "Seligman"),
        ("Kind regards,\nDr Fiona McTavish\nHarnham Surgery", "Fiona McTavish"),
        ("Please don't book labs then. Thanks! Lydia", "Lydia"),
        ("Plan home tomorrow. — Ellie Chambers, RN", "Ellie Chambers"),
        ("Pt Tanner Two Bulls, 19 M, brought in by friends.", "Tanner Two Bulls"),
    ],
)
def test_names_in_name_positions_whatever_they_look_like(text: str, value: str) -> None:
    assert covered(text, value) is not None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("She is a 44-year-old woman. Patient is a 60 year-old.", "She"),
        ("Vitals, 98, stable overnight.", "Vitals"),
        ("Dear Colleague,\nI am referring this man.", "Colleague"),
        ("Re: lab results\nYour LDL is 160.", "lab"),
        ("Thank you for coming, we will call.", "for coming"),
        ("To: Endocrinology, St. Michael's Hospital", "Endocrinology"),
        ("Plan: continue. — Cardiology team", "Cardiology"),
        ("Hi Dr Seligman, I'm almost out of pills.", "I'm"),
    ],
)
def test_words_in_those_positions_that_are_not_names(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "Mother reports daycare (Little Sprouts Learning Center) had an outbreak.",
            "Little Sprouts Learning Center",
        ),
        ("Fired from Venable LLP on 2/28.", "Venable LLP"),
        ("TO: PHARMACY - RITE AID #11204   FAX", "RITE AID #11204"),
        (
            "husband works at allied pipe and steel and will be back after 6.",
            "allied pipe and steel",
        ),
        ("Can you send it to the CVS on York Rd?", "CVS"),
        ("Can you send it to the CVS on York Rd?", "York Rd"),
        (
            "Riverside Cardiology Associates\n4410 Greenspring Ave",
            "Riverside Cardiology Associates",
        ),
        ("Sent to Boots, Queen Street, Cardiff.", "Queen Street"),
        ("S/P MVC ON ROUTE 29. RESTRAINED DRIVER.", "ROUTE 29"),
        ("FOUND DOWN AT 1400 BLOCK OF E. FAYETTE ST.", "1400 BLOCK OF E. FAYETTE ST"),
    ],
)
def test_organisations_and_streets_by_form(text: str, value: str) -> None:
    assert covered(text, value) in (PhiType.LOCATION, PhiType.ADDRESS)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("CVS: RRR, no murmur. Resp: clear.", "CVS"),
        ("Seen by Internal Medicine and the Department of Surgery.", "Department of Surgery"),
        ("SATS INC TO 98%. NSICU TEAM AWARE. TO BE SEEN BY DERM SERVICE.", "SATS INC"),
        ("NEW #18 IN LEFT GROIN. POD #1 S/P CABG.", "#18"),
        ("Work of breathing HR up to teens.", "breathing"),
        ("Cardiac output by Fick CO 5.1.", "Fick CO"),
    ],
)
def test_sections_services_and_gauges_are_not_organisations(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PATIENT: X   ROOM 14\nARRIVAL BY EMS", "14"),
        ("MRN#88231001  RM 512-B", "512-B"),
        ("Bed 12, Ward B-3, admitted under cardiology", "B-3"),
        ("LOC: 4C-12\nFINDINGS", "4C-12"),
    ],
)
def test_room_and_bed_numbers(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.LOCATION


@pytest.mark.parametrize(
    "text",
    ["HOB 30 degrees, bed 30 degrees.", "pt had no loc. 911 was called.", "Bed rest x 2 days."],
)
def test_measures_after_bed_and_loss_of_consciousness_are_not_rooms(text: str) -> None:
    assert not any(s.source == "location.room" for s in detect_phi(text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Per Dr. s. pertee pt has remained on the same meds.", "s. pertee"),
        ("AWAITING DR v love FOR CLARIFICATION OF PLAN.", "v love"),
        ("DR maggie price SPOKE TO DAUGHTER Church FOR CONSENT.", "maggie price"),
        ("DR maggie price SPOKE TO DAUGHTER Church FOR CONSENT.", "Church"),
        ("Soc: daughter m dale will be spokesperson.", "m dale"),
        ("Dr love in to speak with family.", "love"),
        ("Excellent day for Mrs Manning today.", "Manning"),
        ("monitor BP closely.\n \nstrong RN \n", "strong"),
        ("PT MAY BE W/U BY Measova FOR POSSIBLE HEART TRANSPLANT.", "Measova"),
        ("PT AGAIN BECAME SOB AND TRANSFERRED TO Pope 4 TO BE REINTUBATED.", "Pope"),
        ("will transfer to Piengtrix 2 or walter 3.", "walter"),
        ("80 YO WOMAN ADMITTED TO Comly7 W/ CHF", "Comly7"),
        ("placed on pressors then transfered to piacenza for management.", "piacenza"),
        ("CP CONT AND PT TRANSFERRED TO good samaritan. CATHED.", "good samaritan"),
    ],
)
def test_names_and_wards_in_any_case_after_titles_kin_and_transfers(text: str, value: str) -> None:
    assert covered(text, value) is not None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("per dr orders. Dr regarding the plan.", "regarding"),
        ("wife r knee pain, husband j tube fed.", "knee"),
        ("Social: retired postal worker, Catholic, speaks Cantonese.", "Catholic"),
        ("ECHO showed 3-4+MR. Given total 6u PRBC.", "Given"),
        ("PT ON Lasix AND Foley. HR 70 Apaced. Report called.", "Apaced"),
        ("transferred to floor 2 today, went to sleep, admitted to medicine.", "floor"),
        ("REPEAT 24 AND ADDITIONAL 2 U PC GIVEN.", "ADDITIONAL"),
    ],
)
def test_words_near_those_cues_that_are_not_names_or_places(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("No Cushing response. Glasgow coma scale reassessed q1h.", "Glasgow"),
        ("64 yo man with Hashimoto thyroiditis.", "Hashimoto"),
        ("Echo: EF 35%, Simpson biplane.", "Simpson"),
        ("2. Osgood-Schlatter changes. 3. Salter-Harris II fracture.", "Schlatter"),
        ("2. Osgood-Schlatter changes. 3. Salter-Harris II fracture.", "Harris"),
        ("+ SONOGRAPHIC MURPHY SIGN. CBD 4 MM.", "MURPHY"),
        ("R knee: McMurray negative.", "McMurray"),
        ("Skin: Braden 14. Morse fall score 45.", "Morse"),
        ("Meds: Norco 10/325 q6h prn.", "Norco"),
    ],
)
def test_eponyms_scores_and_brands_are_not_masked(text: str, value: str) -> None:
    assert not touched(text, value)


def test_a_title_keeps_an_eponym_a_person() -> None:
    assert covered("Dr. Murphy sign-out given at 1900.", "Murphy") is PhiType.NAME


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("HYPOTENSIVE. DR A KUTCHEY AWARE.", "A KUTCHEY"),
        ("BP 88/40. NP C. ROUSE MADE AWARE.", "C. ROUSE"),
        ("Hr 100's with 1st degree avb. Reported to rob.", "rob"),
        ("Repeat act 140. Reported to d. briggs. Coags ok.", "d. briggs"),
        ("to call her, name is king phone # in pink book.", "king"),
        ("COPING-SISTER MARSH HAS PHONED TODAY.", "MARSH"),
        ("son: milla cook - 314 - 686 - 6694", "314 - 686 - 6694"),
        ("restart Coumadin on 12/29-1/2. No orders yet.", "12/29-1/2"),
        ("Arrived to CCU 3/4-3/10, intubated.", "3/4-3/10"),
    ],
)
def test_more_forms_found_on_rewritten_notes(text: str, value: str) -> None:
    assert covered(text, value) is not None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("SPOKE WITH MD'S, REPORTED TO GIVE RBC'S WITH TEMP.", "GIVE"),
        ("Will report to RN this am, to report to MDs.", "MDs"),
        ("cvp trending up- reported to HO- dobutamine started.", "HO"),
        ("SOCIAL=FAMILY IN DURING EVENINGS-DAUGHTER CALL AM.", "CALL"),
        ("NO STOOL X4D. MOM GIVEN THIS AM.", "GIVEN"),
        ("report given to oncoming RN, reported to night shift.", "night"),
    ],
)
def test_roles_verbs_and_shorthand_after_hand_offs_and_kin_are_not_names(
    text: str, value: str
) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Discharged to Flat 25, 132 North Oaks Ct, pryor. Contact: son.", "pryor"),
        ("Resident of 9966 W. Tozer Rd, BANGRIDGE.\nc/o chest pain", "BANGRIDGE"),
        ("riverdale general hospital\nP.O. Box 93042\ncastle rock, MD G13 9AW\n", "castle rock"),
        ("Discharge Summary — covenant\nName: X", "covenant"),
        ("Admission note — Cardiology, AIIMS, New Delhi\n", "AIIMS"),
        ("His GP is Dr blanchard, short medical group.", "short medical group"),
        ("Follow-up: birch hill fire department clinic.", "birch hill fire department"),
        ("Submitting physician: X, MD (SHIELDS & SMALL)", "SHIELDS & SMALL"),
        ("Transferred to your care 26/9. Fax to follow.", "26/9"),
    ],
)
def test_towns_of_address_lines_report_headers_firms_and_day_first_dates(
    text: str, value: str
) -> None:
    assert covered(text, value) is not None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Social work discharge planning — UK\nMr X lives alone.", "UK"),
        ("I & O even. A&O x3. Lasix & KCL given.", "Lasix & KCL"),
        ("pt seen by primary care group and the department of medicine.", "primary care group"),
        ("GU irrigant inc. to 300cc in eve.", "irrigant inc"),
        ("Tube clamped and secured at 21/2 at level of skin.", "21/2"),
        ("Vision 20/10 OU. GCS 14/15. BP 13/8?", "20/10"),
        ("12 King St, Newtown NSW 2042.", "NSW"),
    ],
)
def test_what_these_forms_leave_alone(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Pt BELL, 19 M, AHCIP JXU196575294, BIB friends.", "BELL"),
        ("Re: your pt STOKEL, UNOS ID B775-4393. Please fax labs.", "STOKEL"),
        ("Patient Hippen, URN 80-807-482.", "Hippen"),
        ("requesting records for pt nakai, member ID 5SF8-HC4-KB00.", "nakai"),
        ("Pt (Gottsegen, 94) fell in the bathroom.", "Gottsegen"),
        ("Pt (ramnauth, jamye, 101) fell in the bathroom.", "ramnauth, jamye"),
        ("Pt Strong, 45 yo, seen in clinic.", "Strong"),
    ],
)
def test_a_name_after_pt_set_off_before_age_sex_or_a_record_label(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.NAME


@pytest.mark.parametrize(
    "text",
    [
        "Pt seen, 2 yo sibling at bedside.",
        "pt states, 45 min later, pain better.",
        "Pt tolerated, 2 units given.",
        "Patient ID verified x2. Pt, DOB verified.",
    ],
)
def test_what_follows_pt_before_a_number_is_not_always_a_name(text: str) -> None:
    assert [s for s in detect_phi(text) if s.type is PhiType.NAME] == []
