"""Round 8 forms of the weak Safe Harbor categories: identifiers of other countries and labels,
organisations named by their frame, postcodes typed in lower case or after a town and a dash,
street forms of other countries, holidays and half-years — and the scores, drugs and words
around them that stay. Values are surrogates written for these tests."""

from __future__ import annotations

import pytest

from services.ingestor.phi.detect import detect_phi


def masked(text: str) -> list[str]:
    return [text[s.start : s.end] for s in detect_phi(text)]


def covered(text: str, value: str) -> bool:
    start = text.index(value)
    return any(s.start < start + len(value) and start < s.end for s in detect_phi(text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # labels that say "is", "is still", "is now"
        ("Medicare is still 5120 38817 4. I called the office.", "5120 38817 4"),
        # a dot between a hospital's prefix and the number
        ("UHID: QM2.0018843   Bed 4", "QM2.0018843"),
        # RAMQ: four letters of the name, then eight digits
        ("Name: GAGNON, Luc   RAMQ: GAGL 6203 1187   Bed 2", "GAGL 6203 1187"),
        ("security officer, badge no. 61942, was present", "61942"),
        ("Prov No 3302716J at the practice", "3302716J"),
        ("CHI No: 2208541173 on the referral", "2208541173"),
        ("IPD No: IP/23/40719 admitted", "IP/23/40719"),
        ("rx # 7720914 needs renewal", "7720914"),
        ("Dossier: 8830194", "8830194"),
        # the last four digits of an SSN, however they are named
        ("Verified: last 4 of SSN 7719, DOB on file", "7719"),
        ("ssn last four: 2038", "2038"),
        ("social ending in 5521 confirmed", "5521"),
        ("SSN xxx-xx-6604 on the form", "6604"),
        # a UK National Insurance number
        ("NI number JT 48 19 27 B", "JT 48 19 27 B"),
        ("NINO: HK739204A", "HK739204A"),
    ],
)
def test_identifiers_by_label_and_shape(text: str, value: str) -> None:
    assert covered(text, value), masked(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("TPA: Paramount Health   Insurer: ICICI LOMBARD   Policy No: 4418", "Paramount Health"),
        ("TPA: Paramount Health   Insurer: ICICI LOMBARD   Policy No: 4418", "ICICI LOMBARD"),
        ("Insurance: Wrenfield Health ID 22910447. Meals delivered.", "Wrenfield Health"),
        ("Confirmed Part D plan: WellRx Select. Routed to RN.", "WellRx Select"),
        ("pt's ins is amerihealth of pa, id # kf2290143.", "amerihealth of pa"),
        ("INSURANCE QUARTZ MEMBER ID QZ8810294.", "QUARTZ"),
        # a payer's or a practice's tail
        ("Prior auth was denied by CORALVIEW HEALTH PLAN on 4/2.", "CORALVIEW HEALTH PLAN"),
        ("SECONDARY INS FARMERS MUTUAL OF IOWA.", "FARMERS MUTUAL OF IOWA"),
        ("PCP: Dr. Lin (Brookhollow Family Medicine)", "Brookhollow Family Medicine"),
        ("Copy to Kelvingrove Family Practice, fax to follow", "Kelvingrove Family Practice"),
        # a school after what a pupil or teacher does there
        ("she attended shepherd state and taught at west kessler high", "shepherd state"),
        ("she attended shepherd state and taught at west kessler high", "west kessler high"),
        # a brand written with an inner capital after "at"
        ("bloods drawn at MedLabz yesterday", "MedLabz"),
        # a chain in a lower-case note between "the" and where the shop stands
        ("can you send it to the cvs on oakmont rd instead", "cvs"),
        # Quebec's public bodies and French hospital names
        ("f/u at clsc de verdun next week", "clsc de verdun"),
        ("transferred from Hôpital Sainte-Croix overnight", "Hôpital Sainte-Croix"),
        # tails of trades
        ("the car was towed by Marlow Towing to the yard", "Marlow Towing"),
    ],
)
def test_organisations_by_frame(text: str, value: str) -> None:
    assert covered(text, value), masked(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Address: 12 Hollis Cres, Etobicoke ON m9b 2k4", "m9b 2k4"),
        ("1830 e 12th ave, burnaby bc v5n 2a1", "v5n 2a1"),
        ("1830 e 12th ave, burnaby bc v5n 2a1", "burnaby"),
        ("1830 e 12th ave, burnaby bc v5n 2a1", "1830 e 12th ave"),
        ("my postcode is ls6 3qd and the surgery is near", "ls6 3qd"),
        ("Plot 7, MG Road, Kothrud, Pune - 411 038", "411 038"),
        ("Link Road, Malad (W) - 400064.", "400064"),
        ("Link Road, Malad (W) - 400064.", "Malad"),
        ("1200 boul. Saint-Joseph, Québec QC G1R 4T3", "Québec"),
        ("they moved to 88 rue des Érables, levis qc g6v 3b2", "88 rue des Érables"),
        ("Address: 14 Waratah Pde, Kiama NSW 2533", "14 Waratah Pde"),
        ("Unit 2/41 Lorikeet Cres, Ashgrove QLD 4060", "2/41 Lorikeet Cres"),
        ("lives at 8810 109 St NW, Edmonton AB", "8810 109 St NW"),
        ("MVC on Crowsnest Trail at 0200", "Crowsnest Trail"),
    ],
)
def test_postcodes_and_streets_of_other_countries(text: str, value: str) -> None:
    assert covered(text, value), masked(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("pain since Boxing Day, worse at night", "Boxing Day"),
        ("seen on Anzac Day at the clinic", "Anzac Day"),
        ("growth slowed from mid-2019 onwards", "2019"),
    ],
)
def test_dates_of_other_calendars(text: str, value: str) -> None:
    assert covered(text, value), masked(text)


