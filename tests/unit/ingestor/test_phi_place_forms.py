"""Places and record numbers by form (round 6): town-shaped words and compound towns after a
place preposition, a town before "resident" or its services, streets without a house number,
residences named by a word and its head, labelled insurers and hospitals, record numbers named
by what they number — in every letter case — and the look-alikes that must stay."""

from __future__ import annotations

import pytest

from services.ingestor.phi.detect import detect_phi
from services.ingestor.phi.spans import PhiType

FILL = " Neuro: alert and oriented x3. Resp: lungs clear, sats 97% on 2L."


def touched(text: str, value: str) -> bool:
    start = text.index(value)
    end = start + len(value)
    return any(s.start < end and start < s.end for s in detect_phi(text))


def covered(text: str, value: str) -> PhiType | None:
    start = text.index(value)
    end = start + len(value)
    for span in detect_phi(text):
        if span.start <= start and span.end >= end:
            return span.type
    return None


def _cases(sentence: str, value: str) -> list[tuple[str, str]]:
    """The sentence in a mixed-case note, an all-capitals one and an all-lower-case one."""
    mixed = sentence + FILL
    return [(mixed, value), (mixed.upper(), value.upper()), (mixed.lower(), value.lower())]


TOWNS = [
    ("Pt is from Wronville.", "Wronville"),
    ("Pt grew up in Gitford.", "Gitford"),
    ("Spoke with VNA in Quickridge.", "Quickridge"),
    ("Pt lives in East Quorkking with wife.", "East Quorkking"),
    ("Family is driving up from Mount Voarlaing in the morning.", "Mount Voarlaing"),
    ("Lakeport resident, retired teacher.", "Lakeport"),
    ("Brought in by Fort Weankus EMS after fall.", "Fort Weankus"),
]


@pytest.mark.parametrize(("text", "value"), [case for t, v in TOWNS for case in _cases(t, v)])
def test_towns_by_their_form_in_any_case(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.LOCATION


STREETS = [
    ("Pt lives on Molstad Street with son.", "Molstad Street"),
    ("Apartment on Philmon Ave.", "Philmon Ave"),
    ("Lives on Leach Road.", "Leach Road"),
]


@pytest.mark.parametrize(("text", "value"), [case for t, v in STREETS for case in _cases(t, v)])
def test_streets_without_a_house_number(text: str, value: str) -> None:
    assert covered(text, value) is not None


RESIDENCES = [
    ("Pt was staying at Failwell Center for rehab.", "Failwell Center"),
    ("D/c to Rogers Manor rehab.", "Rogers Manor"),
    ("Resides at Beaard Place.", "Beaard Place"),
]


@pytest.mark.parametrize(("text", "value"), [case for t, v in RESIDENCES for case in _cases(t, v)])
def test_residences_named_by_a_word_and_its_head(text: str, value: str) -> None:
    assert covered(text, value) is PhiType.LOCATION


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Insurance: Seatton Group." + FILL, "Seatton Group"),
        ("INSURANCE: KITCLE." + FILL.upper(), "KITCLE"),
        ("Referring hospital: Holy Redeemer\nReason: NSTEMI", "Holy Redeemer"),
        ("Employer: Tainflie Logistics" + FILL, "Tainflie Logistics"),
    ],
)
def test_labelled_insurers_employers_and_hospitals(text: str, value: str) -> None:
    assert touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Patient number: 181-66-15", "181-66-15"),
        ("Reg. No. 79-680-719", "79-680-719"),
        ("Hosp no 584-05-36", "584-05-36"),
        ("CRN 15-291-725", "15-291-725"),
        ("CR# 51-019-730", "51-019-730"),
        ("Encounter # WU45", "WU45"),
        ("Pathology number MG55-40679", "MG55-40679"),
        ("Visit ID 4471902", "4471902"),
    ],
)
def test_record_numbers_named_by_what_they_number(text: str, value: str) -> None:
    assert touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a clipped service before "resident", a limb after "lower"
        ("Post chest-tube CXR without pneumo per CT Surg resident.", "Surg"),
        ("does have petechiae to lower ext, no edema", "lower ext"),
        ("PER MICU RESIDENT, CONTINUE LASIX.", "MICU"),
        # what follows a town's comma in a sentence is the sentence
        ("Originally from Wronville, moved here 2 years ago.", "moved here"),
        ("Pt lives alone in Wronville, daughter nearby.", "daughter nearby"),
        ("SEEN AT OSH IN GITFORD, HEAD CT NEG.", "HEAD"),
        # a findings label, ordinary words after "on", a visit count
        ("OSH: CT head negative.", "head"),
        ("Pt on the road to recovery, ambulating.", "road"),
        ("Pt lives at home with her daughter.", "home"),
        ("Admission #2 this year.", "2"),
        ("Insurance: Medicare.", "Medicare"),
    ],
)
def test_look_alikes_stay(text: str, value: str) -> None:
    assert not touched(text, value)