@pytest.mark.parametrize(
    "text",
    [
        "Snoring, Epworth 14, BMI 41.",
        "Pancreatitis: Ranson 3, Balthazar D on CT.",
        "Melanoma, Breslow 1.2 mm, Clark level IV, no ulceration.",
        "Stool chart: Bristol type 7 x3 overnight.",
        "Started KEYTRUDA 200 MG Q3W and OPDIVO was stopped.",
        "Temp ID: 98.6 today; ID: TMAX 99.8",
        "The health plan denied it. Insurance: pending. Pharmacy: none.",
        "School: none. Employer: retired. Insurance is private.",
        "spoke with the cvs: rrr, no murmur",
    ],
)
def test_scores_drugs_readings_and_empty_labels_stay(text: str) -> None:
    assert masked(text) == []


def test_a_ward_before_its_floor_number_is_still_a_place() -> None:
    # "Wells" is a score only with its noun: "Wells 4" is a ward and its floor
    assert "Wells" in masked("Transferred to Wells 4 overnight.")


def test_kind_words_of_a_name_are_not_places_where_they_recur() -> None:
    text = "Danforth Family Health Team\nHealth Card #: 1188-204-771-QX"
    assert "Health" not in masked(text)[1:]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a name before a provider's two-word tail, in any case
        ("pt came from willowmere assisted living via ems", "willowmere assisted living"),
        ("REFERRED TO HARTSEL DIALYSIS CENTER FOR CHAIR TIME", "HARTSEL DIALYSIS CENTER"),
        ("services from quillon home care resume monday", "quillon home care"),
        ("seen at Holy Rosary last year", "Holy Rosary"),
        # labels written with two signs, and the labels of payers' numbers
        ("Medicaid ID#: QX88120347", "QX88120347"),
        ("Med Rec # 72-330-118 GU: voiding", "72-330-118"),
        ("Subscriber # KLMN 4410 2297", "KLMN 4410 2297"),
        ("MBR ID TRWQ 6602 1184", "TRWQ 6602 1184"),
        ("PIN code 682 021 near the temple", "682 021"),
        # a labelled value ends before the next label
        ("TPA: Vandor Plan: continue current meds", "Vandor"),
    ],
)
def test_providers_and_labels_round8(text: str, value: str) -> None:
    assert covered(text, value), masked(text)


@pytest.mark.parametrize(
    "text",
    [
        "Transferred to the nearest dialysis center for chair time.",
        "Her usual nursing home is full; skilled nursing home search started.",
        "He believes the Holy Spirit guides him.",
        "Med Rec # 72-330-118 GU: voiding",
        "PIN code 682 021 ok",
    ],
)
def test_qualified_providers_faith_and_next_labels_stay(text: str) -> None:
    spans = masked(text)
    assert not any(
        w in " ".join(spans) for w in ("nearest", "usual", "skilled", "Spirit", "GU", "ok")
    )


def test_after_an_organisation_ordinary_words_are_the_sentence_not_a_town() -> None:
    assert "loves the job" not in masked("Works at Ware Roofing, loves the job. Sleeps well.")
    assert "castle rock" in masked("Referred from Riverside Family Practice, castle rock.")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("PMH: CABG FEB/03, stents since.", "FEB/03"),
        ("last colonoscopy Oct/2019, normal", "Oct/2019"),
        ("admitted 14-16/7/2024 with cellulitis", "14-16/7/2024"),
        ("away on the 17th-19th, back after", "17th-19th"),
        ("surgery nov-2011, uneventful", "nov-2011"),
    ],
)
def test_month_slash_year_day_ranges_and_ordinal_ranges_are_dates(text: str, value: str) -> None:
    assert covered(text, value), masked(text)


@pytest.mark.parametrize(
    "text",
    [
        "Rash over the 4th-5th ICS and the 2nd-3rd digits.",
        "Twins, 1st-2nd trimester uneventful.",
        "Takes 2-3/4 tab, pain 1-2/10.",
    ],
)
def test_counted_ordinals_and_fractions_stay(text: str) -> None:
    assert masked(text) == []


def test_names_with_accents_are_whole_words() -> None:
    # a surname after "dr." in a lower-case note, whatever its letters
    assert "lévesque" in masked("no change. will fax dr. lévesque tomorrow.")


def test_the_line_under_an_addressee_is_the_body_before_its_town() -> None:
    text = "To,\nDr. Farhan Qureshi, DM (Cardio)\nKIMSHEALTH, Thiruvananthapuram\n\nSub: referral"
    assert "KIMSHEALTH" in masked(text)


def test_my_work_in_brackets_names_the_employer() -> None:
    assert "Quorbex" in masked("My work (Quorbex) needs a certificate.")
    assert masked("blood work (CBC, BMP) sent; my work (night shifts) is hard.") == []


def test_an_ordinal_range_before_a_label_is_a_date() -> None:
    assert "17th-18th" in masked("DATE: 17th-18th     TIME: 09:10     PAGES: 3")