def test_a_town_of_an_address_line_is_still_found() -> None:
    text = "Address: 12 Main St, Ashbourne, MA 02134"
    assert touched(text, "Ashbourne")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # compound towns and saints' names after a place preposition, in any case
        ("pt is from fort bou, lives alone." + FILL.lower(), "fort bou"),
        ("PT CAME FROM ST. JOHN VIA AMBULANCE." + FILL.upper(), "ST. JOHN"),
        # a kind of hospital between its name and the facility word
        ("PLAN TO D/C TO WEST PROUN COMMUNITY HOSPITAL TOMORROW.", "WEST PROUN"),
        ("records requested from east naick general hospital.", "naick"),
        ("admitted to st rose hosp on monday.", "rose"),
        # agencies named after what they do for the patient
        ("Services through Tainflie will resume." + FILL, "Tainflie"),
        ("case manager from betgoul called." + FILL.lower(), "betgoul"),
        # record numbers in a lower-case note
        ("accession no. s07-2231" + FILL.lower(), "s07-2231"),
        ("encounter # uy22" + FILL.lower(), "uy22"),
        # a hospital extension where only a number to reach someone stands
        ("Please call back at 13652 tomorrow.", "13652"),
        ("Phone: 22722", "22722"),
        # ages over 89 in words after "age" or "aged"
        ("Mother, aged ninety-five, lives with pt.", "ninety-five"),
        ("Age: ninety-nine", "ninety-nine"),
    ],
)
def test_more_frames_in_any_case(text: str, value: str) -> None:
    assert touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a label is a whole word: "UR" does not start "URINE", nor "HAR" "HARE"
        ("GU: foley draining cl yel urine 30-40cc/hr.", "ine 30-40cc/hr"),
        ("dengue NS1 +ve. Platelets 64k.", "lets 64k"),
        ("Result conveyed to Dr Finn O'Hare 18/03/2023 15:20.", "15:20"),
        # "ST" is a segment or a rhythm before an ordinary word
        ("SR TO ST. HIGH PRESSURES RESOLVED C SEDATION", "HIGH"),
        # the hospital's own kind alone names none
        ("Pt was admitted to the community hospital overnight.", "community"),
        # an agency cue before a service or a drug
        ("referred to rehab for PT/OT.", "rehab"),
        ("set up with home oxygen.", "home oxygen"),
        ("Services through the VNA will resume.", "VNA"),
        # a time after "call back at"
        ("Please call back at 1400 tomorrow.", "1400"),
    ],
)
def test_more_look_alikes_stay(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("94F with CHF, admitted for dyspnea.", "94"),
        ("CV: stable. 101 M w/ sepsis from NH.", "101"),
        ("Pls page covering MD at 22293 with questions.", "22293"),
        ("LIVES IN THE LAROSE AREA WITH PARTNER.", "LAROSE"),
        ("family from the mount wuller area.", "mount wuller"),
    ],
)
def test_age_and_sex_pagers_and_areas(text: str, value: str) -> None:
    assert touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Tmax 101F with chills overnight.", "101F"),
        ("T 99 F orally.", "99"),
        ("WIFE WORKS AT THE BANK, WILL VISIT.", "WORKS"),
        ("son lives with pt, daughter nearby.", "lives"),
        ("Pt lives in the same area as her son.", "same"),
        ("Rash in the groin area, no drainage.", "groin"),
    ],
)
def test_temperatures_verbs_and_body_areas_stay(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Awaiting bed on Frost 7.", "Frost"),
        ("REPORT GIVEN TO RN ON MOLING 3.", "MOLING"),
        ("Referred by Wood Health for evaluation.", "Wood Health"),
        ("PT WAS AT THORIER HEALTH FOR 3 WEEKS.", "THORIER"),
        ("found down near elm rd by a neighbor.", "elm rd"),
    ],
)
def test_wards_by_a_bed_or_a_nurse_health_systems_and_streets_near(text: str, value: str) -> None:
    assert touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Social-Health care proxy obtained yesterday.", "Social"),
        ("Followed by Mental Health for depression.", "Mental"),
        ("Pt in good health until 3 days ago.", "good"),
        ("MOTHER, AGED NINETY-SIX, LIVES WITH PT.", "LIVES WITH"),
        ("Pt on day 7 of abx.", "day"),
    ],
)
def test_kinds_of_health_and_number_words_stay(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PT LIVES IN NORTH PARK WITH HER HUSBAND.", "NORTH PARK"),
        ("grew up in mission hill, retired mbta driver.", "mission hill"),
        ("Has an apartment in Jamaica Plain, 3rd floor.", "Plain"),
    ],
)
def test_districts_by_a_geographic_tail(text: str, value: str) -> None:
    assert touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("tenderness in the dorsolumbar area on palpation.", "dorsolumbar"),
        ("Transferred to another center for surgery.", "another"),
        ("as defined by the World Health Organization.", "World"),
        ("Pain in the left corner of the mouth.", "left corner"),
    ],
)
def test_anatomy_and_generic_words_stay(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("referred by holy rosary hospital for evaluation.", "holy rosary"),
        ("REFERRED BY PRETSON FOR EVALUATION.", "PRETSON"),
        ("CATH AT CLITTON GENERAL SHOWED 3VD.", "CLITTON"),
        ("osh: brawley general. plan: cont", "brawley"),
        ("PT WAS AT WOOD HEALTH FOR 3 WEEKS.", "WOOD HEALTH"),
        ("FOLLOWED BY HIS PCP AT CENTEIO.", "CENTEIO"),
    ],
)
def test_referring_hospitals_and_where_care_happened(text: str, value: str) -> None:
    assert touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("CARDIAC CATH IN BAHAMAS SHOWED 3V CAD.", "BAHAMAS"),
        ("Referred by Dr P. Vandermolen, consultant.", "Dr"),
        ("referred by her PCP for evaluation.", "PCP"),
        ("The patient was referred to Neurosurgery where ICP was monitored.", "Neurosurgery"),
        ("In general, pt tolerating diet.", "general"),
        ("Seen by general surgery at bedside.", "general"),
    ],
)
def test_countries_titles_and_services_stay(text: str, value: str) -> None:
    assert not touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Home: Grasdale\nCode: full", "Grasdale"),
        ("LIVES: GLEN BIECKPON, W/ WIFE.", "BIECKPON"),
        ("day memorial->here for cath.", "day memorial"),
        ("GKMH -> here for cath.", "GKMH"),
    ],
)
def test_labelled_towns_and_where_a_patient_came_from(text: str, value: str) -> None:
    assert touched(text, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Lives: w/ wife in a 2 family house.", "wife"),
        ("HOME: ALONE, INDEPENDENT.", "ALONE"),
        ("RESP: LS ININTALLY CLEAR -> THIS AM COARSE.", "CLEAR"),
        ("sats 88% -> here on NRB.", "88"),
    ],
)
def test_label_and_arrow_look_alikes_stay(text: str, value: str) -> None:
    assert not touched(text, value)


def test_a_given_name_and_a_word_surname_before_a_kin_word() -> None:
    text = "Spoke with Evertt Bowman (sister) re: goals of care."
    assert covered(text, "Evertt Bowman") is PhiType.NAME
    assert not touched("Foley Catheter (new) placed, son aware.", "Foley")


def test_a_device_after_via_is_no_town() -> None:
    assert not touched("GU: voiding via purewick, urine clear yellow.", "purewick")
